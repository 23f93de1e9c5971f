"""The order of the day, compiled: what happens, in which order, on every simulated day (docs/model.md 2-3).

A day is a fixed sequence of phases. Each part of the model (sim/model/parts.py)
declares the phases it acts in; within a phase the parts' hooks run in
registry order. The phases, in the order of the day:

    morning (before the day's work)
        due           successors appointed to leader posts whose wait is over
        [on a date with dated changes: the new regime of parameters, its
         conditions, then the date's one-off events, as in sim/model/clock.py]
    presence          Iraqi presence with surges, and deterrence
    weekly settlement (day 0, 7, 14, ...; docs/model.md 3)
        outside_week  the Syrian force and the centre's reserves; the camps
        leaders_week  leaders in post gain experience
        stance_week   community stance; where staged attacks land
        conditions    what depends on parameters, stance and effort
        cells_week    the cells' money, recruits, arms, chances and refuges
    prisons           breakouts in Syria, escapes from Iraqi prisons
    syria             IS's attacks in Syria
    border            crossings into Iraq, redeployments out of it
    cells             cells switch, move to cover and plan attacks
    attacks           attacks carried out; forces react; wilayas excited
    response          surges fade; detection, sweeps; located cells listed
    located           coalition strikes, then Iraqi strikes and raids
    leaders           strikes on exposed leaders
    housekeeping      remnants regroup, empty cells go, large ones split
    [the last day of a month: every part records its month]

`conditions` also runs when a new regime starts and when a replicate starts.
"""

from __future__ import annotations

import warnings

from numba import literal_unroll
from numba.core.errors import NumbaExperimentalFeatureWarning

from sim.model.parts import PARTS
from sim.model.state import kernel
from sim.model.world import RECORD_OFFSETS
from sim.units import DAYS_PER_WEEK

# The phases' hooks are called through tuples of compiled functions, which numba types as
# first-class functions and warns about as experimental, while compiling only.
warnings.filterwarnings("ignore", category=NumbaExperimentalFeatureWarning)

PHASES = ("due", "presence", "outside_week", "leaders_week", "stance_week", "conditions", "cells_week", "prisons",
          "syria", "border", "cells", "attacks", "response", "located", "leaders", "housekeeping")


def _hooks(phase: str) -> tuple:
    hooks = tuple(part.hooks[phase] for part in PARTS if phase in part.hooks)
    if not hooks:
        raise ValueError(f"no part acts in the phase '{phase}'")
    return hooks


_unknown = {phase for part in PARTS for phase in part.hooks} - set(PHASES)
if _unknown:
    raise ValueError(f"parts declare hooks for phases that the day does not have: {sorted(_unknown)}")

DUE, PRESENCE, OUTSIDE_WEEK, LEADERS_WEEK, STANCE_WEEK, CONDITIONS, CELLS_WEEK, PRISONS, SYRIA, BORDER, CELLS, \
    ATTACKS, RESPONSE, LOCATED, LEADERS, HOUSEKEEPING = (_hooks(phase) for phase in PHASES)
RECORDERS = tuple((part.record, RECORD_OFFSETS[part.name]) for part in PARTS if part.record is not None)
IMPULSE_HOOKS = tuple(part.impulse for part in PARTS if part.impulse is not None)


@kernel
def conditions(w) -> None:
    """What depends on the parameters in force, stance and effort (docs/model.md 3, step 4)."""
    for hook in literal_unroll(CONDITIONS):
        hook(w)


@kernel
def impulse(w, kind, amount, target) -> None:
    """A one-off event of the timeline, carried out by the part that declares its kind."""
    for hook in literal_unroll(IMPULSE_HOOKS):
        hook(w, kind, amount, target)


@kernel
def begin(w, first_kinds, first_amounts, first_targets) -> None:
    """The replicate's start: the day's conditions, then the one-off events dated on the start date."""
    conditions(w)
    for k in range(first_kinds.size):
        impulse(w, first_kinds[k], first_amounts[k], first_targets[k])


@kernel
def _morning(w) -> None:
    """What Mesa's advance to the day did before the day's work: events due by then, and the dated changes."""
    clock = w.clock
    day = clock.day
    if clock.regime + 1 < clock.regime_start.size and clock.regime_start[clock.regime + 1] == day:
        clock.now = day + 0.5
        for hook in literal_unroll(DUE):
            hook(w)
        clock.regime += 1
        conditions(w)
        while clock.next_impulse < clock.impulse_day.size and clock.impulse_day[clock.next_impulse] == day:
            k = clock.next_impulse
            impulse(w, clock.impulse_kind[k], clock.impulse_amount[k], clock.impulse_target[k])
            clock.next_impulse = k + 1
    clock.now = day + 1.0
    for hook in literal_unroll(DUE):
        hook(w)


@kernel
def settle(w) -> None:
    """The weekly settlement (docs/model.md 3): the slow quantities, for the week ahead."""
    for hook in literal_unroll(OUTSIDE_WEEK):
        hook(w)
    for hook in literal_unroll(LEADERS_WEEK):
        hook(w)
    for hook in literal_unroll(STANCE_WEEK):
        hook(w)
    conditions(w)
    for hook in literal_unroll(CELLS_WEEK):
        hook(w)


@kernel
def record_month(w, month) -> None:
    """Every part writes its monthly records into the month's row, at its declared columns."""
    row = w.monthly[month]
    for entry in literal_unroll(RECORDERS):
        entry[0](w, row[entry[1]:])


@kernel
def simulate_day(w) -> None:
    """One day, in the order above."""
    _morning(w)
    for hook in literal_unroll(PRESENCE):
        hook(w)
    if w.clock.day % DAYS_PER_WEEK == 0:
        settle(w)
    for hook in literal_unroll(PRISONS):
        hook(w)
    for hook in literal_unroll(SYRIA):
        hook(w)
    for hook in literal_unroll(BORDER):
        hook(w)
    for hook in literal_unroll(CELLS):
        hook(w)
    for hook in literal_unroll(ATTACKS):
        hook(w)
    for hook in literal_unroll(RESPONSE):
        hook(w)
    for hook in literal_unroll(LOCATED):
        hook(w)
    for hook in literal_unroll(LEADERS):
        hook(w)
    for hook in literal_unroll(HOUSEKEEPING):
        hook(w)
    if w.clock.month_end[w.clock.day]:
        record_month(w, w.clock.month_of_day[w.clock.day])
    w.clock.day += 1


@kernel
def run_days(w, until) -> None:
    """Simulate every day from the clock's next day up to, not including, day index `until`."""
    while w.clock.day < min(until, w.clock.n_days):
        simulate_day(w)
