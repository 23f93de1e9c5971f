"""No saturation: more fighters in Iraq never mean fewer attacks, however the arrivals are absorbed.

Fighters are injected on one date (an 'arrivals' event) into a run that is otherwise the same, seed
for seed (common random numbers: each mechanism has its own stream); the attacks of the two years
that follow are compared replicate by replicate. The test fails if the paired mean difference is
below zero by more than 3.1 standard errors (one-sided, alpha 0.001 per case), and, for the largest
injection, if it is not above zero by at least 3.1 standard errors (with 24 replicates the paired
standard error is about 10-20 attacks over two years, so an increase of 60 is detected with
probability above 0.9; the measured increase for 1,000 fighters is about twice that threshold).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from sim.config.schema import Impulse, TimelineChange
from sim.runs.ensemble import run_ensemble

from conftest import scenario

REPLICATES = 24
WHEN, END = "2024-07-01", "2026-06-30"


def attacks_and_fighters(cfg) -> np.ndarray:
    """Per replicate: attacks from WHEN on, fighters in Iraq at the end, and fighters in Iraq at the end of
    WHEN's month (two worker processes)."""
    first = (np.datetime64(WHEN) - np.datetime64(cfg.start)).astype(int)
    outcomes = run_ensemble(cfg, workers=2, progress=False)
    month = outcomes[0].month_starts.index(WHEN[:7])
    return np.array([(int((o.attacks["day"] >= first).sum()), int(o.counters["fighters_end"]),
                      int(o.monthly_state["fighters_iraq"][month])) for o in outcomes])


@functools.lru_cache(maxsize=1)
def base() -> object:
    return scenario("baseline", "history=none", "start=2024-01-01", f"end={END}", "seed=31", f"replicates={REPLICATES}")


@functools.lru_cache(maxsize=1)
def without_arrivals() -> np.ndarray:
    """The run every case is compared with, computed once."""
    return attacks_and_fighters(base())


@pytest.mark.slow
@pytest.mark.parametrize("fighters, area", [(100, "hamrin_mountains"), (300, "al_qaim"), (1000, "anbar_desert")])
def test_more_fighters_never_mean_fewer_attacks(fighters, area):
    arrivals = TimelineChange(date=WHEN, label="arrivals", impulses=[Impulse("arrivals", fighters, area)])
    injected = dataclasses.replace(base(), changes=sorted([*base().changes, arrivals], key=lambda c: c.date))
    a, b = without_arrivals(), attacks_and_fighters(injected)
    # The arrivals joined: at the end of their month most of them are still there, so the comparison is not
    # between two equal forces. (By the end, removals have brought the force back towards where newcomers
    # balance them, so the arrivals fade; how far is not the property tested.)
    assert (b - a)[:, 2].mean() > 0.5 * fighters
    diff = b[:, 0] - a[:, 0]
    se = diff.std(ddof=1) / np.sqrt(REPLICATES)
    print(f"{fighters} into {area}: attacks {diff.mean():+.1f} (se {se:.1f}), fighters {(b - a)[:, 1].mean():+.0f}")
    assert diff.mean() > -3.1 * se
    if fighters >= 1000:
        assert diff.mean() > 3.1 * se
