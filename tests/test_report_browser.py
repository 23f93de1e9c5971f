"""The report as a reader opens it: headless Chromium with the network cut off renders every figure.

Needs the system's Chromium (Debian's `chromium`; `make test` installs it); without one the module is
skipped and says why.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from sim.explore.headless import CHROMIUM_ARGS, find_chromium

from test_report import FIGURES_OF_TWO_RUNS_AND_AN_ATTRIBUTION, WINDOW, records, report  # noqa: F401  (fixtures)

CHROMIUM = find_chromium()
# A browser per test, seconds each: the slow tier, which CI runs.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason=(
    "no Chromium found (set CHROMIUM, or install Debian's chromium: `make test` does it as root)"))]
# Every image decoded: complete, with its width, and the figures laid out at a visible size.
RENDERED = """Array.from(document.images).map(img => ({
    complete: img.complete, width: img.naturalWidth, shown: img.getBoundingClientRect().width}))"""


def opened(path, read: str):
    """What the script `read` returns from the page at `path`, opened in Chromium."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            return page.evaluate(read)
        finally:
            browser.close()


def test_each_section_heading_names_the_window_its_numbers_cover(report):  # noqa: F811  (the imported fixture)
    """The report was made with window=2022-02-01:2022-04-30; the record's windows and the parameters' date
    have their own, and the forecast's years are named in theirs."""
    start, _, end = WINDOW.partition(":")
    headings = opened(report, "Array.from(document.querySelectorAll('h2')).map(h => h.innerText)")
    by_start = {h.split(":")[0].split(",")[0]: h for h in headings}
    for section in ("Headline numbers", "Distributions and exceedance", "Paired differences"):
        assert by_start[section] == f"{section}: {start} to {end}"
    assert by_start["The forecast year by year"].endswith("2022 (2022-01-01 to 2022-04-30)")
    assert by_start["Parameters and their sources"].endswith("on the start date (2022-01-01)")
    assert by_start["The observed years against the record"].startswith("The observed years against the record, ")
    shown = opened(report, "Array.from(document.querySelectorAll('nav li')).map(li => li.innerText)")
    assert [h for h in headings if h in shown] == headings            # the contents list them as they are


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
