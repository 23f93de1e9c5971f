"""Simulation-based calibration: does the fit find parameters that are known?

A posterior can look tidy and still be wrong: thresholds that stop too early
leave intervals too wide, a distance that misses a mechanism leaves them
centred in the wrong place, and nothing in the fit to the one real record can
tell. Here the model makes records itself, at parameters drawn from the prior
(Talts et al. 2018), and each record is fitted exactly as the real one is (the
same sampler, statistics, windows and scales); if the fit is honest, each
parameter's true value falls inside the fit's 90% interval for about 90% of
the records, and its rank among the posterior's particles is uniform.

The synthetic records keep the real record's scales (the counting noise a
figure of that size carries), so the check is of the fit at the precision the
record allows. Each record's simulation and fit draw from their own seeds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.calibration import statistics as stats_module
from sim.calibration.abc_smc import CalibrationSettings, base_config, calibrate, fitted_parameters, prior, sampled_values
from sim.config.calibrated import CalibratedParameter, with_values
from sim.config.errors import ConfigError
from sim.config.posterior import Posterior
from sim.model import InsurgencyModel
from sim.runs.seeds import replicate_streams

# The seeds of the true parameters and of the records' simulations, children of the check's seed.
TRUTH_STREAM, RECORD_STREAM = 0, 1
# The interval whose coverage is checked.
LEVEL = 0.9


@dataclass(frozen=True)
class SbcSettings:
    """Everything that decides the check's result (besides the code and the scenario files)."""

    records: int = field(default=10, metadata={"help": "synthetic records made and fitted"})
    seed: int = field(default=11, metadata={"help": "seed of the true parameters and the records' runs"})
    particles: int = field(default=150, metadata={"help": "particles of each fit"})
    replicates: int = field(default=1, metadata={"help": "simulations per particle in each fit"})
    generations: int = field(default=10, metadata={"help": "most generations of each fit"})
    max_simulations: int = field(default=15_000, metadata={"help": "most model runs of each fit"})
    origin: str = field(default="", metadata={"help": "fit only the figures complete by this date (empty: all)"})

    def fit_settings(self, record: int) -> CalibrationSettings:
        """The settings of record `record`'s fit: the shipped fit's, smaller, with a seed of its own."""
        return CalibrationSettings(seed=self.seed * 1_000 + record, particles=self.particles,
                                   replicates=self.replicates, generations=self.generations,
                                   max_simulations=self.max_simulations, origin=self.origin)

    def parameters(self) -> tuple[CalibratedParameter, ...]:
        """What each fit estimates, and so what the records are made at: the calibrated parameters, and the
        factor between the counters where the origin's record is another counter's (inside 2020)."""
        return fitted_parameters(stats_module.up_to(self.origin or None))

    def check(self) -> None:
        if self.records < 1:
            raise ConfigError(f"records={self.records}; the check needs at least 1 synthetic record.")
        self.fit_settings(0).check()


def true_parameters(settings: SbcSettings) -> np.ndarray:
    """One draw from the prior per record, in the sampled space (rows: records)."""
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(TRUTH_STREAM,)))
    return prior(settings.parameters()).sample(settings.records, rng)


def synthetic_record(settings: SbcSettings, theta: np.ndarray, record: int) -> tuple[stats_module.Statistic, ...]:
    """The fitted statistics with their observed values replaced by one run of the model at `theta`."""
    base, stats = base_config(settings.fit_settings(record))
    values = sampled_values(theta, settings.parameters())
    root = int(np.random.SeedSequence(settings.seed, spawn_key=(RECORD_STREAM,)).generate_state(1)[0])
    model = InsurgencyModel(with_values(base.model, values), base.start, base.end, replicate_streams(root, record),
                            base.changes)
    simulated = stats_module.replicate_statistics(model.run(), base.start, stats, values)
    return tuple(dataclasses.replace(s, observed=float(simulated[s.id])) for s in stats)


def coverage_rows(record: int, theta: np.ndarray, posterior: Posterior,
                  parameters: tuple[CalibratedParameter, ...]) -> list[dict]:
    """For each parameter of one record: its true value, the fit's median and 90% interval, whether the
    interval holds the truth, and the truth's rank (the posterior's weighted share of particles below it)."""
    truth = sampled_values(theta, parameters)
    tail = (1.0 - LEVEL) / 2
    rows = []
    for p in parameters:
        lo, mid, hi = posterior.quantiles(p.name, (tail, 0.5, 1.0 - tail))
        below = float(posterior.weights[posterior.table[p.name].to_numpy(dtype=float) < truth[p.name]].sum())
        rows.append({"record": record, "parameter": p.name, "truth": truth[p.name], "median": mid,
                     "low": lo, "high": hi, "inside": bool(lo <= truth[p.name] <= hi), "rank": below,
                     "stopped": posterior.metadata.get("stopped", "")})
    return rows


def run_sbc(settings: SbcSettings, *, workers: int = 1, progress=None) -> pd.DataFrame:
    """Make and fit every record; one row per (record, parameter)."""
    settings.check()
    rows = []
    for record, theta in enumerate(true_parameters(settings)):
        stats = synthetic_record(settings, theta, record)
        posterior = calibrate(settings.fit_settings(record), workers=workers, stats=stats)
        rows.extend(coverage_rows(record, theta, posterior, settings.parameters()))
        if progress is not None:
            progress(record + 1, settings.records)
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Coverage per parameter and over all (record, parameter) pairs, with a 95% Wilson interval for each."""
    from statsmodels.stats.proportion import proportion_confint

    groups = [*table.groupby("parameter", sort=False), ("all", table)]
    rows = []
    for name, part in groups:
        inside, n = int(part["inside"].sum()), len(part)
        lo, hi = proportion_confint(inside, n, alpha=0.05, method="wilson")
        rows.append({"parameter": name, "pairs": n, "inside": inside, "coverage": inside / n,
                     "coverage 95% interval": f"{lo:.2f}–{hi:.2f}"})
    return pd.DataFrame(rows)
