"""How two sets of results differ: B minus A with an interval, in tables, in numbers and in plain words.

Two ensembles run with the same seed, replicate count and start date share
their chance events wherever their mechanisms agree (each mechanism draws from
its own stream: common random numbers), so their difference is taken replicate
by replicate (`paired_rates`), and its interval is far narrower than that of
two independent samples; any other two are compared as independent samples
(Welch's interval, `unpaired`). `sim compare`, the report, the calibration's
scenario table and the explorer all read their differences from here. Every
number covers one window (sim/analysis/windows.py). Pure functions of small
tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.summary import QUANTILES
from sim.analysis.targets import reference_rate_2024
from sim.analysis.windows import NamedWindow, Window, attack_rates, window_rates
from sim.config.errors import ConfigError
from sim.config.schema import RunConfig

CONFIDENCE = 0.95
# Below this many attacks a month a difference reads as "about the same".
NEGLIGIBLE = 0.05
# What the paired columns mean, for the printed table, the report and the docs.
PAIRED_COLUMNS = {
    "difference": "mean over replicates of B minus A, attacks per month",
    "ci95_low": "lower end of the difference's 95% confidence interval",
    "ci95_high": "upper end of the difference's 95% confidence interval",
    "share_b_higher": "share of replicates in which B's rate is above A's, chance events shared",
    "variance_reduction": "how many times smaller the paired differences' variance is than that of two "
                          "independent ensembles of the same size: what pairing gains (1: nothing)",
}


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


def comparison_table(rates: dict[str, pd.DataFrame], names: dict[str, str]) -> pd.DataFrame:
    """One row per run over one window: median and 90% interval of attacks and casualties per month, and
    the share of replicates above the 2024 record's rate. `rates` are `window_rates` per run label."""
    rows = []
    for label, r in rates.items():
        a, c = r["attacks_per_month"], r["casualties_per_month"]
        rows.append({
            "run": label,
            "name": names[label],
            "replicates": len(r),
            "attacks/month median": a.quantile(QUANTILES["q50"]),
            "attacks/month 90%": f"{a.quantile(QUANTILES['q05']):.2f}-{a.quantile(QUANTILES['q95']):.2f}",
            "casualties/month median": c.quantile(QUANTILES["q50"]),
            "casualties/month 90%": f"{c.quantile(QUANTILES['q05']):.2f}-{c.quantile(QUANTILES['q95']):.2f}",
            "P(above 2024 rate)": float((a > reference_rate_2024()).mean()),
        })
    return pd.DataFrame(rows)


def paired_difference(monthly_a: pd.DataFrame, monthly_b: pd.DataFrame, start: str, end: str) -> dict:
    """The difference B - A in attacks per month over [start, end], replicate by replicate, from two monthly
    tables (which may count attacks alone)."""
    window = Window(start, end)
    return paired_rates(attack_rates(monthly_a, window), attack_rates(monthly_b, window))


def paired_rates(rates_a: pd.Series, rates_b: pd.Series) -> dict:
    """The difference B - A in a rate, replicate by replicate (both indexed by replicate).

    The paired differences vary much less than the difference of two independent ensembles;
    `variance_reduction` is the unpaired variance over the paired one (NaN where the paired differences do
    not vary: there is nothing to reduce, and no ratio to give).
    """
    if list(rates_a.index) != list(rates_b.index):
        raise ConfigError("The runs do not hold the same replicates; pair runs made with the same seed and count.")
    diff = (rates_b - rates_a).to_numpy(dtype=float)
    n = diff.size
    paired_sd = float(diff.std(ddof=1)) if n > 1 else 0.0
    unpaired_var = float(rates_a.var(ddof=1) + rates_b.var(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * paired_sd / n ** 0.5) if n > 1 else float("nan")
    mean = float(diff.mean())
    return {"replicates": n, "mean_a": float(rates_a.mean()), "mean_b": float(rates_b.mean()),
            "difference": mean, "ci95_low": mean - half, "ci95_high": mean + half,
            "share_b_higher": float((diff > 0).mean()),
            "variance_reduction": unpaired_var / paired_sd ** 2 if paired_sd > 0 else float("nan")}


# The probability of a contrast's sign below which its direction is called undetermined.
SIGN_CERTAIN = 0.8


def sign_probability(differences: np.ndarray, per_draw: int) -> dict:
    """How sure the sign of a contrast is over what is not known about the parameters.

    `differences` are paired differences B - A, replicate by replicate, in replicate order, where each run of
    `per_draw` consecutive replicates shares one parameter draw. Each draw's contrast is the mean of its
    replicates' differences; the probability that B is higher is the share of draws whose contrast is
    positive (a tie counts half). Chance left in each draw's mean can flip the sign of a draw whose contrast is
    small, which the common random numbers of paired runs and more replicates per draw make rarer.
    """
    d = np.asarray(differences, dtype=float)
    if per_draw < 1 or d.size == 0 or d.size % per_draw:
        raise ValueError(f"{d.size} differences do not split into draws of {per_draw} replicates")
    means = d.reshape(-1, per_draw).mean(axis=1)
    higher = float((means > 0).mean() + 0.5 * (means == 0).mean())
    direction = ("higher" if higher >= SIGN_CERTAIN else "lower" if 1.0 - higher >= SIGN_CERTAIN
                 else "direction undetermined")
    return {"draws": int(means.size), "probability_higher": higher, "direction": direction}


def pairing_obstacles(configs: list[RunConfig]) -> list[str]:
    """What stops the runs of these configs from pairing replicate by replicate (empty when they pair): which
    of the seed, the replicate count and the start date differ, with each run's value."""
    if len(configs) < 2:
        return ["there is only one run"]
    out = []
    for key, what in (("seed", "seed"), ("replicates", "replicate count"), ("start", "start date")):
        values = [getattr(c, key) for c in configs]
        if len(set(values)) > 1:
            out.append(f"the {what} differs ({', '.join(str(v) for v in values)})")
    return out


def paired_table(monthly: dict[str, pd.DataFrame], window: NamedWindow) -> pd.DataFrame:
    """Each run's monthly table (by label) against the first's, replicate by replicate, in `window`; the runs
    must pair (`pairing_obstacles`)."""
    (first_label, first), *others = monthly.items()
    first_rates = window_rates(first, window.window)["attacks_per_month"]
    rows = [{"run": label, "against": first_label, "window": window.window.text,
             **paired_rates(first_rates, window_rates(table, window.window)["attacks_per_month"])}
            for label, table in others]
    return pd.DataFrame(rows)


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
