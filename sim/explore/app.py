"""The explorer page (Solara): pick a scenario, watch one replicate, compare an ensemble with the baseline.

Every browser tab is its own Solara session, so its choices, its watched
replicate and its ensemble are its own. Long work happens off the page's
thread: the play loop in a thread of the session, the ensemble in a task whose
replicates run in worker processes.

Started by `sim explore` (or `solara run sim.explore.app`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import os
import threading
import zipfile
from pathlib import Path

import markdown
import solara
from solara.lab import task

from sim.analysis.targets import reference_rate_2024
from sim.config.errors import ConfigError
from sim.config.load import DETERMINANTS, list_levels, list_scenarios
from sim.config.schema import RunConfig
from sim.explore import comparison as compare
from sim.explore.choices import (BASELINE, baseline_for, changes, explorer_config, horizon_ends,
                                 same_experiment, scenario_levels)
from sim.explore.drawing import map_figure, monthly_attacks_figure
from sim.explore.explain import ABBREVIATIONS, DETERMINANTS as DETERMINANT_TEXT
from sim.explore.explain import how_the_model_works, level_label, spell_out
from sim.explore.narrate import plural
from sim.explore.replicate import ReplicateView, WatchedReplicate
from sim.runs.record import figure_png

# Mesa logs every step at INFO; the page needs none of it.
logging.getLogger("MESA").setLevel(logging.WARNING)

WORKERS = max(1, int(os.environ.get("SIM_EXPLORE_WORKERS", min(2, os.cpu_count() or 1))))
# Seconds of rest after a step has been drawn, before the next one while playing.
TICK_SECONDS = 0.3
SPEEDS = {1: "a day", 7: "a week", 30: "a month"}
REPLICATE_CHOICES = [10, 20, 30, 50]
DEFAULT_REPLICATES = 30
EVENTS_SHOWN = 40
LAST_YEAR = 2030
MAP_CAPTION = (
    "Each circle is an area of operation, placed at its real position; its green shade is how much of it the "
    "coalition's surveillance covers. Red dots are Islamic State cells around the area they hide in (filled: active, "
    "hollow: dormant; bigger: more members); blue squares are Iraqi force units; triangles are coalition bases; "
    "dashed orange lines are the border crossings from Syria, labelled with how many fighters have crossed so far.")
PAGE_CSS = ".prose strong { font-weight: 700; } .prose p { margin-bottom: 6px; } .prose h2 { margin-top: 14px; }"


@dataclasses.dataclass(frozen=True)
class Choices:
    """What the student has picked in the side panel."""

    scenario: str
    levels: tuple[tuple[str, str], ...]
    end: str | None = None
    seed: int | None = None

    @classmethod
    def of(cls, scenario: str) -> Choices:
        return cls(scenario, tuple(scenario_levels(scenario).items()))

    def config(self) -> RunConfig:
        return explorer_config(self.scenario, dict(self.levels), self.end, self.seed)

    def with_level(self, group: str, level: str) -> Choices:
        levels = tuple((g, level if g == group else v) for g, v in self.levels)
        return dataclasses.replace(self, levels=levels)

    def command(self, cfg: RunConfig) -> str:
        changed = [f"{g}={v}" for g, v in sorted(changes(self.scenario, dict(self.levels)).items())]
        return " ".join(["sim run", f"scenario={self.scenario}", *changed, f"end={cfg.end}", f"seed={cfg.seed}"])


def Prose(text: str, style: str = "", css: str = ""):  # noqa: N802
    """Markdown rendered here, not in the browser: Solara's Markdown would fetch a maths font from the web."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text), style=style,
                       classes=["prose", css] if css else ["prose"])


def LabelledSelect(label: str, options: dict[str, str], value: str, on_value, css: str):  # noqa: N802
    """A drop-down list that shows readable labels for the values it sets."""
    return solara.v.Select(label=label, items=[{"text": t, "value": v} for v, t in options.items()],
                           v_model=value, on_v_model=on_value, class_=css, dense=True, hide_details=True)


