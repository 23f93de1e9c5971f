"""The retrodiction: run the 2011-withdrawal history through 2012-2014 and set it beside that record.

The rules, and the rates fitted to the record from 2020, are those of every other run; only the state of
1 January 2012 and the dated changes to the end of 2014 differ (scenarios/history/withdrawal_2011.yaml and
scenarios/events/withdrawal_2011.yaml). No scenario branches from it: the run is the history itself.
The record of 2012-2014 (sim/data/record_2012_2014.yaml) is never fitted; it is read only here, after the
runs, and compared by sim/analysis/retrodiction.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim.analysis import retrodiction as analysis
from sim.analysis.validation_plots import retrodiction_fan
from sim.config.calibrated import CALIBRATED
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.posterior import shipped_posterior
from sim.config.schema import PARAMETER_MODES, POSTERIOR_MODES, RunConfig
from sim.defaults import BASELINE_SCENARIO, DEFAULT_SEED, settings_command
from sim.files import atomic_write_bytes, atomic_write_text, csv_text, figure_png
from sim.runs.ensemble import run_ensemble
from sim.runs.executors import ExecutionSettings
from sim.runs.spool import chunk_tables

HISTORY = "withdrawal_2011"
END = "2014-12-31"
RECORD_FILE = "record_2012_2014.yaml"
FILES = ("replicates.csv", "monthly.csv", "retrodiction.png", "summary.yaml", "summary.md")


@dataclass
class RetrodictionSettings:
    """What decides a retrodiction's numbers (besides the code, the history's files and the posterior)."""

    replicates: int = field(default=200, metadata={"help": "replicates of the 2012-2014 history"})
    seed: int = field(default=DEFAULT_SEED, metadata={"help": "the ensemble's root seed"})
    parameters: str = field(default="posterior", metadata={
        "help": "'posterior': each replicate draws the fitted rates and rules, and keeps the history's own state "
                "of 1 January 2012; 'point': the point values"})

    def check(self) -> None:
        """Refuse settings that cannot make a retrodiction, naming the setting."""
        if self.replicates < 2:
            raise ConfigError(f"replicates={self.replicates}; a retrodiction's intervals need at least 2 "
                              "replicates.")
        if self.parameters not in PARAMETER_MODES:
            raise ConfigError(f"parameters={self.parameters}; allowed: point (the point values) or posterior (each "
                              "replicate draws the fitted rates and rules).")

    def command(self) -> str:
        """The command that makes the same numbers (where and how it runs changes none of them)."""
        return settings_command("sim retrodict", self)


@dataclass
class Retrodiction:
    """A retrodiction's tables, summary and figure, ready to be written."""

    config: RunConfig
    replicates: pd.DataFrame
    monthly: pd.DataFrame
    summary: dict
    figure: Figure


def record_text() -> str:
    """The record of 2012-2014 as shipped with the package."""
    return resources.files("sim.data").joinpath(RECORD_FILE).read_text(encoding="utf-8")


def load_record() -> dict:
    """The record of 2012-2014, checked to hold what the comparison reads."""
    try:
        record = yaml.safe_load(record_text())
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"The record of 2012-2014 (sim/data/{RECORD_FILE}) cannot be read ({err}); restore it "
                          "from the project's repository.") from None
    try:
        analysis.record_monthly(record), analysis.record_ratios(record), analysis.territorial_checks(record)
    except (AttributeError, KeyError, StopIteration, TypeError, ValueError) as err:
        raise ConfigError(f"The record of 2012-2014 (sim/data/{RECORD_FILE}) lacks what the retrodiction compares "
                          f"with ({type(err).__name__}: {err}); restore it from the project's repository.") from None
    return record


def run_config(settings: RetrodictionSettings, execution: ExecutionSettings, progress: bool) -> RunConfig:
    """The history from 1 January 2012 to the end of 2014, under the baseline scenario (whose branch comes
    after the end, so that nothing but the history acts)."""
    cfg = compose_run_config(BASELINE_SCENARIO, [
        f"history={HISTORY}", f"end={END}", f"replicates={settings.replicates}", f"seed={settings.seed}",
        f"parameters={settings.parameters}", f"progress={str(progress).lower()}", "plots=false"])
    return dataclasses.replace(cfg, workers=execution.workers, executor=execution.executor,
                               scheduler=execution.scheduler)


def retrodict(settings: RetrodictionSettings, execution: ExecutionSettings | None = None,
              progress: bool = False) -> Retrodiction:
    """Run the history's replicates and compare them with the record of 2012-2014."""
    settings.check()
    execution = execution or ExecutionSettings()
    execution.check()
    record = load_record()
    cfg = run_config(settings, execution, progress)
    outcomes = run_ensemble(cfg)
    indices = list(range(cfg.replicates))
    tables = chunk_tables(cfg, outcomes, indices)
    months = list(outcomes[0].month_starts)
    attacks, casualties = analysis.per_month(tables["monthly"], months, indices)
    largest = (tables["monthly_state"].pivot(index="replicate", columns="month", values="largest_area_fighters")
               .reindex(index=indices, columns=months).to_numpy())
    threshold = int(cfg.model.insurgents.territorial_fighters)
    first = analysis.first_month_reaching(largest, threshold)
    table = analysis.replicate_table(indices, months, attacks, casualties, first,
                                     tables["replicates"]["peak_area_fighters"].to_numpy(), threshold)
    if "posterior_draw" in tables["replicates"]:
        table.insert(1, "posterior_draw", tables["replicates"]["posterior_draw"].to_numpy())
    summary = {"command": settings.command(), "run": run_facts(cfg),
               **analysis.summarise(table, months, record, threshold)}
    record_months = analysis.record_monthly(record)
    fan = analysis.fan_table(months, attacks, casualties, first)
    monthly = fan.merge(record_months, on="month", how="left")
    title = (f"Retrodiction of {cfg.start[:4]}–{cfg.end[:4]}: history {HISTORY}, {cfg.start} to {cfg.end}, "
             f"{cfg.replicates} replicates, parameters={cfg.parameters}")
    figure = retrodiction_fan(fan, record_months, analysis.territorial_checks(record), title)
    return Retrodiction(cfg, table, monthly, summary, figure)


def run_facts(cfg: RunConfig) -> dict:
    """What was run, as the summary states it; under parameters=posterior, the history the posterior was fitted
    to and the calibrated parameters this history keeps for itself rather than draws."""
    facts = {"history": cfg.history, "start": cfg.start, "end": cfg.end, "replicates": cfg.replicates,
             "seed": cfg.seed, "parameters": cfg.parameters}
    if cfg.parameters in POSTERIOR_MODES:
        posterior = shipped_posterior()
        drawn = posterior.drawn(cfg.history)
        facts["posterior_fitted_to"] = posterior.fitted_history
        facts["kept_from_the_history"] = [p.path for p in CALIBRATED if p.path and p not in drawn]
    return facts


def write(result: Retrodiction, out: Path) -> None:
    """Every file of the retrodiction, each written whole (the caller takes them all back on failure)."""
    atomic_write_text(out / "replicates.csv", csv_text(result.replicates))
    atomic_write_text(out / "monthly.csv", csv_text(result.monthly))
    atomic_write_bytes(out / "retrodiction.png", figure_png(result.figure))
    atomic_write_text(out / "summary.yaml", yaml.safe_dump(result.summary, sort_keys=False, width=100,
                                                            allow_unicode=True))
    atomic_write_text(out / "summary.md", f"Retrodiction of 2012-2014 (`{result.summary['command']}`)\n\n"
                                          + analysis.markdown(result.summary))
