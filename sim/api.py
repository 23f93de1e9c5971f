"""The Python API: load a scenario, run an ensemble, get tables, write a run directory.

    from sim.api import load_scenario, run
    cfg = load_scenario("full_exit", ["syria=collapse", "replicates=50"])
    result = run(cfg, workers=2)
    result.replicates.head(); result.summary["headline"]["attacks_per_month"]   # over the forecast
    result.save("outputs/my_run")

The command line is a thin layer over these functions.
"""

from __future__ import annotations

import dataclasses
import json
import numbers
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.analysis import tables
from sim.analysis.run_figures import RUN_FIGURES, run_figures
from sim.analysis.run_name import RunLabel, run_label
from sim.analysis.summary import summarise
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config, describe_config_error, to_run_config
from sim.config.schema import RunConfig
from sim.defaults import BASELINE_SCENARIO
from sim.model import ReplicateOutcome
from sim.model.geography import load_geography
from sim.runs import record
from sim.runs.checkpoints import Checkpoints
from sim.runs.ensemble import check_memory, run_ensemble, run_replicate
from sim.runs.replicate import draws_for

__all__ = ["EnsembleResult", "list_scenarios", "load_scenario", "run", "run_replicate"]

from sim.config.load import list_scenarios

PLOTS = RUN_FIGURES


def load_scenario(name: str = BASELINE_SCENARIO, overrides: list[str] | None = None) -> RunConfig:
    """A named scenario with Hydra-style overrides (`key=value`, `group=level`), validated."""
    return compose_run_config(name, overrides)


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
    def events(self) -> pd.DataFrame:
        """One row per attack of every replicate."""
        return tables.events_table(self.outcomes, self.indices, self.config.start, load_geography())

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """Attacks and casualties per replicate, month and area."""
        return tables.monthly_table(self.events, self.indices, self.outcomes[0].month_starts, load_geography())

    @cached_property
    def monthly_state(self) -> pd.DataFrame:
        """The state at each month's end, per replicate."""
        return tables.monthly_state_table(self.outcomes, self.indices)

    @cached_property
    def replicates(self) -> pd.DataFrame:
        """One row per replicate: totals, rates and the end state."""
        table = tables.replicates_table(self.outcomes, self.indices, self.config.start, self.config.end)
        if self.config.parameters == "posterior":
            table.insert(1, "posterior_draw", draws_for(self.config.seed, self.indices))
        return table

    @cached_property
    def label(self) -> RunLabel:
        """The run's name (its scenario plus every override) and what the overrides change."""
        return run_label(self.config)

    @cached_property
    def summary(self) -> dict:
        """What summary.json holds: distributions over replicates, each under the window it covers."""
        c = self.config
        return summarise(self.label, c.seed, c.start, c.end, c.branch_date, self.replicates, self.monthly,
                         self.events)

    def figures(self) -> dict:
        """Every figure of the run by its file name."""
        return run_figures(self.config, self.replicates, self.monthly, self.summary)

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
                record.atomic_write_text(path / record.CONFIG, record.config_yaml(self.config))
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
        path = Path(run_dir)
        self._check_whole()
        if not record.is_incomplete(path) or (path / record.CONFIG).read_text("utf-8") != record.config_yaml(
                self.config):
            raise ConfigError(f"'{path}' is not a started run of this config (its {record.CONFIG} is missing or "
                              "another, or it is already complete); save() starts a run directory.")
        texts = {
            "replicates.csv": record.csv_text(self.replicates),
            "monthly.csv": record.csv_text(self.monthly),
            "monthly_state.csv": record.csv_text(self.monthly_state),
            "events.csv": record.csv_text(self.events),
            "summary.json": json.dumps(self.summary, indent=2) + "\n",
        }
        for name, text in texts.items():
            record.atomic_write_text(path / name, text)
        written = [record.CONFIG, *texts]
        if self.config.plots:
            for name, fig in self.figures().items():
                record.atomic_write_bytes(path / name, record.figure_png(fig))
                written.append(name)
        record.write_manifest(path, self.config, written)
        return path


def whole_number(value, key: str) -> int:
    """An int, or a numpy integer, as an int; anything else (2.5, True, '7') is refused as on the command line."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise ConfigError(f"'{key}' is {value!r} ({type(value).__name__}); it must be a whole number, such as "
                      f"{key}=7 (an int, or a numpy integer).")


def checked_config(cfg: RunConfig) -> RunConfig:
    """`cfg` checked as strictly as the command line checks overrides: every value of its declared type,
    every range and rule; the checked copy is returned."""
    if not isinstance(cfg, RunConfig):
        raise TypeError(f"expected a RunConfig (from load_scenario), got {type(cfg).__name__}")
    try:
        plain = OmegaConf.create(dataclasses.asdict(cfg))
    except OmegaConfBaseException as err:
        raise ConfigError(describe_config_error(err)) from None
    return to_run_config(plain)


def run(cfg: RunConfig, *, replicates: int | None = None, seed: int | None = None, workers: int | None = None,
        progress: bool = False) -> EnsembleResult:
    """Run an ensemble of `cfg` (optionally with another replicate count, seed or worker count)."""
    changes = {k: whole_number(v, k) for k, v in (("replicates", replicates), ("seed", seed), ("workers", workers))
               if v is not None}
    if not isinstance(progress, bool):
        raise ConfigError(f"'progress' is {progress!r}; it must be True or False.")
    cfg = checked_config(dataclasses.replace(cfg, **changes, progress=progress))
    check_memory(cfg)
    return EnsembleResult(cfg, run_ensemble(cfg))
