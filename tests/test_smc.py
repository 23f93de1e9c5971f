"""The ABC-SMC sampler on problems whose answer is known without it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.calibration import smc

SETTINGS = {"ess_fraction": 0.5, "epsilon_fall": 0.0, "min_epsilon": 0.0, "max_simulations": 10**7,
            "min_move_acceptance": 0.0}


def gaussian_simulator(observed: float, noise: float, seed: int):
    """Simulations y = theta + N(0, noise); the distance is |y - observed|. Simulation k's noise comes from
    seed k, so the result is a function of the simulation indices alone (as the model's streams are)."""
    def simulate(theta: np.ndarray, first: int, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
        rows = theta.shape[0]
        draws = np.stack([np.random.default_rng([seed, first + k]).standard_normal(2) for k in range(rows)])
        y = theta[:, :1] + noise * draws
        return np.abs(y - observed), y[:, :, None]
    return simulate


def run(seed=1, particles=400, generations=12):
    prior = smc.NormalPrior(np.zeros(1), np.ones(1))
    return smc.run_smc(prior, gaussian_simulator(1.0, 0.5, seed), particles=particles, replicates=2,
                       seed_sequence=np.random.SeedSequence(seed), max_generations=generations, moves=2,
                       max_moves=10, **{**SETTINGS, "min_move_acceptance": 0.05})


def test_a_conjugate_normal_posterior_is_recovered():
    """Prior N(0, 1), y ~ N(theta, 0.5^2), y = 1: the posterior is N(0.8, 0.2). With the threshold far below
    the noise, the ABC posterior is within the Monte Carlo error of 400 particles (correlated by the moves:
    take an effective size of 100): the mean within 4 standard errors (0.18), the standard deviation within
    25%. It stops when the moves stop being accepted, before the copies of a few particles take over."""
    result = run()
    theta = result.population.theta[:, 0]
    assert result.epsilon < 0.1 and result.stopped.startswith("the moves stopped exploring")
    assert abs(theta.mean() - 0.8) < 4 * np.sqrt(0.2 / 100)
    assert np.sqrt(0.2) * 0.75 < theta.std() < np.sqrt(0.2) * 1.25
    # The final population is equally weighted and has not collapsed onto a few particles.
    assert np.allclose(result.population.weights, 1 / 400)
    assert result.generations[-1].distinct > 200


def test_moves_follow_the_acceptance_between_their_bounds():
    # A particle left unmoved after R moves with chance (1 - a)^R: at a = 0.25, R = 11 keeps it under 5%.
    assert smc.moves_needed(0.25, 0.05, 2, 20) == 11 and 0.75 ** 11 <= 0.05 < 0.75 ** 10
    assert smc.moves_needed(None, 0.05, 2, 20) == 2 and smc.moves_needed(0.9, 0.05, 2, 20) == 2
    assert smc.moves_needed(0.01, 0.05, 2, 20) == 20 and smc.moves_needed(0.0, 0.05, 2, 20) == 20


def test_the_result_is_a_function_of_the_seed():
    a, b, c = run(seed=3, generations=3), run(seed=3, generations=3), run(seed=4, generations=3)
    assert np.array_equal(a.population.theta, b.population.theta)
    assert not np.array_equal(a.population.theta, c.population.theta)


def test_each_threshold_keeps_the_asked_share_of_the_effective_sample_size():
    rng = np.random.default_rng(0)
    population = smc.Population(rng.normal(size=(500, 1)), np.full(500, 1 / 500),
                                np.abs(rng.normal(size=(500, 4))), np.zeros((500, 4, 1)))
    epsilon = smc.next_epsilon(population, np.inf, 0.5)
    kept = smc.effective_sample_size(smc._reweighted(population, population.shares(np.inf), epsilon))
    # The smallest threshold that keeps half: at it the size is at least 250, one distance lower it is not.
    assert kept >= 250
    lower = np.max(population.distances[population.distances < epsilon])
    assert smc.effective_sample_size(smc._reweighted(population, population.shares(np.inf), lower)) < 250


def test_systematic_resampling_keeps_each_weight_to_within_one_copy():
    weights = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    rows = smc.systematic_resample(weights, np.random.default_rng(5))
    counts = np.bincount(rows, minlength=5)
    expected = weights * rows.size
    assert np.all(np.abs(counts - expected) < 1) and counts[4] == 0


def test_effective_sample_size_is_kish():
    assert smc.effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert smc.effective_sample_size(np.array([1.0, 0, 0])) == pytest.approx(1)


def test_it_says_why_it_stopped():
    prior = smc.NormalPrior(np.zeros(1), np.ones(1))
    simulate = gaussian_simulator(1.0, 0.5, 0)
    capped = smc.run_smc(prior, simulate, particles=50, replicates=2, seed_sequence=np.random.SeedSequence(0),
                         max_generations=2, moves=1, **SETTINGS)
    assert capped.stopped.startswith("the cap of generations=2") and len(capped.generations) == 2
    floor = smc.run_smc(prior, simulate, particles=50, replicates=2, seed_sequence=np.random.SeedSequence(0),
                        max_generations=50, moves=1, **{**SETTINGS, "min_epsilon": 0.3})
    assert floor.stopped.startswith("the threshold reached min_epsilon") and floor.epsilon <= 0.3
    stalled = smc.run_smc(prior, simulate, particles=50, replicates=2, seed_sequence=np.random.SeedSequence(0),
                          max_generations=50, moves=1, **{**SETTINGS, "epsilon_fall": 0.9})
    assert stalled.stopped.startswith("the threshold stopped falling")


def test_the_prior_density_is_the_normal_one():
    prior = smc.NormalPrior(np.array([1.0, -2.0]), np.array([0.5, 3.0]))
    x = np.array([[0.3, 1.0], [2.0, -2.0]])
    expected = stats.norm.logpdf(x, prior.location, prior.scale).sum(axis=1)
    # Up to the constant, which cancels in every ratio the sampler takes.
    assert np.allclose(prior.log_density(x) - prior.log_density(x)[0], expected - expected[0])
