"""A replicate built but not run, with its cells replaced by a chosen set: the state a rule is tested on.

Mechanism tests freeze the state, call one rule many times and compare what it did with its formula
(tests/rates.py). A rule is either a compiled kernel of sim/model/ called with the arrays it reads, or a
part's hook, the unit the day calls, called with the whole world. The tests start from the schema's own
parameters without the observed history, so a rule is tested as docs/model.md states it, whatever the
calibration or the history set. The formulas written out in the tests read the parameters as declared
(`params`, the schema's dataclasses); the kernels take the world's records of them (`record`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.config.schema import ModelParams
from sim.geography import load_geography
from sim.model import InsurgencyModel, leadership, network
from sim.runs.replicate import replicate_model

from conftest import scenario

BARE = ("history=none", "start=2024-01-01", "end=2024-12-31")
GEO = load_geography()
CENTRE = len(GEO.wilaya_ids)            # the centre's post comes after the wilayas'


@lru_cache(maxsize=64)
def _config(overrides: tuple[str, ...]):
    return scenario("baseline", *BARE, *overrides)


def frozen_model(*overrides: str, index: int = 0) -> InsurgencyModel:
    """A bare replicate (no history, schema defaults plus `overrides`), built and not yet stepped."""
    return replicate_model(_config(tuple(overrides)), index)


def area(name: str) -> int:
    return GEO.index(name)


def post(wilaya: str) -> int:
    """The leader post of a wilaya."""
    return GEO.wilaya_ids.index(wilaya)


def params(model: InsurgencyModel) -> ModelParams:
    """The parameters in force, as the schema declares them: what the tests' formulas read."""
    return model.timeline.regimes[int(model.world.clock.regime)]


def record(model: InsurgencyModel, section: str):
    """The parameters of `section` in force, as a record: what the compiled rules take."""
    return getattr(model.world.params, section)[int(model.world.clock.regime)]


def only_cells(model: InsurgencyModel, areas, members=6, funds=1e5, weapons=None, active=True):
    """Replace the model's cells by new ones: one per entry of `areas` (a list, or (area, count) pairs).

    Returns the cells' struct; its arrays are re-read after every change of the number of cells (adding
    cells may replace them by larger ones)."""
    net = model.world.cells
    net.members[: net.n] = 0
    network.remove_dead(net)
    if isinstance(areas, tuple):
        areas = [areas[0]] * areas[1]
    per_member = params(model).insurgents.weapons_per_member
    for k, where in enumerate(areas):
        size = members[k] if np.ndim(members) else members
        arms = size * per_member if weapons is None else (weapons[k] if np.ndim(weapons) else weapons)
        network.add_cell(net, int(where), int(size), float(funds[k] if np.ndim(funds) else funds), float(arms),
                         bool(active[k] if np.ndim(active) else active))
    return net


def links(net) -> set[frozenset[int]]:
    """Every link between live cells, as pairs of uids."""
    return {frozenset((int(a), int(b))) for a, b in zip(net.link_a[: net.n_links], net.link_b[: net.n_links],
                                                          strict=True)}


def linked_uids(net, uid: int) -> set[int]:
    return {int(u) for u in network.links_of(net, uid)}


def kill_leader(model: InsurgencyModel, post_index: int) -> None:
    """The leader of a post killed now, as a strike or a dated kill of the history kills one."""
    w = model.world
    leadership.kill(w.leadership, post_index, w.clock.now, params(model).insurgents.leader_replacement_days,
                    w.streams.leadership, w.places.wilaya)
