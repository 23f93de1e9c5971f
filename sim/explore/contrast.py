"""How two sets of results differ, with an interval, in numbers and in plain words.

Two ensembles run with the same seed, replicate count, start and parameter mode
share their chance events wherever their mechanisms agree (common random
numbers), so their difference is taken replicate by replicate
(`sim.analysis.compare.paired_difference`); any other two are compared as
independent samples (Welch's interval). Pure functions of small tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.compare import paired_difference

CONFIDENCE = 0.95
# Below this many attacks a month a difference reads as "about the same".
NEGLIGIBLE = 0.05


@dataclass(frozen=True)
class Contrast:
    """B minus A in attacks a month, with its 95% interval; `paired` says how it was taken."""

    difference: float
    low: float
    high: float
    mean_a: float
    mean_b: float
    paired: bool
    replicates: int

    @property
    def clear(self) -> bool:
        """True when the interval leaves out zero: the sign of the difference is not down to chance."""
        return self.low > 0 or self.high < 0

    @property
    def relative(self) -> float | None:
        """The difference as a share of A's mean (None when A's mean is zero)."""
        return self.difference / self.mean_a if self.mean_a > 0 else None


def monthly_frame(months: tuple[str, ...], attacks: np.ndarray) -> pd.DataFrame:
    """A (replicates x months) array of attacks in Iraq as the long table the analysis functions read."""
    replicates, count = attacks.shape
    return pd.DataFrame({"replicate": np.repeat(np.arange(replicates), count),
                         "month": np.tile(np.asarray(months, dtype=object), replicates),
                         "attacks": attacks.reshape(-1)})


def paired(months_a: tuple[str, ...], attacks_a: np.ndarray, months_b: tuple[str, ...], attacks_b: np.ndarray,
           start: str, end: str) -> Contrast:
    """B - A over [start, end], replicate by replicate (both arrays from runs with the same seed)."""
    d = paired_difference(monthly_frame(months_a, attacks_a), monthly_frame(months_b, attacks_b), start, end)
    return Contrast(d["difference"], d["ci95_low"], d["ci95_high"], d["mean_a"], d["mean_b"], True, d["replicates"])


def unpaired(rates_a: np.ndarray, rates_b: np.ndarray) -> Contrast:
    """B - A for two independent samples of attacks a month (Welch's interval)."""
    a, b = np.asarray(rates_a, dtype=float), np.asarray(rates_b, dtype=float)
    difference = float(b.mean() - a.mean())
    if min(a.size, b.size) < 2 or (a.var() == 0 and b.var() == 0):
        low = high = difference
    else:
        interval = stats.ttest_ind(b, a, equal_var=False).confidence_interval(CONFIDENCE)
        low, high = float(interval.low), float(interval.high)
    return Contrast(difference, low, high, float(a.mean()), float(b.mean()), False, int(min(a.size, b.size)))


def amount_words(contrast: Contrast, than: str = "") -> str:
    """Words such as "about 1.2 more attacks a month than THAN (95% interval +0.8 to +1.6)" or "about the same"."""
    d = contrast.difference
    interval = f"(95% interval {signed(contrast.low)} to {signed(contrast.high)})"
    if abs(d) < NEGLIGIBLE:
        return " ".join(part for part in ("about the same number of attacks a month", f"as {than}" if than else "",
                                          interval) if part)
    amount = f"about {abs(d):.1f} {'more' if d > 0 else 'fewer'} attacks a month"
    return " ".join(part for part in (amount, f"than {than}" if than else "", interval) if part)


def signed(value: float) -> str:
    """A value with its sign and one decimal, zero without one ("+1.2", "-0.4", "0.0")."""
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def certainty_words(contrast: Contrast) -> str:
    """Whether the interval leaves out zero, in words."""
    if contrast.clear:
        return "the interval leaves out zero, so the difference is not down to chance"
    return "the interval includes zero, so the model cannot tell the two apart with these replicates"
