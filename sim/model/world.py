"""A replicate's whole state in one struct: the clock, the places, the parameters, the streams and every part.

The struct's shape comes from the registry (sim/model/parts.py): one field per
part, holding that part's struct; the compiled day (sim/model/day.py) hands it
to every hook. A world is built from a run's parameters, dated changes and
random streams, and can be copied whole: a branch of a run continues from a
copy taken on the branch date (`branch_world`).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.schema import ModelParams, TimelineChange
from sim.model.clock import Clock, Timeline, calendar, compile_timeline, new_clock
from sim.model.geography import load_geography
from sim.model.parameters import SECTIONS, section_dtype, section_records
from sim.model.part import Setup
from sim.model.parts import PARTS, monthly_records, streams
from sim.model.places import Places, places
from sim.model.state import FLOAT_TABLE, GENERATOR, copy_struct, declare, records, values_of

ParamsType, Params = declare("Params", __name__, {s: records(section_dtype(s)) for s in SECTIONS})
StreamsType, Streams = declare("Streams", __name__, {s.name: GENERATOR for s in streams()})
WorldType, World = declare("World", __name__, {
    "clock": Clock.numba_type,
    "places": Places.numba_type,
    "params": Params.numba_type,
    "streams": Streams.numba_type,
    "monthly": FLOAT_TABLE,       # month x record: states, and running totals of flows (sim/model/outcome.py)
    **{part.name: part.struct.numba_type for part in PARTS},
})

RECORD_OFFSETS = {}
_offset = 0
for _part in PARTS:
    RECORD_OFFSETS[_part.name] = _offset
    _offset += len(_part.monthly)
N_RECORDS = _offset


def params_struct(regimes: Sequence[ModelParams]) -> Params:
    """The parameters of every regime as records, one array per schema section."""
    return Params(*(section_records(s, regimes) for s in SECTIONS))


@dataclass(frozen=True)
class Plan:
    """What every replicate of the same parameters and dated changes shares: the timeline, the parameters of
    each regime as records, and each part's tables (read-only once made)."""

    timeline: Timeline
    start: dt.date
    n_days: int
    month_of_day: np.ndarray
    month_end: np.ndarray
    month_starts: tuple[str, ...]
    params: Params
    tables: dict[str, dict]


# Plans by the identity of the parameters and changes they were made from; each entry keeps those objects
# alive, so an identity is never reused while its plan is kept.
_PLANS: OrderedDict = OrderedDict()
PLANS_KEPT = 64


def plan(params: ModelParams, changes: Sequence[TimelineChange], start: str, end: str) -> Plan:
    """The plan of a run from `start` to `end` under `params` and `changes` (made once, then reused)."""
    key = (id(params), id(changes), start, end)
    if key in _PLANS:
        _PLANS.move_to_end(key)
        return _PLANS[key][2]
    start_date = dt.date.fromisoformat(start)
    n_days = (dt.date.fromisoformat(end) - start_date).days + 1
    geo = load_geography()
    timeline = compile_timeline(params, changes, start_date, n_days, geo)
    tables: dict[str, dict] = {}
    setup = Setup(timeline.regimes, geo, places(), {}, n_days, tables)
    for part in PARTS:
        tables[part.name] = part.tables(setup)
    month_of_day, month_end, month_starts = calendar(start_date, n_days)
    made = Plan(timeline, start_date, n_days, month_of_day, month_end, tuple(month_starts),
                params_struct(timeline.regimes), tables)
    _PLANS[key] = (params, changes, made)
    if len(_PLANS) > PLANS_KEPT:
        _PLANS.popitem(last=False)
    return made


def build_world(made: Plan, generators: Mapping[str, np.random.Generator]) -> World:
    """A replicate's world on its start date, before the first day, following plan `made`.

    The parts are built in registry order, each from its tables and the streams; the day's conditions and
    the one-off events of the start date are applied by the caller (`sim.model.day.begin`)."""
    timeline = made.timeline
    setup = Setup(timeline.regimes, load_geography(), places(), generators, made.n_days, made.tables)
    parts = [part.start(setup, made.tables[part.name]) for part in PARTS]
    clock = new_clock(timeline, made.month_of_day, made.month_end)
    n_months = len(made.month_starts)
    world = World(clock, setup.places, made.params, streams_struct(generators), np.zeros((n_months, N_RECORDS)),
                  *parts)
    return world


