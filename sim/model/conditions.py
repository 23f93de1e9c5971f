"""The day's per-area conditions that every part of the model reads.

Computed once a day by the model from the forces, the coalition posture and
the determinants, so each rule reads one agreed value instead of recomputing
its own version of, say, ISR coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DailyConditions:
    presence: np.ndarray            # effective Iraqi ground presence per area
    isr: np.ndarray                 # ISR coverage usable by Iraqi forces per area, 0..1
    detection: np.ndarray           # daily detection chance per unit presence, per area
    stance: np.ndarray              # community stance towards IS per area, 0..1
    undeterred: np.ndarray          # share of planned attacks not deterred, per area
    refuge: np.ndarray              # where a pressed cell runs to from each area (weekly)
    net_income_per_member: np.ndarray  # extortion income less upkeep, USD/day, per area
    recruit_rate: np.ndarray        # recruits per member per day before money, per area
    propaganda: float               # multiplier on recruitment and activation
    central_stipend_usd: float      # the centre's stipend per member per day, at the effort of the day
    intel_to_locate: float
    iraq_pressure: float            # security pressure on IS in Iraq, 0..1 (readiness and ISR)


def refuge_areas(geo, presence: np.ndarray, cells_here: np.ndarray, crowding: float,
                 presence_danger: float) -> np.ndarray:
    """For each area, the Iraqi neighbour (or itself) that is most rugged, least watched and least crowded.

    Crowding matters because a hideout hides only so many: every cell already
    there leaves more traces (supply runs, signals) for the next to be found by.
    """
    safety = geo.ruggedness - presence_danger * presence - crowding * cells_here
    safety = np.where(geo.in_iraq, safety, -np.inf)
    nbrs = geo.neighbours
    candidate = np.where(nbrs >= 0, safety[np.maximum(nbrs, 0)], -np.inf)
    best = nbrs[np.arange(geo.n_areas), np.argmax(candidate, axis=1)]
    best_safety = candidate.max(axis=1)
    return np.where(best_safety > safety, best, np.arange(geo.n_areas))
