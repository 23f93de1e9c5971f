"""Stylised facts of insurgent violence, measured on pooled replicates. Pure functions of tables.

Three regularities reported for insurgent and terrorist violence, checked on
what the model produces (not imposed on it):

- monthly attack counts are overdispersed relative to Poisson (variance above
  the mean);
- attacks cluster in space and time: more pairs of attacks fall in the same
  area within a short time of each other than the areas and dates on their own
  imply (the Knox test, as used for near-repeat attacks);
- casualties per attack have a heavy right tail (Clauset, Young and Gleditsch
  2007 on the severity of terrorist events), tested with the `powerlaw`
  package's likelihood-ratio comparison against an exponential tail;
- attacks set off further attacks for some weeks (Lewis et al. 2012), measured
  by a Hawkes process fitted to the attack times (`hawkes`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import OptimizeWarning

from sim.analysis import hawkes

# Two attacks are close in time when they are at most this many days apart (about two weeks,
# the span over which a surge of presence after an attack fades by half; model.md 4.10).
KNOX_DAYS = 14
# Permutations of dates within each replicate for the Knox test's reference distribution.
KNOX_PERMUTATIONS = 99


def overdispersion(monthly: pd.DataFrame) -> dict[str, float]:
    """Within-replicate variance-to-mean ratio of national monthly attack counts, and a test against Poisson.

    Under Poisson counts with each replicate's own mean, sum((x - mean_r)^2 / mean_r)
    is chi-square with sum(months - 1) degrees of freedom.
    """
    counts = monthly.groupby(["replicate", "month"])["attacks"].sum().unstack("month").to_numpy(dtype=float)
    means = counts.mean(axis=1)
    counts, means = counts[means > 0], means[means > 0]
    dof = counts.shape[0] * (counts.shape[1] - 1)
    statistic = float((((counts - means[:, None]) ** 2) / means[:, None]).sum())
    return {"replicates": int(counts.shape[0]), "months": int(counts.shape[1]),
            "mean_per_month": float(means.mean()),
            "dispersion_index": statistic / dof,
            "p_value_poisson": float(stats.chi2.sf(statistic, dof))}


def weekly_dispersion(events: pd.DataFrame, start: str, end: str, replicates: int) -> float:
    """Variance over mean of weekly attack counts, pooled over replicates (1 for a Poisson process)."""
    days = (pd.to_datetime(events["date"]) - pd.Timestamp(start)).dt.days.to_numpy()
    weeks = ((pd.Timestamp(end) - pd.Timestamp(start)).days + 1) // 7
    keep = days < weeks * 7
    index = events["replicate"].to_numpy()[keep] * weeks + days[keep] // 7
    counts = np.bincount(index, minlength=replicates * weeks).reshape(replicates, weeks)
    mean = counts.mean(axis=1)
    variance = counts.var(axis=1, ddof=1)
    used = mean > 0
    return float(variance[used].sum() / mean[used].sum()) if used.any() else float("nan")


def attack_times(events: pd.DataFrame, replicates: int, start: str, end: str) -> list[np.ndarray]:
    """Each replicate's attack times in days from `start`, for the attacks from `start` to `end` (both
    included); a replicate without attacks there gets an empty sequence (it still tells the fit something)."""
    days = (pd.to_datetime(events["date"]) - pd.Timestamp(start)).dt.days.to_numpy()
    inside = (days >= 0) & (days <= (pd.Timestamp(end) - pd.Timestamp(start)).days)
    replicate = events["replicate"].to_numpy()[inside]
    return [hawkes.event_times(days[inside][replicate == r]) for r in range(replicates)]


def self_excitation(events: pd.DataFrame, replicates: int, start: str, end: str,
                    rng: np.random.Generator) -> hawkes.CorrectedFit:
    """The Hawkes process fitted to the attacks from `start` to `end`, pooled over replicates, with a level
    per replicate and year and a quarterly shape (see `hawkes`), its bias removed by bootstrap."""
    segments = hawkes.quarters(start, end)
    return hawkes.bias_corrected(hawkes.fit(attack_times(events, replicates, start, end), segments), segments, rng)


def close_pairs(days: np.ndarray, areas: np.ndarray, window_days: int) -> int:
    """Pairs of attacks in the same area at most `window_days` apart.

    Counted on the attacks sorted by area and day, each attack with those after it in the same area up
    to `window_days` later (a binary search), so the count grows with n log n: the all-pairs matrix it
    replaces grew with n squared and held up reports on runs of a few thousand attacks a replicate.
    Days are whole days (the keys are integers); a fraction would be cut off, so it is refused.
    """
    days = np.asarray(days)
    if window_days < 0:
        raise ValueError(f"window_days={window_days}: a window of days cannot be negative.")
    if days.size and not np.issubdtype(days.dtype, np.integer):
        raise ValueError(f"days of dtype {days.dtype}: close pairs are counted on whole days.")
    if days.size < 2:
        return 0
    _, codes = np.unique(np.asarray(areas), return_inverse=True)
    days = days.astype(np.int64)
    # One key per attack: its area's code times a stride longer than any span of days, plus its day.
    stride = int(days.max() - days.min()) + window_days + 1
    keys = np.sort(codes.astype(np.int64) * stride + (days - days.min()))
    later = np.searchsorted(keys, keys + window_days, side="right")
    return int((later - np.arange(keys.size) - 1).sum())


def knox_test(events: pd.DataFrame, rng: np.random.Generator, window_days: int = KNOX_DAYS,
              permutations: int = KNOX_PERMUTATIONS) -> dict[str, float]:
    """Knox space-time interaction, pooled over replicates.

    Observed: pairs in the same area within `window_days`, summed over
    replicates. Expected: the same count after shuffling dates among each
    replicate's attacks (areas and the set of dates kept), averaged over
    permutations; the 5-95% range of the shuffled counts (as ratios) shows
    what chance alone gives. Ratio above 1: attacks cluster in space and time.
    """
    groups = [(pd.to_datetime(g["date"]).to_numpy().astype("datetime64[D]").astype(np.int64),
               g["area"].to_numpy()) for _, g in events.groupby("replicate") if len(g) > 1]
    observed = sum(close_pairs(d, a, window_days) for d, a in groups)
    shuffled = np.array([sum(close_pairs(rng.permutation(d), a, window_days) for d, a in groups)
                         for _ in range(permutations)], dtype=float)
    expected = float(shuffled.mean())
    envelope = np.quantile(shuffled, [0.05, 0.95]) / expected if expected else [float("nan")] * 2
    return {"window_days": window_days, "observed_pairs": int(observed), "expected_pairs": expected,
            "knox_ratio": observed / expected if expected else float("nan"),
            "no_interaction_low": float(envelope[0]), "no_interaction_high": float(envelope[1]),
            "p_value": float((1 + (shuffled >= observed).sum()) / (1 + permutations))}


def casualty_tail(events: pd.DataFrame) -> dict[str, float]:
    """How heavy the right tail of casualties per attack is: plain measures, then power-law fits.

    The likelihood ratios compare the fitted tail (x >= xmin) with an
    exponential one: R > 0 with a small p means the tail is heavier than
    exponential (powerlaw's `distribution_compare`, normalised).
    """
    # Here, not at the top: powerlaw takes about 0.85 s to import, and only this fit needs it.
    import powerlaw

    x = (events["killed"] + events["wounded"]).to_numpy(dtype=float)
    ordered = np.sort(x)[::-1]
    top = max(1, int(round(0.1 * x.size)))
    out = {"attacks": int(x.size), "mean": float(x.mean()), "variance_to_mean": float(x.var(ddof=1) / x.mean()),
           "median": float(np.median(x)), "q99": float(np.quantile(x, 0.99)), "max": float(x.max()),
           "top_decile_share": float(ordered[:top].sum() / x.sum())}
    with warnings.catch_warnings():
        # powerlaw reads its own deprecated `sigma` and starts some optimisations at a bound; both are
        # internal to the package and say nothing about the fit.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", OptimizeWarning)
        fit = powerlaw.Fit(x[x > 0], discrete=True, verbose=False)
        out.update({"powerlaw_alpha": float(fit.power_law.alpha), "powerlaw_xmin": float(fit.power_law.xmin),
                    "tail_attacks": int((x >= fit.power_law.xmin).sum())})
        for name in ("power_law", "lognormal"):
            ratio, p = fit.distribution_compare(name, "exponential", normalized_ratio=True)
            out[f"{name}_vs_exponential_R"], out[f"{name}_vs_exponential_p"] = float(ratio), float(p)
    return out


def ccdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and the share of observations at or above each (for a log-log tail plot)."""
    x = np.sort(np.asarray(values, dtype=float))
    distinct = np.unique(x)
    share = 1.0 - np.searchsorted(x, distinct, side="left") / x.size
    return distinct, share
