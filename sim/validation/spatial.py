"""The spatial check: where the model's attacks fall, by governorate, against Joel Wing's weekly counts.

The history the calibration fits (the baseline scenario's, from 1 January 2020) is run to the end of the
last year the record's weeks fall in, with the fitted rates; the record (`incidents_by_governorate_iraq` in
sim/data/targets.yaml) is read only here, after the runs, and compared by sim/analysis/spatial.py. It was
never fitted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import spatial
from sim.analysis.governorates import area_governorates
from sim.analysis.tables import markdown_table
from sim.analysis.targets import load_targets
from sim.analysis.validation_plots import governorate_intervals
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.posterior import shipped_posterior
from sim.config.schema import POSTERIOR_MODES, RunConfig
from sim.defaults import BASELINE_SCENARIO, DEFAULT_SEED, settings_command
from sim.files import atomic_write_bytes, atomic_write_text, csv_text, figure_png
from sim.geography import load_geography
from sim.runs.ensemble import run_ensemble
from sim.runs.executors import ExecutionSettings
from sim.runs.result import EnsembleResult

SECTION = "incidents_by_governorate_iraq"
FILES = ("spatial.csv", "spatial.md", "spatial.png")
PARAMETERS = ("posterior", "point")
# Spawn key of the stream the predictive records are drawn from, apart from every replicate's streams
# (whose keys are (replicate, mechanism)).
PREDICTIVE_STREAM = 5


@dataclass
class SpatialSettings:
    """What decides the check's numbers (besides the code, the history's files, the posterior and the record)."""

    replicates: int = field(default=200, metadata={"help": "replicates of the history, each a set of shares "
                                                           "by governorate"})
    seed: int = field(default=DEFAULT_SEED, metadata={"help": "the ensemble's root seed, and the predictive "
                                                              "records' through a stream of its own"})
    parameters: str = field(default="posterior", metadata={
        "help": "'posterior': each replicate draws the fitted rates and rules; 'point': the point values"})
    draws: int = field(default=100, metadata={
        "help": "predictive records drawn per replicate (more give the same p-value with less noise)"})

    def check(self) -> None:
        """Refuse settings that cannot make the check, naming the setting."""
        if self.replicates < 2:
            raise ConfigError(f"replicates={self.replicates}; the check's p-value and intervals need at least 2 "
                              "replicates.")
        if self.draws < 1:
            raise ConfigError(f"draws={self.draws}; each replicate needs at least 1 predictive record.")
        if self.parameters not in PARAMETERS:
            raise ConfigError(f"parameters={self.parameters}; allowed: posterior (each replicate draws the fitted "
                              "rates and rules) or point (the point values).")

    def command(self) -> str:
        """The command that makes the same numbers (where and how it runs changes none of them)."""
        return settings_command("sim validate spatial", self)


@dataclass
class SpatialCheck:
    """The check's table, p-values and figure, ready to be written."""

    settings: SpatialSettings
    config: RunConfig
    weeks: list[spatial.RecordWeek]
    table: pd.DataFrame
    p_values: dict[str, float]
    p_values_babil_dropped: dict[str, float]
    replicates_used: int
    figure: Figure


def record_entries() -> list[dict]:
    """The record's weeks as shipped, checked to hold what the check reads."""
    entries = load_targets().get(SECTION)
    try:
        for entry in entries:
            dt.date.fromisoformat(str(entry["window"]["start"])), dt.date.fromisoformat(str(entry["window"]["end"]))
            if sum(int(n) for n in entry["by_governorate"].values()) != int(entry["total"]):
                raise ValueError(f"{entry['id']}: its counts by governorate do not add up to its total")
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise ConfigError(f"The record's counts by governorate (`{SECTION}` in sim/data/targets.yaml) lack what "
                          f"the spatial check reads ({type(err).__name__}: {err}); restore the file from the "
                          "project's repository.") from None
    if not entries:
        raise ConfigError(f"The record holds no counts by governorate (`{SECTION}` in sim/data/targets.yaml); "
                          "restore the file from the project's repository.")
    return entries


def run_config(settings: SpatialSettings, execution: ExecutionSettings, end: str, progress: bool) -> RunConfig:
    """The baseline scenario (its history the one the calibration fits) from its start to `end`."""
    cfg = compose_run_config(BASELINE_SCENARIO, [
        f"end={end}", f"replicates={settings.replicates}", f"seed={settings.seed}",
        f"parameters={settings.parameters}", f"progress={str(progress).lower()}", "plots=false"])
    return dataclasses.replace(cfg, workers=execution.workers, executor=execution.executor,
                               scheduler=execution.scheduler)


def simulate(cfg: RunConfig) -> EnsembleResult:
    """The history's replicates (the check reads their attack rows and indices)."""
    return EnsembleResult(cfg, run_ensemble(cfg))


