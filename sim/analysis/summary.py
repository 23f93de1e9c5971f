"""Distributions over replicates: the numbers in summary.json. Pure functions of tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.analysis.tables import horizon_months, window_counts
from sim.analysis.targets import attack_targets, reference_rate_2024

QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.50, "q75": 0.75, "q95": 0.95}
# The 'exceeds the 2024 rate' question is asked of the last twelve months of the horizon.
EXCEEDANCE_WINDOW_MONTHS = 12


def distribution(values) -> dict[str, float]:
    """Mean, sample standard deviation and quantiles of one quantity over replicates."""
    x = np.asarray(values, dtype=float)
    out = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)) if x.size > 1 else 0.0}
    out.update({name: float(np.quantile(x, q)) for name, q in QUANTILES.items()})
    return out


def by_area(monthly: pd.DataFrame, n_replicates: int, months: float) -> dict[str, dict[str, float]]:
    """Mean attacks and casualties per month in each Iraqi area, and its share of all attacks."""
    totals = monthly.groupby("area", sort=True)[["attacks", "killed", "wounded"]].sum()
    all_attacks = max(int(totals["attacks"].sum()), 1)
    per = n_replicates * months
    return {
        area: {
            "attacks_per_month": float(row.attacks / per),
            "casualties_per_month": float((row.killed + row.wounded) / per),
            "share_of_attacks": float(row.attacks / all_attacks),
        }
        for area, row in totals.iterrows()
    }


def by_year(monthly: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """Attacks and casualties per month within each calendar year of the horizon."""
    per_month = monthly.groupby(["replicate", "month"])[["attacks", "killed", "wounded"]].sum().reset_index()
    per_month["year"] = per_month["month"].str.slice(0, 4)
    per_month["casualties"] = per_month["killed"] + per_month["wounded"]
    yearly = per_month.groupby(["year", "replicate"])[["attacks", "casualties"]].mean()
    return {
        year: {"attacks_per_month": distribution(group["attacks"]),
               "casualties_per_month": distribution(group["casualties"])}
        for year, group in yearly.groupby(level="year")
    }


def exceedance_2024(monthly: pd.DataFrame) -> dict[str, float | str]:
    """Share of replicates whose attack rate over the horizon's last year exceeds the 2024 record."""
    months = sorted(monthly["month"].unique())
    window = months[-EXCEEDANCE_WINDOW_MONTHS:]
    recent = monthly[monthly["month"].isin(window)]
    rate = recent.groupby("replicate")["attacks"].sum() / len(window)
    reference = reference_rate_2024()
    return {"window_start": window[0], "window_end": window[-1], "reference_attacks_per_month": reference,
            "probability": float((rate > reference).mean())}


def target_checks(events: pd.DataFrame, indices: list[int], start: str, end: str) -> list[dict]:
    """Observed against simulated for each target window that the horizon covers."""
    checks = []
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    for target in attack_targets(roles=("target", "check")):
        if not (first <= dt.date.fromisoformat(target.start) and dt.date.fromisoformat(target.end) <= last):
            continue
        counts = window_counts(events, indices, target.start, target.end)
        for name, observed in (("attacks", target.attacks), ("casualties", target.casualties)):
            if observed is None:
                continue
            d = distribution(counts[name])
            checks.append({"quantity": f"claimed {name}, Iraq, {target.start} to {target.end}",
                           "observed": observed, "counter": target.counter, "role": target.role, "simulated": d,
                           "inside_90_interval": bool(d["q05"] <= observed <= d["q95"]),
                           "source": target.source})
    return checks


def summarise(scenario: str, description: str, seed: int, start: str, end: str,
              replicates: pd.DataFrame, monthly: pd.DataFrame, events: pd.DataFrame) -> dict:
    """Everything summary.json holds: distributions over replicates of the headline numbers."""
    months = horizon_months(start, end)
    indices = replicates["replicate"].tolist()
    return {
        "scenario": scenario,
        "description": description,
        "seed": seed,
        "replicates": len(indices),
        "start": start,
        "end": end,
        "months": months,
        "attacks_per_month": distribution(replicates["attacks_per_month"]),
        "casualties_per_month": distribution(replicates["casualties_per_month"]),
        "fighters_end": distribution(replicates["fighters_end"]),
        "directed_share_of_attacks": float(events["directed"].mean()) if len(events) else 0.0,
        "territorial_control_probability": float(replicates["territorial"].mean()),
        "exceeds_2024_rate": exceedance_2024(monthly),
        "by_year": by_year(monthly),
        "by_area": by_area(monthly, len(indices), months),
        "by_type": {k: float(v) for k, v in events["type"].value_counts(normalize=True).sort_index().items()},
        "targets": target_checks(events, indices, start, end),
    }

