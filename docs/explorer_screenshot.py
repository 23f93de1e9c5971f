"""Make docs/explorer.png: the explorer in a typical state, photographed in headless Chromium.

    python docs/explorer_screenshot.py [--out docs/explorer.png]

The state: the accelerated 2025 drawdown with a complete exit from Kurdistan
and a collapse in Syria ("what if the coalition leaves Kurdistan too and the
Syrian camps break open?"), one replicate watched to mid-2026, and an ensemble
of 30 replicates beside the baseline.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from sim.explore.headless import CHROMIUM_ARGS, find_chromium, running_explorer

VIEWPORT = {"width": 1500, "height": 2750}
WAIT_MS = 180_000
DAYS_SIMULATED = "+((document.querySelector('.replicate-date').innerText.match(/day (\\d+) of/) || [0, 0])[1])"
# Colours kept in the saved picture: enough for the maps, small enough for the repository.
COLOURS = 256


def choose(page, control: str, option: str, shows: str) -> None:
    page.locator(f".{control}").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.get_by_text(shows).first.wait_for()


def photograph(url: str, chromium: str) -> bytes:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(WAIT_MS)
        page.goto(url)
        page.locator(".replicate-date").wait_for()
        choose(page, "pick-scenario", "accelerated 2025", "What happened in August 2025")
        choose(page, "determinant-drawdown", "a complete exit, Kurdistan included", "drawdown=full_exit")
        choose(page, "determinant-syria", "collapse: prisons and camps break open", "syria=collapse")
        page.get_by_role("button", name="a month").click()
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(f"() => {DAYS_SIMULATED} >= 900")
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="30", exact=True).click()
        page.get_by_role("button", name="Run the ensemble").click()
        page.locator(".ensemble-chart").wait_for()
        page.mouse.move(0, 0)
        png = page.screenshot()
        browser.close()
    return png


def shrink(png: bytes, width: int) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.quantize(COLOURS).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/explorer.png")
    parser.add_argument("--width", type=int, default=1000, help="width of the saved picture in pixels")
    ns = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("No Chromium found: install Debian's chromium or set CHROMIUM.")
    with tempfile.TemporaryDirectory() as workdir, running_explorer(Path(workdir)) as url:
        png = photograph(url, chromium)
    Path(ns.out).write_bytes(shrink(png, ns.width))
    print(f"wrote {ns.out} ({Path(ns.out).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
