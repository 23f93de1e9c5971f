"""From replicate outcomes to the tables of a run: pure functions, no I/O.

Tables:
- replicates: one row per replicate (attacks, casualties, rates, fighters at the end, running totals);
- events: every attack (replicate, date, area, cell, type, killed, wounded, directed);
- monthly: replicate x month x Iraqi area, attacks, killed, wounded (zeros included);
- monthly_state: replicate x month, the end-of-month state (fighters, cells, Syria, detention, IS's
  effort split) and the month's flows (attacks in Syria, removals, crossings).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.model.attacks import ATTACK_TYPES
from sim.model.geography import Geography
from sim.model.model import MONTHLY_OUTPUTS, ReplicateOutcome


def horizon_months(start: str, end: str) -> float:
    """Length of the horizon in months (days / mean month length)."""
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    return days / (365.25 / 12)


def events_table(outcomes: list[ReplicateOutcome], indices: list[int], start: str,
                 geo: Geography) -> pd.DataFrame:
    """Every attack of every replicate, in replicate then time order."""
    parts = []
    base = np.datetime64(start)
    for i, out in zip(indices, outcomes, strict=True):
        a = out.attacks
        parts.append(pd.DataFrame({
            "replicate": np.full(a["day"].size, i, dtype=np.int64),
            "date": (base + a["day"].astype("timedelta64[D]")).astype(str),
            "area": np.asarray(geo.area_ids, dtype=object)[a["area"]],
            "cell": a["cell"],
            "type": np.asarray(ATTACK_TYPES, dtype=object)[a["type"]],
            "killed": a["killed"],
            "wounded": a["wounded"],
            "directed": a["directed"].astype(bool),
        }))
    if not parts:
        return pd.DataFrame(columns=["replicate", "date", "area", "cell", "type", "killed", "wounded", "directed"])
    return pd.concat(parts, ignore_index=True)


def monthly_table(events: pd.DataFrame, indices: list[int], months: list[str], geo: Geography) -> pd.DataFrame:
    """Attacks, killed and wounded per replicate, month and Iraqi area; months without attacks are zeros."""
    iraq_areas = [a for a, inside in zip(geo.area_ids, geo.in_iraq, strict=True) if inside]
    grid = pd.MultiIndex.from_product([indices, months, iraq_areas], names=["replicate", "month", "area"])
    if events.empty:
        counts = pd.DataFrame(0, index=grid, columns=["attacks", "killed", "wounded"])
    else:
        ev = events.assign(month=events["date"].str.slice(0, 7), attacks=1)
        counts = (ev.groupby(["replicate", "month", "area"])[["attacks", "killed", "wounded"]].sum()
                  .reindex(grid, fill_value=0))
    return counts.reset_index().astype({"attacks": np.int64, "killed": np.int64, "wounded": np.int64})


def monthly_state_table(outcomes: list[ReplicateOutcome], indices: list[int]) -> pd.DataFrame:
    """End-of-month state of each replicate: fighters, cells, the Syrian reservoir, leaders."""
    parts = []
    for i, out in zip(indices, outcomes, strict=True):
        frame = pd.DataFrame({name: out.monthly_state[name] for name in MONTHLY_OUTPUTS})
        frame.insert(0, "month", out.month_starts)
        frame.insert(0, "replicate", i)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def replicates_table(outcomes: list[ReplicateOutcome], indices: list[int], start: str, end: str) -> pd.DataFrame:
    """One row per replicate with its totals, monthly rates, end state and running totals."""
    months = horizon_months(start, end)
    rows = []
    for i, out in zip(indices, outcomes, strict=True):
        a = out.attacks
        killed, wounded = int(a["killed"].sum()), int(a["wounded"].sum())
        rows.append({
            "replicate": i,
            "attacks": int(a["day"].size),
            "killed": killed,
            "wounded": wounded,
            "casualties": killed + wounded,
            "attacks_per_month": a["day"].size / months,
            "casualties_per_month": (killed + wounded) / months,
            "directed_share": float(a["directed"].mean()) if a["day"].size else 0.0,
            **{k: (bool(v) if k == "territorial" else v) for k, v in out.counters.items()},
        })
    return pd.DataFrame(rows)


def window_counts(events: pd.DataFrame, indices: list[int], start: str, end: str) -> pd.DataFrame:
    """Attacks and casualties per replicate within [start, end] (dates as YYYY-MM-DD).

    The bounds are read as dates and written back in the one form the event dates have, so that
    comparing the text compares the dates."""
    start, end = (dt.date.fromisoformat(str(d)).isoformat() for d in (start, end))
    inside = events[(events["date"] >= start) & (events["date"] <= end)]
    grouped = inside.groupby("replicate").agg(attacks=("killed", "size"), killed=("killed", "sum"),
                                              wounded=("wounded", "sum"))
    grouped = grouped.reindex(indices, fill_value=0)
    grouped["casualties"] = grouped["killed"] + grouped["wounded"]
    return grouped.rename_axis("replicate").reset_index()
