"""A run's tables written from its saved blocks in replicate order, with memory that does not grow with the run.

While an ensemble runs, each finished block of replicates is saved as it comes
in (sim/runs/checkpoints.py) and dropped from memory. Once every replicate is
saved, the tables are written by reading the blocks back in replicate order,
a chunk of `CHUNK_REPLICATES` replicates at a time: each chunk's rows are
appended to each table's Parquet file (one row group per chunk) and, when
asked, to its CSV file, and a compact digest of the chunk (`Digest`: the
replicates table, each replicate's monthly totals, sums by month and area,
counts by attack type) is kept for the summary and figures. Chunks are cut
by replicate count, never by block, so the files are the same bytes whatever
the number of workers that made the blocks. Files are written under temporary
names and renamed into place once complete.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.analysis import tables
from sim.analysis.digest import Digest
from sim.config.schema import POSTERIOR_MODES, RunConfig
from sim.geography import load_geography
from sim.model import ReplicateOutcome
from sim.runs.replicate import draws_for, uncertain_for

TABLES = ("replicates", "monthly", "monthly_state", "events")
# Replicates whose rows make one chunk: one Parquet row group each, and the most rows held at once.
CHUNK_REPLICATES = 100


def chunk_tables(cfg: RunConfig, outcomes: list[ReplicateOutcome], indices: list[int]) -> dict[str, pd.DataFrame]:
    """The rows of every table for some replicates (pure: the tables of sim/analysis/tables.py)."""
    geo = load_geography()
    events = tables.events_table(outcomes, indices, cfg.start, geo)
    replicates = tables.replicates_table(outcomes, indices, cfg.start, cfg.end)
    if cfg.parameters in POSTERIOR_MODES:
        replicates.insert(1, "posterior_draw", draws_for(cfg, indices))
    if cfg.parameters == "uncertain":
        drawn = pd.DataFrame(uncertain_for(cfg, indices), index=replicates.index)
        replicates = pd.concat([replicates, drawn], axis=1)
    return {
        "replicates": replicates,
        "monthly": tables.monthly_table(outcomes, indices, cfg.start, geo),
        "monthly_state": tables.monthly_state_table(outcomes, indices),
        "events": events,
    }


def chunks(blocks: Iterable[list[tuple[int, ReplicateOutcome]]], size: int = CHUNK_REPLICATES
           ) -> Iterator[list[tuple[int, ReplicateOutcome]]]:
    """Blocks of (index, outcome) in replicate order, re-cut into chunks of `size` replicates."""
    pending: list[tuple[int, ReplicateOutcome]] = []
    for block in blocks:
        pending.extend(block)
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


class TableFiles:
    """The run's table files, written chunk by chunk under temporary names and renamed when closed."""

    def __init__(self, run_dir: Path, csv: bool):
        self.run_dir, self.csv = Path(run_dir), csv
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._csv: dict[str, io.TextIOWrapper] = {}
        self._tmp: dict[str, Path] = {}

    def _temporary(self, name: str) -> Path:
        path = self.run_dir / f".{name}.tmp-{os.getpid()}"
        self._tmp[name] = path
        return path

    def append(self, name: str, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if name not in self._parquet:
            self._parquet[name] = pq.ParquetWriter(self._temporary(f"{name}.parquet"), table.schema)
        self._parquet[name].write_table(table)
        if self.csv:
            first = name not in self._csv
            if first:
                self._csv[name] = open(self._temporary(f"{name}.csv"), "w", encoding="utf-8",  # noqa: SIM115
                                       newline="")    # kept open across chunks; closed by close() or discard()
            frame.to_csv(self._csv[name], index=False, header=first, lineterminator="\n")

    def close(self) -> list[str]:
        """Finish every file, flush it to disk and rename it into place; returns their names."""
        for writer in self._parquet.values():
            writer.close()
        for handle in self._csv.values():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        for final, tmp in self._tmp.items():
            os.replace(tmp, self.run_dir / final)
        return sorted(self._tmp)

    def discard(self) -> None:
        """Remove what was written (after an error or an interruption)."""
        for writer in self._parquet.values():
            writer.close()
        for handle in self._csv.values():
            handle.close()
        for tmp in self._tmp.values():
            tmp.unlink(missing_ok=True)


def write_tables(run_dir: Path, cfg: RunConfig, blocks: Iterable[list[tuple[int, ReplicateOutcome]]],
                 csv: bool = True) -> tuple[list[str], Digest]:
    """Every table of the run from its blocks (in replicate order), and the digest of all its replicates."""
    files, digest = TableFiles(run_dir, csv), Digest()
    try:
        for chunk in chunks(blocks):
            indices, outcomes = [i for i, _ in chunk], [o for _, o in chunk]
            rows = chunk_tables(cfg, outcomes, indices)
            for name in TABLES:
                files.append(name, rows[name])
            digest.add(rows)
        return files.close(), digest
    except BaseException:
        files.discard()
        raise
