"""Watching one replicate: play, step, jump to the branch date; the maps, the chart and what happened.

The replicate itself is made by the page (it must know whether one is under way
before a change would start it again); this panel advances and draws it. Playing
runs in a thread of the session and waits for each step to be drawn before the
next, so a busy machine plays more slowly instead of showing nothing.
"""

from __future__ import annotations

import csv
import io
import threading

import solara

from sim.analysis.targets import reference_rate_2024
from sim.explore.drawing import monthly_attacks_figure
from sim.explore.explain import long_date
from sim.explore.map_view import KEY, hills_map, whole_map
from sim.explore.narrate import plural
from sim.explore.replicate import RECENT_DAYS, ReplicateView, WatchedReplicate
from sim.explore.widgets import LabelledSelect, Prose
from sim.runs.record import figure_png

# Seconds of rest after a step has been drawn, before the next one while playing.
TICK_SECONDS = 0.3
SPEEDS = {1: "a day", 7: "a week", 30: "a month", 91: "three months"}
DEFAULT_SPEED = 30
EVENTS_SHOWN = 40


def events_csv(view: ReplicateView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "kind", "what happened"])
    writer.writerows([e.date.isoformat(), e.kind, e.text] for e in view.events)
    return out.getvalue()


def date_line(view: ReplicateView, branch_date: str) -> str:
    snap = view.snapshot
    when = "the observed history" if snap.date.isoformat() < branch_date else "your choices"
    if not view.started:
        return (f"**Start: {long_date(snap.date.isoformat())}**, nothing simulated yet; coalition posture: "
                f"{snap.posture}.")
    return (f"**{long_date(snap.date.isoformat())}**: day {snap.days_simulated} of {view.total_days}, "
            f"following {when}; coalition posture: {snap.posture}.")


def state_line(view: ReplicateView) -> str:
    snap, counters = view.snapshot, view.snapshot.counters
    active = int(snap.cell_active.sum())
    attacks = int(view.attacks_by_month.sum())
    return (f"**Islamic State in Iraq:** {snap.fighters} fighters in {snap.cell_area.size} cells "
            f"({active} active, {snap.cell_area.size - active} dormant); {snap.iraq_effort_share:.0%} of its effort "
            f"goes to Iraq, the rest to Syria. **In Syria:** {snap.syria_free_fighters} fighters at large, "
            f"{snap.detainees} detained. **So far:** {plural(attacks, 'attack', 'attacks')}, {view.killed} killed and "
            f"{view.wounded} wounded; {plural(counters['raids'], 'raid', 'raids')} and "
            f"{plural(counters['strikes'], 'air strike', 'air strikes')} on located cells.")


def event_lines(view: ReplicateView, every: bool) -> str:
    shown = (view.events if every else view.key_events)[-EVENTS_SHOWN:]
    return "\n".join(f"- {e.line()}" for e in reversed(shown))


def _key_symbol(symbol: str, colour: str) -> str:
    if symbol.startswith("line:"):
        style = symbol.split(":", 1)[1]
        return (f'<span style="display:inline-block;width:18px;vertical-align:middle;'
                f'border-top:{style} {colour}"></span>')
    return f'<span style="color:{colour}">{symbol}</span>'


def map_key() -> str:
    return " ".join(f'<span class="key-item">{_key_symbol(symbol, colour)} {text}</span>'
                    for symbol, colour, text in KEY)


