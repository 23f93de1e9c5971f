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
    coalition_cover: np.ndarray     # coalition's own ISR/strike coverage per area, 0..1
    stance: np.ndarray              # community stance towards IS per area, 0..1
    undeterred: np.ndarray          # share of planned attacks not deterred, per area
    refuge: np.ndarray              # safest Iraqi neighbour (or itself) per area
    net_income_per_member: np.ndarray  # extortion income less upkeep, USD/day, per area
    recruit_rate: np.ndarray        # recruits per member per day before money, per area
    propaganda: float               # multiplier on recruitment and activation
    central_transfer_usd: float     # what the centre can send today
    intel_to_locate: float


def refuge_areas(geo, presence: np.ndarray) -> np.ndarray:
    """For each area, the Iraqi neighbour (or itself) that is most rugged and least watched."""
    safety = geo.ruggedness - 0.1 * presence
    safety = np.where(geo.in_iraq, safety, -np.inf)
    nbrs = geo.neighbours
    candidate = np.where(nbrs >= 0, safety[np.maximum(nbrs, 0)], -np.inf)
    best = nbrs[np.arange(geo.n_areas), np.argmax(candidate, axis=1)]
    best_safety = candidate.max(axis=1)
    return np.where(best_safety > safety, best, np.arange(geo.n_areas))
