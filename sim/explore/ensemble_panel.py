"""Many histories: an ensemble of the choices beside the baseline, answered for 2027, kept on the shelf.

The ensemble runs as a job of the browser session (sim/explore/jobs.py) whose
replicates run in worker processes, so a reload finds it running or finished;
each finished ensemble goes on the session's shelf (sim/explore/shelf.py). The
result leads with the 2027 answer and the model's reason for it; any two shelved
results can be set side by side, in words and as charts.
"""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import solara
from solara.lab import task

from sim.analysis.targets import reference_rate_2024
from sim.config.schema import RunConfig
from sim.analysis import contrast
from sim.explore import batch, comparison, limits, shelf
from sim.explore.address import ENSEMBLE_REPLICATES, PageState
from sim.explore.choices import Choices, baseline_for
from sim.explore.drawing import compare_figure, numbered_changes, over_time_figure
from sim.explore.explain import long_date, period_words
from sim.explore.jobs import Job
from sim.explore.pictures import png_bytes, svg_markup
from sim.explore.widgets import (Chart, Disclosure, LabelledSelect, Note, Prose, RunProgress, estimate_words,
                                 use_refresh_while)

WORKERS = max(1, int(os.environ.get("SIM_EXPLORE_WORKERS", min(2, os.cpu_count() or 1))))
SetState = Callable[[Callable[[PageState], PageState]], None]   # a change to the latest state


@task
def save_task(entry: shelf.ShelfEntry) -> tuple[shelf.ShelfEntry, list[Path]]:
    """Writing two run directories with their plots takes seconds: off the page's thread."""
    return entry, comparison.save(entry.run)


def zip_run(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.iterdir()):
            archive.write(file, f"{path.name}/{file.name}")
    return buffer.getvalue()


def start_ensemble(session: str, choices: Choices, run_cfg: RunConfig, base_cfg: RunConfig,
                   estimate: float | None) -> Job:
    """Run the ensemble as a job of the browser session; a replicate count the page does not offer runs
    nothing (the browser can send anything)."""
    s = shelf.STORE.shelf(session)

    def work(progress):
        limits.check_offered(run_cfg.replicates, ENSEMBLE_REPLICATES, "the replicate count")
        return comparison.run_comparison(run_cfg, base_cfg, WORKERS, progress)

    def file(result) -> None:
        s.add(comparison.shelve(result, choices.name, choices.changed, reference_rate_2024()))

    return s.jobs.start(session, "ensemble", choices.name, estimate, work, file)


@solara.component
def RunStatus(s: shelf.Shelf, kind: str, state: PageState, set_state: SetState, what: str, css: str):
    """The run in progress (through reloads), how long the last one took, or that it was stopped.

    The address says `running` from the start of a run; the page that sees it finish takes it out again
    (a step in the history: the result came). An address that says a run is under way for a session
    that has none means the explorer lost it."""
    job = s.jobs.get(kind)
    use_refresh_while(job is not None and job.running)     # its own clock: the panel's props do not change
    if job is not None and job.running:
        job.look()
    watched_it_run = solara.use_ref(False)
    finished_here = job is not None and not job.running and watched_it_run.current and state.running == kind
    if job is not None and job.running:
        watched_it_run.current = True

    def take_out_running() -> None:
        if finished_here:
            watched_it_run.current = False
            set_state(lambda st: dataclasses.replace(st, running=""))

    solara.use_effect(take_out_running, [finished_here])
    if job is None:
        if state.running == kind:
            Note(f"This address says a {what} was under way, but the explorer has none for this browser: it was "
                 "stopped before it finished (the explorer was stopped or restarted), or it was started in "
                 "another browser. Run it again to see its result.", "warning", css=f"{css}-stopped")
        return
    if job.running:
        RunProgress(job.progress, f"{css}-progress")
        return
    if job.error:
        Note(f"The {what} did not finish: {job.error}.", "error")
    else:
        solara.Text(f"The last {what} ({job.label}) {job.took_words()}.", classes=[f"{css}-took"])


