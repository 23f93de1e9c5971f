"""The calendar of a replicate: its days and months, the regimes of parameters, and the one-off events.

A run's config carries one resolved list of dated changes (the observed
history, the scenario's branch levels, its own later changes). Here they become
what a replicate follows day by day:

- changes dated on or before the start date are folded into the parameters of
  the first regime; their one-off events (impulses) are part of the state the
  start date describes and are not repeated, except those of the start date
  itself, which happen before the first day is simulated;
- every later date with changes starts a new regime: the parameters in force
  from that day, which every rule reads through the regime index. Changes of
  one date make one regime (their parameters apply together, in listed
  order), and their impulses follow in listed order;
- a change takes effect at the start of its day, before the day's work (as the
  Mesa event at day + 0.5 did): it is in force for the whole of its first day.

Time is counted as Mesa counts it: `now` is the day index plus one while a day
is simulated, plus one half while the changes of its morning are applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.paths import with_params
from sim.config.schema import IMPULSE_KINDS, ModelParams, TimelineChange
from sim.model.geography import Geography
from sim.model.state import FLAGS, FLOAT, FLOATS, INT, INTS, declare

CENTRE = "centre"

ClockType, Clock = declare("Clock", __name__, {
    "day": INT,                 # index of the next day to simulate (0: the start date)
    "n_days": INT,
    "now": FLOAT,               # Mesa's time: day + 1 during the day's work
    "regime": INT,              # the regime of parameters in force
    "regime_start": INTS,       # first day of each regime
    "month_of_day": INTS,
    "month_end": FLAGS,         # the last day of a month, or of the horizon
    "impulse_day": INTS,        # the one-off events after the start date, in order
    "impulse_kind": INTS,       # index in sim.config.schema.IMPULSE_KINDS
    "impulse_amount": FLOATS,
    "impulse_target": INTS,     # a leader post or an area, where the kind needs one; else -1
    "next_impulse": INT,
})


@dataclass(frozen=True)
class Timeline:
    """A replicate's dated changes as regimes and impulses on day indices."""

    regimes: tuple[ModelParams, ...]
    regime_start: np.ndarray
    regime_labels: tuple[tuple[str, ...], ...]     # labels of the changes that open each regime
    impulse_day: np.ndarray
    impulse_kind: np.ndarray
    impulse_amount: np.ndarray
    impulse_target: np.ndarray

    def first_day_impulses(self) -> np.ndarray:
        """Positions of the impulses dated on the start date itself."""
        return np.flatnonzero(self.impulse_day == 0)


def impulse_target(kind: str, target: str, geo: Geography) -> int:
    """The index an impulse acts on: a leader post (a wilaya, or the centre after the wilayas), or an area."""
    if kind == "leader_killed":
        return len(geo.wilaya_ids) if target == CENTRE else geo.wilaya_ids.index(target)
    if kind == "arrivals":
        return geo.index(target)
    return -1


def compile_timeline(params: ModelParams, changes: Sequence[TimelineChange], start: dt.date, n_days: int,
                     geo: Geography) -> Timeline:
    """The regimes and impulses of a replicate starting on `start` with `params` and `changes`."""
    placed = sorted(((dt.date.fromisoformat(c.date) - start).days, k, c) for k, c in enumerate(changes))
    regimes, starts, labels = [params], [0], [[]]
    impulses = []
    for day, _, change in placed:
        if day >= n_days:
            break
        if day > 0 and starts[-1] != day:
            regimes.append(regimes[-1])
            starts.append(day)
            labels.append([])
        if change.params:
            regimes[-1] = with_params(regimes[-1], dict(change.params))
        labels[-1].append(change.label)
        if day >= 0:
            impulses.extend((day, IMPULSE_KINDS.index(i.kind), float(i.amount), impulse_target(i.kind, i.target, geo))
                            for i in change.impulses)
    days, kinds, amounts, targets = (zip(*impulses, strict=True) if impulses else ((), (), (), ()))
    return Timeline(tuple(regimes), np.array(starts, dtype=np.int64), tuple(tuple(x) for x in labels),
                    np.array(days, dtype=np.int64), np.array(kinds, dtype=np.int64),
                    np.array(amounts, dtype=np.float64), np.array(targets, dtype=np.int64))


def calendar(start: dt.date, n_days: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Month index of every day, whether it closes a month (or the horizon), and each month as YYYY-MM."""
    dates = np.datetime64(start.isoformat()) + np.arange(n_days).astype("timedelta64[D]")
    months = dates.astype("datetime64[M]")
    index = (months - months[0]).astype(np.int64)
    month_end = np.append(np.diff(index) != 0, True)
    starts = [str(months[0] + np.timedelta64(i, "M")) for i in range(int(index[-1]) + 1)]
    return index, month_end, starts


def new_clock(timeline: Timeline, month_of_day: np.ndarray, month_end: np.ndarray) -> Clock:
    """The clock of a replicate before its first day (the calendar as `calendar` gives it)."""
    n_days = month_of_day.size
    later = timeline.impulse_day > 0
    return Clock(0, n_days, 0.0, 0, timeline.regime_start, month_of_day, month_end,
                 timeline.impulse_day[later], timeline.impulse_kind[later], timeline.impulse_amount[later],
                 timeline.impulse_target[later], 0)
