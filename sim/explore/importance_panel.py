"""What matters most? One button runs every determinant's other levels against the current choices and
answers in words and bars (sim/explore/importance.py). The run is a job of the browser session and the
answer is kept with its shelf, so a reload loses neither.
"""

from __future__ import annotations

import dataclasses

import solara

from sim.analysis.targets import reference_rate_2024
from sim.defaults import COMPARISON_WINDOW
from sim.explore import batch, importance, limits, shelf
from sim.explore.address import IMPORTANCE_REPLICATES, PageState
from sim.explore.choices import Choices
from sim.explore.drawing import importance_figure
from sim.explore.ensemble_panel import WORKERS, RunStatus, SetState
from sim.explore.explain import period_words
from sim.explore.pictures import png_bytes, svg_markup
from sim.explore.widgets import Chart, LabelledSelect, Note, Prose, estimate_words, use_refresh_while


def start_importance(session: str, choices: Choices, replicates: int, estimate: float | None) -> None:
    """Run "what matters most" as a job of the browser session; a replicate count the page does not offer
    runs nothing."""
    s = shelf.STORE.shelf(session)

    def work(progress):
        limits.check_offered(replicates, IMPORTANCE_REPLICATES, "the replicate count")
        return importance.run_importance(choices, replicates, WORKERS, reference_rate_2024(), progress)

    def keep(result) -> None:
        s.importance = result

    s.jobs.start(session, "importance", choices.name, estimate, work, keep)


@solara.component
def ImportancePanel(choices: Choices, session: str, state: PageState, set_state: SetState, width: int):
    s = shelf.STORE.shelf(session)
    job = s.jobs.get("importance")
    running = job is not None and job.running
    use_refresh_while(running or not batch.RATE.measured)     # until the run ends, or this computer is timed
    result = s.importance
    period = period_words(*COMPARISON_WINDOW)
    replicates = state.variant_replicates
    seconds = solara.use_memo(lambda: importance.estimate_s(choices, replicates, WORKERS),
                              dependencies=[choices, replicates, batch.RATE.measured, running])

    def start() -> None:
        start_importance(session, choices, replicates, seconds if batch.RATE.measured else None)
        set_state(lambda st: dataclasses.replace(st, running="importance"))

    Prose(f"## What matters most {period}?\nThe page takes your current choices (**{choices.name}**) and, for "
          "each determinant in turn, sets each of its other levels from the branch date while keeping everything "
          "else. Every variant runs with the same replicates and random numbers as your choices, so the "
          f"differences in attacks a month {period} come from the determinant alone.")
    with solara.Div(classes=["control-row"]):
        LabelledSelect("Replicates per variant", {n: str(n) for n in IMPORTANCE_REPLICATES}, replicates,
                       lambda n: set_state(lambda st: dataclasses.replace(st, variant_replicates=n)),
                       "pick-importance-replicates")
        solara.Button("Find what matters most", icon_name="mdi-podium", on_click=start, color="primary",
                      disabled=running, classes=["run-importance"])
    solara.Text(estimate_words(seconds if batch.RATE.measured else None, batch.RATE.measured, at_most=True),
                classes=["importance-estimate"])
    RunStatus(s, "importance", state, set_state, "comparison of every determinant", "importance")
    if result is None:
        return
    if not importance.is_for(result, choices):
        Note(f"This answer is for other choices ({result.name}, seed {result.seed}); press the button to answer "
             "for the current ones.", "warning", css="other-choices")
    with solara.Div(attributes={"id": "results"}):
        ImportanceView(result, width)


@solara.component
def ImportanceView(result: importance.Importance, width: int):
    Prose(importance.describe(result), css="importance-answer")
    Chart(lambda w: svg_markup(importance_figure(result, w)), id(result), min(width, 760),
          f"what matters most against {result.name}", "importance-chart")
    solara.FileDownload(lambda: png_bytes(importance_figure(result, 760), 2), filename="what_matters_most.png",
                        label="Save the chart (PNG)")
