"""ABC-SMC calibration of the estimated parameters with pyabc, to the record up to an origin date.

A calibration fits the quantities in sim/config/calibrated.py to the statistics
of sim/calibration/statistics.py whose figure was complete by the origin (all of
them without one). Each simulation follows the observed history from its start
(1 January 2022) to the last day the statistics need, so the trajectory from
2022, not one window, is fitted.

Why pyabc's randomness is seeded here: pyabc draws proposals from the priors
(scipy.stats) and perturbs particles through numpy's legacy global generator,
and offers no way to pass a generator in. To make a calibration a function of
its seed, `library_random_state` sets that global state from the calibration
seed (through a SeedSequence, like every other stream of the project) for the
duration of the run, and restores the caller's state afterwards. The sampler
is pyabc's SingleCoreSampler, because its parallel samplers reseed their
workers from the operating system. The model itself never touches the global
state: simulation k of a calibration runs on the generator of
the streams of replicate k of the root seed SeedSequence(seed, spawn_key=(SIMULATION_STREAM,))
(sim/runs/seeds.py), a root none of the replicate streams of `sim run` shares.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration import statistics as stats_module
from sim.config.calibrated import CALIBRATED, with_values
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.posterior import Posterior, base_config_digest
from sim.config.resolve import parse_date
from sim.defaults import BASELINE_SCENARIO, DEFAULT_SEED
from sim.model import InsurgencyModel
from sim.runs.seeds import replicate_streams

# The calibration's two random streams: the library's (proposals, perturbations) and the root of the
# simulations' replicate streams.
LIBRARY_STREAM = 0
SIMULATION_STREAM = 1


@dataclass(frozen=True)
class CalibrationSettings:
    """Everything that decides a calibration's result (besides the code and the scenario files)."""

    seed: int = field(default=DEFAULT_SEED, metadata={"help": "the fit's seed (particles and their runs)"})
    particles: int = field(default=250, metadata={"help": "particles per generation"})
    generations: int = field(default=6, metadata={"help": "most generations of ABC-SMC"})
    min_epsilon: float = field(default=1.0, metadata={"help": "stop once the distance threshold is this low"})
    epsilon_quantile: float = field(default=0.5, metadata={
        "help": "next threshold: this quantile of the last generation's distances"})
    max_simulations: int = field(default=9000, metadata={"help": "stop after this many simulations"})
    scenario: str = field(default=BASELINE_SCENARIO, metadata={"help": "the scenario fitted"})
    origin: str = field(default="", metadata={
        "help": "fit only the figures complete by this date (empty: all of them)"})

    def check(self) -> None:
        problems = []
        if self.particles < 2:
            problems.append(f"particles={self.particles}; ABC-SMC needs at least 2 particles per generation")
        if self.generations < 1:
            problems.append(f"generations={self.generations}; at least 1 is needed")
        if not self.min_epsilon >= 0:
            problems.append(f"min_epsilon={self.min_epsilon}; it must be 0 or more")
        if not 0 < self.epsilon_quantile < 1:
            problems.append(f"epsilon_quantile={self.epsilon_quantile}; it must lie strictly between 0 and 1")
        if self.max_simulations < self.particles:
            problems.append(f"max_simulations={self.max_simulations} is below particles={self.particles}")
        if not 0 <= self.seed < 2**63:
            problems.append(f"seed={self.seed}; it must be a non-negative integer below 2^63")
        if self.origin:
            parse_date(self.origin, "origin")
            if not stats_module.up_to(self.origin):
                problems.append(f"origin={self.origin} comes before every fitted figure; the first ends "
                                f"{stats_module.statistics()[0].end}")
        if problems:
            raise ConfigError("; ".join(problems) + ".")


@contextlib.contextmanager
def library_random_state(seed: int) -> Iterator[None]:
    """Numpy's global generator set from the calibration seed while pyabc runs, then restored."""
    saved = np.random.get_state()
    stream = np.random.SeedSequence(seed, spawn_key=(LIBRARY_STREAM,))
    np.random.set_state(np.random.RandomState(np.random.MT19937(stream)).get_state())
    try:
        yield
    finally:
        np.random.set_state(saved)


def simulation_root(seed: int) -> int:
    """The root seed of the simulations' replicate streams, derived from the calibration seed."""
    return int(np.random.SeedSequence(seed, spawn_key=(SIMULATION_STREAM,)).generate_state(1, dtype=np.uint64)[0])


def simulator(base, seed: int, stats: tuple) -> Callable[[dict], dict]:
    """pyabc's model: sampled quantities in, the summary statistics out."""
    counter = iter(range(2**62))
    root = simulation_root(seed)

    def simulate(sampled: dict) -> dict:
        values = {p.name: p.to_value(sampled[p.prior_name]) for p in CALIBRATED}
        model = InsurgencyModel(with_values(base.model, values), base.start, base.end,
                                replicate_streams(root, next(counter)), base.changes)
        return stats_module.replicate_statistics(model.run(), base.start, stats, values["removals_reported"])

    return simulate


