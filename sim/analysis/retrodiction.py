"""The retrodiction of 2012-2014: from a history's replicates to what the record of those years can check.

Pure functions of arrays, tables and the record's parsed YAML (no I/O). No counter of 2012-2014 counts
what the model counts (sim/data/record_2012_2014.yaml says what each counts), so the comparison is of
growth between years and of timing, each model quantity beside the series nearest to it:

- the model's casualties beside Iraq Body Count's civilian deaths: both grow with the number of
  attacks and with their lethality (IBC counts every perpetrator's dead and no wounded, so only its
  ratios between years are compared, never its level);
- the model's attacks beside the car bombs counted from the press: one kind of IS attack, nearly all of
  them IS's, and the kind least often missed;
- the month territorial control first appears in a replicate (its month-end record of the most fighters
  in one area reaching the territorial threshold) beside the months IS took Fallujah and Mosul.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

YEARS = ("2012", "2013", "2014")
# Year-on-year growth the record allows checking: (later year, earlier year).
RATIOS = (("2013", "2012"), ("2014", "2013"))
FAN_QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.50, "q75": 0.75, "q95": 0.95}
INTERVAL = 0.90


def per_month(monthly: pd.DataFrame, months: Sequence[str], replicates: Sequence[int]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Attacks and casualties (killed and wounded) as [replicate, month] arrays, from a table of
    replicate x month x area (sim/analysis/tables.py, monthly_table); missing rows count zero."""
    totals = monthly.groupby(["replicate", "month"])[["attacks", "killed", "wounded"]].sum()
    grid = totals.reindex(pd.MultiIndex.from_product([list(replicates), list(months)]), fill_value=0)
    shape = (len(replicates), len(months))
    attacks = grid["attacks"].to_numpy(dtype=np.int64).reshape(shape)
    casualties = (grid["killed"] + grid["wounded"]).to_numpy(dtype=np.int64).reshape(shape)
    return attacks, casualties


def year_totals(values: np.ndarray, months: Sequence[str], year: str) -> np.ndarray:
    """Each replicate's total over the months ('YYYY-MM') of `year`."""
    columns = [k for k, month in enumerate(months) if month.startswith(f"{year}-")]
    return np.asarray(values)[:, columns].sum(axis=1)


