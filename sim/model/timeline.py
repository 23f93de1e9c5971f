"""Dated changes inside a replicate: parameters that change on a date, and one-off events.

A run's config carries one resolved list of `TimelineChange`s (the observed
history, the scenario's branch levels, its own later changes). Here they are
turned into what a replicate does: changes dated on or before the start date
are folded into the starting parameters, and each later date becomes a Mesa
event that fires at the start of that day, so a change is in force for the
whole of its first day and not an hour before. One-off events (impulses) of
the start date happen before the first day is simulated; those dated before
the start are part of the state the start date already describes, and are
not repeated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sim.config.paths import with_params
from sim.config.schema import Impulse, ModelParams, TimelineChange


@dataclass(frozen=True)
class DatedChange:
    """A change placed on the replicate's day index (0 = the start date)."""

    day: int
    label: str
    params: dict[str, Any]
    impulses: tuple[Impulse, ...]


def place(changes: Iterable[TimelineChange], start: dt.date) -> list[DatedChange]:
    """The changes on day indices, in date order (changes of one date keep their listed order)."""
    placed = [DatedChange((dt.date.fromisoformat(c.date) - start).days, c.label, dict(c.params),
                          tuple(c.impulses)) for c in changes]
    return sorted(placed, key=lambda c: c.day)


def starting_params(params: ModelParams, placed: list[DatedChange]) -> ModelParams:
    """The parameters in force on the start date: `params` with every change up to it applied."""
    for change in placed:
        if change.day <= 0:
            params = with_params(params, change.params)
    return params


class Schedule:
    """The changes after the start date, fired as Mesa events at the start of their day.

    Mesa's step that advances time from d to d + 1 simulates day d; an event at
    d + 0.5 fires inside that advance before the step's own work, so the change
    is in force for the whole of day d.
    """

    def __init__(self, placed: list[DatedChange], apply: Callable[[DatedChange], None]):
        self._pending = [c for c in placed if c.day > 0]
        self._apply = apply
        self.applied: list[DatedChange] = [c for c in placed if c.day <= 0]

    def first_day_impulses(self) -> list[Impulse]:
        """The one-off events dated on the start date itself."""
        return [impulse for c in self.applied if c.day == 0 for impulse in c.impulses]

    def start(self, model) -> None:
        for day in sorted({c.day for c in self._pending}):
            model.schedule_event(self._fire, at=day + 0.5)

    def _fire(self) -> None:
        day = self._pending[0].day
        while self._pending and self._pending[0].day == day:
            change = self._pending.pop(0)
            self._apply(change)
            self.applied.append(change)
