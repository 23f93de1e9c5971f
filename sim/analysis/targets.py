"""The observed record (sim/data/targets.yaml): the figures runs are compared with, each with its role.

Every figure has one role: 'target' (the calibration fits it), 'check' (compared after fitting,
never fitted), 'input' (sets a starting value or a prior), 'context', or 'interim' (fitted only by
a calibration whose origin comes before the figure that supersedes it is complete). Pure reading,
no I/O beyond the shipped file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

ROLES = ("target", "check", "input", "context", "interim")


@dataclass(frozen=True)
class AttackTarget:
    """Claimed attacks (and casualties, where counted) in a window, with the counter and source."""

    id: str
    start: str
    end: str
    attacks: int
    casualties: int | None
    role: str
    counter: str
    source: str
    theatre: str = "iraq"
    superseded_by: str = ""   # an interim figure's: the figure fitted in its place once that is complete

    @property
    def months(self) -> float:
        days = (dt.date.fromisoformat(self.end) - dt.date.fromisoformat(self.start)).days + 1
        return days / (365.25 / 12)

    @property
    def attacks_per_month(self) -> float:
        return self.attacks / self.months


@lru_cache(maxsize=1)
def load_targets() -> dict:
    text = resources.files("sim.data").joinpath("targets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _attack_targets(section: str, theatre: str) -> list[AttackTarget]:
    return [AttackTarget(str(t["id"]), str(t["window"]["start"]), str(t["window"]["end"]), int(t["attacks"]),
                         int(t["casualties"]) if t.get("casualties") is not None else None, str(t["role"]),
                         str(t.get("counter", "")), " ".join(str(t["source"]).split()), theatre,
                         str(t.get("superseded_by", "")))
            for t in load_targets()[section]]


def attack_targets(roles: tuple[str, ...] = ("target",)) -> list[AttackTarget]:
    """Claimed-attack figures for Iraq with one of `roles`, in date order."""
    return [t for t in _attack_targets("claimed_attacks_iraq", "iraq") if t.role in roles]


def reported_attack_targets(roles: tuple[str, ...] = ("interim",)) -> list[AttackTarget]:
    """Attacks in Iraq counted from reports rather than IS's claims (another counter) with one of `roles`,
    in date order."""
    return [t for t in _attack_targets("reported_attacks_iraq", "iraq") if t.role in roles]


def superseded(figure: AttackTarget, origin: str) -> bool:
    """Whether an interim figure's superseding figure is complete by `origin` (it is then fitted instead)."""
    replacing = next(t for t in _attack_targets("claimed_attacks_iraq", "iraq") if t.id == figure.superseded_by)
    return replacing.end <= origin


def syria_attack_targets(roles: tuple[str, ...] = ("target",)) -> list[AttackTarget]:
    return [t for t in _attack_targets("claimed_attacks_syria", "syria") if t.role in roles]


def reference_target() -> AttackTarget:
    """The 2024 record (January-August): the 'worse than 2024' yardstick of runs and sweeps."""
    return next(t for t in attack_targets() if t.id == "claims_2024")


def reference_rate_2024() -> float:
    """Observed claimed attacks per month in Iraq, January-August 2024."""
    return reference_target().attacks_per_month
