"""The Hawkes fit recovers known self-excitation, and finds none in a Poisson process."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import hawkes

YEARS = np.array([0.0, 365.0, 730.0])


def test_fit_recovers_a_known_branching_ratio_and_time_scale():
    """40 sequences of two years (about 4,800 events): the maximum-likelihood estimates fall within
    0.08 of the branching ratio 0.4 and within 40% of the 14-day time scale (their sampling spread at
    this size is about a quarter of those tolerances)."""
    rng = np.random.default_rng(11)
    sequences = [hawkes.simulate(0.1, 0.4, 1 / 14, 730.0, rng) for _ in range(40)]
    fit = hawkes.fit(sequences, 730.0, YEARS)
    assert fit.converged
    assert fit.branching_ratio == pytest.approx(0.4, abs=0.08)
    assert fit.time_scale_days == pytest.approx(14, rel=0.4)
    assert fit.background_per_day[0] == pytest.approx(0.1, rel=0.2)


def test_a_poisson_process_shows_no_excitation():
    rng = np.random.default_rng(3)
    sequences = [np.sort(rng.uniform(0, 730.0, rng.poisson(150))) for _ in range(20)]
    assert hawkes.fit(sequences, 730.0, YEARS).branching_ratio < 0.05


def test_a_trend_in_the_background_is_not_read_as_excitation():
    """Rates of 0.3 a day in the first year and 0.05 in the second, no excitation: the yearly
    background absorbs the change."""
    rng = np.random.default_rng(5)
    sequences = [np.sort(np.concatenate([rng.uniform(0, 365, rng.poisson(110)),
                                         rng.uniform(365, 730, rng.poisson(18))])) for _ in range(20)]
    assert hawkes.fit(sequences, 730.0, YEARS).branching_ratio < 0.05


def test_events_of_one_day_are_spread_within_it():
    times = hawkes.event_times(np.array([3, 1, 3, 3]))
    assert times.tolist() == pytest.approx([1.5, 3 + 1 / 6, 3.5, 3 + 5 / 6])
