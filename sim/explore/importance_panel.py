"""What matters most? One button runs every determinant's other levels against the current choices and
answers in words and bars (sim/explore/importance.py). The answer is kept with the session's shelf,
so a reload does not lose it.
"""

from __future__ import annotations

import solara
from solara.lab import task

from sim.analysis.targets import reference_rate_2024
from sim.defaults import COMPARISON_WINDOW
from sim.explore import batch, importance, limits, shelf
from sim.explore.choices import Choices
from sim.explore.drawing import importance_figure
from sim.explore.ensemble_panel import WORKERS, shelf_version
from sim.explore.explain import period_words
from sim.explore.widgets import LabelledSelect, Prose, RunProgress, estimate_words
from sim.runs.record import figure_png

REPLICATE_CHOICES = {10: "10", 20: "20", 40: "40"}
DEFAULT_REPLICATES = 20

importance_progress = solara.reactive(None)


@task
def importance_task(choices: Choices, replicates: int, session: str) -> importance.Importance:
    limits.check_offered(replicates, REPLICATE_CHOICES, "the replicate count")
    with limits.ensemble_slot(importance_progress.set) as progress:
        result = importance.run_importance(choices, replicates, WORKERS, reference_rate_2024(), progress)
    shelf.STORE.shelf(session).importance = result
    shelf_version.set(shelf_version.value + 1)
    return result


@solara.component
def ImportancePanel(choices: Choices, session: str):
    replicates = solara.use_reactive(DEFAULT_REPLICATES)
    _ = shelf_version.value
    result = shelf.STORE.shelf(session).importance
    period = period_words(*COMPARISON_WINDOW)

    def start() -> None:
        importance_progress.set(None)
        importance_task(choices, replicates.value, session)

    Prose(f"## What matters most {period}?\nThe page takes your current choices (**{choices.name}**) and, for "
          "each determinant in turn, sets each of its other levels from the branch date while keeping everything "
          "else. Every variant runs with the same replicates and random numbers as your choices, so the "
          f"differences in attacks a month {period} come from the determinant alone.")
    with solara.Div(classes=["control-row"]):
        LabelledSelect("Replicates per variant", REPLICATE_CHOICES, replicates.value, replicates.set,
                       "pick-importance-replicates")
        solara.Button("Find what matters most", icon_name="mdi-podium", on_click=start, color="primary",
                      disabled=importance_task.pending, classes=["run-importance"])
    seconds = solara.use_memo(lambda: importance.estimate_s(choices, replicates.value, WORKERS),
                              dependencies=[choices, replicates.value, batch.RATE.measured])
    solara.Text(estimate_words(seconds, batch.RATE.measured, at_most=True), classes=["importance-estimate"])
    if importance_task.pending:
        RunProgress(importance_progress.value, "importance-progress")
    if importance_task.error:
        solara.Error(f"The comparison failed: {importance_task.exception}")
    if result is None:
        return
    if not importance.is_for(result, choices):
        solara.Warning(f"This answer is for other choices ({result.name}, seed {result.seed}); press the button "
                       "to answer for the current ones.", dense=True)
    ImportanceView(result)


@solara.component
def ImportanceView(result: importance.Importance):
    png = solara.use_memo(lambda: figure_png(importance_figure(result)), dependencies=[result])
    Prose(importance.describe(result), css="importance-answer")
    solara.Image(png, classes=["importance-chart"])
    solara.FileDownload(lambda: png, filename="what_matters_most.png", label="Save the chart (PNG)")
