"""Make the explorer's pictures in docs/: the page in typical states, photographed in headless Chromium.

    python docs/explorer_screenshot.py [--folder docs]

Writes, from one explorer started for the purpose:
- explorer.png: a desktop (1440 pixels wide) with a full exit and a collapse in Syria chosen, 30 replicates
  run beside the baseline, the result over time and the shelf;
- explorer_map.png: the same choices watched to two months after the branch date (the maps);
- explorer_what_matters.png: "what matters most?" answered for the baseline's choices, 20 replicates per
  variant (it runs about twenty ensembles: minutes on a two-core laptop);
- explorer_phone.png: the watched history on a phone (390 x 844).
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


def choose(page, control: str, option: str) -> None:
    page.locator(f".{control}").click()
    page.locator(".menuable__content__active").get_by_role("option", name=option, exact=True).click()


def open_page(browser, url: str, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    page.locator(".replicate-date").wait_for()
    return page


def full_exit_with_collapse(page) -> None:
    choose(page, "pick-scenario", "full exit")
    page.get_by_text("A complete exit from the branch date").first.wait_for()
    choose(page, "determinant-syria", "collapse: prisons and camps break open")
    page.get_by_text("Changed from the scenario").wait_for()


def desktop_pictures(browser, url: str) -> dict[str, bytes]:
    page = open_page(browser, url, 1440, 1500)
    full_exit_with_collapse(page)
    page.get_by_role("tab", name="Many histories").click()
    choose(page, "pick-replicates", "30")
    page.get_by_role("button", name="Run the ensemble").click()
    page.locator(".ensemble-chart").wait_for()
    page.get_by_role("button", name="Run the ensemble").click(trial=True)   # waits until the run has ended
    page.mouse.move(0, 0)
    shots = {"explorer.png": page.screenshot()}
    page.get_by_role("tab", name="Watch one history").click()
    page.get_by_role("button", name="Jump to 1 August 2026").click()
    page.locator(".replicate-date", has_text="1 August 2026").wait_for()
    page.get_by_role("button", name="Step (a month)").click()
    page.locator(".replicate-date", has_text="31 August 2026").wait_for()
    page.get_by_role("button", name="Step (a month)").click()
    page.locator(".replicate-date", has_text="30 September 2026").wait_for()
    shots["explorer_map.png"] = page.locator(".map-row").screenshot()
    page.close()
    page = open_page(browser, url, 1440, 2400)
    page.get_by_role("tab", name="What matters most?").click()
    page.get_by_role("button", name="Find what matters most").click()
    page.locator(".importance-chart").wait_for()
    page.get_by_role("button", name="Find what matters most").click(trial=True)
    shots["explorer_what_matters.png"] = page.locator(".explorer-main").screenshot()
    page.close()
    return shots


def phone_picture(browser, url: str) -> bytes:
    page = open_page(browser, url, 390, 844)
    page.get_by_role("button", name="Jump to 1 August 2026").click()
    page.locator(".replicate-date", has_text="1 August 2026").wait_for()
    page.get_by_role("tab", name="Watch one history").scroll_into_view_if_needed()
    page.locator(".replicate-map").scroll_into_view_if_needed()
    return page.screenshot()


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
        shots = desktop_pictures(browser, url)
        shots["explorer_phone.png"] = phone_picture(browser, url)
        browser.close()
    for name, png in shots.items():
        path = Path(ns.folder) / name
        path.write_bytes(shrink(png, 390 if name == "explorer_phone.png" else ns.width))
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
