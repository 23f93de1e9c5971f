"""The explorer as a person uses it: `sim explore` on a free loopback port, driven in headless Chromium.

Needs the system's Chromium (Debian's `chromium`; `make test` installs it);
without one the module is skipped and says why. A failing test saves a
screenshot of the page beside its temporary folder's other files.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from sim.explore.headless import CHROMIUM_ARGS, find_chromium, running_explorer
from sim.runs.reproduce import reproduce

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=(
    "no Chromium found (set CHROMIUM, or install Debian's chromium: `make test` does it as root)"))
# Generous: the page draws on the server, and the machine may be busy with other work.
WAIT_MS = 90_000
VIEWPORT = {"width": 1500, "height": 1100}
# Days simulated so far, read from the page's date line in the browser.
DAYS_SIMULATED = "+((document.querySelector('.replicate-date').innerText.match(/day (\\d+) of/) || [0, 0])[1])"


expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("explorer")


@pytest.fixture(scope="module")
def url(workdir):
    with running_explorer(workdir, workers=2) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


def screenshot_on_failure(test):
    """Save a screenshot of every open page when the test fails, then fail as before."""
    @functools.wraps(test)
    def wrapper(*args, context, tmp_path, **kwargs):
        try:
            return test(*args, context=context, tmp_path=tmp_path, **kwargs)
        except BaseException:
            for k, open_page in enumerate(context.pages):
                shot = tmp_path / f"failure-{test.__name__}-{k}.png"
                open_page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot of the failing page: {shot}")
            raise
    return wrapper


def open_page(context, url):
    page = context.new_page()
    page.goto(url)
    page.locator(".replicate-date").wait_for()
    return page


def choose(page, control: str, option: str) -> None:
    page.locator(f".{control}").click()
    page.get_by_role("option", name=option, exact=True).click()


def date_line(page) -> str:
    return page.locator(".replicate-date").inner_text()


def image_source(page, css: str) -> str:
    return page.locator(f"{css} img, img{css}").first.get_attribute("src")


@screenshot_on_failure
def test_page_loads_with_determinants_explained(context, url, tmp_path, workdir):
    page = open_page(context, url)
    assert "open " + url in (workdir / "explorer-server.log").read_text()    # `sim explore` says where it is
    assert "Start: 1 January 2024" in date_line(page)
    for title in ("Coalition withdrawal", "The Syrian side of the border", "Regional conflict"):
        assert page.get_by_text(title).first.is_visible()
    page.get_by_text("How this model works").click()
    page.get_by_text("Chance and ensembles").wait_for()


@screenshot_on_failure
def test_watch_a_replicate_with_a_changed_determinant(context, url, tmp_path):
    page = open_page(context, url)
    choose(page, "determinant-syria", "collapse: prisons and camps break open")
    page.get_by_text("Changed from the scenario").wait_for()
    page.get_by_text("syria=collapse").wait_for()
    map_before, chart_before = image_source(page, ".replicate-map"), image_source(page, ".replicate-chart")
    page.get_by_role("button", name="a month").click()
    page.get_by_role("button", name="Step (a month)").click()
    page.locator(".replicate-date", has_text="day 30 of 1461").wait_for()
    assert image_source(page, ".replicate-map") != map_before
    assert image_source(page, ".replicate-chart") != chart_before
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => {DAYS_SIMULATED} >= 90")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    assert page.locator(".event-list li").count() > 0
    with page.expect_download() as download:
        page.get_by_role("button", name="Save the map as PNG").click()
    saved = Path(download.value.path())
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert download.value.suggested_filename.startswith("map_status_quo_2024_replicate0_")


@screenshot_on_failure
def test_ensemble_beside_baseline_saved_and_reproduced_while_the_page_stays_responsive(context, url, tmp_path,
                                                                                       workdir):
    page = open_page(context, url)
    choose(page, "determinant-regional", "open regional war")
    page.get_by_text("regional=regional_war").wait_for()
    choose(page, "pick-end", "31 December 2024")
    page.get_by_text("end=2024-12-31").wait_for()
    page.get_by_role("button", name="10", exact=True).click()
    page.get_by_role("button", name="Run the ensemble").click()
    page.locator(".ensemble-progress").wait_for()
    page.get_by_role("button", name="Step (a week)").click()            # the page answers while it runs
    page.locator(".replicate-date", has_text="day 7 of 366").wait_for()
    page.locator(".ensemble-chart").wait_for()
    words = page.locator(".ensemble-words").inner_text()
    assert "status_quo_2024, 10 replicates from 2024-01-01 to 2024-12-31" in words
    assert "Baseline" in words and "2024 rate of" in words and "% of replicates" in words
    with page.expect_download() as download:
        page.get_by_role("button", name="Save the chart as PNG").last.click()
    assert Path(download.value.path()).read_bytes()[:4] == b"\x89PNG"
    page.get_by_role("button", name="Save as a run directory").click()
    page.locator(".saved-runs").wait_for()
    run_dir = workdir / page.locator(".saved-runs li").first.inner_text()
    assert run_dir.parent == workdir / "outputs/explorer/status_quo_2024"
    check = reproduce(run_dir, progress=False)           # what `sim reproduce RUN_DIR` runs
    assert check.ok and len(check.matching) == 10, check
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the scenario's run (zip)").click()
    assert download.value.suggested_filename.endswith(".zip")


@screenshot_on_failure
def test_a_second_tab_has_its_own_state(context, url, tmp_path):
    first = open_page(context, url)
    choose(first, "pick-scenario", "worst case")
    first.get_by_text("Every determinant at its worst").wait_for()
    first.get_by_role("button", name="Step (a week)").click()
    first.locator(".replicate-date", has_text="day 7 of").wait_for()
    second = open_page(context, url)
    assert "Start: 1 January 2024" in date_line(second)
    assert second.get_by_text("The baseline: the 2024 coalition posture kept throughout").is_visible()
    assert "day 7 of" in date_line(first)
    assert first.get_by_text("Every determinant at its worst").is_visible()
