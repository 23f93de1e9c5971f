"""The explorer page (Solara): pick a scenario, watch one history, run ensembles, ask what matters most.

The page's state lives in its address (sim/explore/address.py): the choices, the
tab, the replicate counts and the shelf's selection, so back, forward and reload
restore them and an address can be shared. Every browser tab is its own Solara
session; the results shelf, the runs in progress and the watched histories
belong to the browser session (its cookie), so a reload finds them. Long work
happens off the page's thread: the play loop in a thread of the session,
ensembles in jobs whose replicates run in worker processes. Charts are drawn for
the width of the column they are shown in, which the browser reports. Below a
tablet's width the page is one column with the tools first and the choices in a
fold above them. A second page, `model`, shows the model's description, which
the reasons link to.

Started by `sim explore` (or `solara run sim.explore.app`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable

import solara
import solara.lab
import solara.server.settings

from sim.config.errors import ConfigError
from sim.explore import batch, shelf
from sim.explore.address import TABS, PageState, from_query, to_query
from sim.defaults import COMPARISON_WINDOW
from sim.explore.choices import BASELINE, Choices, compose_choices
from sim.explore.ensemble_panel import WORKERS, EnsemblePanel
from sim.explore.explain import long_date
from sim.explore.hardening import harden_server
from sim.explore.importance_panel import ImportancePanel
from sim.explore.model_page import ModelPage
from sim.explore.replicate import WatchedReplicate
from sim.explore.side_panel import HowItWorks, ScenarioPanel
from sim.explore.watch_panel import WatchPanel
from sim.explore.widgets import Disclosure, Note, Prose, Viewport

# Started with `solara run` rather than `sim explore`: telemetry off and the assets route read-only all the same.
harden_server()
# Mesa logs every step at INFO; the page needs none of it.
logging.getLogger("MESA").setLevel(logging.WARNING)
# Solara's "runs on Solara" banner sits in the bottom corner, over the page's own text on a phone.
solara.server.settings.theme.show_banner = False

# Below this width (a tablet held upright) the page is one column, the tools first.
ONE_COLUMN_BELOW_PX = 900
TAB_TITLES = {"watch": "Watch one history", "ensemble": "Many histories", "importance": "What matters most?"}
FOCUS = "#0b3d91"
PAGE_CSS = f"""
.explorer-page {{ font-size: 16px; color: #1a1a1a; }}
.prose strong {{ font-weight: 700; }} .prose p {{ margin-bottom: 6px; }} .prose h2 {{ margin-top: 10px; }}
.prose a {{ color: #0b4f9c; text-decoration: underline; }}
.explorer-page code {{ font-size: 15px; }}
.explorer-layout {{ display: flex; gap: 24px; align-items: flex-start; }}
.explorer-side {{ flex: 0 0 360px; min-width: 0; }}
.explorer-main {{ flex: 1 1 0; min-width: 0; }}
.one-column {{ flex-direction: column; align-items: stretch; gap: 8px; }}
.one-column > div {{ width: 100%; flex: 0 0 auto; }}
.control-row {{ display: flex; flex-wrap: wrap; gap: 8px 10px; align-items: flex-end; margin: 6px 0; }}
.labelled-select {{ margin: 4px 0 6px; }}
.native-select label {{ display: block; font-size: 14px; font-weight: 600; color: #333; margin-bottom: 2px; }}
.native-select select {{ font-size: 16px; padding: 6px 8px; border: 1px solid #6b6b6b; border-radius: 4px;
                        background: #fff; color: #1a1a1a; max-width: 100%; min-height: 40px; }}
.determinant-card {{ border: 1px solid #c8c8c8; border-radius: 6px; padding: 6px 10px; margin-bottom: 8px; }}
.determinant-card select {{ width: 100%; }}
.level-description, .later-change, .scenario-description {{ font-size: 15px; color: #333; }}
.later-change {{ border-left: 3px solid #8c510a; padding-left: 6px; }}
.disclosure-button {{ text-transform: none !important; letter-spacing: normal !important; font-size: 15px !important;
                     padding: 4px 6px !important; color: #0b4f9c !important; height: auto !important;
                     max-width: 100%; white-space: normal; text-align: left; }}
.disclosure-button .v-btn__content {{ white-space: normal; flex: 1 1 auto; }}
.disclosure-body {{ padding: 2px 6px 6px; font-size: 15px; }}
.note {{ border-left: 4px solid #2c6fbb; background: #eef4fb; padding: 6px 10px; margin: 6px 0; color: #1a1a1a; }}
.note-warning {{ border-color: #a35200; background: #fff4e5; }}
.note-error {{ border-color: #b2182b; background: #fdecee; }}
.note-success {{ border-color: #1b7837; background: #eaf6ec; }}
.result-headline {{ font-size: 18px; margin: 6px 0; }}
.result-reason {{ border-left: 4px solid #5e3c99; padding-left: 8px; }}
.shelf-entry {{ border-left: 3px solid #2c6fbb; padding: 2px 8px; margin: 6px 0; }}
.importance-answer ol {{ padding-left: 20px; }}
.chart-button {{ display: block; width: 100%; padding: 0; border: 0; background: none; cursor: zoom-in; }}
.chart svg {{ display: block; height: auto; }}
.enlarged-scroll {{ overflow: auto; max-width: 100%; }}
.map-column {{ display: flex; flex-wrap: wrap; gap: 8px; }}
.map-box-slides {{ overflow: auto; max-height: 90vh; }} .map-box-fits {{ overflow: hidden; }}
.map-box img {{ display: block; }}
.map-key .key-item {{ display: inline-block; margin-right: 14px; }}
.event-list {{ max-height: 280px; overflow-y: auto; font-size: 15px; }}
.jump-link {{ display: inline-block; margin: 4px 0 8px; color: #0b4f9c; text-decoration: underline; }}
.v-tab {{ text-transform: none; letter-spacing: normal; min-width: 0; padding: 0 10px; font-size: 15px;
         color: #333 !important; }}
.v-tab--active {{ color: #0b4f9c !important; }}
.explorer-page :focus-visible, .explorer-page button:focus, .explorer-page select:focus,
.explorer-page input:focus, .explorer-page [tabindex]:focus, .v-tab:focus {{
  outline: 3px solid {FOCUS} !important; outline-offset: 2px; }}
.v-btn:focus::before {{ opacity: 0 !important; }}
@media (max-width: {ONE_COLUMN_BELOW_PX}px) {{
  .explorer-page {{ padding: 8px 10px !important; }}
  .prose h1 {{ font-size: 1.4em; line-height: 1.2; }}
  .v-slide-group__prev, .v-slide-group__next {{ display: none !important; }}
  .v-tabs-bar .v-slide-group__content {{ width: 100%; }}
  .v-tab {{ flex: 1 1 0 !important; min-width: 0 !important; max-width: none !important; white-space: normal;
            font-size: 14px; padding: 0 4px !important; line-height: 1.15; }}
  .compare-pickers .labelled-select, .compare-pickers select {{ width: 100%; }}
}}
"""

_calibration = threading.Lock()
_calibrated = threading.Event()


def calibrate_once() -> None:
    """Time a replicate on this computer, once per server, so that the first estimate is this computer's."""
    if not _calibration.acquire(blocking=False):
        return

    def run() -> None:
        base = Choices.of(BASELINE)
        variants = [base.with_level("syria", level) for level in ("collapse", "contained", "sdf_holds")]

        def compose() -> int:
            compose_choices([(v.scenario, v.overrides(COMPARISON_WINDOW[1])) for v in variants])
            return len(variants)

        batch.calibrate(base.config(), WORKERS, compose)
        _calibrated.set()

    threading.Thread(target=run, name="explorer-calibration", daemon=True).start()


@dataclasses.dataclass(frozen=True)
class PendingChange:
    """A change the student asked for that would start the watched history again: it waits for a yes."""

    choices: Choices
    what: str
    watched_until: dt.date


def session_key() -> str:
    """The browser session the page belongs to (Solara's cookie); one key when rendered outside a server."""
    try:
        return solara.get_session_id()
    except Exception:           # no server context (a test rendering the page), or no cookie yet
        return "local"


def use_page_state() -> tuple[PageState, list[str], Callable[[Callable[[PageState], PageState]], None]]:
    """The state in the page's address, what in it could not be used, and how to change it: a function of
    the latest state (not of the state a button was drawn with, which a change made since would undo),
    pushed as a new entry in the browser's history, so that back returns to the state before."""
    router = solara.use_router()
    kept, keep = solara.use_state(None)           # where no router serves the page (a test renders it alone)
    search = router.search if router.set_path is not None else kept
    state, problems = solara.use_memo(lambda: from_query(search), dependencies=[search])
    latest = solara.use_ref(state)
    latest.current = state

    def set_state(change: Callable[[PageState], PageState]) -> None:
        new = change(latest.current)
        if new == latest.current:
            return
        latest.current = new                      # a second change before the next drawing builds on this one
        if router.set_path is None:
            keep(to_query(new))
        else:
            router.push(f"{router.path or '/'}?{to_query(new)}")

    return state, problems, set_state


def use_heartbeat(s: shelf.Shelf) -> None:
    """While this page is open, its browser's runs are seen (they stop once no page of it is, limits.py)."""
    def beat(cancel: threading.Event) -> None:
        while not cancel.wait(2.0):
            s.jobs.look()

    solara.use_thread(beat, dependencies=[s], intrusive_cancel=False)


@solara.component
def ConfirmChange(pending: solara.Reactive[PendingChange | None], on_yes):
    change = pending.value
    if change is None:
        return
    dialog = solara.v.Dialog(v_model=True, persistent=True, max_width="460px", on_v_model=lambda _: pending.set(None))
    with dialog, solara.Card("Start the watched history again?", classes=["confirm-change"]):
        Prose(f"Changing {change.what} starts the history you are watching again from its first day "
              f"(it has reached {long_date(change.watched_until.isoformat())}). Your results shelf is kept.")
        with solara.CardActions():
            solara.Button("Change it and start again", color="primary", on_click=on_yes,
                          classes=["confirm-yes"])
            solara.Button("Keep watching", text=True, on_click=lambda: pending.set(None), classes=["confirm-no"])


@solara.component
def Page():
    state, problems, set_state = use_page_state()
    choices = solara.use_memo(lambda: state.choices, dependencies=[state])
    pending = solara.use_reactive(None)
    index = solara.use_reactive(0)
    restarts = solara.use_reactive(0)
    seen_restarts = solara.use_ref(0)
    width, set_width = solara.use_state(0)
    window_width, set_window_width = solara.use_state(0)
    session = session_key()
    solara.use_effect(calibrate_once, [])
    try:
        cfg, problem = choices.config(), None
    except ConfigError as err:
        cfg, problem = None, str(err)
    s = shelf.STORE.shelf(session)

    def watched() -> WatchedReplicate | None:
        fresh, seen_restarts.current = restarts.value != seen_restarts.current, restarts.value
        return s.watched((choices, index.value), lambda: WatchedReplicate(cfg, index.value), fresh) if cfg else None

    runner = solara.use_memo(watched, dependencies=[cfg, index.value, restarts.value])

    def request(new: Choices, what: str) -> None:
        if new == choices:
            return
        view = runner.view() if runner is not None else None
        if view is not None and view.started:
            pending.set(PendingChange(new, what, view.snapshot.date))
        else:
            set_state(lambda st: st.with_choices(new))

    def accept() -> None:
        chosen = pending.value.choices
        set_state(lambda st: st.with_choices(chosen))
        restarts.set(restarts.value + 1)
        pending.set(None)

    phone = 0 < window_width < ONE_COLUMN_BELOW_PX
    column = width or 640
    shown = pending.value.choices if pending.value is not None else choices
    solara.Title("Scenario explorer: the Islamic State insurgency in Iraq")
    solara.Style(PAGE_CSS)
    Viewport(column_width=width, on_column_width=set_width, window_width=window_width,
             on_window_width=set_window_width)
    ConfirmChange(pending, accept)
    with solara.Div(classes=["explorer-page"], style={"padding": "12px 20px"}):
        Prose("# What if…? The Islamic State insurgency in Iraq after the coalition drawdown\n"
              "Pick a scenario and change what you like; then watch one possible history, run many and compare "
              "them with the baseline, or ask which choice matters most.")
        for text in problems:
            Note(text, "warning", css="address-problem")
        with solara.Div(classes=["explorer-layout", "one-column"] if phone else ["explorer-layout"]):
            if not phone:
                with solara.Div(classes=["explorer-side"]):
                    ScenarioPanel(shown, cfg, request)
                    HowItWorks(cfg)
            with solara.Div(classes=["explorer-main"]):
                if phone:
                    with Disclosure(f"Your choices: {choices.name} (change them)", css="phone-choices"):
                        ScenarioPanel(shown, cfg, request)
                    solara.HTML(tag="a", unsafe_innerHTML="Jump to the results",
                                attributes={"href": "#results"}, classes=["jump-link"])
                if problem:
                    Note(problem, "error")
                    solara.Button("Start again from the scenario's own choices", text=True,
                                  on_click=lambda: set_state(lambda st: st.with_choices(Choices.of(choices.scenario))))
                    return
                MainTabs(state, set_state, choices, cfg, runner, session, index, restarts, column)
            if phone:
                HowItWorks(cfg)


@solara.component
def MainTabs(state: PageState, set_state, choices: Choices, cfg, runner, session: str, index, restarts,
             width: int):
    def pick(k: int) -> None:
        set_state(lambda st: dataclasses.replace(st, tab=TABS[k]))

    with solara.lab.Tabs(value=TABS.index(state.tab), on_value=pick, grow=True):
        with solara.lab.Tab(TAB_TITLES["watch"], classes=["tab-watch"]):
            if state.tab == "watch":
                WatchPanel(runner, choices.name, choices.command(cfg), cfg.branch_date, index.value, index.set,
                           lambda: restarts.set(restarts.value + 1), width)
        with solara.lab.Tab(TAB_TITLES["ensemble"], classes=["tab-ensemble"]):
            if state.tab == "ensemble":
                EnsemblePanel(choices, cfg, session, state, set_state, width)
        with solara.lab.Tab(TAB_TITLES["importance"], classes=["tab-importance"]):
            if state.tab == "importance":
                ImportancePanel(choices, session, state, set_state, width)


@solara.component
def Layout(children: list = []):  # noqa: B006
    """The pages as they are, without Solara's default bar of page names across the top."""
    solara.Div(children=children)


routes = [
    solara.Route(path="/", component=Page, label="Scenario explorer", layout=Layout),
    solara.Route(path="model", component=ModelPage, label="How the model works"),
]
