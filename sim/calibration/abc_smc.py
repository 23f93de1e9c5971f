"""ABC-SMC calibration of the estimated parameters to the record up to an origin date.

A calibration fits the quantities in sim/config/calibrated.py to the statistics
of sim/calibration/statistics.py whose figure was complete by the origin (all of
them without one). Each simulation follows the scenario's observed history from
its start to the last day the statistics need, so the trajectory, not one
window, is fitted.

The sampler is the adaptive ABC-SMC with MCMC moves of sim/calibration/smc.py
(why not an importance-weighted one is said there). Each particle is simulated
`replicates` times and its approximate likelihood at a threshold is the share of
its replicates within it (the pseudo-marginal form of ABC). The fit stops when
the threshold stops falling, when the moves stop being accepted, or at a cap,
and says which.

Simulations run in parallel on the project's executors (local worker processes
or a Dask cluster) in chunks taken back in order; the sampler's own random
numbers are drawn in the main process from the fit's seed, and simulation k
(of a particle, counted from the first) uses the model streams of indices
k * replicates + r of a root derived from the same seed. The posterior is
therefore a function of the seed alone, whatever the executor or the number of
workers.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from sim.calibration import smc
from sim.calibration import statistics as stats_module
from sim.config.calibrated import CALIBRATED, REPORTED_PER_CLAIM, CalibratedParameter, with_values
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.posterior import Posterior, base_config_digest
from sim.config.resolve import parse_date
from sim.config.schema import RunConfig
from sim.defaults import BASELINE_SCENARIO, DEFAULT_SEED, settings_command
from sim.model import InsurgencyModel
from sim.runs.executors import TaskPool
from sim.runs.seeds import BANK

# The calibration's two random streams: the sampler's (prior draws, resampling, moves) and the root of the
# simulations' replicate streams.
SAMPLER_STREAM = 0
SIMULATION_STREAM = 1
# Chunks of simulations per worker and map: enough to balance the load, few enough to keep the overhead low.
CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class CalibrationSettings:
    """Everything that decides a calibration's result (besides the code and the scenario files)."""

    seed: int = field(default=DEFAULT_SEED, metadata={"help": "the fit's seed (particles and their runs)"})
    particles: int = field(default=1000, metadata={"help": "particles in the population"})
    replicates: int = field(default=2, metadata={
        "help": "simulations per particle; its likelihood is the share of them within the threshold"})
    ess_fraction: float = field(default=0.5, metadata={
        "help": "next threshold: the lowest that keeps this share of the effective sample size"})
    moves: int = field(default=2, metadata={"help": "fewest Metropolis-Hastings moves of every particle per generation"})
    max_moves: int = field(default=8, metadata={"help": "most moves per generation (as many as leave a particle "
                                                         "unmoved with a chance of at most `unmoved`)"})
    unmoved: float = field(default=0.05, metadata={"help": "the chance a particle may keep of staying unmoved"})
    epsilon_fall: float = field(default=0.02, metadata={
        "help": "stop once the threshold falls by less than this share of itself in a generation"})
    min_move_acceptance: float = field(default=0.05, metadata={
        "help": "stop once fewer than this share of the moves are accepted"})
    min_epsilon: float = field(default=0.0, metadata={"help": "stop once the distance threshold is this low"})
    generations: int = field(default=30, metadata={"help": "most generations (a cap; the fit says if it hit it)"})
    max_simulations: int = field(default=3_000_000, metadata={"help": "stop after this many model runs"})
    scenario: str = field(default=BASELINE_SCENARIO, metadata={"help": "the scenario fitted"})
    origin: str = field(default="", metadata={
        "help": "fit only the figures complete by this date (empty: all of them)"})

    def check(self) -> None:
        problems = []
        if self.particles < 2:
            problems.append(f"particles={self.particles}; ABC-SMC needs at least 2 particles")
        if self.replicates < 1:
            problems.append(f"replicates={self.replicates}; each particle needs at least 1 simulation")
        if self.generations < 1:
            problems.append(f"generations={self.generations}; at least 1 is needed")
        if self.moves < 1:
            problems.append(f"moves={self.moves}; at least 1 move per generation is needed")
        if self.max_moves < self.moves:
            problems.append(f"max_moves={self.max_moves} is below moves={self.moves}")
        if not 0 < self.unmoved < 1:
            problems.append(f"unmoved={self.unmoved}; it must lie strictly between 0 and 1")
        if not 0 < self.ess_fraction < 1:
            problems.append(f"ess_fraction={self.ess_fraction}; it must lie strictly between 0 and 1")
        if not self.min_epsilon >= 0:
            problems.append(f"min_epsilon={self.min_epsilon}; it must be 0 or more")
        if not 0 <= self.epsilon_fall < 1:
            problems.append(f"epsilon_fall={self.epsilon_fall}; it must lie in [0, 1)")
        if not 0 <= self.min_move_acceptance < 1:
            problems.append(f"min_move_acceptance={self.min_move_acceptance}; it must lie in [0, 1)")
        if self.max_simulations < self.particles * self.replicates:
            problems.append(f"max_simulations={self.max_simulations} is below particles x replicates "
                            f"({self.particles * self.replicates})")
        if not 0 <= self.seed < 2**63:
            problems.append(f"seed={self.seed}; it must be a non-negative integer below 2^63")
        if self.origin:
            parse_date(self.origin, "origin")
            if not stats_module.up_to(self.origin):
                problems.append(f"origin={self.origin} comes before every fitted figure; the first ends "
                                f"{stats_module.first_end()}")
        if problems:
            raise ConfigError("; ".join(problems) + ".")

    def simulations_per_generation(self) -> tuple[int, int]:
        """Fewest and most model runs of one generation: every particle moved `moves` to `max_moves` times, each
        move `replicates` runs."""
        return self.moves * self.particles * self.replicates, self.max_moves * self.particles * self.replicates


