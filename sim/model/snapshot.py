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
    """Copy what a viewer needs out of the model's parts."""
    net, forces, coalition, border = model.cells, model.forces, model.coalition, model.border
    n = net.n
    return ModelSnapshot(
        days_simulated=model.steps,
        date=model.date,
        cell_area=net.area[:n].copy(),
        cell_members=net.members[:n].copy(),
        cell_active=net.active[:n].copy(),
        unit_area=np.array([u.area for u in forces.units], dtype=np.int64),
        unit_strength=np.array([u.strength for u in forces.units], dtype=float),
        unit_branch=tuple(u.branch for u in forces.units),
        coalition_cover=coalition.cover.copy(),
        isr_for_iraq=coalition.isr_for_iraq.copy(),
        base_capacity=np.array([b.capacity for b in coalition.bases], dtype=float),
        posture=coalition.posture_label,
        crossing_permeability=np.array([c.permeability for c in border.crossings], dtype=float),
        crossing_crossed=np.array([c.crossed for c in border.crossings], dtype=np.int64),
        syria_free_fighters=int(model.syria.free_fighters),
        detainees=int(model.detention.syria_prisons),
        iraq_effort_share=float(model.syria.iraq_effort),
        changes_applied=tuple(c.label for c in model.schedule.applied),
        counters=model.counters(),
        attacks_logged=len(model.attacks),
    )
