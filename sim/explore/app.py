"""The explorer page (Solara): pick a scenario, watch one history, run ensembles, ask what matters most.

Every browser tab is its own Solara session, so its choices and its watched
replicate are its own; the results shelf belongs to the browser session (its
cookie), so results survive a reload. Long work happens off the page's thread:
the play loop in a thread of the session, ensembles in tasks whose replicates
run in worker processes. Below a tablet's width the page is one column.

Started by `sim explore` (or `solara run sim.explore.app`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import solara
import solara.lab
import solara.server.settings

from sim.config.errors import ConfigError
from sim.explore.choices import BASELINE, Choices
from sim.explore.ensemble_panel import EnsemblePanel
from sim.explore.explain import long_date
from sim.explore.hardening import harden_server
from sim.explore.importance_panel import ImportancePanel
from sim.explore.replicate import WatchedReplicate
from sim.explore.side_panel import HowItWorks, ScenarioPanel
from sim.explore.watch_panel import WatchPanel
from sim.explore.widgets import Prose

# Started with `solara run` rather than `sim explore`: telemetry off and the assets route read-only all the same.
harden_server()
# Mesa logs every step at INFO; the page needs none of it.
logging.getLogger("MESA").setLevel(logging.WARNING)
# Solara's "runs on Solara" banner sits in the bottom corner, over the page's own text on a phone.
solara.server.settings.theme.show_banner = False

# Below this width (a tablet held upright) the side panel goes above the main one.
ONE_COLUMN_BELOW_PX = 900
PAGE_CSS = f"""
.prose strong {{ font-weight: 700; }} .prose p {{ margin-bottom: 6px; }} .prose h2 {{ margin-top: 10px; }}
.explorer-layout {{ display: flex; gap: 24px; align-items: flex-start; }}
.explorer-side {{ flex: 0 0 360px; min-width: 0; }}
.explorer-main {{ flex: 1 1 0; min-width: 0; }}
.explorer-page img {{ max-width: 100%; height: auto; }}
.control-row {{ display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: center; margin: 6px 0; }}
.control-row .v-input {{ flex: 0 1 200px; min-width: 150px; }}
.map-row {{ display: flex; flex-wrap: wrap; gap: 8px; }}
.map-row img, .replicate-chart, .ensemble-chart, .importance-chart {{ width: 640px; max-width: 100%; }}
.phone-only {{ display: none; }}
.map-key .key-item {{ display: inline-block; margin-right: 14px; white-space: nowrap; }}
.shelf-entry {{ border-left: 3px solid #2c6fbb; padding: 2px 8px; margin: 6px 0; }}
.importance-answer ol {{ padding-left: 20px; }}
.v-tab {{ text-transform: none; letter-spacing: normal; min-width: 0; padding: 0 10px; }}
.determinant-card .v-expansion-panel-header {{ min-height: 30px; padding: 2px 10px; font-size: 0.85em; }}
.determinant-card .v-expansion-panel-content__wrap {{ padding: 0 10px 6px; }}
@media (max-width: {ONE_COLUMN_BELOW_PX}px) {{
  .explorer-layout {{ flex-direction: column; gap: 8px; }}
  .explorer-side {{ flex: 1 1 auto; width: 100%; }}
  .explorer-main {{ width: 100%; }}
  .explorer-page {{ padding: 8px 10px !important; }}
  .prose h1 {{ font-size: 1.5em; line-height: 1.2; }}
  .map-row {{ flex-wrap: nowrap; overflow-x: auto; }}
  .map-row img {{ width: 640px; max-width: none; flex: 0 0 auto; }}
  .phone-only {{ display: block !important; }}
  .v-slide-group__prev, .v-slide-group__next {{ display: none !important; }}
  .v-tabs-bar .v-slide-group__content {{ width: 100%; }}
  .v-tab {{ flex: 1 1 0 !important; min-width: 0 !important; max-width: none !important; white-space: normal;
            font-size: 0.8rem; padding: 0 4px !important; line-height: 1.15; }}
}}
"""


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
    choices = solara.use_reactive(Choices.of(BASELINE))
    pending = solara.use_reactive(None)
    index = solara.use_reactive(0)
    restarts = solara.use_reactive(0)
    tab = solara.use_reactive(0)
    session = session_key()
    try:
        cfg, problem = choices.value.config(), None
    except ConfigError as err:
        cfg, problem = None, str(err)
    runner = solara.use_memo(lambda: WatchedReplicate(cfg, index.value) if cfg is not None else None,
                             dependencies=[cfg, index.value, restarts.value])

    def request(new: Choices, what: str) -> None:
        if new == choices.value:
            return
        view = runner.view() if runner is not None else None
        if view is not None and view.started:
            pending.set(PendingChange(new, what, view.snapshot.date))
        else:
            choices.set(new)

    def accept() -> None:
        choices.set(pending.value.choices)
        pending.set(None)

    shown = pending.value.choices if pending.value is not None else choices.value
    solara.Title("Scenario explorer: the Islamic State insurgency in Iraq")
    solara.Style(PAGE_CSS)
    ConfirmChange(pending, accept)
    with solara.Div(classes=["explorer-page"], style={"padding": "12px 20px"}):
        Prose("# What if…? The Islamic State insurgency in Iraq after the coalition drawdown\n"
              "Pick a scenario and change what you like; then watch one possible history, run many and compare "
              "them with the baseline, or ask which choice matters most.")
        with solara.Div(classes=["explorer-layout"]):
            with solara.Div(classes=["explorer-side"]):
                ScenarioPanel(shown, cfg, request)
                HowItWorks(cfg)
            with solara.Div(classes=["explorer-main"]):
                if problem:
                    solara.Error(problem)
                    solara.Button("Start again from the scenario's own choices", text=True,
                                  on_click=lambda: choices.set(Choices.of(choices.value.scenario)))
                    return
                with solara.lab.Tabs(value=tab, grow=True):
                    with solara.lab.Tab("Watch one history", classes=["tab-watch"]):
                        WatchPanel(runner, choices.value.name, choices.value.command(cfg), cfg.branch_date, index,
                                   lambda: restarts.set(restarts.value + 1))
                    with solara.lab.Tab("Many histories", classes=["tab-ensemble"]):
                        EnsemblePanel(choices.value, cfg, session)
                    with solara.lab.Tab("What matters most?", classes=["tab-importance"]):
                        ImportancePanel(choices.value, session)