def spatial_check(settings: SpatialSettings, execution: ExecutionSettings | None = None,
                  progress: bool = False) -> SpatialCheck:
    """Run the history's replicates and set their governorate shares against the record's weeks."""
    settings.check()
    execution = execution or ExecutionSettings()
    execution.check()
    entries = record_entries()
    geo = load_geography()
    area_governorate = spatial.iraqi_area_governorates(geo.area_ids, geo.in_iraq, area_governorates())
    governorates = tuple(dict.fromkeys(area_governorate.values()))
    try:
        weeks = spatial.record_weeks(entries, governorates, spatial.UNMODELLED_POOLED)
        weeks_babil_dropped = spatial.record_weeks(entries, governorates, spatial.UNMODELLED_DROPPED)
    except ValueError as err:
        raise ConfigError(f"The record's counts by governorate (`{SECTION}` in sim/data/targets.yaml) cannot be "
                          f"set against the model: {err}. Name each governorate as sim/data/geography.yaml does, "
                          "or say in sim/analysis/spatial.py which model governorate it is counted with.") from None
    years = sorted({w.year for w in weeks})
    cfg = run_config(settings, execution, f"{years[-1]}-12-31", progress)
    if cfg.start > f"{years[0]}-01-01":
        raise ConfigError(f"The history starts on {cfg.start}, after the first year the record's weeks need "
                          f"({years[0]}); the spatial check needs a history from {years[0]}-01-01 or earlier.")
    result = simulate(cfg)
    counts = spatial.yearly_counts(result.events, result.indices, years, area_governorate, governorates)
    year_shares = spatial.shares(counts)
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(PREDICTIVE_STREAM,)))
    check = spatial.predictive_check(weeks, year_shares, years, rng, settings.draws)
    if check.predictive.shape[0] < 2:
        raise ConfigError(f"Only {check.predictive.shape[0]} of {settings.replicates} replicates had an attack in "
                          f"Iraq in every year the record's weeks fall in ({', '.join(map(str, years))}); give more "
                          "replicates.")
    dropped = spatial.predictive_check(weeks_babil_dropped, year_shares, years, rng, settings.draws)
    table = spatial.governorate_table(check, governorates)
    p_values = check.p_values()
    title = (f"IS incidents by governorate in {len(weeks)} weeks of Joel Wing's counts "
             f"({', '.join(w.start for w in weeks)}; {check.observed.sum()} incidents, Babil's counted with "
             f"Baghdad's)\nagainst the model's predictive records: baseline, history {cfg.history} from "
             f"{cfg.start} to {cfg.end}, each week against its calendar year's shares\n"
             f"{check.predictive.shape[0]} replicates x {settings.draws} predictive records, "
             f"parameters={cfg.parameters}, seed {cfg.seed}; posterior "
             f"predictive p = {p_values['multinomial log-likelihood']:.2f} (multinomial log-likelihood)")
    return SpatialCheck(settings, cfg, weeks, table, p_values, dropped.p_values(), check.predictive.shape[0],
                        governorate_intervals(table, title))


def run_facts(cfg: RunConfig) -> str:
    """What was run, in one sentence; under parameters=posterior, the history the posterior was fitted to."""
    fitted = (f" (the posterior fitted to the history {shipped_posterior().fitted_history})"
              if cfg.parameters in POSTERIOR_MODES else "")
    return (f"The baseline scenario's history `{cfg.history}` from {cfg.start} to {cfg.end}, {cfg.replicates} "
            f"replicates, parameters={cfg.parameters}{fitted}, seed {cfg.seed}.")


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The governorate table as the markdown shows it: each model figure as its median with its 90% interval."""
    return pd.DataFrame({
        "governorate": table["governorate"],
        "record: incidents": table["observed"],
        "record: share": [f"{s:.0%}" for s in table["observed_share"]],
        "model: share, median (90%)": [f"{m:.0%} ({lo:.0%}–{hi:.0%})" for m, lo, hi in
                                       zip(table["model_share_median"], table["model_share_q05"],
                                           table["model_share_q95"], strict=True)],
        "model: incidents, median (90%)": [f"{m} ({lo}–{hi})" for m, lo, hi in
                                           zip(table["predictive_median"], table["predictive_q05"],
                                               table["predictive_q95"], strict=True)],
        "percentile of the record": [f"{p:.1f}" for p in table["percentile"]],
        "record against the model": table["observed_against_model"]})


def report_markdown(result: SpatialCheck) -> str:
    """The check as a short markdown section: command, what was compared, the table and the p-values."""
    weeks = "; ".join(f"{w.start} to {w.end}, {w.total}" for w in result.weeks)
    p, dropped = result.p_values, result.p_values_babil_dropped
    left_out = result.config.replicates - result.replicates_used
    left_out_words = f" (of {result.config.replicates}; {left_out} lack an attack in a year a week needs)"
    return "\n".join([
        f"`{result.settings.command()}`", "",
        run_facts(result.config), "",
        f"The record: {len(result.weeks)} weeks of Joel Wing's counts of IS incidents by governorate ({weeks}; "
        f"{sum(w.total for w in result.weeks)} incidents). Babil holds no area of the model; the model's "
        "Baghdad-belt area takes in Jurf al-Nasr, in northern Babil, so Babil's incidents are counted with "
        "Baghdad's. A week holds too few of a replicate's attacks to give shares, so each week is set against "
        "the replicate's shares of its attacks in Iraq over the calendar year holding the week. Each replicate "
        f"draws {result.settings.draws} predictive records of the record's size (per week a multinomial with the "
        "week's total); the model's incidents below are those records summed over the weeks, and its share is "
        "each replicate's expected share of the record.", "",
        markdown_table(shown_table(result.table)), "",
        f"Posterior predictive p-value over {result.replicates_used} replicates"
        f"{left_out_words if left_out else ''}: "
        f"{p['multinomial log-likelihood']:.2f} with the multinomial log-likelihood as the discrepancy, "
        f"{p['Pearson chi-square']:.2f} with Pearson's chi-square; with Babil's incidents left out instead of "
        f"counted with Baghdad's, {dropped['multinomial log-likelihood']:.2f} and "
        f"{dropped['Pearson chi-square']:.2f}.", ""])


def write(result: SpatialCheck, out: Path) -> None:
    """Every file of the check, each written whole (the caller takes them all back on failure)."""
    atomic_write_text(out / "spatial.csv", csv_text(result.table))
    atomic_write_text(out / "spatial.md", report_markdown(result))
    atomic_write_bytes(out / "spatial.png", figure_png(result.figure))
