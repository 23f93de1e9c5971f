"""Summary statistics of one replicate and the distance between simulated and observed ones.

Three statistics, one per target in data/targets.yaml that a run from
2024-01-01 can be compared with: claimed attacks and claimed casualties
(killed and wounded) in Iraq, January-August 2024 (Qashta 2025, from al-Naba),
and fighters in Iraq at the end of August 2025 (the Iraqi army's 400-500, the
midpoint as the observed value).

The distance is a weighted Euclidean norm, each difference divided by a
stated scale: the noise with which the observed figure itself measures the
quantity (see `STATISTICS`). A model that matches the record then has
distances of the order of one per statistic.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from sim.analysis.targets import attack_targets, load_targets
from sim.model import ReplicateOutcome


@dataclass(frozen=True)
class Statistic:
    name: str
    observed: float
    scale: float
    reason: str


@dataclass(frozen=True)
class FighterTarget:
    month: str
    low: int
    high: int
    source: str

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2

    @property
    def last_day(self) -> str:
        first = dt.date.fromisoformat(f"{self.month}-01")
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return (following - dt.timedelta(days=1)).isoformat()


def fighter_target() -> FighterTarget:
    """The estimate of IS fighters in Iraq alone (the UN figure covers Iraq and Syria together)."""
    entry = next(f for f in load_targets()["fighters"] if f["area"] == "iraq")
    return FighterTarget(str(entry["date"]), int(entry["low"]), int(entry["high"]), str(entry["source"]))


# Casualties per attack are heavy-tailed, so the total of 107 measures the expected total much less
# precisely than a Poisson count would: the compound-Poisson spread of the total over 40 replicates
# at the point estimate (90% interval 73-163 for a median of 109) gives a standard deviation of about 27.
CASUALTY_TOTAL_SD = 27.0


def statistics() -> tuple[Statistic, ...]:
    window, fighters = attack_targets()[0], fighter_target()
    return (
        Statistic("attacks", window.attacks, math.sqrt(window.attacks),
                  "Poisson counting noise of the observed count (sqrt 56, about 7.5)"),
        Statistic("casualties", window.casualties, CASUALTY_TOTAL_SD,
                  "compound-Poisson noise of a heavy-tailed total (about 27, from the point estimate's spread)"),
        Statistic("fighters_aug_2025", fighters.midpoint, (fighters.high - fighters.low) / 2,
                  "half the width of the Iraqi army's 400-500 range: a soft constraint from one rough estimate"),
    )


def calibration_end() -> str:
    """The last day a calibration run needs: the end of the fighter estimate's month."""
    return fighter_target().last_day


def replicate_statistics(outcome: ReplicateOutcome, start: str) -> dict[str, float]:
    """The three statistics of one replicate run from `start` to at least the fighter month."""
    window, fighters = attack_targets()[0], fighter_target()
    origin = dt.date.fromisoformat(start)
    first = (dt.date.fromisoformat(window.start) - origin).days
    last = (dt.date.fromisoformat(window.end) - origin).days
    day = outcome.attacks["day"]
    inside = (day >= first) & (day <= last)
    casualties = outcome.attacks["killed"][inside].sum() + outcome.attacks["wounded"][inside].sum()
    month = outcome.month_starts.index(fighters.month)
    return {"attacks": float(inside.sum()), "casualties": float(casualties),
            "fighters_aug_2025": float(outcome.monthly_state["fighters_iraq"][month])}


def observed() -> dict[str, float]:
    return {s.name: float(s.observed) for s in statistics()}


def weights() -> dict[str, float]:
    """Per-statistic weights of the Euclidean distance (one over the stated scale)."""
    return {s.name: 1.0 / s.scale for s in statistics()}


def distance(simulated: dict[str, float], target: dict[str, float] | None = None) -> float:
    """sqrt(sum(((simulated - observed) / scale)^2)) over the statistics."""
    target = observed() if target is None else target
    w = weights()
    return float(np.sqrt(sum((w[k] * (simulated[k] - target[k])) ** 2 for k in w)))