# The streams' structs by the identity of their generators, each entry keeping its generators alive: passing a
# generator to compiled code costs a millisecond of typing, so a set of generators reused from replicate to
# replicate (sim.runs.seeds.StreamBank) is typed once.
_STREAM_STRUCTS: OrderedDict = OrderedDict()


def streams_struct(generators: Mapping[str, np.random.Generator]) -> Streams:
    """The model's streams as a struct (made once for a given set of generator objects)."""
    chosen = tuple(generators[s.name] for s in streams())
    key = tuple(id(g) for g in chosen)
    if key not in _STREAM_STRUCTS:
        _STREAM_STRUCTS[key] = (chosen, Streams(*chosen))
        if len(_STREAM_STRUCTS) > PLANS_KEPT:
            _STREAM_STRUCTS.popitem(last=False)
    return _STREAM_STRUCTS[key][1]


def copy_world(world: World, generators: Mapping[str, np.random.Generator]) -> World:
    """A copy of `world` that shares nothing mutable with it, drawing from `generators`, which are first set to
    the states of the world's own (the caller keeps them alive while the copy runs)."""
    for name, source in values_of(world.streams).items():
        generators[name].bit_generator.state = source.bit_generator.state
    copy = copy_struct(world)
    copy.streams = streams_struct(generators)
    return copy


def record_names() -> tuple[str, ...]:
    """The monthly records in the order of the world's `monthly` columns."""
    return tuple(record.name for _, record in monthly_records())


def shared_days(plans: Sequence[Plan]) -> int:
    """How many days from the start every plan spends under the same regimes and one-off events: a run of one
    can stand for all of them up to that day."""
    key = tuple(id(p) for p in plans)
    if key not in _SHARED:
        _SHARED[key] = (tuple(plans), _shared_days(plans))
        if len(_SHARED) > PLANS_KEPT:
            _SHARED.popitem(last=False)
    return _SHARED[key][1]


_SHARED: OrderedDict = OrderedDict()


def _shared_days(plans: Sequence[Plan]) -> int:
    first = plans[0]
    shared = first.n_days
    for other in plans[1:]:
        if (other.start, other.n_days) != (first.start, first.n_days):
            return 0
        shared = min(shared, _common_regime_days(first.timeline, other.timeline, first.n_days),
                     _common_impulse_days(first.timeline, other.timeline, first.n_days))
    return shared


def _common_regime_days(a: Timeline, b: Timeline, n_days: int) -> int:
    for r in range(min(len(a.regimes), len(b.regimes))):
        if a.regime_start[r] != b.regime_start[r]:
            return int(min(a.regime_start[r], b.regime_start[r]))
        if a.regimes[r] != b.regimes[r]:
            return int(a.regime_start[r])
    if len(a.regimes) != len(b.regimes):
        longer = a if len(a.regimes) > len(b.regimes) else b
        return int(longer.regime_start[min(len(a.regimes), len(b.regimes))])
    return n_days


def _common_impulse_days(a: Timeline, b: Timeline, n_days: int) -> int:
    fields = ("impulse_day", "impulse_kind", "impulse_amount", "impulse_target")
    for k in range(max(a.impulse_day.size, b.impulse_day.size)):
        if k >= a.impulse_day.size or k >= b.impulse_day.size:
            return int((a if k < a.impulse_day.size else b).impulse_day[k])
        if any(getattr(a, f)[k] != getattr(b, f)[k] for f in fields):
            return int(min(a.impulse_day[k], b.impulse_day[k]))
    return n_days


def branch_world(trunk: World, made: Plan, generators: Mapping[str, np.random.Generator]) -> World:
    """A world that continues `trunk` under plan `made`: a copy of its state, drawing from `generators` set to
    the trunk's states, with the plan's parameters, tables and calendar of changes. `trunk` must not yet have
    reached a day where its own plan and `made` differ (`shared_days`)."""
    copy = copy_world(trunk, generators)
    clock = copy.clock
    later = made.timeline.impulse_day > 0
    clock.regime_start = made.timeline.regime_start
    clock.impulse_day = made.timeline.impulse_day[later]
    clock.impulse_kind = made.timeline.impulse_kind[later]
    clock.impulse_amount = made.timeline.impulse_amount[later]
    clock.impulse_target = made.timeline.impulse_target[later]
    copy.params = made.params
    for part in PARTS:
        struct = getattr(copy, part.name)
        for name, table in made.tables[part.name].items():
            setattr(struct, name, table)
    return copy
