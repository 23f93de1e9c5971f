"""Adaptive ABC sequential Monte Carlo with MCMC moves (Del Moral, Doucet & Jasra 2012), reproducible in parallel.

Why this and not an importance-weighted ABC-SMC (pyabc's ABCSMC, Beaumont et al. 2009): with a dozen
calibrated quantities the importance weights of that scheme (prior over the mixture of perturbation
kernels) degenerate within a few generations; on this model the effective sample size fell to 5-20% of
the particles whatever the kernel's width or the threshold's step. Here the population is kept equally
weighted and moved instead:

1. Every particle is simulated `replicates` times; its approximate likelihood at a threshold eps is the
   share of its replicates within eps of the record (an unbiased estimate: the pseudo-marginal form).
2. The next threshold is the smallest that keeps the effective sample size of the reweighted population
   (each particle's weight times the change of its share) at `ess_fraction` of its present value; the
   reweighting needs no new simulation.
3. The reweighted population is resampled (systematic resampling) to equal weights, and every particle is
   moved by Metropolis-Hastings steps that leave the approximate posterior at the new threshold unchanged (a
   random walk with the population's covariance scaled by 2.38^2 / dimension, accepted with the ratio of
   prior times share). As the threshold falls fewer moves are accepted and resampling leaves copies of the
   same particles; so the number of moves follows the last generation's acceptance a (Drovandi & Pettitt
   2011): enough that a particle stays unmoved with a chance of at most `unmoved`, R = log(unmoved) /
   log(1 - a), between `moves` and `max_moves`.
4. It stops when the threshold stops falling (it fell by less than `epsilon_fall` of itself), when the
   moves are rarely accepted (the population has stopped exploring), or at a cap, and says which.

The final population is resampled and moved once more, so it is equally weighted: its effective sample
size is the number of particles; the number of distinct particles and the moves' acceptance say how much
it has explored.

Reproducibility: every random number of the algorithm comes from one generator seeded from the
calibration's seed, drawn in the main process in a fixed order; simulation k draws from the model streams
of index k of a root derived from the same seed. Simulations run in parallel on the project's executors
and are taken back in their order, so the result depends on the seed alone, not on the executor or the
number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# Random-walk Metropolis in d dimensions: scale the proposal covariance by 2.38^2 / d (Roberts & Rosenthal 2001).
RW_SCALE = 2.38 ** 2


@dataclass(frozen=True)
class NormalPrior:
    """Independent normal priors in the space that is sampled (logs of rates, logits of shares, shifts)."""

    location: np.ndarray
    scale: np.ndarray

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return self.location + self.scale * rng.standard_normal((count, self.location.size))

    def log_density(self, theta: np.ndarray) -> np.ndarray:
        z = (theta - self.location) / self.scale
        return -0.5 * (z ** 2).sum(axis=-1)


@dataclass
class Population:
    """Particles (rows of `theta`), their weights, each replicate's distance, and each replicate's statistics."""

    theta: np.ndarray
    weights: np.ndarray
    distances: np.ndarray          # (particles, replicates)
    statistics: np.ndarray         # (particles, replicates, statistics)

    def shares(self, epsilon: float) -> np.ndarray:
        """Each particle's share of replicates within `epsilon`."""
        return (self.distances <= epsilon).mean(axis=1)

    def take(self, rows: np.ndarray) -> Population:
        return Population(self.theta[rows].copy(), np.full(rows.size, 1.0 / rows.size), self.distances[rows].copy(),
                          self.statistics[rows].copy())


@dataclass
class Generation:
    """What one generation did."""

    generation: int
    epsilon: float
    simulations: int
    moves: int
    acceptance: float | None
    effective_sample_size: float
    distinct: int


@dataclass
class Result:
    population: Population
    epsilon: float
    generations: list[Generation] = field(default_factory=list)
    stopped: str = ""


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2."""
    total = weights.sum()
    return float(total ** 2 / (weights ** 2).sum()) if total > 0 else 0.0


def next_epsilon(population: Population, epsilon: float, fraction: float) -> float:
    """The smallest threshold at which the reweighted population keeps `fraction` of its effective size."""
    now = population.shares(epsilon)
    target = fraction * effective_sample_size(population.weights)
    candidates = np.unique(population.distances[np.isfinite(population.distances)])
    candidates = candidates[candidates < epsilon] if np.isfinite(epsilon) else candidates
    low, high = 0, candidates.size - 1
    if candidates.size == 0 or effective_sample_size(_reweighted(population, now, candidates[high])) < target:
        return float(epsilon)
    while low < high:                              # the effective size only grows with the threshold
        middle = (low + high) // 2
        if effective_sample_size(_reweighted(population, now, candidates[middle])) >= target:
            high = middle
        else:
            low = middle + 1
    return float(candidates[low])


def _reweighted(population: Population, shares_before: np.ndarray, epsilon: float) -> np.ndarray:
    after = population.shares(epsilon)
    ratio = np.divide(after, shares_before, out=np.zeros_like(after), where=shares_before > 0)
    return population.weights * ratio


def systematic_resample(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row indices drawn by systematic resampling (one uniform draw)."""
    count = weights.size
    positions = (rng.random() + np.arange(count)) / count
    return np.minimum(np.searchsorted(np.cumsum(weights / weights.sum()), positions), count - 1)


