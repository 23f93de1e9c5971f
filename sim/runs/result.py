"""An ensemble's result: its tables, summary and figures, held in memory or written as a run record.

`EnsembleResult` is what `sim.api.run` returns and what the explorer holds;
`write_run` fills a started run folder from the blocks of replicates an
ensemble saved, and `run_into` runs an ensemble straight into a folder with
memory that does not grow with the replicates. Both write the same files:
the tables (sim/runs/spool.py), summary.json and the figures (sim/analysis/),
and the manifest last (sim/runs/record.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from sim.analysis.digest import Digest, digest_of
from sim.analysis.run_figures import run_figures
from sim.analysis.run_name import RunLabel, run_label
from sim.analysis.summary import summarise
from sim.config.errors import ConfigError
from sim.config.load import checked_config
from sim.config.schema import RunConfig
from sim.files import atomic_write_bytes, atomic_write_text, figure_png
from sim.model import ReplicateOutcome
from sim.runs import record
from sim.runs.checkpoints import Checkpoints
from sim.runs.ensemble import run_ensemble
from sim.runs.spool import chunk_tables, write_tables


@dataclass
class EnsembleResult:
    """An ensemble's outcomes with its tables, built on first use."""

    config: RunConfig
    outcomes: list[ReplicateOutcome] = field(repr=False)

    @cached_property
    def indices(self) -> list[int]:
        """The replicate numbers."""
        return list(range(len(self.outcomes)))

    @cached_property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the run (sim/runs/spool.py: the rows a run folder's files hold)."""
        return chunk_tables(self.config, self.outcomes, self.indices)

    @property
    def events(self) -> pd.DataFrame:
        """One row per attack of every replicate."""
        return self.tables["events"]

    @property
    def monthly(self) -> pd.DataFrame:
        """Attacks and casualties per replicate, month and area."""
        return self.tables["monthly"]

    @property
    def monthly_state(self) -> pd.DataFrame:
        """The state at each month's end, per replicate."""
        return self.tables["monthly_state"]

    @property
    def replicates(self) -> pd.DataFrame:
        """One row per replicate: totals, rates and the end state."""
        return self.tables["replicates"]

    @cached_property
    def digest(self) -> Digest:
        """What the summary and figures read (sim/analysis/digest.py)."""
        return digest_of(self.tables)

    @cached_property
    def label(self) -> RunLabel:
        """The run's name (its scenario plus every override) and what the overrides change."""
        return run_label(self.config)

    @cached_property
    def summary(self) -> dict:
        """What summary.json holds: distributions over replicates, each under the window it covers."""
        return run_summary(self.config, self.digest, self.label)

    def figures(self) -> dict:
        """Every figure of the run by its file name."""
        return run_figures(self.config, self.digest.monthly, self.digest.area_months, self.summary)

    def save(self, run_dir: str | Path) -> Path:
        """Write a new run directory: config first, then tables, summary, plots, and the manifest last.

        The folder must be new (or empty), or hold an unfinished run of the same fingerprint; it is
        locked while it is written, so another process saving there is refused, not mixed in.
        """
        checked_config(self.config)
        self._check_whole()
        path = Path(run_dir)
        with record.claimed_run_dir(path, self.config):
            if not record.is_incomplete(path):
                atomic_write_text(path / record.CONFIG, record.config_yaml(self.config))
            self.complete(path)
            if (path / record.PARTIAL).exists():          # checkpoints of an interrupted run finished here
                Checkpoints(path / record.PARTIAL, {}).remove()
        return path

    def _check_whole(self) -> None:
        """Only a whole ensemble makes a run record: one outcome per replicate the config asks for."""
        outcomes = self.outcomes
        if (not isinstance(outcomes, list) or len(outcomes) != self.config.replicates
                or not all(isinstance(o, ReplicateOutcome) for o in outcomes)):
            count = len(outcomes) if isinstance(outcomes, list) else type(outcomes).__name__
            raise ConfigError(
                f"This EnsembleResult holds {count} outcomes but its config asks for {self.config.replicates} "
                "replicates; only a whole ensemble (a list of one ReplicateOutcome per replicate, as run(cfg) "
                "returns) can be saved as a run."
            )

    def complete(self, run_dir: str | Path) -> Path:
        """Write the tables, summary and plots into a started run directory and seal it with the manifest."""
        self._check_whole()
        write_run(Path(run_dir), self.config, [list(zip(self.indices, self.outcomes, strict=True))])
        return Path(run_dir)


def run_into(cfg: RunConfig, run_dir: str | Path, workers: int | None = None, progress: bool | None = None) -> dict:
    """Run the ensemble of `cfg` into a run directory with memory that does not grow with the ensemble: each
    block of replicates is saved as it comes in, then the tables are written from the saved blocks and the
    run sealed. A folder holding an unfinished run of the same fingerprint is finished. Returns the summary."""
    path = Path(run_dir)
    with record.claimed_run_dir(path, cfg):
        checkpoints = record.start_run(path, cfg)
        run_ensemble(cfg, workers=workers, progress=progress, checkpoints=checkpoints, keep=False)
        summary = write_run(path, cfg, checkpoints.blocks())
        checkpoints.remove()
    return summary


def run_summary(cfg: RunConfig, digest: Digest, label: RunLabel | None = None) -> dict:
    """summary.json of a run of `cfg` whose replicates the digest holds."""
    return summarise(label or run_label(cfg), cfg.seed, cfg.start, cfg.end, cfg.branch_date, digest)


def write_run(path: Path, cfg: RunConfig, blocks: Iterable[list[tuple[int, ReplicateOutcome]]]) -> dict:
    """Fill a started run directory from its replicates' blocks (in replicate order): the tables, written
    chunk by chunk, then the summary and figures from their digest, and the manifest last. Returns the
    summary. Memory does not grow with the number of replicates beyond the digest's few numbers each."""
    if not record.is_incomplete(path) or (path / record.CONFIG).read_text("utf-8") != record.config_yaml(cfg):
        raise ConfigError(f"'{path}' is not a started run of this config (its {record.CONFIG} is missing or "
                          "another, or it is already complete); save() starts a run directory.")
    names, digest = write_tables(path, cfg, blocks, csv=cfg.csv)
    summary = run_summary(cfg, digest)
    atomic_write_text(path / "summary.json", json.dumps(summary, indent=2) + "\n")
    written = [record.CONFIG, *names, "summary.json"]
    if cfg.plots:
        for name, fig in run_figures(cfg, digest.monthly, digest.area_months, summary).items():
            atomic_write_bytes(path / name, figure_png(fig))
            written.append(name)
    record.write_manifest(path, cfg, written)
    return summary