# ----- side panel: the scenario and its determinants ---------------------------------------
@solara.component
def ScenarioPanel(choices: solara.Reactive[Choices], cfg: RunConfig | None):
    scenarios = {s.name: s for s in list_scenarios()}
    levels = list_levels()
    chosen = choices.value
    LabelledSelect("Scenario", {n: n.replace("_", " ") for n in scenarios}, chosen.scenario,
                   lambda name: choices.set(Choices.of(name)), "pick-scenario")
    Prose(spell_out(scenarios[chosen.scenario].description), "font-size: 0.9em")
    Prose("### The determinants\nEach sets part of the model; change any of them to ask *what if?*")
    current = dict(chosen.levels)
    for group in DETERMINANTS:
        text = DETERMINANT_TEXT[group]
        with solara.Card(margin=0, elevation=1, style={"margin-bottom": "8px"}):
            Prose(f"**{text.title}**. {text.explanation}", "font-size: 0.88em")
            LabelledSelect("", {lv.name: level_label(group, lv.name) for lv in levels[group]},
                           current[group], lambda level, g=group: choices.set(choices.value.with_level(g, level)),
                           f"determinant-{group}")
            description = next(lv.description for lv in levels[group] if lv.name == current[group])
            Prose(f"*{spell_out(description)}*", "font-size: 0.82em; color: #555")
    changed = changes(chosen.scenario, current)
    if changed:
        titles = [DETERMINANT_TEXT[g].title for g in changed]
        solara.Info(f"Changed from the scenario: {', '.join(t[0].lower() + t[1:] for t in titles)}.", dense=True)
        solara.Button("Back to the scenario's own choices", on_click=lambda: choices.set(Choices.of(chosen.scenario)),
                      text=True)
    if cfg is not None:
        ends = horizon_ends(cfg.start, LAST_YEAR)
        LabelledSelect("Simulate until", {e: f"31 December {e[:4]}" for e in ends}, cfg.end,
                       lambda end: choices.set(dataclasses.replace(choices.value, end=end)), "pick-end")
        solara.InputInt("Seed (the same seed always gives the same results)", value=cfg.seed,
                        on_value=lambda s: choices.set(dataclasses.replace(choices.value, seed=s)))


@solara.component
def HowItWorks():
    with solara.Details("How this model works", expand=False):
        Prose(how_the_model_works(reference_rate_2024()), "font-size: 0.9em")
    with solara.Details("Abbreviations", expand=False):
        Prose("\n".join(f"- **{k}**: {v}" for k, v in ABBREVIATIONS.items()), "font-size: 0.9em")


# ----- watching one replicate --------------------------------------------------------------
def _events_csv(view: ReplicateView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "kind", "what happened"])
    writer.writerows([e.date.isoformat(), e.kind, e.text] for e in view.events)
    return out.getvalue()


def _date_line(view: ReplicateView) -> str:
    snap = view.snapshot
    if not view.started:
        return f"**Start: {snap.date.day} {snap.date:%B %Y}**, nothing simulated yet; coalition posture: {snap.posture}."
    return (f"**{snap.date.day} {snap.date:%B %Y}**: day {snap.days_simulated} of {view.total_days}; "
            f"coalition posture: {snap.posture}.")


def _state_line(view: ReplicateView) -> str:
    snap, raids, strikes = view.snapshot, view.snapshot.counters["raids"], view.snapshot.counters["strikes"]
    active = int(snap.cell_active.sum())
    attacks = int(view.attacks_by_month.sum())
    return (f"**Islamic State in Iraq:** {snap.fighters} fighters in {snap.cell_area.size} cells "
            f"({active} active, {snap.cell_area.size - active} dormant). "
            f"**In Syria:** {snap.syria_free_fighters} fighters at large, {snap.detainees} detained. "
            f"**So far:** {plural(attacks, 'attack', 'attacks')}, {view.killed} killed and {view.wounded} wounded; "
            f"{plural(raids, 'raid', 'raids')} and {plural(strikes, 'air strike', 'air strikes')} on located cells.")


