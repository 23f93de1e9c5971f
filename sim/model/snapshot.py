"""A read-only picture of one replicate's state, for viewers that watch it day by day.

Viewers (the explorer page) draw cells, units, air cover and crossings, and
narrate what changed from one day to the next. They read this copy rather
than the model's working arrays, so nothing they do can change a replicate,
and the model's internals can change without breaking them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import InsurgencyModel


@dataclass(frozen=True, eq=False)
class ModelSnapshot:
    """State after `days_simulated` days (0: the start state, before the first day).

    Compared by identity: it holds arrays, and two snapshots are the same only if one is the other.
    """

    days_simulated: int
    date: dt.date                  # the last simulated day (the start date before the first)
    cell_area: np.ndarray          # area index of each live cell
    cell_members: np.ndarray
    cell_active: np.ndarray        # True: active; False: dormant
    unit_area: np.ndarray          # area index of each Iraqi force unit
    unit_strength: np.ndarray
    unit_branch: tuple[str, ...]
    coalition_cover: np.ndarray    # coalition ISR coverage per area, 0..1
    isr_for_iraq: np.ndarray       # ISR usable by Iraqi forces per area (own + shared), 0..1
    base_capacity: np.ndarray      # share of 2024 capacity per coalition base (0: closed)
    posture: str                   # the open coalition bases, in words
    crossing_permeability: np.ndarray
    crossing_crossed: np.ndarray   # fighters who have crossed at each crossing so far
    syria_free_fighters: int
    detainees: int
    iraq_effort_share: float       # share of IS's effort turned to Iraq rather than Syria
    changes_applied: tuple[str, ...]  # labels of the dated changes in force so far, oldest first
    counters: dict[str, int]
    attacks_logged: int

    @property
    def fighters(self) -> int:
        return int(self.cell_members.sum())


def take_snapshot(model: InsurgencyModel) -> ModelSnapshot:
    """Copy what a viewer needs out of the model's world."""
    from sim.model.coalition import posture_label
    from sim.model.model import counters

    w, geo = model.world, model.geography
    regime = int(w.clock.regime)
    cells = w.cells
    n = int(cells.n)
    capacity = w.coalition.capacity[regime].copy()
    return ModelSnapshot(
        days_simulated=int(w.clock.day),
        date=model.date,
        cell_area=cells.area[:n].copy(),
        cell_members=cells.members[:n].copy(),
        cell_active=cells.active[:n].copy(),
        unit_area=np.array([u.area for u in geo.units], dtype=np.int64),
        unit_strength=np.array([u.strength for u in geo.units], dtype=float),
        unit_branch=tuple(u.branch for u in geo.units),
        coalition_cover=w.coalition.cover[regime].copy(),
        isr_for_iraq=w.forces.isr[regime].copy(),
        base_capacity=capacity,
        posture=posture_label(geo.base_names, capacity),
        crossing_permeability=w.border.permeability[regime].copy(),
        crossing_crossed=w.border.crossed.copy(),
        syria_free_fighters=int(w.syria.free_fighters),
        detainees=int(w.detention.syria_prisons),
        iraq_effort_share=float(w.syria.iraq_effort),
        changes_applied=model.applied_changes(),
        counters=counters(w),
        attacks_logged=int(w.attacks.logged),
    )