@solara.component
def EnsemblePanel(choices: Choices, cfg: RunConfig, session: str, state: PageState, set_state: SetState, width: int):
    s = shelf.STORE.shelf(session)
    job = s.jobs.get("ensemble")
    running = job is not None and job.running
    use_refresh_while(running or not batch.RATE.measured)     # until the run ends, or this computer is timed
    entries = s.entries
    run_cfg = dataclasses.replace(cfg, replicates=state.replicates, workers=WORKERS, progress=False)
    base_cfg = baseline_for(run_cfg)
    seconds = batch.estimate_s({"scenario": run_cfg, "baseline": base_cfg}, WORKERS) if batch.RATE.measured else None

    def start() -> None:
        start_ensemble(session, choices, run_cfg, base_cfg, seconds)
        set_state(lambda st: dataclasses.replace(st, running="ensemble", show=None, window=""))

    Prose("## Run many possible histories (an ensemble)\nChance plays a part in every run, so one history "
          "proves little. An *ensemble* runs many replicates of your choices, and as many of the baseline with "
          "the same random numbers, and answers for 2027: your choices minus the baseline.")
    with solara.Div(classes=["control-row"]):
        LabelledSelect("Replicates", {n: str(n) for n in ENSEMBLE_REPLICATES}, state.replicates,
                       lambda n: set_state(lambda st: dataclasses.replace(st, replicates=n)), "pick-replicates")
        solara.Button("Run the ensemble", icon_name="mdi-chart-bell-curve", on_click=start, color="primary",
                      disabled=running, classes=["run-ensemble"])
    solara.Text(estimate_words(seconds, batch.RATE.measured), classes=["ensemble-estimate"])
    RunStatus(s, "ensemble", state, set_state, "ensemble", "ensemble")
    if not entries:
        return
    chosen = next((e for e in entries if e.number == state.show), entries[-1])
    with solara.Div(attributes={"id": "results"}):
        ResultView(chosen, choices, cfg, state, set_state, width, s)
    ShelfView(entries, state, set_state, session, width)


def _window(entry: shelf.ShelfEntry, key: str) -> tuple[str, tuple[str, str]]:
    windows = comparison.reading_windows(entry)
    chosen = key if key in windows else next(iter(windows))
    return chosen, windows[chosen]


@solara.component
def ResultView(entry: shelf.ShelfEntry, choices: Choices, cfg: RunConfig, state: PageState, set_state: SetState,
               width: int, s: shelf.Shelf):
    key, window = _window(entry, state.window)
    windows = comparison.reading_windows(entry)
    Prose(f"### Result {entry.number}: {entry.name}", css="result-title")
    if (entry.name, entry.seed, entry.end) != (choices.name, cfg.seed, cfg.end):
        Note("This result is for other choices than those now in the side panel; run the ensemble again to see "
             "the current ones.", "warning", css="other-choices")
    Prose(comparison.headline(entry, window), css="result-headline")
    why = comparison.why(entry, window)
    if why is not None:
        Prose(why.linked(), css="result-reason")
    LabelledSelect("Read the result over", {k: period_words(*w) for k, w in windows.items()}, key,
                   lambda k: set_state(lambda st: dataclasses.replace(st, window=k)), "pick-window")
    Prose(comparison.describe(entry, window).split("\n\n", 1)[1], css="ensemble-words")
    note = baseline_note(s)
    if note:
        Prose(note, css="baseline-note")
    Chart(lambda w: svg_markup(over_time_figure(entry, w, window)), (entry.number, id(entry), window),
          min(width, 760), f"attacks per month over time, {entry.name} against the baseline", "ensemble-chart")
    key_lines = [f"{n}. {long_date(m.date)}: {m.label}" for n, m in numbered_changes(entry)]
    with Disclosure("The numbered lines: what changed when"):
        Prose("\n".join(f"- {line}" for line in key_lines) or "*No dated changes.*")
    with solara.Div(classes=["control-row"]):
        solara.FileDownload(lambda: png_bytes(over_time_figure(entry, 760, window), 2),
                            filename=f"attacks_over_time_{entry.scenario}_{entry.number}.png",
                            label="Save the chart (PNG)")
        if entry.run is not None:
            solara.Button("Save as a run directory", icon_name="mdi-content-save", on_click=lambda: save_task(entry),
                          disabled=save_task.pending)
    SavedRuns(entry)