@solara.component
def WatchPanel(runner: WatchedReplicate, name: str, command: str, branch_date: str, index: solara.Reactive[int],
               restart):
    _, set_views_shown = solara.use_state(0)   # counts new views: bumping it redraws the panel
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    every_event = solara.use_reactive(False)
    view = runner.view()

    def advance(days: int) -> None:
        runner.advance(days)
        set_views_shown(lambda n: n + 1)

    # Set once the newest view has been rendered; playing waits for it before the next step.
    drawn = solara.use_memo(threading.Event, dependencies=[runner])
    solara.use_effect(drawn.set, dependencies=[view])

    def play_loop(cancel: threading.Event) -> None:
        while playing.value and not cancel.is_set() and not runner.finished:
            drawn.clear()
            advance(speed.value)
            while not drawn.wait(0.1):
                if cancel.is_set():
                    return
            cancel.wait(TICK_SECONDS)
        if runner.finished:
            playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing.value, runner], intrusive_cancel=False)
    whole_png = solara.use_memo(lambda: figure_png(whole_map(view.snapshot, view.recent_attacks, runner.geography,
                                                             f"{name}, replicate {runner.index}")),
                                dependencies=[view])
    hills_png = solara.use_memo(lambda: figure_png(hills_map(view.snapshot, view.recent_attacks, runner.geography)),
                                dependencies=[view])
    chart_png = solara.use_memo(lambda: figure_png(monthly_attacks_figure(
        view.month_starts, view.attacks_by_month, view.months_done, reference_rate_2024(), branch_date,
        f"{name}, replicate {runner.index}: attacks per month")),
        dependencies=[view])
    stem = f"{runner.cfg.scenario.name}_replicate{runner.index}_{view.snapshot.date}"
    to_branch = runner.days_through(branch_date)

    Prose(f"## Watch one possible history\nOne replicate of **{name}**, day by day: the observed history until "
          f"{long_date(branch_date)}, your choices from then on. The same choices always give the same history.")
    with solara.Div(classes=["control-row"]):
        solara.Button("Play", icon_name="mdi-play", on_click=lambda: playing.set(True),
                      disabled=playing.value or view.finished, color="primary")
        solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: playing.set(False), disabled=not playing.value)
        solara.Button(f"Step ({SPEEDS[speed.value]})", icon_name="mdi-step-forward",
                      on_click=lambda: advance(speed.value), disabled=playing.value or view.finished)
        solara.Button(f"Jump to {long_date(branch_date)}", icon_name="mdi-debug-step-over",
                      on_click=lambda: advance(to_branch), disabled=playing.value or to_branch == 0,
                      classes=["jump-to-branch"])
        solara.Button("Restart", icon_name="mdi-restart", on_click=lambda: (playing.set(False), restart()))
        LabelledSelect("Each step simulates", SPEEDS, speed.value, speed.set, "pick-speed")
    Prose(date_line(view, branch_date), "font-size: 1.05em", css="replicate-date")
    Prose(state_line(view), "font-size: 0.9em")
    Prose("*Slide the maps sideways to see all of them.*", "font-size: 0.85em", css="phone-only")
    with solara.Div(classes=["map-row"]):
        solara.Image(whole_png, classes=["replicate-map"])
        solara.Image(hills_png, classes=["replicate-map-hills"])
    Prose(map_key(), "font-size: 0.85em", css="map-key")
    solara.Image(chart_png, classes=["replicate-chart"])
    Prose(f"### What happened (newest first)\nStars on the map: attacks in the last {RECENT_DAYS} days.")
    solara.Checkbox(label="Show routine events too (raids, air strikes, border crossings)", value=every_event)
    Prose(event_lines(view, every_event.value) or "*Nothing yet: press Play, Step or Jump.*",
          "max-height: 280px; overflow-y: auto; font-size: 0.88em", css="event-list")
    with solara.Div(classes=["control-row"]):
        solara.FileDownload(lambda: whole_png, filename=f"map_{stem}.png", label="Save the map (PNG)")
        solara.FileDownload(lambda: chart_png, filename=f"attacks_per_month_{stem}.png", label="Save the chart (PNG)")
        solara.FileDownload(lambda: events_csv(view), filename=f"events_{stem}.csv", label="Save the events (CSV)")
    with solara.Details("Details: the same run from the command line", expand=False):
        Prose(f"This history is replicate {runner.index} of `{command}`: that command computes it bit for bit. "
              "Another replicate number shows another possible history of the same choices.", css="command-line")
        solara.InputInt("Replicate number", value=index.value, on_value=lambda i: index.set(max(0, i or 0)),
                        classes=["pick-replicate"])
