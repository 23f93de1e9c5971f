"""The schema's parameters as records that compiled rules read by name.

Each section of `ModelParams` (insurgents, attacks, iraqi_forces, ...) becomes a
numpy record type with one field per numeric parameter, named as in the schema
(a list of numbers becomes a fixed-length field; a mapping, such as the open
coalition bases, is left to the part that turns it into numbers). A run's
parameters change on dated changes, so a section is held as an array of
records, one row per regime (the interval between two dated changes); a rule
reads the row of the regime in force: `p = params.insurgents[regime]`, then
`p.attack_rate_per_day`. Nothing is declared twice: the fields come from the
schema.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cache

import numpy as np

from sim.config.schema import ModelParams

SECTIONS = tuple(f.name for f in dataclasses.fields(ModelParams))


def _field_dtype(f: dataclasses.Field, default) -> tuple | None:
    if f.type == "float":
        return (f.name, np.float64)
    if f.type == "int":
        return (f.name, np.int64)
    if f.type == "bool":
        return (f.name, np.bool_)
    if f.type == "list[float]":
        return (f.name, np.float64, (len(default),))
    return None                                   # mappings: turned into numbers by their part


@cache
def section_dtype(section: str) -> np.dtype:
    """The record type of one schema section: its numeric parameters, in schema order."""
    defaults = getattr(ModelParams(), section)
    specs = [_field_dtype(f, getattr(defaults, f.name)) for f in dataclasses.fields(defaults)]
    return np.dtype([s for s in specs if s is not None])


def section_records(section: str, regimes: Sequence[ModelParams]) -> np.ndarray:
    """One record per regime of the parameters of `section`."""
    dtype = section_dtype(section)
    table = np.zeros(len(regimes), dtype=dtype)
    sections = [getattr(params, section) for params in regimes]
    for name in dtype.names:
        column = [getattr(values, name) for values in sections]
        width = dtype[name].shape[0] if dtype[name].shape else None
        if width is not None and any(len(value) != width for value in column):
            raise ValueError(f"{section}.{name} must have {width} entries, one per attack type")
        table[name] = column
    return table