def baseline_note(s: shelf.Shelf) -> str:
    """One number for the baseline's 2027 median, or why it differs between the places it appears: medians
    of different numbers of runs (or seeds) differ by chance."""
    seen = {}
    for e in s.entries:
        base = e.baseline if e.baseline is not None else (e if e.scenario == "baseline" and not e.changed else None)
        if base is not None and base.covers_window:
            seen[(base.replicates, base.seed)] = (f"result {e.number}", base.median)
    answer = s.importance
    if answer is not None and answer.choices.scenario == "baseline" and not answer.choices.changed:
        seen.setdefault((answer.replicates, answer.seed), ("what matters most", float(np.median(answer.current_rates))))
    if len({f"{m:.1f}" for _, m in seen.values()}) <= 1:
        return ""
    places = "; ".join(f"{m:.1f} in {where} ({n} runs, seed {seed})" for (n, seed), (where, m) in seen.items())
    return (f"*The baseline's median in 2027 differs between your results: {places}. Each is the middle of its "
            "own runs: a different number of runs, or another seed, draws other chance events, so the median "
            "moves a little. Set beside each other, results with the same seed and number of runs share theirs.*")


@solara.component
def SavedRuns(entry: shelf.ShelfEntry):
    if save_task.pending:
        solara.ProgressLinear(True)
    if save_task.error:
        Note(f"Saving failed: {save_task.exception}", "error")
    if save_task.pending or save_task.value is None or save_task.value[0] is not entry:
        return
    paths = save_task.value[1]
    Note("Saved. Check a run with `sim reproduce DIRECTORY`; compare runs with `sim compare`.", "success")
    Prose("\n".join(f"- `{p}`" for p in paths), css="saved-runs")
    solara.FileDownload(lambda: zip_run(paths[0]), filename=f"{paths[0].parent.name}_{paths[0].name}.zip",
                        label="Download the scenario's run (zip)")


def entry_line(e: shelf.ShelfEntry) -> str:
    low, high = e.range90
    worse = int((e.window_rates > e.reference_rate).sum())
    return (f"**{e.number}. {e.name}** — {period_words(*e.window)}: median {e.median:.1f} attacks a month, 90% of "
            f"runs {low:.1f}–{high:.1f}, more than 2024 in {worse} of {e.replicates} runs (seed {e.seed}, until "
            f"{long_date(e.end)}).")


@solara.component
def ShelfView(entries: tuple[shelf.ShelfEntry, ...], state: PageState, set_state: SetState, session: str,
              width: int):
    Prose("### Your results\nEvery ensemble you run stays here, also after a reload of the page (until the "
          "explorer is stopped). Show any of them again, or compare two.")
    for e in reversed(entries):
        with solara.Div(classes=["shelf-entry"]):
            Prose(entry_line(e))
            solara.Button(f"Show result {e.number}", text=True, classes=["show-result"],
                          on_click=lambda n=e.number: set_state(lambda st: dataclasses.replace(st, show=n)))
    if len(entries) >= 2:
        CompareTwo(entries, state, set_state, width)

    def clear() -> None:
        shelf.STORE.shelf(session).clear()
        set_state(lambda st: dataclasses.replace(st, show=None, compare=None))

    solara.Button("Clear the shelf", text=True, on_click=clear, classes=["clear-shelf"])


@solara.component
def CompareTwo(entries: tuple[shelf.ShelfEntry, ...], state: PageState, set_state: SetState, width: int):
    by_number = {e.number: e for e in entries}
    default = (entries[-2].number, entries[-1].number)
    first, second = state.compare or default
    a, b = by_number.get(first, entries[-2]), by_number.get(second, entries[-1])
    numbers = {e.number: f"{e.number}. {e.name}" for e in entries}
    Prose("#### Compare two results")
    with solara.Div(classes=["control-row", "compare-pickers"]):
        LabelledSelect("Result A", numbers, a.number,
                       lambda n: set_state(lambda st: dataclasses.replace(st, compare=(n, (st.compare or default)[1]))), "compare-a")
        LabelledSelect("Result B", numbers, b.number,
                       lambda n: set_state(lambda st: dataclasses.replace(st, compare=((st.compare or default)[0], n))), "compare-b")
    Prose(compare_words(a, b), css="compare-words")
    if a is not b:
        Chart(lambda w: svg_markup(compare_figure(a, b, w)), (a.number, b.number, id(a), id(b)), min(width, 760),
              f"result {a.number} and result {b.number} over time, with B minus A", "compare-chart")


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
