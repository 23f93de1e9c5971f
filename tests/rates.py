"""Statistical checks of a rule's observed count against the count its formula predicts.

Every check here is a two-sided test at the level `ALPHA` (a rule that is right fails it by chance
about once in ten thousand seeds) and is refused unless its design has at least `MIN_POWER` chance
of detecting a change of the rule by `CHANGE` (20%) in either direction. The power is computed from
the predicted mean and variance, so a test that draws too few events fails as a design error
instead of passing without meaning anything.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

ALPHA = 1e-4
CHANGE = 0.2
MIN_POWER = 0.9
Z = stats.norm.isf(ALPHA / 2)


def power(mean: float, variance: float, change: float = CHANGE) -> float:
    """Chance that the count of a rule whose rate is off by `change` (up or down) falls outside the
    acceptance band of the right rule (normal approximation; the weaker of the two directions).
    Under the changed rule the variance is taken to scale with the mean (binomial and Poisson counts)."""
    sd = np.sqrt(variance)
    worst = 1.0
    for factor in (1.0 - change, 1.0 + change):
        shifted_sd = sd * np.sqrt(factor)
        shift = abs(factor - 1.0) * mean
        worst = min(worst, float(stats.norm.sf((Z * sd - shift) / shifted_sd)))
    return worst


def check_count(observed: float, mean: float, variance: float, what: str, change: float = CHANGE) -> None:
    """The observed count of a rule against its predicted mean and variance; the design must detect a
    relative `change` of the rule with at least MIN_POWER."""
    achieved = power(mean, variance, change)
    assert achieved >= MIN_POWER, (f"{what}: the design detects a {change:.0%} change with probability "
                                   f"{achieved:.2f} only; draw more events")
    z = (observed - mean) / np.sqrt(variance)
    assert abs(z) < Z, f"{what}: observed {observed}, the rule predicts {mean:.1f} (z = {z:+.1f})"


def check_bernoulli(hits: np.ndarray, chances: np.ndarray, what: str) -> None:
    """Independent trials with their own chances (a Poisson-binomial count)."""
    chances = np.asarray(chances, dtype=float)
    check_count(float(np.sum(hits)), float(chances.sum()), float((chances * (1 - chances)).sum()), what)


def check_binomial(hits: int, trials: int, chance: float, what: str, change: float = CHANGE) -> None:
    check_count(hits, trials * chance, trials * chance * (1 - chance), what, change)


def check_poisson(count: float, mean: float, what: str) -> None:
    check_count(count, mean, mean, what)