def sampler_seed(seed: int) -> np.random.SeedSequence:
    """The sampler's generator's seed, a child of the calibration seed."""
    return np.random.SeedSequence(seed, spawn_key=(SAMPLER_STREAM,))


def simulation_root(seed: int) -> int:
    """The root seed of the simulations' replicate streams, derived from the calibration seed."""
    return int(np.random.SeedSequence(seed, spawn_key=(SIMULATION_STREAM,)).generate_state(1, dtype=np.uint64)[0])


def fitted_parameters(stats: tuple) -> tuple[CalibratedParameter, ...]:
    """What a fit of `stats` estimates: the calibrated parameters, and the factor between the counters where
    another counter's figures are fitted."""
    return (*CALIBRATED, REPORTED_PER_CLAIM) if stats_module.needs_reported_per_claim(stats) else CALIBRATED


def prior(parameters: tuple[CalibratedParameter, ...] = CALIBRATED) -> smc.NormalPrior:
    """The parameters' priors, independent normals in the space each is sampled in."""
    return smc.NormalPrior(np.array([p.prior_location() for p in parameters]),
                           np.array([p.prior_scale() for p in parameters]))


def sampled_values(row: np.ndarray, parameters: tuple[CalibratedParameter, ...] = CALIBRATED) -> dict[str, float]:
    """A particle's parameter values from its coordinates in the sampled space."""
    return {p.name: p.to_value(float(x)) for p, x in zip(parameters, row, strict=True)}