@solara.component
def WatchPanel(cfg: RunConfig, command: str):
    index = solara.use_reactive(0)
    restarts = solara.use_reactive(0)
    runner = solara.use_memo(lambda: WatchedReplicate(cfg, index.value),
                             dependencies=[cfg, index.value, restarts.value])
    _, set_views_shown = solara.use_state(0)   # counts new views: bumping it redraws the panel
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(7)
    view = runner.view()

    def step() -> None:
        runner.advance(speed.value)
        set_views_shown(lambda n: n + 1)

    # Set once the newest view has been rendered. Playing waits for it before the next step: a
    # render slower than a tick (a busy machine) would otherwise keep the thread that renders busy
    # with ever newer views, and the browser would see nothing until the replicate had finished.
    drawn = solara.use_memo(threading.Event, dependencies=[runner])
    solara.use_effect(drawn.set, dependencies=[view])

    def play_loop(cancel: threading.Event) -> None:
        while playing.value and not cancel.is_set() and not runner.finished:
            drawn.clear()
            step()
            while not drawn.wait(0.1):
                if cancel.is_set():
                    return
            cancel.wait(TICK_SECONDS)
        if runner.finished:
            playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing.value, runner], intrusive_cancel=False)
    map_png = solara.use_memo(lambda: figure_png(map_figure(view.snapshot, runner.geography, view.total_days)),
                              dependencies=[view])
    chart_png = solara.use_memo(lambda: figure_png(monthly_attacks_figure(
        view.month_starts, view.attacks_by_month, view.months_done, reference_rate_2024())), dependencies=[view])
    stem = f"{cfg.scenario.name}_replicate{runner.index}_{view.snapshot.date}"

    Prose("## Watch one replicate\nOne possible history, day by day. It is replicate "
          f"{runner.index} of `{command}`, so the same choices always give the same history.")
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Play", icon_name="mdi-play", on_click=lambda: playing.set(True),
                      disabled=playing.value or view.finished, color="primary")
        solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: playing.set(False), disabled=not playing.value)
        solara.Button(f"Step ({SPEEDS[speed.value]})", icon_name="mdi-step-forward", on_click=step,
                      disabled=playing.value or view.finished)
        solara.Button("Restart", icon_name="mdi-restart",
                      on_click=lambda: (playing.set(False), restarts.set(restarts.value + 1)))
        solara.Text("Each step simulates:")
        solara.ToggleButtonsSingle(value=speed.value, on_value=speed.set,
                                   children=[solara.Button(label, value=days) for days, label in SPEEDS.items()])
        solara.InputInt("Replicate number", value=index.value, on_value=lambda i: index.set(max(0, i or 0)),
                        style={"max-width": "110px"})
    Prose(_date_line(view), "font-size: 1.1em", css="replicate-date")
    Prose(_state_line(view), "font-size: 0.9em")
    solara.Image(map_png, width="100%", classes=["replicate-map"])
    Prose(MAP_CAPTION, "font-size: 0.82em; color: #555")
    solara.FileDownload(lambda: map_png, filename=f"map_{stem}.png", label="Save the map as PNG")
    solara.Image(chart_png, width="100%", classes=["replicate-chart"])
    solara.FileDownload(lambda: chart_png, filename=f"attacks_per_month_{stem}.png",
                        label="Save the chart as PNG")
    Prose("### What happened (newest first)")
    newest = [f"- {e.line()}" for e in reversed(view.events[-EVENTS_SHOWN:])]
    Prose("\n".join(newest) or "*Nothing yet: press Play or Step.*",
          "max-height: 260px; overflow-y: auto; font-size: 0.88em", css="event-list")
    solara.FileDownload(lambda: _events_csv(view), filename=f"events_{stem}.csv", label="Save the events (CSV)")


# ----- the ensemble against the baseline ---------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ComparisonView:
    comparison: compare.Comparison
    words: str
    png: bytes


@task
def run_ensemble_task(cfg: RunConfig, baseline: RunConfig) -> ComparisonView:
    """Runs in a thread of the session; the replicates run in worker processes."""
    def progress(done: int, total: int) -> None:
        run_ensemble_task.progress = 100.0 * done / total
        run_ensemble_task_done.set((done, total))

    result = compare.run_comparison(cfg, baseline, WORKERS, progress)
    return ComparisonView(result, compare.describe(result), figure_png(compare.figure(result)))


run_ensemble_task_done = solara.reactive((0, 0))


@task
def save_task(comparison: compare.Comparison) -> tuple[compare.Comparison, list[Path]]:
    """Writing two run directories with their plots takes seconds: off the page's thread too."""
    return comparison, compare.save(comparison)


