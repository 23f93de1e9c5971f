"""Where the attacks fall: the model's governorate shares against the record's counts by governorate, as a
posterior predictive check. Pure functions of tables and arrays; the random draws come from the caller's
generator.

The record (`incidents_by_governorate_iraq` in sim/data/targets.yaml) holds single weeks of Joel Wing's
counts of IS incidents. A week holds too few of a replicate's attacks to give it shares (two or three a week
by 2023), so each week is set against the replicate's shares over the calendar year that holds it. For each
replicate a predictive record is drawn, of the record's size: for each week a multinomial with that week's
total on that replicate's shares (several records per replicate estimate the same p-value with less noise).
A discrepancy of the predictive record and of the observed one, both against the replicate's shares, is
compared; the posterior predictive p-value is the share of predictive records whose discrepancy is at least
the observed record's (Gelman, Meng and Stern 1996). A p-value near 0 says the record is further from the
model's shares than the model's own records are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln, xlogy

from sim.analysis.summary import percentile_of

# Governorates the record names that hold no area of the model, and the model's governorate each is counted
# with (None: left out). The model's Baghdad-belt area takes in Jurf al-Nasr, which lies in northern Babil
# (sim/data/geography.yaml), so Babil's incidents are counted with Baghdad's.
UNMODELLED_POOLED = {"Babil": "Baghdad"}
# The same record with Babil's incidents left out instead: what the p-value owes to that choice.
UNMODELLED_DROPPED = {"Babil": None}
INTERVAL = (0.05, 0.95)


@dataclass(frozen=True)
class RecordWeek:
    """One week of the record: its counts by governorate in the model's order of governorates."""

    id: str
    start: str
    end: str
    counts: tuple[int, ...]

    @property
    def year(self) -> int:
        """The calendar year whose shares the week is set against (the year of its first day)."""
        return int(self.start[:4])

    @property
    def total(self) -> int:
        """The week's incidents in the model's governorates (a left-out governorate's are not among them)."""
        return sum(self.counts)


def iraqi_area_governorates(area_ids: Sequence[str], in_iraq: Sequence[bool],
                            area_governorate: dict[str, str]) -> dict[str, str]:
    """Each Iraqi area's governorate (the record counts Iraq only), in the geography's order of areas; the
    model's governorates are its values in order of first appearance."""
    return {a: area_governorate[a] for a, inside in zip(area_ids, in_iraq, strict=True) if inside}


def record_weeks(entries: Sequence[dict], governorates: Sequence[str],
                 unmodelled: dict[str, str | None]) -> list[RecordWeek]:
    """The record's weeks with each count placed in its model governorate (`unmodelled` says where counts of a
    governorate without a model area go, or None to leave them out). A governorate neither in the model nor
    in `unmodelled` is refused, naming it."""
    position = {g: k for k, g in enumerate(governorates)}
    weeks = []
    for entry in entries:
        counts = [0] * len(governorates)
        for name, count in entry["by_governorate"].items():
            target = unmodelled.get(name, name) if name not in position else name
            if target is None:
                continue
            if target not in position:
                raise ValueError(f"record week {entry['id']} counts incidents in {name}, which holds no area of the "
                                 f"model and is not pooled with one; the model's governorates: "
                                 f"{', '.join(governorates)}")
            counts[position[target]] += int(count)
        window = entry["window"]
        weeks.append(RecordWeek(str(entry["id"]), str(window["start"]), str(window["end"]), tuple(counts)))
    return weeks


def yearly_counts(events: pd.DataFrame, replicates: Sequence[int], years: Sequence[int],
                  area_governorate: dict[str, str], governorates: Sequence[str]) -> np.ndarray:
    """Attacks per replicate, year and governorate, shape (replicates, years, governorates), from attack rows
    (replicate, date YYYY-MM-DD, area). Attacks in areas of no listed governorate (Syria's) or in other years
    are not counted."""
    counts = np.zeros((len(replicates), len(years), len(governorates)), dtype=np.int64)
    if events.empty:
        return counts
    governorate_of_area = {a: governorates.index(g) for a, g in area_governorate.items() if g in governorates}
    replicate = events["replicate"].map({r: k for k, r in enumerate(replicates)})
    year = events["date"].astype(str).str[:4].astype(int).map({y: k for k, y in enumerate(years)})
    governorate = events["area"].map(governorate_of_area)
    kept = replicate.notna() & year.notna() & governorate.notna()
    np.add.at(counts, (replicate[kept].to_numpy(dtype=np.int64), year[kept].to_numpy(dtype=np.int64),
                       governorate[kept].to_numpy(dtype=np.int64)), 1)
    return counts