@dataclass(frozen=True)
class Simulator:
    """Runs every particle of a chunk `replicates` times; returns each replicate's distance and statistics.

    A replicate is run a year at a time: at the end of each year whose figures are complete, if the distance
    over those figures alone already exceeds the threshold the replicate stops there (early rejection: the
    full distance can only be larger, so the sampler's decisions are the same as if it had run to the end).
    Its distance is then that lower bound and its statistics not yet reached are NaN.
    """

    base: RunConfig
    stats: tuple
    root: int
    replicates: int
    parameters: tuple = CALIBRATED

    def __call__(self, task: tuple[np.ndarray, int, float]) -> tuple[np.ndarray, np.ndarray]:
        theta, first, epsilon = task
        distances = np.empty((theta.shape[0], self.replicates))
        values_out = np.full((theta.shape[0], self.replicates, len(self.stats)), np.nan)
        for k, row in enumerate(theta):
            values = sampled_values(row, self.parameters)
            params = with_values(self.base.model, values)
            for r in range(self.replicates):
                index = (first + k) * self.replicates + r
                model = InsurgencyModel(params, self.base.start, self.base.end, BANK.streams(0, self.root, index),
                                        self.base.changes)
                distances[k, r], reached = self._run(model, values, epsilon)
                values_out[k, r] = [reached.get(s.id, np.nan) for s in self.stats]
        return distances, values_out

    def _run(self, model: InsurgencyModel, values: dict[str, float], epsilon: float) -> tuple[float, dict]:
        checkpoints = self.checkpoints()
        for day, done in checkpoints:
            model.run_until_day(day)
            reached = stats_module.replicate_statistics(model.outcome(), self.base.start, done, values)
            partial = stats_module.distance(reached, done)
            if partial > epsilon or len(done) == len(self.stats):
                return partial, reached
        raise AssertionError("the last checkpoint covers every statistic")

    def checkpoints(self) -> list[tuple[int, tuple]]:
        """(day index to run to, the statistics complete by then) at the last figure's end of each year."""
        origin = dt.date.fromisoformat(self.base.start)
        out = []
        for year in sorted({s.end[:4] for s in self.stats}):
            last = max(s.end for s in self.stats if s.end[:4] == year)
            out.append(((dt.date.fromisoformat(last) - origin).days + 1,
                        tuple(s for s in self.stats if s.end <= last)))
        return out


