"""The observed record the model is calibrated to (shipped copy of the brief's targets)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class AttackTarget:
    """Claimed attacks and casualties in Iraq over a window, with the source."""

    start: str
    end: str
    attacks: int
    casualties: int
    source: str

    @property
    def months(self) -> float:
        days = (dt.date.fromisoformat(self.end) - dt.date.fromisoformat(self.start)).days + 1
        return days / (365.25 / 12)

    @property
    def attacks_per_month(self) -> float:
        return self.attacks / self.months

    @property
    def casualties_per_month(self) -> float:
        return self.casualties / self.months


@lru_cache(maxsize=1)
def load_targets() -> dict:
    text = resources.files("sim.data").joinpath("targets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def attack_targets() -> list[AttackTarget]:
    """Every claimed-attack target window."""
    return [AttackTarget(str(t["window"]["start"]), str(t["window"]["end"]), int(t["attacks"]),
                         int(t["casualties"]), " ".join(str(t["source"]).split()))
            for t in load_targets()["claimed_attacks_iraq"]]


def reference_rate_2024() -> float:
    """Observed claimed attacks per month in 2024 (January-August): the 'exceeds 2024' yardstick."""
    return attack_targets()[0].attacks_per_month
