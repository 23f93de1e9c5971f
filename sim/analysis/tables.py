"""From replicate outcomes to the tables of a run: pure functions, no I/O.

Tables:
- replicates: one row per replicate (attacks, casualties, rates, fighters at the end, running totals);
- events: every attack (replicate, date, area, cell, type, killed, wounded, directed);
- monthly: replicate x month x Iraqi area, attacks, killed, wounded (zeros included);
- monthly_state: replicate x month, the end-of-month state (fighters, cells, Syria, detention, IS's
  effort split) and the month's flows (attacks in Syria, removals, crossings).

Each table of many replicates is built at once from the replicates' arrays laid end to end, so its cost
is a few array operations whatever the number of replicates.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.geography import Geography
from sim.model.attacks import ATTACK_TYPES, LOG_FIELDS
from sim.model.model import MONTHLY_OUTPUTS, ReplicateOutcome

EVENT_COLUMNS = ["replicate", "date", "area", "cell", "type", "killed", "wounded", "directed"]


def horizon_months(start: str, end: str) -> float:
    """Length of the horizon in months (days / mean month length)."""
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    return days / (365.25 / 12)


def _attack_columns(outcomes: list[ReplicateOutcome], indices: list[int]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every replicate's attack log laid end to end, and the replicate of each attack."""
    columns = {name: np.concatenate([o.attacks[name] for o in outcomes]) if outcomes else np.zeros(0, np.int64)
               for name in LOG_FIELDS}
    counts = [o.attacks["day"].size for o in outcomes]
    return columns, np.repeat(np.asarray(indices, dtype=np.int64), counts)


def _day_labels(start: str, days: int) -> np.ndarray:
    """YYYY-MM-DD of each day index from `start` (object strings, so a column takes them without formatting)."""
    return (np.datetime64(start) + np.arange(days).astype("timedelta64[D]")).astype(str).astype(object)


def events_table(outcomes: list[ReplicateOutcome], indices: list[int], start: str,
                 geo: Geography) -> pd.DataFrame:
    """Every attack of every replicate, in replicate then time order."""
    a, replicate = _attack_columns(outcomes, indices)
    days = int(a["day"].max()) + 1 if a["day"].size else 0
    return pd.DataFrame({
        "replicate": replicate,
        "date": _day_labels(start, days)[a["day"]],
        "area": np.asarray(geo.area_ids, dtype=object)[a["area"]],
        "cell": a["cell"],
        "type": np.asarray(ATTACK_TYPES, dtype=object)[a["type"]],
        "killed": a["killed"],
        "wounded": a["wounded"],
        "directed": a["directed"].astype(bool),
    }, columns=EVENT_COLUMNS)


def monthly_table(outcomes: list[ReplicateOutcome], indices: list[int], start: str, geo: Geography) -> pd.DataFrame:
    """Attacks, killed and wounded per replicate, month and Iraqi area; months without attacks are zeros."""
    months = outcomes[0].month_starts
    iraq = np.flatnonzero(geo.in_iraq)
    column = np.full(geo.n_areas, -1, dtype=np.int64)
    column[iraq] = np.arange(iraq.size)
    a, _ = _attack_columns(outcomes, indices)
    position = np.repeat(np.arange(len(outcomes)), [o.attacks["day"].size for o in outcomes])
    month_of_day = (np.datetime64(start) + np.arange(int(a["day"].max()) + 1 if a["day"].size else 0)
                    .astype("timedelta64[D]")).astype("datetime64[M]")
    month = (month_of_day - np.datetime64(months[0], "M")).astype(np.int64)[a["day"]]
    grid = np.zeros((len(outcomes), len(months), iraq.size, 3), dtype=np.int64)
    inside = column[a["area"]] >= 0
    where = (position[inside], month[inside], column[a["area"]][inside])
    for k, name in enumerate(("attacks", "killed", "wounded")):
        np.add.at(grid[..., k], where, 1 if name == "attacks" else a[name][inside])
    n_rows = grid.shape[0] * grid.shape[1] * grid.shape[2]
    return pd.DataFrame({
        "replicate": np.repeat(np.asarray(indices, dtype=np.int64), len(months) * iraq.size),
        "month": np.tile(np.repeat(np.asarray(months, dtype=object), iraq.size), len(outcomes)),
        "area": np.tile(np.asarray(geo.area_ids, dtype=object)[iraq], len(outcomes) * len(months)),
        "attacks": grid[..., 0].reshape(n_rows),
        "killed": grid[..., 1].reshape(n_rows),
        "wounded": grid[..., 2].reshape(n_rows),
    })


def monthly_state_table(outcomes: list[ReplicateOutcome], indices: list[int]) -> pd.DataFrame:
    """End-of-month state of each replicate: fighters, cells, the Syrian reservoir, leaders."""
    months = outcomes[0].month_starts
    columns = {"replicate": np.repeat(np.asarray(indices, dtype=np.int64), len(months)),
               "month": np.tile(np.asarray(months, dtype=object), len(outcomes))}
    columns.update({name: np.concatenate([o.monthly_state[name] for o in outcomes]) for name in MONTHLY_OUTPUTS})
    return pd.DataFrame(columns)


def replicates_table(outcomes: list[ReplicateOutcome], indices: list[int], start: str, end: str) -> pd.DataFrame:
    """One row per replicate with its totals, monthly rates, end state and running totals."""
    months = horizon_months(start, end)
    attacks = np.array([o.attacks["day"].size for o in outcomes], dtype=np.int64)
    killed = np.array([int(o.attacks["killed"].sum()) for o in outcomes], dtype=np.int64)
    wounded = np.array([int(o.attacks["wounded"].sum()) for o in outcomes], dtype=np.int64)
    directed = np.array([float(o.attacks["directed"].mean()) if o.attacks["day"].size else 0.0 for o in outcomes])
    columns = {"replicate": np.asarray(indices, dtype=np.int64), "attacks": attacks, "killed": killed,
               "wounded": wounded, "casualties": killed + wounded, "attacks_per_month": attacks / months,
               "casualties_per_month": (killed + wounded) / months, "directed_share": directed}
    for name in outcomes[0].counters:
        values = [o.counters[name] for o in outcomes]
        columns[name] = np.array(values, dtype=bool) if name == "territorial" else np.array(values, dtype=np.int64)
    return pd.DataFrame(columns)


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


def markdown_table(table: pd.DataFrame) -> str:
    """A pipe table (the docs are plain Markdown); floats to three significant figures."""
    def cell(v) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)
