"""Many histories: an ensemble of the choices beside the baseline, shown over time, kept on the shelf.

The ensemble runs in a Solara task (a thread of the session) whose replicates
run in worker processes; each finished ensemble goes on the session's shelf
(sim/explore/shelf.py), so it is still there after a reload, and any two
shelved results can be compared.
"""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile
from pathlib import Path

import solara
from solara.lab import task

from sim.analysis.targets import reference_rate_2024
from sim.config.schema import RunConfig
from sim.explore import batch, comparison, contrast, limits, shelf
from sim.explore.choices import Choices, baseline_for
from sim.explore.drawing import numbered_changes, over_time_figure
from sim.explore.explain import long_date, period_words
from sim.explore.widgets import LabelledSelect, Prose, RunProgress, estimate_words
from sim.runs.record import figure_png

WORKERS = max(1, int(os.environ.get("SIM_EXPLORE_WORKERS", min(2, os.cpu_count() or 1))))
REPLICATE_CHOICES = {10: "10", 20: "20", 30: "30", 40: "40"}
DEFAULT_REPLICATES = 30

ensemble_progress = solara.reactive(None)
shelf_version = solara.reactive(0)     # bumped whenever a shelf changes, so that panels redraw


@task
def run_ensemble_task(cfg: RunConfig, baseline: RunConfig, choices: Choices, session: str) -> shelf.ShelfEntry:
    """Runs in a thread of the session; the replicates run in worker processes (checked first: the replicate
    count is whatever the browser sent, and the server runs few ensembles at once)."""
    limits.check_offered(cfg.replicates, REPLICATE_CHOICES, "the replicate count")
    with limits.ensemble_slot(ensemble_progress.set) as progress:
        result = comparison.run_comparison(cfg, baseline, WORKERS, progress)
    entry = shelf.STORE.shelf(session).add(comparison.shelve(result, choices.name, choices.changed,
                                                             reference_rate_2024()))
    shelf_version.set(shelf_version.value + 1)
    return entry


@task
def save_task(entry: shelf.ShelfEntry) -> tuple[shelf.ShelfEntry, list[Path]]:
    """Writing two run directories with their plots takes seconds: off the page's thread too."""
    return entry, comparison.save(entry.run)


def zip_run(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.iterdir()):
            archive.write(file, f"{path.name}/{file.name}")
    return buffer.getvalue()


@solara.component
def EnsemblePanel(choices: Choices, cfg: RunConfig, session: str):
    replicates = solara.use_reactive(DEFAULT_REPLICATES)
    shown = solara.use_reactive(0)       # the shelf entry on show (0: the newest)
    _ = shelf_version.value
    entries = shelf.STORE.shelf(session).entries
    run_cfg = dataclasses.replace(cfg, replicates=replicates.value, workers=WORKERS, progress=False)
    base_cfg = baseline_for(run_cfg)

    def start() -> None:
        ensemble_progress.set(None)
        shown.set(0)
        run_ensemble_task(run_cfg, base_cfg, choices, session)

    Prose("## Run many possible histories (an ensemble)\nChance plays a part in every run, so one history "
          "proves little. An *ensemble* runs many replicates of your choices, and as many of the baseline with "
          "the same random numbers, and shows the range of what happens, month by month.")
    with solara.Div(classes=["control-row"]):
        LabelledSelect("Replicates", REPLICATE_CHOICES, replicates.value, replicates.set, "pick-replicates")
        solara.Button("Run the ensemble", icon_name="mdi-chart-bell-curve", on_click=start, color="primary",
                      disabled=run_ensemble_task.pending, classes=["run-ensemble"])
    seconds = batch.estimate_s({"scenario": run_cfg, "baseline": base_cfg}, WORKERS)
    solara.Text(estimate_words(seconds, batch.RATE.measured), classes=["ensemble-estimate"])
    if run_ensemble_task.pending:
        RunProgress(ensemble_progress.value, "ensemble-progress")
    if run_ensemble_task.error:
        solara.Error(f"The ensemble failed: {run_ensemble_task.exception}")
    if not entries:
        return
    chosen = next((e for e in entries if e.number == shown.value), entries[-1])
    ResultView(chosen, choices, cfg)
    ShelfView(entries, shown, session)


