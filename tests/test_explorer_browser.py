"""The explorer as a student uses it: `sim explore` on a free loopback port, driven in headless Chromium at a
desktop's size (1440 x 900) and a phone's (390 x 844).

Needs the system's Chromium (Debian's `chromium`; `make test` installs it);
without one the module is skipped and says why. A failing test saves a
screenshot of every open page into its temporary folder and prints the path.
The tests that run ensembles are marked slow.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect, sync_playwright

from sim.explore.explain import DETERMINANTS as DETERMINANT_TEXT
from sim.explore.explain import GLOSSARY
from sim.explore.headless import CHROMIUM_ARGS, find_chromium, running_explorer
from sim.runs.reproduce import reproduce

CHROMIUM = find_chromium()
# A browser per test, seconds each: the slow tier, which CI runs.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason=(
    "no Chromium found (set CHROMIUM, or install Debian's chromium: `make test` does it as root)"))]
# Generous: the page draws on the server, and the machine may be busy with other work.
WAIT_MS = 120_000
# "What matters most?" runs about twenty ensembles.
IMPORTANCE_WAIT_MS = 900_000
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# Days simulated so far, read from the page's date line in the browser.
DAYS_SIMULATED = "+((document.querySelector('.replicate-date').innerText.match(/day (\\d+) of/) || [0, 0])[1])"
# Every control a student can use, among the elements on show.
CONTROLS = "button, input, [role=button], [role=tab], .v-select, a[href]"

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


def _context(browser, viewport) -> BrowserContext:
    ctx = browser.new_context(viewport=viewport, accept_downloads=True)
    ctx.set_default_timeout(WAIT_MS)
    return ctx


@pytest.fixture
def desktop(browser):
    ctx = _context(browser, DESKTOP)
    yield ctx
    ctx.close()


@pytest.fixture
def phone(browser):
    ctx = _context(browser, PHONE)
    yield ctx
    ctx.close()


def screenshot_on_failure(test):
    """Save a screenshot of every open page when the test fails, then fail as before."""
    @functools.wraps(test)
    def wrapper(*args, tmp_path, **kwargs):
        try:
            return test(*args, tmp_path=tmp_path, **kwargs)
        except BaseException:
            contexts = [v for v in kwargs.values() if isinstance(v, BrowserContext)]
            for c, context in enumerate(contexts):
                for k, open_page in enumerate(context.pages):
                    shot = tmp_path / f"failure-{test.__name__}-{c}-{k}.png"
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
    """Pick `option` in the drop-down list with the class `control` (in its own open menu)."""
    page.locator(f".{control}").click()
    page.locator(".menuable__content__active").get_by_role("option", name=option, exact=True).click()


def date_line(page) -> str:
    return page.locator(".replicate-date").inner_text()


def image_source(page, css: str) -> str:
    return page.locator(f"{css} img, img{css}").first.get_attribute("src")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def run_ensemble(page, replicates: str = "10") -> None:
    open_tab(page, "Many histories")
    choose(page, "pick-replicates", replicates)
    page.get_by_role("button", name="Run the ensemble").click()
    page.locator(".ensemble-progress").wait_for()
    expect(page.get_by_role("button", name="Run the ensemble")).to_be_enabled()


# ----- a desktop ---------------------------------------------------------------------------
@screenshot_on_failure
def test_page_explains_itself_in_plain_words(desktop, url, tmp_path, workdir):
    page = open_page(desktop, url)
    assert "open " + url in (workdir / "explorer-server.log").read_text()    # `sim explore` says where it is
    assert "Start: 1 January 2022" in date_line(page)
    for text in DETERMINANT_TEXT.values():
        assert page.get_by_text(text.title, exact=True).first.is_visible()
    assert page.get_by_text("This website runs on").count() == 0             # no badge over the page
    command = page.locator(".command-line")
    assert not command.is_visible()                                           # the command line waits behind a link
    page.get_by_text("Details: the same run from the command line").click()
    expect(command).to_contain_text("sim run scenario=baseline")
    page.get_by_text("Words used on this page").click()
    glossary = page.locator(".glossary")
    for word in ("replicate", "ensemble", "seed", "median", "95% interval"):
        assert word in GLOSSARY
        expect(glossary).to_contain_text(word)
    page.get_by_text("How this model works").click()
    page.get_by_text("Chance and ensembles").wait_for()


@screenshot_on_failure
def test_watch_jump_step_play_with_the_events_that_matter(desktop, url, tmp_path):
    page = open_page(desktop, url)
    map_before, chart_before = image_source(page, ".replicate-map"), image_source(page, ".replicate-chart")
    page.get_by_role("button", name="Jump to 1 August 2026").click()
    page.locator(".replicate-date", has_text="1 August 2026").wait_for()
    assert "following your choices" in date_line(page)
    assert image_source(page, ".replicate-map") != map_before
    assert image_source(page, ".replicate-chart") != chart_before
    events = page.locator(".event-list").inner_text()
    assert "Dated change:" in events                                          # the history's changes are told
    routine = re.compile(r"raid|air strike|cross(es)? from Syria", re.IGNORECASE)
    assert not routine.search(events)                                         # routine events wait for a tick
    page.get_by_text("Show routine events too (raids, air strikes, border crossings)").click()
    expect(page.locator(".event-list")).to_contain_text(routine)
    page.get_by_text("attack in the last 30 days").wait_for()                 # the map's key
    choose(page, "pick-speed", "three months")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => {DAYS_SIMULATED} >= 1673 + 2 * 91")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    with page.expect_download() as download:
        page.get_by_role("button", name="Save the map (PNG)").click()
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert download.value.suggested_filename.startswith("map_baseline_replicate0_")


@screenshot_on_failure
def test_a_change_asks_before_restarting_the_watched_history(desktop, url, tmp_path):
    page = open_page(desktop, url)
    page.get_by_role("button", name="Step (a month)").click()
    page.locator(".replicate-date", has_text="day 30 of").wait_for()
    choose(page, "determinant-syria", "collapse: prisons and camps break open")
    page.locator(".confirm-change").wait_for()
    page.get_by_role("button", name="Keep watching").click()
    expect(page.locator(".confirm-change")).to_have_count(0)
    assert "day 30 of" in date_line(page)
    choose(page, "determinant-syria", "collapse: prisons and camps break open")
    page.get_by_role("button", name="Change it and start again").click()
    page.locator(".replicate-date", has_text="Start: 1 January 2022").wait_for()
    page.get_by_text("Changed from the scenario").wait_for()
    page.get_by_text("One replicate of baseline + Syria: collapse").wait_for()


@pytest.mark.slow
@screenshot_on_failure
def test_ensembles_are_named_shown_over_time_kept_compared_and_saved(desktop, url, tmp_path, workdir):
    page = open_page(desktop, url)
    choose(page, "determinant-syria", "collapse: prisons and camps break open")
    choose(page, "determinant-regional", "open regional war")
    page.get_by_text("Changed from the scenario").wait_for()
    run_ensemble(page)
    title = page.locator(".result-title")
    expect(title).to_contain_text("Result 1: baseline + Syria: collapse + region: regional war")
    words = page.locator(".ensemble-words").inner_text()
    assert "10 replicates from 1 January 2022" in words and "than the baseline" in words
    assert "95% interval" in words and "In 2027 a median of".lower() in words.lower()
    page.locator(".ensemble-chart").wait_for()
    page.get_by_role("button", name="Back to the scenario's own choices").click()
    expect(page.get_by_text("Changed from the scenario")).to_have_count(0)
    run_ensemble(page)
    expect(title).to_have_text("Result 2: baseline")
    assert "is the baseline itself" in page.locator(".ensemble-words").inner_text()
    expect(page.locator(".compare-words")).to_contain_text("replicate by replicate")   # same seed and count
    choose(page, "compare-a", "2. baseline")
    choose(page, "compare-b", "1. baseline + Syria: collapse + region: regional war")
    expect(page.locator(".compare-words")).to_contain_text("1. baseline + Syria: collapse + region: regional war")
    page.reload()
    page.locator(".replicate-date").wait_for()
    open_tab(page, "Many histories")
    expect(page.locator(".shelf-entry")).to_have_count(2)                     # kept through the reload
    page.locator(".ensemble-chart").wait_for()
    page.get_by_role("button", name="Save as a run directory").click()
    page.locator(".saved-runs").wait_for()
    run_dir = workdir / page.locator(".saved-runs li").first.inner_text()
    assert run_dir.parent == workdir / "outputs/explorer/baseline"
    check = reproduce(run_dir, progress=False)                                # what `sim reproduce RUN_DIR` runs
    assert check.ok, check


@pytest.mark.slow
@screenshot_on_failure
def test_what_matters_most_is_answered_on_the_page(desktop, url, tmp_path):
    """The question of the page: which determinant matters most for 2027, and by how much?"""
    page = open_page(desktop, url)
    open_tab(page, "What matters most?")
    choose(page, "pick-importance-replicates", "10")
    page.get_by_role("button", name="Find what matters most").click()
    page.locator(".importance-progress").wait_for()
    answer = page.locator(".importance-answer")
    answer.wait_for(timeout=IMPORTANCE_WAIT_MS)
    text = answer.inner_text()
    titles = [t.title for t in DETERMINANT_TEXT.values()]
    found = re.search(r"(.+) matters most in 2027: set to (.+?), about (\d+\.\d) (more|fewer) attacks a month "
                      r"than with your choices \(95% interval ([-+]\d+\.\d) to ([-+]\d+\.\d)\)", text)
    assert found, text
    assert found.group(1).strip() in titles
    first_listed = answer.locator("ol li").first.inner_text()
    assert first_listed.startswith(found.group(1).strip() + ": set to")
    low, high, size = float(found.group(5)), float(found.group(6)), float(found.group(3))
    assert low <= (size if found.group(4) == "more" else -size) <= high
    page.locator(".importance-chart").wait_for()


@screenshot_on_failure
def test_a_second_tab_has_its_own_choices(desktop, url, tmp_path):
    first = open_page(desktop, url)
    choose(first, "pick-scenario", "worst case")
    first.get_by_text("Every determinant at its worst").first.wait_for()
    first.get_by_role("button", name="Step (a month)").click()
    first.locator(".replicate-date", has_text="day 30 of").wait_for()
    second = open_page(desktop, url)
    assert "Start: 1 January 2022" in date_line(second)
    assert second.get_by_text("The observed course continues").first.is_visible()
    assert "day 30 of" in date_line(first)


# ----- a phone -----------------------------------------------------------------------------
OFF_SCREEN = """(selector) => {
  const width = window.innerWidth;
  const shown = [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  });
  const outside = shown.filter(e => {
    const r = e.getBoundingClientRect();
    return r.left < -1 || r.right > width + 1;
  });
  return {count: shown.length,
          outside: outside.map(e => (e.innerText || e.getAttribute('aria-label') || e.className).slice(0, 60))};
}"""
# Boxes that scroll sideways, the maps' own strip apart (a phone shows the maps at their size, to be slid).
SIDEWAYS = """() => [...document.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 &&
  ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && !e.classList.contains('map-row'))
  .map(e => e.className.toString().slice(0, 60))"""


def expand_details(page) -> None:
    for header in page.locator(".v-expansion-panel-header").all():
        if header.is_visible() and header.get_attribute("aria-expanded") != "true":
            header.click()


def assert_every_control_on_screen(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(SIDEWAYS) == [], "something scrolls sideways"
    found = page.evaluate(OFF_SCREEN, CONTROLS)
    assert found["count"] > 0 and found["outside"] == [], found["outside"]


@screenshot_on_failure
def test_on_a_phone_the_page_is_one_column_with_every_control_on_screen(phone, url, tmp_path):
    page = open_page(phone, url)
    side, main = page.locator(".explorer-side").bounding_box(), page.locator(".explorer-main").bounding_box()
    assert side["y"] + side["height"] <= main["y"] + 1 and main["width"] <= PHONE["width"]   # one column
    assert page.get_by_text("This website runs on").count() == 0
    for css in (".replicate-map", ".replicate-map-hills"):                     # maps at their own size, readable
        assert page.locator(f"{css} img, img{css}").first.bounding_box()["width"] >= 600
    for tab in ("Watch one history", "Many histories", "What matters most?"):
        open_tab(page, tab)
        expand_details(page)
        assert_every_control_on_screen(page)


@pytest.mark.slow
@screenshot_on_failure
def test_on_a_phone_an_ensemble_runs_and_its_chart_fits(phone, url, tmp_path):
    page = open_page(phone, url)
    run_ensemble(page)
    chart = page.locator(".ensemble-chart img, img.ensemble-chart").first
    chart.wait_for()
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert_every_control_on_screen(page)