def ratios(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """The ratio per replicate, numerator / denominator; NaN where the denominator is zero (no growth is defined)."""
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def first_month_reaching(series: np.ndarray, threshold: float) -> np.ndarray:
    """For each replicate (row), the index of the first month whose value reaches `threshold`; -1 if none."""
    reached = np.asarray(series) >= threshold
    return np.where(reached.any(axis=1), reached.argmax(axis=1), -1)


def interval(values: np.ndarray, level: float = INTERVAL) -> dict:
    """Median and central interval over the finite values, with how many there were (None where none)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"median": None, "low": None, "high": None, "replicates": 0}
    low, median, high = np.quantile(x, [(1 - level) / 2, 0.5, (1 + level) / 2])
    return {"median": float(median), "low": float(low), "high": float(high), "replicates": int(x.size)}


def month_interval(first: np.ndarray, months: Sequence[str], level: float = INTERVAL) -> dict:
    """The median and central interval of the first months, over the replicates where there is one,
    each an actual month (the inverted empirical distribution, no interpolation between months)."""
    found = np.asarray(first)[np.asarray(first) >= 0]
    if found.size == 0:
        return {"median": None, "low": None, "high": None, "replicates": 0}
    qs = np.quantile(found, [(1 - level) / 2, 0.5, (1 + level) / 2], method="inverted_cdf")
    low, median, high = (months[int(q)] for q in qs)
    return {"median": median, "low": low, "high": high, "replicates": int(found.size)}


def months_apart(later: str, earlier: str) -> int:
    """Calendar months from `earlier` to `later` ('YYYY-MM'); negative if `later` comes first."""
    (y1, m1), (y0, m0) = (map(int, month.split("-")[:2]) for month in (later, earlier))
    return (y1 - y0) * 12 + (m1 - m0)


def replicate_table(replicates: Sequence[int], months: Sequence[str], attacks: np.ndarray,
                    casualties: np.ndarray, first: np.ndarray, peak_area: np.ndarray, threshold: int
                    ) -> pd.DataFrame:
    """One row per replicate: attacks and casualties by year, their growth between years, the month
    territorial control first appears at a month's end (empty where it never does), and the most fighters
    in one area on any day with whether that reached the threshold."""
    columns: dict[str, object] = {"replicate": np.asarray(replicates, dtype=np.int64)}
    for quantity, values in (("attacks", attacks), ("casualties", casualties)):
        for year in YEARS:
            columns[f"{quantity}_{year}"] = year_totals(values, months, year)
    for quantity in ("attacks", "casualties"):
        for later, earlier in RATIOS:
            columns[f"{quantity}_ratio_{later}_{earlier}"] = ratios(columns[f"{quantity}_{later}"],
                                                                    columns[f"{quantity}_{earlier}"])
    columns["territorial_first_month"] = np.array([months[k] if k >= 0 else "" for k in first], dtype=object)
    columns["peak_area_fighters"] = np.asarray(peak_area, dtype=np.int64)
    columns["territorial_any_day"] = np.asarray(peak_area) >= threshold
    return pd.DataFrame(columns)


def share_reached_by(first: np.ndarray, n_months: int) -> np.ndarray:
    """For each month, the share of replicates whose first month (-1: none) is that month or earlier."""
    first = np.asarray(first)
    return np.array([np.mean((first >= 0) & (first <= k)) for k in range(n_months)])


def fan_table(months: Sequence[str], attacks: np.ndarray, casualties: np.ndarray, first: np.ndarray
              ) -> pd.DataFrame:
    """Per month: the median and the 50% and 90% bands over replicates of attacks and casualties, and the
    share of replicates in which territorial control has appeared by the month's end."""
    columns: dict[str, object] = {"month": list(months)}
    for quantity, values in (("attacks", attacks), ("casualties", casualties)):
        q = np.quantile(np.asarray(values, dtype=float), list(FAN_QUANTILES.values()), axis=0)
        columns.update({f"{quantity}_{name}": q[k] for k, name in enumerate(FAN_QUANTILES)})
    columns["territorial_share"] = share_reached_by(first, len(months))
    return pd.DataFrame(columns)


# ----- the record ----------------------------------------------------------------------------
def record_monthly(record: dict) -> pd.DataFrame:
    """The record's monthly series by month: IBC civilian deaths, UNAMI civilians killed and injured (Anbar
    left out from January 2014, as first released), and car bombs where a month was counted."""
    ibc = record["civilian_deaths_ibc"]["monthly"]["civilian_deaths"]
    unami = record["civilian_casualties_unami"]["monthly"]["civilians"]
    entries = record["car_bombs_iraq"]["entries"]
    bombs = {e["month"]: e["car_bombs"] for e in entries if "month" in e}
    window_rate = {month: e["car_bombs_per_month"] for e in entries if "car_bombs_per_month" in e
                   for month in months_of(e["window"])}
    months = sorted(set(ibc) | set(unami) | set(bombs) | set(window_rate))
    return pd.DataFrame({
        "month": months,
        "ibc_civilian_deaths": [ibc.get(m, np.nan) for m in months],
        "unami_civilian_casualties": [unami[m]["killed"] + unami[m]["injured"] if m in unami else np.nan
                                      for m in months],
        "car_bombs": [bombs.get(m, np.nan) for m in months],
        "car_bombs_window_mean": [window_rate.get(m, np.nan) for m in months],
    })


def months_of(window: dict) -> list[str]:
    """The months ('YYYY-MM') a window of dates touches, first to last."""
    first, last = str(window["start"])[:7], str(window["end"])[:7]
    year, month = map(int, first.split("-"))
    return [f"{year + (month - 1 + k) // 12}-{(month - 1 + k) % 12 + 1:02d}"
            for k in range(months_apart(last, first) + 1)]


def ibc_year(record: dict, year: str) -> float:
    """IBC's civilian deaths in a calendar year, as last revised."""
    entry = next(e for e in record["civilian_deaths_ibc"]["yearly"] if str(e["window"]["start"]).startswith(year))
    return float(entry["civilian_deaths"])


def car_bombs_per_month(record: dict, year: str) -> tuple[float, int]:
    """Car bombs a month over the windows of `year` that give a monthly average, weighted by their months
    (so January-May and June-December 2012 make the year), and the months those windows cover."""
    total = covered = 0
    for entry in record["car_bombs_iraq"]["entries"]:
        window = entry.get("window")
        if "car_bombs_per_month" not in entry or not str(window["start"]).startswith(year):
            continue
        span = len(months_of(window))
        total += entry["car_bombs_per_month"] * span
        covered += span
    return (total / covered if covered else float("nan")), covered


def record_ratios(record: dict) -> list[dict]:
    """The growth between years the record gives, each with the model quantity it is compared with."""
    out = []
    for later, earlier in RATIOS:
        out.append({"years": f"{later}/{earlier}", "series": "ibc_civilian_deaths", "compared_with": "casualties",
                    "observed": round(ibc_year(record, later) / ibc_year(record, earlier), 4),
                    "counts": "civilians killed by every perpetrator (Iraq Body Count, yearly totals as last revised)"})
        (rate_later, months_later), (rate_earlier, months_earlier) = (car_bombs_per_month(record, y)
                                                                      for y in (later, earlier))
        if months_later and months_earlier:
            out.append({"years": f"{later}/{earlier}", "series": "car_bombs", "compared_with": "attacks",
                        "observed": round(rate_later / rate_earlier, 4),
                        "counts": f"car bombs a month (press counts; {months_later} months of {later}, "
                                  f"{months_earlier} of {earlier})"})
    return out


def territorial_checks(record: dict) -> dict[str, str]:
    """The months IS took a city, by place, from the record's checks."""
    return {e["place"]: str(e["date"])[:7] for e in record["territorial_control"] if e["role"] == "check"}


# ----- the summary -----------------------------------------------------------------------------
def growth_comparison(table: pd.DataFrame, record: dict) -> list[dict]:
    """Each of the record's year-on-year ratios beside the model's ratio of the same years (median and 90%
    interval over replicates), and whether the observed ratio lies inside that interval."""
    out = []
    for entry in record_ratios(record):
        later, earlier = entry["years"].split("/")
        model = interval(table[f"{entry['compared_with']}_ratio_{later}_{earlier}"].to_numpy(dtype=float))
        inside = model["low"] is not None and model["low"] <= entry["observed"] <= model["high"]
        out.append({**entry, "model": model, "inside_90": bool(inside)})
    return out


def territorial_summary(table: pd.DataFrame, months: Sequence[str], record: dict, threshold: int) -> dict:
    """When territorial control first appears over the replicates, beside the months Fallujah and Mosul fell."""
    first = np.array([months.index(m) if m else -1 for m in table["territorial_first_month"]], dtype=np.int64)
    checks = territorial_checks(record)
    timing = month_interval(first, months)
    by_check = {place: {"month": month,
                        "share_by_then": float(np.mean((first >= 0) & (first <= months.index(month))))
                        if month in months else None,
                        "median_months_after": None if timing["median"] is None
                        else months_apart(timing["median"], month)}
                for place, month in checks.items()}
    return {"threshold_fighters": int(threshold),
            "signal": "month-end record of the most IS members in one area, at or above the threshold",
            "share_by_end": float(np.mean(first >= 0)), "first_month": timing, "record": by_check,
            "share_any_day_by_end": float(table["territorial_any_day"].mean())}


def summarise(table: pd.DataFrame, months: Sequence[str], record: dict, threshold: int) -> dict:
    """What the retrodiction reports: growth against the record, and the timing of territorial control."""
    return {"growth": growth_comparison(table, record),
            "territorial_control": territorial_summary(table, months, record, threshold)}


def markdown(summary: dict) -> str:
    """The summary as two short markdown tables."""
    lines = ["| years | model quantity | model median (90% interval) | record | record series | inside |",
             "|---|---|---|---|---|---|"]
    for g in summary["growth"]:
        m = g["model"]
        shown = "undefined" if m["median"] is None else f"{m['median']:.2f} ({m['low']:.2f}–{m['high']:.2f})"
        lines.append(f"| {g['years']} | {g['compared_with']} | {shown} | {g['observed']:.2f} | {g['counts']} | "
                     f"{'yes' if g['inside_90'] else 'no'} |")
    t = summary["territorial_control"]
    first = t["first_month"]
    when = "never" if first["median"] is None else f"{first['median']} ({first['low']} to {first['high']})"
    lines += ["", f"| territorial control ({t['threshold_fighters']} fighters in one area at a month's end) | model |",
              "|---|---|",
              f"| share of replicates in which it appears by the end | {t['share_by_end']:.0%} |",
              f"| share in which it is reached on any day (not only at a month's end) | "
              f"{t['share_any_day_by_end']:.0%} |",
              f"| first month, median (90% interval), over the {first['replicates']} replicates where it appears "
              f"| {when} |"]
    for place, check in t["record"].items():
        share = "n/a" if check["share_by_then"] is None else f"{check['share_by_then']:.0%}"
        lines.append(f"| share by {check['month']} ({place} fell) | {share} |")
    return "\n".join(lines) + "\n"