def weighted_covariance(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
    w = weights / weights.sum()
    mean = w @ theta
    centred = theta - mean
    return (centred * w[:, None]).T @ centred


# (theta rows, first index, threshold) -> (distances, stats). A replicate already farther than the threshold
# part-way may stop there (early rejection): its distance is then a lower bound above the threshold and its
# later statistics NaN; since thresholds only fall, it is never within one again, and the result is unchanged.
Simulate = Callable[[np.ndarray, int, float], tuple[np.ndarray, np.ndarray]]


def run_smc(prior: NormalPrior, simulate: Simulate, *, particles: int, replicates: int, seed_sequence,
            ess_fraction: float, epsilon_fall: float, min_epsilon: float, max_generations: int,
            max_simulations: int, moves: int, min_move_acceptance: float, max_moves: int | None = None,
            unmoved: float = 0.05, report: Callable[[Generation], None] | None = None) -> Result:
    """The adaptive ABC-SMC of the module's text. `simulate(theta, first, epsilon)` runs `replicates` replicates
    of every row of theta (row k uses simulation indices (first + k) * replicates + r) and returns each
    replicate's distance and statistics (see `Simulate`)."""
    rng = np.random.default_rng(seed_sequence)
    counter = [0]

    def evaluate(theta: np.ndarray, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
        first = counter[0]
        counter[0] += theta.shape[0]
        return simulate(theta, first, epsilon)

    theta = prior.sample(particles, rng)
    distances, statistics = evaluate(theta, math.inf)
    population = Population(theta, np.full(particles, 1.0 / particles), distances, statistics)
    epsilon, acceptance = math.inf, None
    result = Result(population, epsilon)
    generation = 0
    while True:
        new_epsilon = next_epsilon(population, epsilon, ess_fraction)
        shares_before = population.shares(epsilon)
        population.weights = _reweighted(population, shares_before, new_epsilon)
        population.weights /= population.weights.sum()
        fell = (epsilon - new_epsilon) / epsilon if np.isfinite(epsilon) else 1.0
        epsilon = new_epsilon
        steps = moves_needed(acceptance, unmoved, moves, max_moves or moves)
        population, acceptance = _resample_and_move(population, prior, evaluate, epsilon, steps, rng)
        result.generations.append(Generation(generation, epsilon, counter[0] * replicates, steps, acceptance,
                                             effective_sample_size(population.weights),
                                             len({row.tobytes() for row in population.theta})))
        if report is not None:
            report(result.generations[-1])
        result.stopped = _stop(epsilon, fell, acceptance, generation + 1, counter[0] * replicates, epsilon_fall,
                               min_epsilon, max_generations, max_simulations, min_move_acceptance)
        if result.stopped:
            break
        generation += 1
    result.population, result.epsilon = population, epsilon
    return result


def moves_needed(acceptance: float | None, unmoved: float, least: int, most: int) -> int:
    """Moves enough that a particle stays where it is with a chance of at most `unmoved` at the acceptance
    rate `acceptance` (the last generation's), between `least` and `most`."""
    if acceptance is None:
        return least
    if acceptance <= 0:
        return most
    if acceptance >= 1:
        return least
    return int(min(most, max(least, math.ceil(math.log(unmoved) / math.log(1.0 - acceptance)))))


def _resample_and_move(population: Population, prior: NormalPrior, evaluate, epsilon: float, moves: int,
                       rng: np.random.Generator) -> tuple[Population, float]:
    """Resample to equal weights, then `moves` Metropolis-Hastings steps of every particle at `epsilon`."""
    population = population.take(systematic_resample(population.weights, rng))
    count, dimension = population.theta.shape
    covariance = weighted_covariance(population.theta, population.weights) * RW_SCALE / dimension
    root = np.linalg.cholesky(covariance + 1e-12 * np.eye(dimension))
    accepted = 0
    for _ in range(moves):
        proposed = population.theta + rng.standard_normal((count, dimension)) @ root.T
        distances, statistics = evaluate(proposed, epsilon)
        now = population.shares(epsilon)
        then = (distances <= epsilon).mean(axis=1)
        # A ratio above 1 is accepted whatever its size: capping the exponent only keeps it finite.
        ratio = np.exp(np.minimum(prior.log_density(proposed) - prior.log_density(population.theta), 50.0))
        ratio = np.divide(ratio * then, now, out=np.zeros(count), where=now > 0)
        take = rng.random(count) < ratio
        population.theta[take] = proposed[take]
        population.distances[take] = distances[take]
        population.statistics[take] = statistics[take]
        accepted += int(take.sum())
    return population, accepted / (count * moves) if moves else 0.0


def _stop(epsilon: float, fell: float, acceptance: float | None, generations: int, simulations: int,
          epsilon_fall: float, min_epsilon: float, max_generations: int, max_simulations: int,
          min_move_acceptance: float) -> str:
    if epsilon <= min_epsilon:
        return f"the threshold reached min_epsilon={min_epsilon}"
    if generations > 1 and fell < epsilon_fall:
        return (f"the threshold stopped falling: it fell by {fell:.1%} in the last generation, below "
                f"epsilon_fall={epsilon_fall:.0%}")
    if acceptance is not None and acceptance < min_move_acceptance:
        return (f"the moves stopped exploring: {acceptance:.1%} of them were accepted, below "
                f"min_move_acceptance={min_move_acceptance:.0%}")
    if generations >= max_generations:
        return f"the cap of generations={max_generations} was reached (the threshold was still falling)"
    if simulations >= max_simulations:
        return f"the budget of max_simulations={max_simulations} was spent ({simulations} model runs)"
    return ""
