"""What the summary and the figures need of an ensemble, gathered chunk by chunk in a few numbers a replicate.

An ensemble's full tables can be far larger than memory (100,000 replicates make
140 million rows of attacks by replicate, month and area). The summary and the
figures need much less: the replicates table (one row each), each replicate's
attacks, killed and wounded per month (every area together), the same summed
over replicates by month and area, and the counts of attacks by type and of
those the centre directed. A `Digest` is built from the tables of sim/analysis/
tables.py one chunk of replicates at a time; the digest of a whole ensemble is
the same however it was cut into chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model.attacks import ATTACK_TYPES

COUNTS = ["attacks", "killed", "wounded"]


@dataclass
class Digest:
    """An ensemble's replicates table, monthly totals per replicate, totals by month and area, and attack counts."""

    replicate_rows: list[pd.DataFrame] = field(default_factory=list)
    monthly_rows: list[pd.DataFrame] = field(default_factory=list)
    by_month_and_area: pd.DataFrame | None = None
    type_counts: np.ndarray = field(default_factory=lambda: np.zeros(len(ATTACK_TYPES), np.int64))
    directed: int = 0

    def add(self, tables: dict[str, pd.DataFrame]) -> None:
        """Take in one chunk's replicates, monthly and events tables."""
        self.replicate_rows.append(tables["replicates"])
        monthly = tables["monthly"]
        self.monthly_rows.append(monthly_totals(monthly))
        area = monthly.groupby(["month", "area"], sort=True)[COUNTS].sum()
        self.by_month_and_area = area if self.by_month_and_area is None else self.by_month_and_area.add(area)
        events = tables["events"]
        codes = events["type"].map({name: k for k, name in enumerate(ATTACK_TYPES)}).to_numpy(dtype=np.int64)
        self.type_counts += np.bincount(codes, minlength=len(ATTACK_TYPES))
        self.directed += int(events["directed"].sum())

    @property
    def replicates(self) -> pd.DataFrame:
        """One row per replicate (the replicates table)."""
        return pd.concat(self.replicate_rows, ignore_index=True)

    @property
    def monthly(self) -> pd.DataFrame:
        """Attacks, killed and wounded per replicate and month, every area together."""
        return pd.concat(self.monthly_rows, ignore_index=True)

    @property
    def area_months(self) -> pd.DataFrame:
        """Attacks, killed and wounded per month and Iraqi area, summed over replicates."""
        return self.by_month_and_area.reset_index()

    @property
    def attacks(self) -> int:
        """Attacks in every replicate together."""
        return int(self.type_counts.sum())

    def type_shares(self) -> dict[str, float]:
        """Each attack type's share of all attacks (types that occurred, in name order)."""
        total = max(self.attacks, 1)
        counts = dict(zip(ATTACK_TYPES, self.type_counts.tolist(), strict=True))
        return {name: counts[name] / total for name in sorted(counts) if counts[name]}


def monthly_totals(monthly: pd.DataFrame) -> pd.DataFrame:
    """A monthly table by replicate, month and area summed over the areas (small integer columns)."""
    totals = monthly.groupby(["replicate", "month"], sort=True)[COUNTS].sum().reset_index()
    return totals.astype(dict.fromkeys(COUNTS, np.int32))


def digest_of(tables: dict[str, pd.DataFrame]) -> Digest:
    """The digest of tables held whole."""
    digest = Digest()
    digest.add(tables)
    return digest
