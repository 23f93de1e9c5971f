"""Distributions over replicates: the numbers in summary.json. Pure functions of tables.

Each number says its window. The headline is the forecast (sim/analysis/windows.py), with each
calendar year of it beside; the observed years are compared with the record apart, and the
whole run's figures are kept under their own name.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.analysis.digest import Digest
from sim.analysis.run_name import RunLabel
from sim.analysis.targets import attack_targets, reference_rate_2024
from sim.analysis.windows import NamedWindow, Window, calendar_years, headline_window, window_rates, window_totals

QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.50, "q75": 0.75, "q95": 0.95}


def distribution(values) -> dict[str, float]:
    """Mean, sample standard deviation and quantiles of one quantity over replicates."""
    x = np.asarray(values, dtype=float)
    out = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)) if x.size > 1 else 0.0}
    out.update({name: float(np.quantile(x, q)) for name, q in QUANTILES.items()})
    return out


def percentile_of(observed: float, simulated: np.ndarray) -> float:
    """Where the observed value falls in the simulated distribution (mid-rank, 0-100): ties count half, so
    that a value the model always gives sits at 50, not at 0 or 100."""
    return float(100 * ((simulated < observed).mean() + 0.5 * (simulated == observed).mean()))


def window_summary(monthly: pd.DataFrame, named: NamedWindow) -> dict:
    """Attacks and casualties per month in one window, over replicates, and the share of replicates
    above the 2024 record's attack rate there."""
    rates = window_rates(monthly, named.window)
    return {"name": named.name, **named.window.as_dict(),
            "attacks_per_month": distribution(rates["attacks_per_month"]),
            "casualties_per_month": distribution(rates["casualties_per_month"]),
            "p_exceeds_2024_rate": float((rates["attacks_per_month"] > reference_rate_2024()).mean())}


def by_area(area_months: pd.DataFrame, window: Window, replicates: int) -> dict[str, dict[str, float]]:
    """Mean attacks and casualties per month in each Iraqi area within `window`, and its share of the
    attacks there, from attacks, killed and wounded by month and area summed over `replicates` replicates."""
    months = area_months["month"].astype(str)
    inside = area_months[(months >= window.start[:7]) & (months <= window.end[:7])]
    totals = inside.groupby("area", sort=True)[["attacks", "killed", "wounded"]].sum()
    all_attacks = max(int(totals["attacks"].sum()), 1)
    per = replicates * window.months
    return {
        area: {
            "attacks_per_month": float(row.attacks / per),
            "casualties_per_month": float((row.killed + row.wounded) / per),
            "share_of_attacks": float(row.attacks / all_attacks),
        }
        for area, row in totals.iterrows()
    }


def by_year(monthly: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """Attacks and casualties per month within each calendar year of the run (the months it holds)."""
    per_month = monthly.groupby(["replicate", "month"])[["attacks", "killed", "wounded"]].sum().reset_index()
    per_month["year"] = per_month["month"].str.slice(0, 4)
    per_month["casualties"] = per_month["killed"] + per_month["wounded"]
    yearly = per_month.groupby(["year", "replicate"])[["attacks", "casualties"]].mean()
    return {
        year: {"attacks_per_month": distribution(group["attacks"]),
               "casualties_per_month": distribution(group["casualties"])}
        for year, group in yearly.groupby(level="year")
    }


def target_checks(monthly: pd.DataFrame, start: str, end: str) -> list[dict]:
    """Observed against simulated for each window of the record (fitted or checked) that the run covers."""
    checks = []
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    for target in attack_targets(roles=("target", "check")):
        if not (first <= dt.date.fromisoformat(target.start) and dt.date.fromisoformat(target.end) <= last):
            continue
        counts = window_totals(monthly, Window(target.start, target.end))
        for name, observed in (("attacks", target.attacks), ("casualties", target.casualties)):
            if observed is None:
                continue
            d = distribution(counts[name])
            checks.append({"quantity": f"claimed {name}, Iraq, {target.start} to {target.end}",
                           "observed": observed, "counter": target.counter, "role": target.role, "simulated": d,
                           "inside_90_interval": bool(d["q05"] <= observed <= d["q95"]),
                           "source": target.source})
    return checks


def fit_check(label: RunLabel, checks: list[dict]) -> dict:
    """Whether the run's overrides change the fitted years, and which record windows then fall outside
    the run's 90% range. The warning is empty when no override reaches back before the branch date."""
    moved_by = [o.setting for o in label.overrides if o.moves_fit]
    outside = [c for c in checks if not c["inside_90_interval"]]
    warning = ""
    if moved_by and outside:
        misses = "; ".join(f"{c['quantity']}: observed {c['observed']}, simulated 90% range "
                           f"{c['simulated']['q05']:.0f}-{c['simulated']['q95']:.0f}" for c in outside)
        warning = (f"{', '.join(moved_by)} changes the observed years the model was fitted to, and the run no "
                   f"longer reproduces the record there ({misses}). Read its forecast as a what-if, not as a "
                   "forecast fitted to the record.")
    return {"moved_by": moved_by, "outside_90_interval": [c["quantity"] for c in outside], "warning": warning}


def summarise(label: RunLabel, seed: int, start: str, end: str, branch_date: str, digest: Digest) -> dict:
    """Everything summary.json holds: distributions over replicates, each under the window it covers."""
    headline = headline_window(start, end, branch_date)
    replicates, monthly = digest.replicates, digest.monthly
    checks = target_checks(monthly, start, end)
    return {
        **label.as_dict(),
        "seed": seed,
        "replicates": len(replicates),
        "start": start,
        "end": end,
        "branch_date": branch_date,
        "headline": {**window_summary(monthly, headline),
                     "by_area": by_area(digest.area_months, headline.window, len(replicates))},
        "headline_by_year": [window_summary(monthly, year) for year in calendar_years(headline.window)],
        "whole_run": {
            **window_summary(monthly, NamedWindow("whole run", Window(start, end))),
            "fighters_end": distribution(replicates["fighters_end"]),
            "directed_share_of_attacks": digest.directed / digest.attacks if digest.attacks else 0.0,
            "territorial_control_probability": float(replicates["territorial"].mean()),
            "by_type": digest.type_shares(),
        },
        "by_year": by_year(monthly),
        "targets": checks,
        "fit": fit_check(label, checks),
    }
