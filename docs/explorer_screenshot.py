"""Make the explorer's pictures in docs/: the page in typical states, photographed in headless Chromium at a
desktop's size (1280 x 800) and a phone's (390 x 844).

    python docs/explorer_screenshot.py [--folder docs]

Writes, from one explorer started for the purpose:
- explorer.png: a desktop with the US leaving completely (a complete exit, Kurdistan included), 30 replicates
  run beside the baseline: the 2027 answer, the model's reason, the chart over time;
- explorer_map.png: the same choices watched to two months after the branch date (the maps);
- explorer_what_matters.png: "what matters most?" answered for the baseline's choices, 20 replicates per
  variant (it runs about twenty ensembles: minutes on a two-core laptop);
- explorer_phone.png: the page's first screen on a phone: the choices folded, the tools;
- explorer_phone_answer.png: the 2027 answer for the complete exit on a phone, with its chart.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from sim.explore.headless import CHROMIUM_ARGS, find_chromium, running_explorer

WAIT_MS = 1_800_000
# Colours kept in the saved pictures: enough for the maps, small enough for the repository.
COLOURS = 256
DESKTOP, PHONE = (1280, 800), (390, 844)


def choose(page, control: str, option: str) -> None:
    page.locator(f".{control} select").select_option(label=option)


def open_page(browser, url: str, size: tuple[int, int], query: str = ""):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(WAIT_MS)
    page.goto(url + query)
    page.locator(".replicate-date, .run-ensemble, .run-importance").first.wait_for()
    return page


def from_element(page, css: str, height: int) -> bytes:
    """The page from the top of the element `css` down `height` pixels, the page's whole width."""
    top = page.locator(css).first.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    width = page.viewport_size["width"]
    return page.screenshot(full_page=True, clip={"x": 0, "y": max(0, top - 8), "width": width, "height": height})


def run_ensemble(page) -> None:
    page.locator(".ensemble-estimate", has_text="timed on this computer").wait_for()
    page.get_by_role("button", name="Run the ensemble").click()
    page.locator(".result-headline").wait_for()
    page.locator(".ensemble-chart svg").wait_for()
    page.mouse.move(0, 0)


def desktop_pictures(browser, url: str) -> dict[str, bytes]:
    page = open_page(browser, url, DESKTOP, "?drawdown=complete_exit&tab=ensemble&replicates=30")
    run_ensemble(page)
    shots = {"explorer.png": from_element(page, ".result-title", 1100)}
    page.get_by_role("tab", name="Watch one history").click()
    page.get_by_role("button", name="Jump to 1 August 2026").click()
    page.locator(".replicate-date", has_text="1 August 2026").wait_for()
    for day in ("31 August 2026", "30 September 2026"):
        page.get_by_role("button", name="Step (a month)").click()
        page.locator(".replicate-date", has_text=day).wait_for()
    page.wait_for_timeout(1500)
    shots["explorer_map.png"] = page.locator(".map-column").screenshot()
    page.close()
    page = open_page(browser, url, DESKTOP, "?tab=importance")
    page.locator(".importance-estimate", has_text="timed on this computer").wait_for()
    page.get_by_role("button", name="Find what matters most").click()
    page.locator(".importance-chart svg").wait_for()
    shots["explorer_what_matters.png"] = page.locator(".explorer-main").screenshot()
    page.close()
    return shots


def phone_pictures(browser, url: str) -> dict[str, bytes]:
    page = open_page(browser, url, PHONE, "?drawdown=complete_exit")
    page.locator(".phone-choices").wait_for()
    page.wait_for_timeout(3000)            # the maps and chart drawn again for the phone's width
    shots = {"explorer_phone.png": page.screenshot()}
    page.get_by_role("tab", name="Many histories").click()
    choose(page, "pick-replicates", "30")
    run_ensemble(page)
    shots["explorer_phone_answer.png"] = from_element(page, ".result-title", PHONE[1])
    page.close()
    return shots


def shrink(png: bytes, width: int) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.quantize(COLOURS).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", default="docs")
    parser.add_argument("--width", type=int, default=1000, help="width of the desktop pictures in pixels")
    ns = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("No Chromium found: install Debian's chromium or set CHROMIUM.")
    with tempfile.TemporaryDirectory() as workdir, running_explorer(Path(workdir)) as url, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        shots = {**desktop_pictures(browser, url), **phone_pictures(browser, url)}
        browser.close()
    for name, png in shots.items():
        path = Path(ns.folder) / name
        path.write_bytes(shrink(png, PHONE[0] if "phone" in name else ns.width))
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
