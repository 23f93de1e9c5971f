"""Every declared ordering of a determinant's levels holds, with common random numbers.

scenarios/orderings.yaml lists each group's levels from the most favourable to Iraq to the least.
For each adjacent pair, every replicate runs twice with the same seed, once at each level, from a
start where the level takes effect; the worse level must not give fewer attacks in Iraq (or, for
Syria, fewer fighters crossing into Iraq) over the following year. The test fails when the paired
mean difference is below zero by more than 3.1 standard errors (one-sided, alpha 0.001, so that the
16 pairs together fail by chance less than 2% of the time when every true effect is zero or
positive). With 40 replicates the paired standard error is about 0.4-1.1 attacks a month (printed
with -s; 2.2 fighters for Syria's levels), so a reversal of 4.4 standard errors (about two attacks a month
for the insurgents' levels, about five for the others) is caught with probability above 0.9.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.runs.ensemble import run_ensemble

from conftest import scenario

ORDERINGS = yaml.safe_load((Path(__file__).resolve().parents[1] / "scenarios" / "orderings.yaml").read_text())
REPLICATES = 40
START, END = "2025-01-01", "2025-12-31"
THRESHOLD = -3.1


def pairs(section: str) -> list[tuple[str, str, str]]:
    return [(group, better, worse) for group, levels in ORDERINGS[section].items()
            for better, worse in zip(levels, levels[1:], strict=False)]


@functools.cache
def outcome_of(group: str, level: str, measure: str) -> np.ndarray:
    """Per replicate: attacks a month, or fighters crossing into Iraq, over the year (a level shared by two
    adjacent pairs runs once; two worker processes)."""
    cfg = scenario("baseline", "history=none", f"start={START}", f"end={END}", f"{group}={level}", "seed=77",
                   f"replicates={REPLICATES}")
    outcomes = run_ensemble(cfg, workers=2, progress=False)
    return np.array([o.attacks["day"].size / 12 if measure == "attacks" else o.counters["crossed"]
                     for o in outcomes], dtype=float)


def check(group: str, better: str, worse: str, measure: str) -> None:
    diff = outcome_of(group, worse, measure) - outcome_of(group, better, measure)
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    t = diff.mean() / se if se > 0 else 0.0
    print(f"{group}: {worse} - {better} = {diff.mean():+.3f} (se {se:.3f}, t {t:+.1f})")
    assert t > THRESHOLD, f"{group}: {worse} gives fewer {measure} than {better} ({diff.mean():+.3f}, se {se:.3f})"


@pytest.mark.slow
@pytest.mark.parametrize("group, better, worse", pairs("attacks_in_iraq"))
def test_a_worse_level_never_gives_fewer_attacks(group, better, worse):
    check(group, better, worse, "attacks")


@pytest.mark.slow
@pytest.mark.parametrize("group, better, worse", pairs("fighters_crossing_into_iraq"))
def test_a_worse_syrian_level_never_sends_fewer_fighters_into_iraq(group, better, worse):
    check(group, better, worse, "crossed")
