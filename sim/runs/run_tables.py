"""Complete runs read back for comparison: each run's record, label and tables, checked against its manifest.

`sim compare` and `sim report` read many runs at once; each table they read is
first found equal, by its sha256, to what the run's manifest lists, so a
damaged or edited file is refused by name, never compared. The monthly table
is reduced as it is read (sim/runs/record.py), so memory follows the
replicates' count, not the table's rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis.run_name import label_from_summary
from sim.config.errors import ConfigError
from sim.config.schema import RunConfig
from sim.files import sha256_file
from sim.runs import record


@dataclass
class RunTables:
    """A complete run as a comparison reads it: its record, label and hash-checked tables."""

    label: str
    record: record.RunRecord
    replicates: pd.DataFrame
    monthly: pd.DataFrame        # attacks, killed and wounded per replicate and month
    area_months: pd.DataFrame    # the same per month and area, summed over replicates
    summary: dict

    @property
    def name(self) -> str:
        """The run's name: its scenario plus every override."""
        return label_from_summary(self.summary).name

    @property
    def config(self) -> RunConfig:
        """The config the run was made with."""
        return self.record.config


def load_run_tables(run_dir: str | Path, label: str = "") -> RunTables:
    """A complete run's replicates and monthly tables and summary, checked against the manifest's hashes."""
    rec = record.load_run(run_dir)
    # Both forms of a table (Parquet and CSV) are checked where the run wrote both: a damaged copy is a damaged record.
    read = {record.table_file(rec.path, "replicates").name, record.table_file(rec.path, "monthly").name, "summary.json"}
    for name in read | {n for n in rec.manifest["files"] if n.split(".")[0] in ("replicates", "monthly")}:
        checked_file(rec, name)
    summary = json.loads((rec.path / "summary.json").read_text(encoding="utf-8"))
    monthly, area_months = record.read_monthly(rec.path)
    return RunTables(label or rec.path.name, rec, record.read_table(rec.path, "replicates"), monthly, area_months,
                     summary)


def load_runs(paths: list[Path]) -> list[RunTables]:
    """Several runs, each labelled by its folder (`run_labels`)."""
    return [load_run_tables(p, label) for label, p in zip(run_labels(paths), paths, strict=True)]


def checked_file(rec: record.RunRecord, name: str) -> Path:
    """The path of a file of the run, once its sha256 is found equal to the manifest's."""
    expected = rec.manifest["files"].get(name)
    path = rec.path / name
    if expected is None or not path.exists() or sha256_file(path) != expected:
        raise ConfigError(f"'{path}' is missing or differs from the run's manifest; the run cannot be "
                          "compared until it is reproduced (`sim reproduce`).")
    return path


def run_labels(paths: list[Path]) -> list[str]:
    """Short unique labels: the scenario folder and run folder names."""
    labels = [f"{p.resolve().parent.name}/{p.resolve().name}" for p in paths]
    return [f"{label} ({k})" if labels.count(label) > 1 else label for k, label in enumerate(labels)]


def configs_of(runs: list[RunTables]) -> dict[str, RunConfig]:
    """Each run's config by its label: what a common window and the pairing of runs are decided from."""
    return {r.label: r.config for r in runs}
