"""What a part of the model declares about itself, in one place: the contract of a mechanism.

A part (the cell network, Iraqi forces, the Syrian arena, ...) is one module of
`sim/model/`. It declares, in a `PART` at the bottom of its module:

- `struct`: its state, as a struct (sim/model/state.py) whose fields are either
  dynamic state, which a run carries from day to day (and a branch copies), or
  tables derived from the parameters, one row per regime;
- `sections`: the schema sections whose parameters its rules read;
- `streams`: the random streams it draws from, each owned by one part and
  numbered once for ever (the seed contract, sim/runs/seeds.py);
- `tables`: what it derives from the parameters, one row per regime (computed once for all replicates
  that share their parameters and dated changes, and shared read-only between them);
- `start`: its struct for a new replicate: its start state, with those tables;
- `hooks`: where it acts in the day, by phase name (sim/model/day.py lists the
  phases in their order);
- `monthly` and `record`: what it records at each month's end;
- `impulses` and `impulse`: which one-off events of the timeline it carries out;
- `counters`: the running totals a replicate reports at its end.

The registry (sim/model/parts.py) lists the parts in order; within a phase,
hooks run in that order. Adding a mechanism means writing its module with its
`PART`, adding it to the registry, and declaring its parameters in the schema:
nothing else in the model is wired by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.config.schema import ModelParams
from sim.model.geography import Geography

STATE, FLOW = "state", "flow"


@dataclass(frozen=True)
class Stream:
    """A random stream: `number` is its place in the seed contract and never changes."""

    name: str
    number: int
    draws: str


@dataclass(frozen=True)
class Record:
    """A monthly record: a state read at the month's end, or a flow (a running total's change over the month)."""

    name: str
    kind: str
    meaning: str
    decimals: int | None = None        # rounded to this many decimals in the tables


@dataclass(frozen=True)
class Setup:
    """What a part needs to build its start state: the parameters of every regime, the places, the streams."""

    regimes: Sequence[ModelParams]
    geography: Geography
    places: Any                         # the geography as arrays (sim/model/places.py)
    streams: Mapping[str, np.random.Generator]
    n_days: int
    tables: Mapping[str, Mapping[str, Any]]   # the tables of the parts before this one, by part

    @property
    def params(self) -> ModelParams:
        """The parameters on the start date (the first regime)."""
        return self.regimes[0]

    def per_regime(self, derive: Callable[[ModelParams], Any]) -> np.ndarray:
        """`derive(params)` for every regime, stacked: one row per regime."""
        return np.array([derive(p) for p in self.regimes])


@dataclass(frozen=True)
class Part:
    """One mechanism of the model and everything the engine needs to know about it."""

    name: str
    doc: str                                   # its section of docs/model.md
    struct: type
    state: tuple[str, ...]                     # the struct's dynamic fields (the rest are derived tables)
    sections: tuple[str, ...]
    streams: tuple[Stream, ...]
    start: Callable[[Setup, dict], Any]        # the part's struct for a new replicate, given its tables
    hooks: Mapping[str, Callable] = field(default_factory=dict)
    monthly: tuple[Record, ...] = ()
    record: Callable | None = None
    impulses: tuple[str, ...] = ()
    impulse: Callable | None = None
    counters: Mapping[str, Callable[[Any], int]] = field(default_factory=dict)   # running totals, read at the end
    tables: Callable[[Setup], dict] = lambda setup: {}

    def __post_init__(self) -> None:
        unknown = set(self.state) - set(self.struct.fields)
        if unknown:
            raise ValueError(f"part '{self.name}': state fields {sorted(unknown)} are not fields of its struct")
        if bool(self.monthly) != (self.record is not None):
            raise ValueError(f"part '{self.name}': monthly records and a record hook go together")
        if bool(self.impulses) != (self.impulse is not None):
            raise ValueError(f"part '{self.name}': impulse kinds and an impulse hook go together")
