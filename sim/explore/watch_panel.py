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
from sim.explore.pictures import PNG_DENSITY, png_bytes, svg_markup
from sim.explore.replicate import RECENT_DAYS, ReplicateView, WatchedReplicate
from sim.explore.widgets import Chart, Disclosure, LabelledSelect, MapPicture, Prose

# Seconds of rest after a step has been drawn, before the next one while playing.
TICK_SECONDS = 0.3
# How far the maps can be enlarged (times the width of the column); slid sideways and down when enlarged.
ZOOMS = (1.0, 1.5, 2.0, 3.0)
# The widest the maps are drawn at their first zoom.
MAP_WIDTH_PX = 720
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
def WatchPanel(runner: WatchedReplicate, name: str, command: str, branch_date: str, index: int,
               set_index, restart, width: int):
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
    stem = f"{runner.cfg.scenario.name}_replicate{runner.index}_{view.snapshot.date}"
    to_branch = runner.days_through(branch_date)
    title = f"{name}, replicate {runner.index}"

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
    with solara.Div(attributes={"id": "results"}):
        Prose(date_line(view, branch_date), css="replicate-date")
        Prose(state_line(view))
        Maps(view, runner, title, width)
    Prose(map_key(), css="map-key")
    Chart(lambda w: svg_markup(monthly_attacks_figure(view.month_starts, view.attacks_by_month, view.months_done,
                                                      reference_rate_2024(), branch_date,
                                                      f"{title}: attacks per month", w)),
          id(view), min(width, 760), f"attacks per month in {title}", "replicate-chart")
    Prose(f"### What happened (newest first)\nStars on the map: attacks in the last {RECENT_DAYS} days.")
    solara.Checkbox(label="Show routine events too (raids, air strikes, border crossings)", value=every_event)
    Prose(event_lines(view, every_event.value) or "*Nothing yet: press Play, Step or Jump.*", css="event-list",
          attributes={"tabindex": "0", "role": "region", "aria-label": "What happened, newest first"})
    with solara.Div(classes=["control-row"]):
        solara.FileDownload(lambda: png_bytes(whole_map(view.snapshot, view.recent_attacks, runner.geography, title,
                                                        MAP_WIDTH_PX), PNG_DENSITY),
                            filename=f"map_{stem}.png", label="Save the map (PNG)")
        solara.FileDownload(lambda: png_bytes(monthly_attacks_figure(
            view.month_starts, view.attacks_by_month, view.months_done, reference_rate_2024(), branch_date,
            f"{title}: attacks per month", 760), PNG_DENSITY), filename=f"attacks_per_month_{stem}.png",
            label="Save the chart (PNG)")
        solara.FileDownload(lambda: events_csv(view), filename=f"events_{stem}.csv", label="Save the events (CSV)")
    with Disclosure("Details: the same run from the command line"):
        Prose(f"This history is replicate {runner.index} of `{command}`: that command computes it bit for bit. "
              "Another replicate number shows another possible history of the same choices.", css="command-line")
        LabelledSelect("Replicate number", {k: str(k) for k in range(max(40, index + 1))}, index, set_index,
                       "pick-replicate")


@solara.component
def Maps(view: ReplicateView, runner: WatchedReplicate, title: str, width: int):
    """The two maps, drawn for the column's width times the zoom; enlarged, they slide in their own box."""
    zoom = solara.use_reactive(ZOOMS[0])
    base = min(width, MAP_WIDTH_PX)
    drawn = int(base * zoom.value)
    whole = solara.use_memo(lambda: png_bytes(whole_map(view.snapshot, view.recent_attacks, runner.geography, title,
                                                        drawn), PNG_DENSITY), dependencies=[view, drawn])
    hills = solara.use_memo(lambda: png_bytes(hills_map(view.snapshot, view.recent_attacks, runner.geography,
                                                        drawn), PNG_DENSITY), dependencies=[view, drawn])
    step = ZOOMS.index(zoom.value)
    with solara.Div(classes=["control-row", "zoom-row"]):
        solara.Button("Zoom in", icon_name="mdi-magnify-plus", disabled=step == len(ZOOMS) - 1,
                      on_click=lambda: zoom.set(ZOOMS[min(step + 1, len(ZOOMS) - 1)]), classes=["zoom-in"])
        solara.Button("Zoom out", icon_name="mdi-magnify-minus", disabled=step == 0,
                      on_click=lambda: zoom.set(ZOOMS[max(step - 1, 0)]), classes=["zoom-out"])
        solara.Text(f"{zoom.value:g}×" + ("; slide the maps to move around" if step else ""), classes=["zoom-level"])
    with solara.Div(classes=["map-column"]):
        MapPicture(whole, drawn, base, f"Map of Iraq and eastern Syria: {title}, {view.snapshot.date}",
                   "replicate-map")
        MapPicture(hills, drawn, base, "Map of the hills between Kirkuk and Diyala, enlarged", "replicate-map-hills")
