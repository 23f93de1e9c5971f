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
from sim.model.state import FLOAT_TABLE, GENERATOR, build, copy_value, declare, records, values_of

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


def build_world(params: ModelParams, changes: Sequence[TimelineChange], start: str, end: str,
                generators: Mapping[str, np.random.Generator]) -> tuple[World, Plan]:
    """A replicate's world on its start date, before the first day, and the timeline it follows.

    The parts are built in registry order, each from its tables and the streams; the day's conditions and
    the one-off events of the start date are applied by the caller (`sim.model.day.begin`)."""
    made = plan(params, changes, start, end)
    timeline = made.timeline
    setup = Setup(timeline.regimes, load_geography(), places(), generators, made.n_days, made.tables)
    parts = [part.start(setup, made.tables[part.name]) for part in PARTS]
    clock = new_clock(timeline, made.month_of_day, made.month_end)
    n_months = len(made.month_starts)
    world = World(clock, setup.places, made.params, build(Streams, {s.name: generators[s.name] for s in streams()}),
                  np.zeros((n_months, N_RECORDS)), *parts)
    return world, made


def copy_world(world: World, generators: dict[str, np.random.Generator]) -> World:
    """A copy of `world` that shares nothing mutable with it; `generators` receives the copy's streams by name
    (the caller keeps them alive while the copy runs)."""
    streams_copy = {name: copy_value(g) for name, g in values_of(world.streams).items()}
    generators.update(streams_copy)
    values = {name: copy_value(value) for name, value in values_of(world).items()
              if name not in ("streams", "places")}
    return build(World, {**values, "places": world.places, "streams": build(Streams, streams_copy)})


def record_names() -> tuple[str, ...]:
    """The monthly records in the order of the world's `monthly` columns."""
    return tuple(record.name for _, record in monthly_records())