def base_config(settings: CalibrationSettings):
    """The scenario every simulation runs: the history from its start to the last day the statistics need."""
    stats = stats_module.up_to(settings.origin or None)
    return compose_run_config(settings.scenario, [f"end={stats_module.last_day(stats)}"]), stats


def calibrate(settings: CalibrationSettings, progress: bool = False) -> Posterior:
    """Run ABC-SMC and return the last generation as the posterior sample."""
    settings.check()
    try:
        import pyabc
    except ImportError:
        raise ConfigError("Calibration needs pyabc, which is in the 'calibrate' extra: "
                          "pip install -e '.[calibrate]' (make test-fast installs it).") from None
    base, stats = base_config(settings)
    prior = pyabc.Distribution(**{
        p.prior_name: pyabc.RV("norm", p.prior_location(), p.prior_scale()) for p in CALIBRATED})
    sampler = pyabc.sampler.SingleCoreSampler()
    sampler.show_progress = progress
    abc = pyabc.ABCSMC(simulator(base, settings.seed, stats), prior,
                       pyabc.PNormDistance(p=2, fixed_weights=stats_module.weights(stats)),
                       population_size=settings.particles, sampler=sampler,
                       eps=pyabc.QuantileEpsilon(alpha=settings.epsilon_quantile))
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, library_random_state(settings.seed):
        abc.new(f"sqlite:///{Path(folder) / 'history.db'}", stats_module.observed(stats))
        history = abc.run(minimum_epsilon=settings.min_epsilon, max_nr_populations=settings.generations,
                          max_total_nr_simulations=settings.max_simulations)
        table = final_population(history)
        generations = generation_table(history)
    wall = time.perf_counter() - started
    meta = metadata(settings, base, stats, generations, wall)
    meta["effective_sample_size"] = round(effective_sample_size(table["weight"].to_numpy()), 1)
    return Posterior(table, meta)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / (weights ** 2).sum())


def final_population(history) -> pd.DataFrame:
    """The last generation's particles: values, weight, their statistics and distance, in a canonical order."""
    rows = []
    for particle in history.get_population().particles:
        values = {p.name: p.to_value(particle.parameter[p.prior_name]) for p in CALIBRATED}
        stats = {f"sim_{k}": float(np.asarray(v).item()) for k, v in particle.sum_stat.items()}
        rows.append({**values, **stats, "distance": float(particle.distance), "weight": float(particle.weight)})
    table = pd.DataFrame(rows).sort_values(["distance", *(p.name for p in CALIBRATED)], kind="stable")
    table["weight"] = table["weight"] / table["weight"].sum()
    table.insert(0, "draw", range(len(table)))
    return table.reset_index(drop=True)


def generation_table(history) -> list[dict]:
    """Threshold, model runs and acceptance rate of each generation (-1: the sample that sets the first threshold)."""
    return [{"generation": int(r.t), "epsilon": float(r.epsilon), "simulations": int(r.samples),
             "acceptance": round(float(r.particles / r.samples), 4) if r.t >= 0 and r.samples else None}
            for r in history.get_all_populations().itertuples()]


def metadata(settings: CalibrationSettings, base, stats: tuple, generations: list[dict], wall_s: float) -> dict:
    """What the sidecar file records: how to re-run, what was fitted, to what, and how it went."""
    return {
        "command": command_line(settings),
        "settings": asdict(settings),
        "method": "ABC-SMC (pyabc ABCSMC, SingleCoreSampler, QuantileEpsilon, PNormDistance p=2, "
                  "MultivariateNormalTransition)",
        "library": {"pyabc": importlib.metadata.version("pyabc"), "numpy": importlib.metadata.version("numpy")},
        "date": dt.date.today().isoformat(),
        "wall_time_s": round(wall_s, 1),
        "run": {"scenario": settings.scenario, "start": base.start, "end": base.end},
        "base_config_sha256": base_config_digest(base.model),
        "priors": [{"name": p.name, "path": p.path, "kind": p.kind, "prior_median": p.prior_median,
                    "spread": p.spread, "reason": p.reason} for p in CALIBRATED],
        "statistics": [asdict(s) for s in stats],
        "distance": "sqrt(sum(((simulated - observed) / scale)^2)) over the statistics",
        "generations": generations,
        "total_simulations": int(sum(g["simulations"] for g in generations)),
    }


def command_line(settings: CalibrationSettings) -> str:
    default = CalibrationSettings()
    flags = [f"{k}={v}" for k, v in asdict(settings).items() if getattr(default, k) != v]
    return " ".join(["sim calibrate", *flags])
