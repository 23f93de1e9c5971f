"""A replicate's whole state in one struct: the clock, the places, the parameters, the streams and every part.

The struct's shape comes from the registry (sim/model/parts.py): one field per
part, holding that part's struct; the compiled day (sim/model/day.py) hands it
to every hook. A world is built from a run's parameters, dated changes and
random streams, and can be copied whole: a branch of a run continues from a
copy taken on the branch date (`branch_world`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

from sim.config.schema import ModelParams, TimelineChange
from sim.model.clock import Clock, Timeline, compile_timeline, new_clock
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


def build_world(params: ModelParams, changes: Sequence[TimelineChange], start: str, end: str,
                generators: Mapping[str, np.random.Generator]) -> tuple[World, Timeline]:
    """A replicate's world on its start date, before the first day, and the timeline it follows.

    The parts are built in registry order, each from the parameters of every regime and the streams; the
    day's conditions and the one-off events of the start date are applied by the caller
    (`sim.model.day.begin`)."""
    start_date, end_date = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    n_days = (end_date - start_date).days + 1
    geo, place_arrays = load_geography(), places()
    timeline = compile_timeline(params, changes, start_date, n_days, geo)
    built: dict = {}
    setup = Setup(timeline.regimes, geo, place_arrays, generators, n_days, built)
    for part in PARTS:
        built[part.name] = part.start(setup)
    clock = new_clock(timeline, start_date, n_days)
    n_months = int(clock.month_of_day[-1]) + 1
    world = World(clock, place_arrays, params_struct(timeline.regimes),
                  build(Streams, {s.name: generators[s.name] for s in streams()}),
                  np.zeros((n_months, N_RECORDS)), *(built[part.name] for part in PARTS))
    return world, timeline


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
