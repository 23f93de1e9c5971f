"""The explorer as a student uses it: `sim explore` on a free loopback port, driven in headless Chromium at a
desktop's size (1280 x 800) and a phone's (390 x 844), walking the page's two questions: "what if the US
leaves completely?" and "which determinant matters most for 2027?".

Each walk checks what the student reads (the 2027 answer with its interval, the model's reason on the
Syrian contrast), that the address keeps the page's state through reload, back and forward, that chart
text is at least 12 pixels where it is shown, and that axe-core finds nothing against WCAG 2.1 A and AA.
Needs the system's Chromium (Debian's `chromium`; `make test` installs it); without one the module is
skipped and says why. A failing test saves a screenshot of every open page into its temporary folder and
prints the path. All of it is the slow tier (CI runs it).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, expect, sync_playwright

from sim.config.determinants import DECLARATIONS
from sim.explore.explain import GLOSSARY
from sim.explore.headless import CHROMIUM_ARGS, find_chromium, running_explorer
from sim.explore.pictures import PNG_DENSITY
from sim.runs.reproduce import reproduce

CHROMIUM = find_chromium()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason=(
    "no Chromium found (set CHROMIUM, or install Debian's chromium: `make test` does it as root)"))]
# Generous: the page draws on the server, and the machine may be busy with other work.
WAIT_MS = 120_000
# "What matters most?" runs about twenty ensembles.
IMPORTANCE_WAIT_MS = 900_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Days simulated so far, read from the page's date line in the browser.
DAYS_SIMULATED = "+((document.querySelector('.replicate-date').innerText.match(/day (\\d+) of/) || [0, 0])[1])"
# Every control a student can use, among the elements on show.
CONTROLS = "button, input, select, [role=button], [role=tab], a[href]"
# WCAG 2.1 at levels A and AA, as axe-core tags its rules.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}
# The smallest text of every chart on show, in pixels: SVG font sizes times the scale the chart is shown at.
SMALLEST_CHART_TEXT = """() => {
  const sizes = [];
  for (const svg of document.querySelectorAll('.chart svg')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) sizes.push(parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  return sizes.length ? Math.min(...sizes) : null;
}"""
# The smallest text of the page outside the charts and maps, in pixels.
SMALLEST_PAGE_TEXT = """() => {
  const walker = document.createTreeWalker(document.querySelector('.explorer-page'), NodeFilter.SHOW_TEXT);
  let smallest = null, where = '';
  while (walker.nextNode()) {
    const e = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || e.closest('svg')) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const size = parseFloat(getComputedStyle(e).fontSize);
    if (smallest === null || size < smallest) { smallest = size; where = e.textContent.trim().slice(0, 40); }
  }
  return [smallest, where];
}"""
# Each map picture: its width on the page, and the width it was drawn for.
MAP_WIDTHS = f"""() => [...document.querySelectorAll('.map-box img')].map(
  i => [i.getBoundingClientRect().width, i.naturalWidth / {PNG_DENSITY}])"""
ANSWER = re.compile(r"In 2027, your choices minus the baseline: ([-+]?\d+\.\d) attacks a month on average \(95% "
                    r"interval ([-+]?\d+\.\d) to ([-+]?\d+\.\d)\)\. (.+?) in (\d+) of (\d+) runs")

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


def open_page(context, url, query: str = ""):
    page = context.new_page()
    page.goto(url + query)
    page.locator(".replicate-date, .result-title, .run-ensemble, .run-importance").first.wait_for()
    if page.viewport_size["width"] < 900:
        page.locator(".phone-choices").wait_for()          # the one-column page, once the width is known
    return page


def choose(page, control: str, option: str) -> None:
    """Pick `option` in the drop-down list with the class `control` (the browser's own list)."""
    page.locator(f".{control} select").select_option(label=option)


def chosen(page, control: str) -> str:
    return page.locator(f".{control} select").evaluate("s => s.options[s.selectedIndex].text")


def date_line(page) -> str:
    return page.locator(".replicate-date").inner_text()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def selected_tab(page) -> str:
    return page.locator("[role=tab][aria-selected=true]").inner_text().strip()


def run_ensemble(page, replicates: str = "10") -> None:
    open_tab(page, "Many histories")
    choose(page, "pick-replicates", replicates)
    expect(page.locator(".ensemble-estimate")).to_contain_text("from a run just timed on this computer")
    before = page.locator(".shelf-entry").count()
    page.get_by_role("button", name="Run the ensemble").click()
    expect(page.locator(".shelf-entry")).to_have_count(before + 1)
    print(page.locator(".ensemble-took").inner_text())         # the time taken beside the estimate


def assert_accessible(page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def assert_charts_readable(page) -> None:
    smallest = page.evaluate(SMALLEST_CHART_TEXT)
    assert smallest is not None and smallest >= 12, f"chart text of {smallest:.1f} px"


def assert_answer(page) -> re.Match:
    """The 2027 answer first: the difference from the baseline with its interval, and the runs counted."""
    found = ANSWER.search(page.locator(".result-headline").inner_text())
    assert found, page.locator(".result-headline").inner_text()
    difference, low, high = (float(found.group(k)) for k in (1, 2, 3))
    assert low <= difference <= high and int(found.group(6)) == 10 and int(found.group(5)) <= 10
    return found


# ----- a desktop ---------------------------------------------------------------------------
@screenshot_on_failure
def test_page_explains_itself_in_plain_words(desktop, url, tmp_path, workdir):
    page = open_page(desktop, url)
    assert "open " + url in (workdir / "explorer-server.log").read_text()    # `sim explore` says where it is
    assert "Start: 1 January 2020" in date_line(page)
    for text in DECLARATIONS.values():                                    # each list is named by its title
        assert page.get_by_label(text.title, exact=True).is_visible()
    assert page.get_by_text("This website runs on").count() == 0             # no badge over the page
    command = page.locator(".command-line")
    assert command.count() == 0                                               # the command line waits behind a fold
    page.get_by_role("button", name="Details: the same run from the command line").click()
    expect(command).to_contain_text("sim run scenario=baseline")
    page.get_by_role("button", name="Words used on this page").click()
    glossary = page.locator(".glossary")
    for word in ("replicate", "ensemble", "seed", "median", "95% interval"):
        assert word in GLOSSARY
        expect(glossary).to_contain_text(word)
    page.get_by_role("button", name="How this model works").click()
    page.get_by_text("Chance and ensembles").wait_for()
    choose(page, "pick-scenario", "agreed exit")                              # a later change is on its card
    expect(page.locator(".card-drawdown .later-change")).to_contain_text("on 30 September 2026")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"                                                 # the focus can be seen
    assert_accessible(page)


@screenshot_on_failure
def test_watch_jump_step_play_with_the_events_that_matter(desktop, url, tmp_path):
    page = open_page(desktop, url)
    page.get_by_role("button", name="Jump to 1 August 2026").click()
    page.locator(".replicate-date", has_text="1 August 2026").wait_for()
    assert "following your choices" in date_line(page)
    events = page.locator(".event-list").inner_text()
    assert "Dated change:" in events                                          # the history's changes are told
    routine = re.compile(r"raid|air strike|cross(es)? from Syria", re.IGNORECASE)
    assert not routine.search(events)                                         # routine events wait for a tick
    page.get_by_text("Show routine events too (raids, air strikes, border crossings)").click()
    expect(page.locator(".event-list")).to_contain_text(routine)
    page.get_by_text("attack in the last 30 days").wait_for()                 # the map's key
    for shown, drawn in page.evaluate(MAP_WIDTHS):                            # maps shown as drawn: their labels'
        assert abs(shown - drawn) <= 1                                        # places are tested on the drawing
    page.get_by_role("button", name="Zoom in").click()
    page.locator(".replicate-map.map-box-slides").wait_for()                  # larger, in a box that slides
    choose(page, "pick-speed", "three months")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => {DAYS_SIMULATED} >= 1673 + 2 * 91")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    page.reload()                                                             # the watched history is kept
    page.locator(".replicate-date").wait_for()
    assert int(page.evaluate(DAYS_SIMULATED)) >= 1673 + 2 * 91
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
    assert chosen(page, "determinant-syria") == "as it stands now (Syria in the coalition)"
    choose(page, "determinant-syria", "collapse: prisons and camps break open")
    page.get_by_role("button", name="Change it and start again").click()
    page.locator(".replicate-date", has_text="Start: 1 January 2020").wait_for()
    page.get_by_text("Changed from the scenario").wait_for()
    page.get_by_text("One replicate of baseline + Syria: collapse").wait_for()


@screenshot_on_failure
def test_what_if_the_us_leaves_completely_on_a_desktop(desktop, url, tmp_path, workdir):
    """The 2027 answer, the Syrian contrast's reason, two results side by side, the address through reload,
    back and forward, and a run directory that `sim reproduce` verifies."""
    page = open_page(desktop, url)
    choose(page, "determinant-drawdown", "a complete exit, Kurdistan included")
    page.get_by_text("Changed from the scenario").wait_for()
    run_ensemble(page)
    expect(page.locator(".result-title")).to_contain_text("Result 1: baseline + coalition: complete exit")
    assert_answer(page)
    assert_charts_readable(page)
    assert_accessible(page)
    assert "drawdown=complete_exit" in page.url and "tab=ensemble" in page.url
    page.reload()                                                             # the address restores the page
    expect(page.locator(".result-title")).to_contain_text("Result 1")
    assert selected_tab(page) == "Many histories"
    assert chosen(page, "determinant-drawdown") == "a complete exit, Kurdistan included"
    choose(page, "determinant-drawdown", "as it stands now (Erbil and the Gulf)")
    choose(page, "determinant-syria", "collapse: prisons and camps break open")
    run_ensemble(page)
    expect(page.locator(".result-title")).to_contain_text("Result 2: baseline + Syria: collapse")
    reason = page.locator(".result-reason")
    expect(reason).to_contain_text("Why, in the model:")                      # the model's own reason
    assert reason.get_by_role("link").get_attribute("href").startswith("model#4")
    expect(page.locator(".compare-words")).to_contain_text("replicate by replicate")
    page.locator(".compare-chart svg").wait_for()                              # the two side by side, and B - A
    assert "compare=" not in page.url
    choose(page, "compare-a", "2. baseline + Syria: collapse")
    choose(page, "compare-b", "1. baseline + coalition: complete exit")
    page.wait_for_url(re.compile(r"compare=2%2C1"))
    page.go_back()                                                            # back: the previous selection
    expect(page.locator(".compare-b select")).to_have_value("2")
    page.go_forward()
    expect(page.locator(".compare-b select")).to_have_value("1")
    page.get_by_role("button", name="Show result 1").click()
    expect(page.locator(".result-title")).to_contain_text("Result 1")
    page.get_by_role("button", name="Save as a run directory").click()
    page.locator(".saved-runs").wait_for()
    run_dir = workdir / page.locator(".saved-runs li").first.inner_text()
    check = reproduce(run_dir, progress=False)                                # what `sim reproduce RUN_DIR` runs
    assert check.ok, check


@screenshot_on_failure
def test_which_determinant_matters_most_for_2027_on_a_desktop(desktop, url, tmp_path):
    """The question of the page, answered from the page alone; the run goes on through a reload."""
    page = open_page(desktop, url, "?tab=importance&variant_replicates=10")
    expect(page.locator(".importance-estimate")).to_contain_text("from a run just timed on this computer")
    page.get_by_role("button", name="Find what matters most").click()
    page.locator(".importance-progress").wait_for()
    page.reload()                                                             # a reload does not lose the run
    page.locator(".importance-progress").wait_for()
    answer = page.locator(".importance-answer")
    answer.wait_for(timeout=IMPORTANCE_WAIT_MS)
    print(page.locator(".importance-took").inner_text())      # the time taken beside the estimate
    text = answer.inner_text()
    titles = [t.title for t in DECLARATIONS.values()]
    found = re.search(r"(.+) matters most in 2027: set to (.+?), about (\d+\.\d) (more|fewer) attacks a month "
                      r"than with your choices \(95% interval ([-+]?\d+\.\d) to ([-+]?\d+\.\d)\)", text)
    assert found, text
    assert found.group(1).strip() in titles
    first_listed = answer.locator("ol li").first.inner_text()
    assert first_listed.startswith(found.group(1).strip() + ": set to")
    low, high, size = float(found.group(5)), float(found.group(6)), float(found.group(3))
    assert low <= (size if found.group(4) == "more" else -size) <= high
    syria = answer.locator("ol li", has_text="The Syrian side of the border")
    expect(syria).to_contain_text("Why, in the model:")                       # the surprise, explained
    section = syria.get_by_role("link").first.get_attribute("href")
    assert "?tab=importance" in page.url and "variant_replicates=10" in page.url
    assert_charts_readable(page)
    assert_accessible(page)
    page.goto(url + section)                                                  # the link leads to its section
    heading = page.locator(f"[id='{section.split('#')[1]}']")
    heading.wait_for()
    assert heading.inner_text()[0].isdigit()


@screenshot_on_failure
def test_a_second_tab_has_its_own_choices(desktop, url, tmp_path):
    first = open_page(desktop, url)
    choose(first, "pick-scenario", "worst case")
    first.get_by_text("Every determinant at its worst").first.wait_for()
    first.get_by_role("button", name="Step (a month)").click()
    first.locator(".replicate-date", has_text="day 30 of").wait_for()
    second = open_page(desktop, url)
    assert "Start: 1 January 2020" in date_line(second)
    assert second.get_by_text("The observed course continues").first.is_visible()
    assert "day 30 of" in date_line(first)


@screenshot_on_failure
def test_an_address_the_page_cannot_use_says_what_is_wrong(desktop, url, tmp_path):
    page = open_page(desktop, url, "?scenario=atlantis&seed=-5")
    expect(page.locator(".address-problem").first).to_contain_text("'atlantis', which does not exist")
    expect(page.locator(".address-problem").nth(1)).to_contain_text("seed must be a whole number from 0")
    assert chosen(page, "pick-scenario") == "baseline"


# ----- a phone -----------------------------------------------------------------------------
OFF_SCREEN = """(selector) => {
  const width = window.innerWidth;
  const shown = [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' &&
      !e.closest('.map-box-slides');
  });
  const outside = shown.filter(e => {
    const r = e.getBoundingClientRect();
    return r.left < -1 || r.right > width + 1;
  });
  return {count: shown.length,
          outside: outside.map(e => (e.innerText || e.getAttribute('aria-label') || e.className).slice(0, 60))};
}"""


def expand_folds(page) -> None:
    for fold in page.locator(".disclosure-button[aria-expanded=false]").all():
        if fold.is_visible():
            fold.click()


def assert_fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    found = page.evaluate(OFF_SCREEN, CONTROLS)
    assert found["count"] > 0 and found["outside"] == [], found["outside"]


@screenshot_on_failure
def test_on_a_phone_the_tools_come_first_and_the_page_reads(phone, url, tmp_path):
    page = open_page(phone, url)
    for tab in ("Watch one history", "Many histories", "What matters most?"):  # the tools within one screen
        assert page.get_by_role("tab", name=tab).bounding_box()["y"] < PHONE["height"]
    assert page.get_by_role("button", name="Play").bounding_box()["y"] < PHONE["height"]
    page.get_by_role("link", name="Jump to the results").click()
    page.wait_for_function("() => document.querySelector('#results').getBoundingClientRect().top < 200")
    page.wait_for_function(f"() => ({MAP_WIDTHS})().every(([shown, drawn]) => drawn <= {PHONE['width']})")
    for shown, drawn in page.evaluate(MAP_WIDTHS):                            # the whole of Iraq fits the screen
        assert shown <= PHONE["width"] and abs(shown - drawn) <= 1
    page.get_by_role("button", name="Zoom in").click()                        # and zooms, sliding in its box
    page.locator(".replicate-map.map-box-slides").wait_for()
    smallest, where = page.evaluate(SMALLEST_PAGE_TEXT)
    assert smallest >= 14, f"page text of {smallest} px: {where}"
    assert_charts_readable(page)
    expand_folds(page)
    assert_fits_the_phone(page)
    assert_accessible(page)


@screenshot_on_failure
def test_what_if_the_us_leaves_completely_on_a_phone(phone, url, tmp_path):
    page = open_page(phone, url)
    page.get_by_role("button", name=re.compile("Your choices: baseline")).click()
    choose(page, "determinant-drawdown", "a complete exit, Kurdistan included")
    page.get_by_role("button", name=re.compile(r"Your choices: baseline \+ coalition: complete exit")).wait_for()
    run_ensemble(page)
    assert_answer(page)
    chart = page.locator(".ensemble-chart svg")
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert_charts_readable(page)
    page.locator(".ensemble-chart .chart-button").click()                      # tap to enlarge
    page.locator(".enlarged-chart svg").wait_for()
    page.get_by_role("button", name="Close").click()
    assert_fits_the_phone(page)
    assert_accessible(page)


@screenshot_on_failure
def test_which_determinant_matters_most_on_a_phone(phone, url, tmp_path):
    page = open_page(phone, url, "?tab=importance&variant_replicates=10")
    button = page.get_by_role("button", name="Find what matters most")
    # While the tab opens, a loaded machine can still show the outgoing copy of the panel: wait for one.
    expect(button).to_have_count(1)
    button.click()
    answer = page.locator(".importance-answer")
    answer.wait_for(timeout=IMPORTANCE_WAIT_MS)
    expect(answer).to_contain_text("matters most in 2027")
    page.locator(".importance-chart svg").wait_for()
    assert_charts_readable(page)
    assert_fits_the_phone(page)
    assert_accessible(page)