def _zip_run(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.iterdir()):
            archive.write(file, f"{path.name}/{file.name}")
    return buffer.getvalue()


@solara.component
def EnsemblePanel(cfg: RunConfig):
    replicates = solara.use_reactive(DEFAULT_REPLICATES)
    Prose("## Run an ensemble\nMany replicates of the same choices, each with its own random "
          "numbers, beside the same number of replicates of the baseline (the 2024 situation kept).")

    def start() -> None:
        run_cfg = dataclasses.replace(cfg, replicates=replicates.value, workers=WORKERS, progress=False)
        run_ensemble_task_done.set((0, 0))
        run_ensemble_task(run_cfg, baseline_for(run_cfg))

    with solara.Row(style={"align-items": "center"}):
        solara.Text("Replicates:")
        solara.ToggleButtonsSingle(value=replicates.value, on_value=replicates.set,
                                   children=[solara.Button(str(n), value=n) for n in REPLICATE_CHOICES])
        solara.Button("Run the ensemble", icon_name="mdi-chart-bell-curve", on_click=start, color="primary",
                      disabled=run_ensemble_task.pending)
    if run_ensemble_task.pending:
        done, total = run_ensemble_task_done.value
        solara.ProgressLinear(run_ensemble_task.progress or True)
        solara.Text(f"{done} of {total or '…'} replicates done", classes=["ensemble-progress"])
    if run_ensemble_task.error:
        solara.Error(f"The ensemble failed: {run_ensemble_task.exception}")
    result = run_ensemble_task.value
    if result is None:
        return
    c = result.comparison
    if not same_experiment(dataclasses.replace(c.scenario.config, replicates=cfg.replicates), cfg):
        solara.Warning("These results are for the choices made when the ensemble was started; "
                       "run it again to see the current choices.", dense=True)
    Prose(result.words, css="ensemble-words")
    solara.Image(result.png, width="100%", classes=["ensemble-chart"])
    name = c.scenario.config.scenario.name
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: result.png, filename=f"attack_rates_{name}_vs_baseline.png",
                            label="Save the chart as PNG")
        solara.Button("Save as a run directory", icon_name="mdi-content-save", on_click=lambda: save_task(c),
                      disabled=save_task.pending)
    SavedRuns(c)


@solara.component
def SavedRuns(comparison: compare.Comparison):
    if save_task.pending:
        solara.ProgressLinear(True)
    if save_task.error:
        solara.Error(f"Saving failed: {save_task.exception}")
    if save_task.pending or save_task.value is None or save_task.value[0] is not comparison:
        return
    paths = save_task.value[1]
    solara.Success("Saved. Check a run with `sim reproduce DIRECTORY`; compare runs with `sim compare`.")
    Prose("\n".join(f"- `{p}`" for p in paths), css="saved-runs")
    solara.FileDownload(lambda: _zip_run(paths[0]), filename=f"{paths[0].parent.name}_{paths[0].name}.zip",
                        label="Download the scenario's run (zip)")


# ----- the page ----------------------------------------------------------------------------
@solara.component
def Page():
    choices = solara.use_reactive(Choices.of(BASELINE))
    try:
        cfg, problem = choices.value.config(), None
    except ConfigError as err:
        cfg, problem = None, str(err)
    solara.Title("Scenario explorer: the Islamic State insurgency in Iraq")
    solara.Style(PAGE_CSS)
    with solara.Column(style={"padding": "12px 20px"}):
        Prose("# What if…? The Islamic State insurgency in Iraq after the coalition drawdown\n"
              "Pick a scenario, change what you like, then watch one possible history or run many "
              "and compare them with the 2024 situation.")
        with solara.Columns([4, 8]):
            with solara.Column():
                ScenarioPanel(choices, cfg)
                HowItWorks()
            with solara.Column():
                if problem:
                    solara.Error(problem)
                    solara.Button("Start again from the scenario's own choices", text=True,
                                  on_click=lambda: choices.set(Choices.of(choices.value.scenario)))
                else:
                    WatchPanel(cfg, choices.value.command(cfg))
                    EnsemblePanel(cfg)