def parallel_simulate(pool: TaskPool, simulator: Simulator):
    """smc's `simulate`: the rows cut into chunks spread over the workers, taken back in order."""

    def simulate(theta: np.ndarray, first: int, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
        step = max(1, math.ceil(theta.shape[0] / (pool.workers * CHUNKS_PER_WORKER)))
        tasks = [(theta[k:k + step], first + k, epsilon) for k in range(0, theta.shape[0], step)]
        results = pool.map(simulator, tasks)
        return np.concatenate([d for d, _ in results]), np.concatenate([s for _, s in results])

    return simulate


def base_config(settings: CalibrationSettings, stats: tuple | None = None):
    """The scenario every simulation runs: the history from its start to the last day the statistics need
    (the record's, or `stats` in their place)."""
    stats = stats or stats_module.up_to(settings.origin or None)
    return compose_run_config(settings.scenario, [f"end={stats_module.last_day(stats)}"]), stats


def calibrate(settings: CalibrationSettings, progress: bool = False, *, workers: int = 1, executor: str = "local",
              scheduler: str = "", stats: tuple | None = None) -> Posterior:
    """Run the ABC-SMC and return its final population as the posterior sample, with why the run stopped.

    `workers`, `executor` and `scheduler` choose where the simulations run; the result does not depend on them.
    `stats` fits other figures in place of the record's (a synthetic record: sim/calibration/sbc.py).
    """
    settings.check()
    base, stats = base_config(settings, stats)
    parameters = fitted_parameters(stats)
    simulator = Simulator(base, stats, simulation_root(settings.seed), settings.replicates, parameters)
    report = _progress(settings) if progress else None
    started = time.perf_counter()
    with TaskPool(executor, workers, scheduler) as pool:
        result = smc.run_smc(
            prior(parameters), parallel_simulate(pool, simulator), particles=settings.particles, replicates=settings.replicates,
            seed_sequence=sampler_seed(settings.seed), ess_fraction=settings.ess_fraction,
            epsilon_fall=settings.epsilon_fall, min_epsilon=settings.min_epsilon,
            max_generations=settings.generations, max_simulations=settings.max_simulations, moves=settings.moves,
            min_move_acceptance=settings.min_move_acceptance, max_moves=settings.max_moves, unmoved=settings.unmoved,
            report=report)
    wall = time.perf_counter() - started
    table = final_population(result, stats, parameters)
    meta = metadata(settings, base, stats, result, wall, parameters)
    meta["effective_sample_size"] = round(smc.effective_sample_size(table["weight"].to_numpy()), 1)
    return Posterior(table, meta)


def _progress(settings: CalibrationSettings):
    def report(g: smc.Generation) -> None:
        moved = "" if g.acceptance is None else f", {g.moves} moves with {g.acceptance:.1%} accepted"
        print(f"generation {g.generation}: threshold {g.epsilon:.3f}, {g.simulations} simulations so far{moved}, "
              f"{g.distinct} distinct of {settings.particles} particles", flush=True)
    return report


def final_population(result: smc.Result, stats: tuple,
                     parameters: tuple[CalibratedParameter, ...] = CALIBRATED) -> pd.DataFrame:
    """The final particles: values, weight, share of replicates within the final threshold, their statistics
    (mean over the particle's replicates that reached them) and distance (the median over its replicates, a
    replicate stopped early counting at its lower bound), in a canonical order."""
    population = result.population
    rows = []
    shares = population.shares(result.epsilon)
    for k, row in enumerate(population.theta):
        # Over the replicates that reached each figure (a particle kept has at least one that ran to the end).
        means = np.nanmean(population.statistics[k], axis=0)
        rows.append({**sampled_values(row, parameters), **{f"sim_{s.id}": float(m) for s, m in zip(stats, means, strict=True)},
                     "distance": float(np.median(population.distances[k])), "within": float(shares[k]),
                     "weight": float(population.weights[k])})
    table = pd.DataFrame(rows).sort_values(["distance", *(p.name for p in parameters)], kind="stable")
    table["weight"] = table["weight"] / table["weight"].sum()
    table.insert(0, "draw", range(len(table)))
    return table.reset_index(drop=True)


def generation_rows(result: smc.Result) -> list[dict]:
    """Threshold, simulations so far, moves accepted, effective sample size and distinct particles per generation."""
    return [{"generation": g.generation, "epsilon": round(float(g.epsilon), 6), "simulations": int(g.simulations),
             "moves": int(g.moves), "acceptance": None if g.acceptance is None else round(float(g.acceptance), 4),
             "effective_sample_size": round(float(g.effective_sample_size), 1), "distinct": int(g.distinct)}
            for g in result.generations]


def metadata(settings: CalibrationSettings, base, stats: tuple, result: smc.Result, wall_s: float,
             parameters: tuple[CalibratedParameter, ...] = CALIBRATED) -> dict:
    """What the sidecar file records: how to re-run, what was fitted, to what, and how it went."""
    generations = generation_rows(result)
    return {
        "command": command_line(settings),
        "settings": asdict(settings),
        "method": "adaptive ABC-SMC with MCMC moves (Del Moral, Doucet & Jasra 2012): equally weighted particles, "
                  "each simulated `replicates` times with the share of its replicates within the threshold as its "
                  "likelihood; the next threshold keeps `ess_fraction` of the effective sample size; systematic "
                  "resampling then random-walk Metropolis-Hastings moves, as many as leave a particle unmoved "
                  "with a chance of at most `unmoved` at the last acceptance rate (Drovandi & Pettitt 2011) "
                  "(distance: sqrt of summed squared scaled differences)",
        "library": {"numpy": importlib.metadata.version("numpy"), "pandas": importlib.metadata.version("pandas")},
        "date": dt.date.today().isoformat(),
        "wall_time_s": round(wall_s, 1),
        "run": {"scenario": settings.scenario, "history": base.history, "start": base.start, "end": base.end},
        "base_config_sha256": base_config_digest(base.model),
        "priors": [{"name": p.name, "path": p.path, "kind": p.kind, "prior_median": p.prior_median,
                    "spread": p.spread, "reason": p.reason} for p in parameters],
        "statistics": [asdict(s) for s in stats],
        "distance": "sqrt(sum(((simulated - observed) / scale)^2)) over the statistics",
        "generations": generations,
        "stopped": result.stopped,
        "final_epsilon": round(float(result.epsilon), 6),
        "total_simulations": generations[-1]["simulations"] if generations else 0,
    }


def command_line(settings: CalibrationSettings) -> str:
    return settings_command("sim calibrate", settings)
