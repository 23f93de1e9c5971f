"""A sweep's results as one Parquet dataset, partitioned by sweep point.

    replicates/point=0000/part-0.parquet   one row per replicate of point 0
    monthly/point=0000/part-0.parquet      replicate x month attacks and casualties

`pandas.read_parquet(dir / "replicates")`, polars and DuckDB read each folder
as one table with `point` as a column. A point's partition is written, to a
temporary name and renamed, only once all its replicates are done, so a
partition that exists is complete.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.analysis import tables
from sim.files import atomic_write_bytes
from sim.geography import load_geography
from sim.model import ReplicateOutcome
from sim.sweeps.spec import SweepPoint, Window

DATASETS = ("replicates", "monthly")
PART = "part-0.parquet"


def partition(root: Path, dataset: str, point: int) -> Path:
    """The file of one point's partition of a dataset."""
    return root / dataset / f"point={point:04d}" / PART


def point_done(root: Path, point: int) -> bool:
    """Whether a point is finished: every dataset's partition is written (they are written only whole)."""
    return all(partition(root, d, point).exists() for d in DATASETS)


def point_tables(point: SweepPoint, outcomes: list[ReplicateOutcome], window: Window,
                 reference_rate: float) -> dict[str, pd.DataFrame]:
    """The replicate and monthly rows of one finished point, with its axis values as columns."""
    cfg = point.config
    indices = list(range(len(outcomes)))
    geo = load_geography()
    events = tables.events_table(outcomes, indices, cfg.start, geo)
    reps = tables.replicates_table(outcomes, indices, cfg.start, cfg.end)
    inside = tables.window_counts(events, indices, window.start, window.end)
    months = tables.horizon_months(window.start, window.end)
    reps["window_attacks_per_month"] = inside["attacks"].to_numpy() / months
    reps["window_casualties_per_month"] = inside["casualties"].to_numpy() / months
    reps["exceeds_2024_rate"] = reps["window_attacks_per_month"] > reference_rate
    monthly = (tables.monthly_table(outcomes, indices, cfg.start, geo)
               .groupby(["replicate", "month"], sort=True)[["attacks", "killed", "wounded"]].sum().reset_index())
    out = {}
    for name, frame in (("replicates", reps), ("monthly", monthly)):
        axis_columns = pd.DataFrame({k.split(".")[-1]: [v] * len(frame) for k, v in point.values.items()})
        out[name] = pd.concat([axis_columns, frame.reset_index(drop=True)], axis=1)
    return out


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet bytes that depend only on the frame's content (same library version, same bytes)."""
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue().to_pybytes()


def write_point(root: Path, point: int, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """Write a finished point's partitions, each atomically, and return their paths."""
    written = []
    for name in DATASETS:
        path = partition(root, name, point)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, parquet_bytes(frames[name]))
        written.append(path)
    return written


def read_dataset(root: Path, dataset: str = "replicates") -> pd.DataFrame:
    """One dataset of a sweep as a data frame, sorted by point and replicate."""
    frame = pd.read_parquet(root / dataset)
    frame["point"] = frame["point"].astype("int64")
    keys = ["point", "replicate"] + (["month"] if "month" in frame else [])
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)