@solara.component
def ResultView(entry: shelf.ShelfEntry, choices: Choices, cfg: RunConfig):
    png = solara.use_memo(lambda: figure_png(over_time_figure(entry)), dependencies=[entry])
    Prose(f"### Result {entry.number}: {entry.name}", css="result-title")
    if (entry.name, entry.seed, entry.end) != (choices.name, cfg.seed, cfg.end):
        solara.Warning("This result is for other choices than those now in the side panel; run the ensemble "
                       "again to see the current ones.", dense=True)
    Prose(comparison.describe(entry), css="ensemble-words")
    solara.Image(png, classes=["ensemble-chart"])
    key = [f"{n}. {long_date(m.date)}: {m.label}" for n, m in numbered_changes(entry)]
    with solara.Details("The numbered lines: what changed when", expand=False):
        Prose("\n".join(f"- {line}" for line in key) or "*No dated changes.*", "font-size: 0.85em")
    with solara.Div(classes=["control-row"]):
        solara.FileDownload(lambda: png, filename=f"attacks_over_time_{entry.scenario}_{entry.number}.png",
                            label="Save the chart (PNG)")
        if entry.run is not None:
            solara.Button("Save as a run directory", icon_name="mdi-content-save", on_click=lambda: save_task(entry),
                          disabled=save_task.pending)
    SavedRuns(entry)


@solara.component
def SavedRuns(entry: shelf.ShelfEntry):
    if save_task.pending:
        solara.ProgressLinear(True)
    if save_task.error:
        solara.Error(f"Saving failed: {save_task.exception}")
    if save_task.pending or save_task.value is None or save_task.value[0] is not entry:
        return
    paths = save_task.value[1]
    solara.Success("Saved. Check a run with `sim reproduce DIRECTORY`; compare runs with `sim compare`.")
    Prose("\n".join(f"- `{p}`" for p in paths), css="saved-runs")
    solara.FileDownload(lambda: zip_run(paths[0]), filename=f"{paths[0].parent.name}_{paths[0].name}.zip",
                        label="Download the scenario's run (zip)")


def entry_line(e: shelf.ShelfEntry) -> str:
    low, high = e.range90
    return (f"**{e.number}. {e.name}** — {period_words(*e.window)}: median {e.median:.1f} attacks a month, 90% range "
            f"{low:.1f}–{high:.1f}, worse than 2024 in {e.worse_than_reference:.0%} of replicates "
            f"({e.replicates} replicates, seed {e.seed}, until {long_date(e.end)}).")


@solara.component
def ShelfView(entries: tuple[shelf.ShelfEntry, ...], shown: solara.Reactive[int], session: str):
    Prose("### Your results\nEvery ensemble you run stays here, also after a reload of the page (until the "
          "explorer is stopped). Show any of them again, or compare two.")
    for e in reversed(entries):
        with solara.Div(classes=["shelf-entry"]):
            Prose(entry_line(e), "font-size: 0.88em")
            solara.Button("Show", text=True, on_click=lambda n=e.number: shown.set(n), classes=["show-result"])
    if len(entries) >= 2:
        CompareTwo(entries)

    def clear() -> None:
        shelf.STORE.shelf(session).clear()
        shelf_version.set(shelf_version.value + 1)

    solara.Button("Clear the shelf", text=True, on_click=clear, classes=["clear-shelf"])


@solara.component
def CompareTwo(entries: tuple[shelf.ShelfEntry, ...]):
    numbers = {e.number: f"{e.number}. {e.name}" for e in entries}
    first = solara.use_reactive(entries[-2].number)
    second = solara.use_reactive(entries[-1].number)
    Prose("#### Compare two results")
    with solara.Div(classes=["control-row"]):
        LabelledSelect("Result A", numbers, first.value if first.value in numbers else entries[-2].number,
                       first.set, "compare-a")
        LabelledSelect("Result B", numbers, second.value if second.value in numbers else entries[-1].number,
                       second.set, "compare-b")
    by_number = {e.number: e for e in entries}
    a, b = by_number.get(first.value, entries[-2]), by_number.get(second.value, entries[-1])
    Prose(compare_words(a, b), css="compare-words")


def compare_words(a: shelf.ShelfEntry, b: shelf.ShelfEntry) -> str:
    """Result B against result A over the comparison window, in words."""
    if a is b:
        return "Choose two different results."
    c = shelf.compare(a, b)
    how = ("replicate by replicate: both were run with the same seed and number of replicates, so they share "
           "their random numbers" if c.paired else
           "as two independent samples: they were run with different seeds or numbers of replicates")
    return (f"{period_words(*a.window).capitalize()}, **{b.number}. {b.name}** gives "
            f"{contrast.amount_words(c, f'**{a.number}. {a.name}**')}; {contrast.certainty_words(c)}. "
            f"Compared {how}.")
