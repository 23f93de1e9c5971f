"""The report as a reader opens it: headless Chromium with the network cut off renders every figure.

Needs the system's Chromium (Debian's `chromium`; `make test` installs it); without one the module is
skipped and says why.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from sim.explore.headless import CHROMIUM_ARGS, find_chromium

from test_report import FIGURES_OF_TWO_RUNS_AND_AN_ATTRIBUTION, records, report  # noqa: F401  (fixtures)

CHROMIUM = find_chromium()
# A browser per test, seconds each: the slow tier, which CI runs.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason=(
    "no Chromium found (set CHROMIUM, or install Debian's chromium: `make test` does it as root)"))]
# Every image decoded: complete, with its width, and the figures laid out at a visible size.
RENDERED = """Array.from(document.images).map(img => ({
    complete: img.complete, width: img.naturalWidth, shown: img.getBoundingClientRect().width}))"""


def test_every_figure_renders_in_chromium_with_no_network(report):  # noqa: F811  (the imported fixture)
    requested = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.route("**/*", lambda route: (requested.append(route.request.url), route.continue_()
                                              if route.request.url.startswith(("file:", "data:")) else route.abort()))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            images = page.evaluate(RENDERED)
            broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || !i.naturalWidth).length")
        finally:
            browser.close()
    assert len(images) == FIGURES_OF_TWO_RUNS_AND_AN_ATTRIBUTION
    assert broken == 0 and all(i["complete"] and i["width"] > 300 and i["shown"] > 300 for i in images)
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
