"""A replicate built but not run, with its cells replaced by a chosen set: the state a rule is tested on.

Mechanism tests freeze the state, call one rule many times and compare what it did with its formula
(tests/rates.py). They start from the schema's own parameters without the observed history, so a
rule is tested as docs/model.md states it, whatever the calibration or the history set.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.model import InsurgencyModel
from sim.model.geography import load_geography
from sim.runs.replicate import replicate_model

from conftest import scenario

BARE = ("history=none", "start=2024-01-01", "end=2024-12-31")
GEO = load_geography()


@lru_cache(maxsize=64)
def _config(overrides: tuple[str, ...]):
    return scenario("baseline", *BARE, *overrides)


def frozen_model(*overrides: str, index: int = 0) -> InsurgencyModel:
    """A bare replicate (no history, schema defaults plus `overrides`), built and not yet stepped."""
    return replicate_model(_config(tuple(overrides)), index)


def area(name: str) -> int:
    return GEO.index(name)


def only_cells(model: InsurgencyModel, areas, members=6, funds=1e5, weapons=None, active=True):
    """Replace the model's cells by new ones: one per entry of `areas` (a list, or (area, count) pairs)."""
    net = model.cells
    net.members[: net.n] = 0
    net.remove_dead()
    if isinstance(areas, tuple):
        areas = [areas[0]] * areas[1]
    for k, where in enumerate(areas):
        size = members[k] if np.ndim(members) else members
        arms = size * net.p.weapons_per_member if weapons is None else (weapons[k] if np.ndim(weapons) else weapons)
        net.add_cell(int(where), int(size), float(funds[k] if np.ndim(funds) else funds), float(arms),
                     bool(active[k] if np.ndim(active) else active))
    return net