def shares(counts: np.ndarray) -> np.ndarray:
    """Each row's counts as shares of its total (last axis); NaN where a row has no attack at all."""
    totals = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / np.where(totals > 0, totals, 1), np.nan)


def negative_log_likelihood(counts: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """-log of the multinomial probability of each week's counts on its shares, summed over weeks: arrays
    (..., weeks, governorates) to (...). Infinite where a week counts incidents in a governorate of share 0."""
    totals = counts.sum(axis=-1)
    log_probability = gammaln(totals + 1) - gammaln(counts + 1).sum(axis=-1) + xlogy(counts, shares).sum(axis=-1)
    return -log_probability.sum(axis=-1)


def chi_square(counts: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Pearson's chi-square of each week's counts against its expected counts, summed over weeks and
    governorates: (..., weeks, governorates) to (...). A governorate expected to have none adds nothing when it
    has none and makes the sum infinite when it has some."""
    expected = counts.sum(axis=-1, keepdims=True) * shares
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(expected > 0, (counts - expected) ** 2 / np.where(expected > 0, expected, 1),
                         np.where(counts > 0, np.inf, 0.0))
    return terms.sum(axis=(-2, -1))


DISCREPANCIES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "multinomial log-likelihood": negative_log_likelihood,
    "Pearson chi-square": chi_square,
}


@dataclass(frozen=True)
class PredictiveCheck:
    """A posterior predictive check over the usable replicates (those with an attack in every year needed)."""

    observed: np.ndarray              # (weeks, governorates): the record
    week_shares: np.ndarray           # (usable replicates, weeks, governorates)
    predictive: np.ndarray            # (usable replicates, draws, weeks, governorates): the predictive records
    unusable: int                     # replicates left out: no attack in a year a week needs

    def p_value(self, discrepancy: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> float:
        """The share of predictive records at least as far from their replicate's shares as the record is."""
        shares = self.week_shares[:, None]
        return float(np.mean(discrepancy(self.predictive, shares) >= discrepancy(self.observed, shares)))

    def p_values(self) -> dict[str, float]:
        """The p-value under each discrepancy: two views of one record, not two tests to choose between."""
        return {name: self.p_value(d) for name, d in DISCREPANCIES.items()}


def predictive_check(weeks: Sequence[RecordWeek], year_shares: np.ndarray, years: Sequence[int],
                     rng: np.random.Generator, draws: int = 1) -> PredictiveCheck:
    """Draw `draws` predictive records per replicate from its shares (`year_shares`: replicates x years x
    governorates) and set the record beside them. One draw a replicate defines the p-value; more estimate
    the same p-value with less noise from the draws themselves."""
    week_shares = year_shares[:, [list(years).index(w.year) for w in weeks], :]
    usable = ~np.isnan(week_shares).any(axis=(1, 2))
    week_shares = week_shares[usable]
    totals = np.array([w.total for w in weeks], dtype=np.int64)
    repeated = np.broadcast_to(week_shares[:, None], (week_shares.shape[0], draws, *week_shares.shape[1:]))
    predictive = rng.multinomial(np.broadcast_to(totals, repeated.shape[:3]), repeated)
    observed = np.array([w.counts for w in weeks], dtype=np.int64)
    return PredictiveCheck(observed, week_shares, predictive, int((~usable).sum()))


def governorate_table(check: PredictiveCheck, governorates: Sequence[str]) -> pd.DataFrame:
    """Per governorate: its incidents over the record's weeks against the predictive records' count (median
    and 90% interval over every record drawn), and its share of the record against the replicates' expected
    share of it (each week's total times its year's share, summed and divided by the record's total)."""
    observed = check.observed.sum(axis=0)
    predicted = check.predictive.sum(axis=2).reshape(-1, len(governorates))
    totals = check.observed.sum(axis=1)
    expected_share = (totals[None, :, None] * check.week_shares).sum(axis=1) / totals.sum()
    low, high = INTERVAL
    rows = []
    for k, name in enumerate(governorates):
        x = predicted[:, k]
        q05, median, q95 = np.quantile(x, [low, 0.5, high], method="inverted_cdf")
        share_low, share_median, share_high = np.quantile(expected_share[:, k], [low, 0.5, high])
        rows.append({"governorate": name, "observed": int(observed[k]),
                     "observed_share": float(observed[k] / totals.sum()),
                     "model_share_median": float(share_median), "model_share_q05": float(share_low),
                     "model_share_q95": float(share_high),
                     "predictive_median": int(median), "predictive_q05": int(q05), "predictive_q95": int(q95),
                     "percentile": percentile_of(observed[k], x),
                     "observed_against_model": ("inside" if q05 <= observed[k] <= q95
                                                else "fewer (model over-weights)" if observed[k] < q05
                                                else "more (model under-weights)")})
    return pd.DataFrame(rows)
