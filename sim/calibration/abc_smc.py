"""ABC-SMC calibration of the estimated parameters with pyabc, to the record up to an origin date.

A calibration fits the quantities in sim/config/calibrated.py to the statistics
of sim/calibration/statistics.py whose figure was complete by the origin (all of
them without one). Each simulation follows the observed history from its start
(1 January 2022) to the last day the statistics need, so the trajectory from
2022, not one window, is fitted.

Each proposed parameter set is simulated `replicates` times. It is accepted when
at least one replicate lies within the generation's threshold, and its
importance weight is multiplied by the share of its replicates that do: an
unbiased estimate of the approximate likelihood (the pseudo-marginal form of
ABC), whose weights scatter far less than a single replicate's accept-or-reject.
The calibration stops when the threshold stops falling (it fell by less than
`epsilon_fall` of itself in the last generation), or at a cap, and says which.

Proposals are evaluated in parallel on the project's executors (local worker
processes or a Dask cluster) by a sampler written for reproducibility: pyabc's
own parallel samplers reseed their workers from the operating system. Here
generation t's proposals come in batches of a fixed size; before pyabc makes
proposal k of batch b, numpy's legacy global generator (which pyabc draws its
proposals and perturbations from, with no way to pass a generator in) is seeded
from SeedSequence(seed, spawn_key=(LIBRARY_STREAM, t + 1, b, k)), and the model's
own streams come from a simulation index drawn from that generator. Proposals
are taken in batch order until the generation is full, so the posterior is a
function of the seed and the batch size alone, whatever the executor and the
number of workers. The caller's global random state is restored afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import logging
import math
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd

from sim.calibration import statistics as stats_module
from sim.config.calibrated import CALIBRATED, with_values
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.posterior import Posterior, base_config_digest
from sim.config.resolve import parse_date
from sim.config.schema import RunConfig
from sim.defaults import BASELINE_SCENARIO, DEFAULT_SEED
from sim.model import InsurgencyModel
from sim.runs.executors import TaskPool
from sim.runs.seeds import BANK

# The calibration's two random streams: the library's (proposals, perturbations) and the root of the
# simulations' replicate streams.
LIBRARY_STREAM = 0
SIMULATION_STREAM = 1
# Simulation indices are drawn below this bound; two proposals of one calibration share streams only by a
# coincidence of probability about (simulations / 2**62).
INDEX_BOUND = 2**62


@dataclass(frozen=True)
class CalibrationSettings:
    """Everything that decides a calibration's result (besides the code and the scenario files)."""

    seed: int = DEFAULT_SEED
    particles: int = 1000
    replicates: int = 4
    epsilon_quantile: float = 0.5
    epsilon_fall: float = 0.02
    min_epsilon: float = 0.0
    generations: int = 30
    max_simulations: int = 3_000_000
    batch: int = 0
    scenario: str = BASELINE_SCENARIO
    origin: str = ""            # fit only the figures complete by this date (empty: all of them)

    @property
    def batch_size(self) -> int:
        """Proposals evaluated together (0 in the settings: as many as the particles)."""
        return self.batch or self.particles

    def check(self) -> None:
        problems = []
        if self.particles < 2:
            problems.append(f"particles={self.particles}; ABC-SMC needs at least 2 particles per generation")
        if self.replicates < 1:
            problems.append(f"replicates={self.replicates}; each particle needs at least 1 simulation")
        if self.generations < 1:
            problems.append(f"generations={self.generations}; at least 1 is needed")
        if not self.min_epsilon >= 0:
            problems.append(f"min_epsilon={self.min_epsilon}; it must be 0 or more")
        if not 0 <= self.epsilon_fall < 1:
            problems.append(f"epsilon_fall={self.epsilon_fall}; it must lie in [0, 1)")
        if not 0 < self.epsilon_quantile < 1:
            problems.append(f"epsilon_quantile={self.epsilon_quantile}; it must lie strictly between 0 and 1")
        if self.max_simulations < self.particles * self.replicates:
            problems.append(f"max_simulations={self.max_simulations} is below particles x replicates "
                            f"({self.particles * self.replicates})")
        if self.batch < 0:
            problems.append(f"batch={self.batch}; it must be 0 (as many as the particles) or more")
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
def library_random_state() -> Iterator[None]:
    """Numpy's global generator restored after pyabc has run (its states are set per proposal)."""
    saved = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_state(saved)


def seed_global_state(entropy: int) -> None:
    """Numpy's legacy global generator set from a SeedSequence of `entropy`."""
    np.random.set_state(np.random.RandomState(np.random.MT19937(np.random.SeedSequence(entropy))).get_state())


def proposal_seed(seed: int, generation: int, batch: int, slot: int) -> int:
    """The entropy of proposal `slot` of batch `batch` of pyabc generation `generation` (-1 is the prior sample)."""
    sequence = np.random.SeedSequence(seed, spawn_key=(LIBRARY_STREAM, generation + 1, batch, slot))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def simulation_root(seed: int) -> int:
    """The root seed of the simulations' replicate streams, derived from the calibration seed."""
    return int(np.random.SeedSequence(seed, spawn_key=(SIMULATION_STREAM,)).generate_state(1, dtype=np.uint64)[0])


@dataclass(frozen=True)
class Simulator:
    """pyabc's model: sampled quantities in; each replicate's statistics out, keyed 'r:statistic'."""

    base: RunConfig
    stats: tuple
    root: int
    replicates: int

    def __call__(self, sampled: dict) -> dict:
        values = {p.name: p.to_value(sampled[p.prior_name]) for p in CALIBRATED}
        params = with_values(self.base.model, values)
        index = int(np.random.randint(0, INDEX_BOUND, dtype=np.int64))
        out = {}
        for r in range(self.replicates):
            model = InsurgencyModel(params, self.base.start, self.base.end,
                                    BANK.streams(0, self.root, index * self.replicates + r), self.base.changes)
            stats = stats_module.replicate_statistics(model.run(), self.base.start, self.stats,
                                                      values["removals_reported"])
            out.update({f"{r}:{k}": v for k, v in stats.items()})
        return out


def replicate_distances(x: dict, stats: tuple, replicates: int) -> np.ndarray:
    """Each replicate's distance to the record."""
    return np.array([stats_module.distance({s.id: x[f"{r}:{s.id}"] for s in stats}, stats)
                     for r in range(replicates)])


def _pyabc():
    try:
        import pyabc
    except ImportError:
        raise ConfigError("Calibration needs pyabc, which is in the 'calibrate' extra: "
                          "pip install -e '.[calibrate]' (make test installs it).") from None
    return pyabc


def replicate_acceptor(stats: tuple, replicates: int):
    """pyabc's acceptance step: a particle's weight is the share of its replicates within the threshold."""
    pyabc = _pyabc()

    class ReplicateAcceptor(pyabc.acceptor.Acceptor):
        def __call__(self, distance_function, eps, x, x_0, t, par):
            distances = replicate_distances(x, stats, replicates)
            share = float((distances <= eps(t)).mean())
            return pyabc.acceptor.AcceptorResult(distance=float(np.median(distances)), accept=share > 0,
                                                 weight=share)

    return ReplicateAcceptor()


def replicate_distance(stats: tuple, replicates: int):
    """pyabc's distance: the median over a particle's replicates (what the threshold's quantile is taken of)."""
    pyabc = _pyabc()

    class MedianReplicateDistance(pyabc.distance.Distance):
        def __call__(self, x, x_0, t=None, par=None):
            return float(np.median(replicate_distances(x, stats, replicates)))

    return MedianReplicateDistance()


def _evaluate(task: tuple[bytes, list[int]]) -> list:
    """In a worker: pyabc's proposal-and-simulation for each seed of the task, in order."""
    payload, seeds = task
    simulate_one = cloudpickle.loads(payload)
    out = []
    for entropy in seeds:
        seed_global_state(entropy)
        out.append(simulate_one())
    return out


def seeded_sampler(pool: TaskPool, seed: int, batch_size: int):
    """A pyabc sampler whose result depends on the seed and the batch size only (see the module's text)."""
    pyabc = _pyabc()

    class SeededBatchSampler(pyabc.sampler.Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            payload = cloudpickle.dumps(simulate_one)
            sample, evaluated, batch = self._create_empty_sample(), 0, 0
            chunks = max(1, pool.workers * 4)
            while sample.n_accepted < n and evaluated < max_eval:
                seeds = [proposal_seed(seed, t, batch, k) for k in range(batch_size)]
                step = math.ceil(batch_size / chunks)
                results = pool.map(_evaluate, [(payload, seeds[k:k + step]) for k in range(0, batch_size, step)])
                for particle in (p for chunk in results for p in chunk):
                    if sample.n_accepted >= n:
                        break
                    sample.append(particle)
                    evaluated += 1
                batch += 1
            self.nr_evaluations_ = evaluated
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return SeededBatchSampler()


def base_config(settings: CalibrationSettings):
    """The scenario every simulation runs: the history from its start to the last day the statistics need."""
    stats = stats_module.up_to(settings.origin or None)
    return compose_run_config(settings.scenario, [f"end={stats_module.last_day(stats)}"]), stats


def calibrate(settings: CalibrationSettings, progress: bool = False, *, workers: int = 1, executor: str = "local",
              scheduler: str = "") -> Posterior:
    """Run ABC-SMC and return the last generation as the posterior sample, with why the run stopped.

    `workers`, `executor` and `scheduler` choose where the simulations run; the result does not depend on them.
    """
    settings.check()
    pyabc = _pyabc()
    base, stats = base_config(settings)
    prior = pyabc.Distribution(**{
        p.prior_name: pyabc.RV("norm", p.prior_location(), p.prior_scale()) for p in CALIBRATED})
    logging.getLogger("ABC").setLevel(logging.WARNING)
    started = time.perf_counter()
    with (TaskPool(executor, workers, scheduler) as pool, tempfile.TemporaryDirectory() as folder,
          library_random_state()):
        sampler = seeded_sampler(pool, settings.seed, settings.batch_size)
        abc = smc_with_stop(settings, progress)(
            Simulator(base, stats, simulation_root(settings.seed), settings.replicates), prior,
            replicate_distance(stats, settings.replicates), population_size=settings.particles, sampler=sampler,
            eps=pyabc.QuantileEpsilon(alpha=settings.epsilon_quantile),
            acceptor=replicate_acceptor(stats, settings.replicates))
        abc.new(f"sqlite:///{Path(folder) / 'history.db'}", stats_module.observed(stats))
        history = abc.run()
        generations, reason = generation_table(history), abc.stopped
        table = final_population(history, stats, settings.replicates)
    wall = time.perf_counter() - started
    meta = metadata(settings, base, stats, generations, wall)
    meta["stopped"] = reason
    meta["effective_sample_size"] = round(effective_sample_size(table["weight"].to_numpy()), 1)
    return Posterior(table, meta)


def smc_with_stop(settings: CalibrationSettings, progress: bool):
    """pyabc's ABCSMC, stopping by `stop_reason` (pyabc's own test of the threshold's fall is absolute)."""
    pyabc = _pyabc()

    class ABCSMC(pyabc.ABCSMC):
        stopped: str | None = None

        def check_terminate(self, t: int, acceptance_rate: float) -> bool:
            generations = generation_table(self.history)
            self.stopped = stop_reason(settings, generations)
            if progress:
                last = generations[-1]
                print(f"generation {last['generation']}: threshold {last['epsilon']:.3f}, {last['simulations']} "
                      f"proposals, acceptance {last['acceptance']}, effective sample size "
                      f"{last['effective_sample_size']:.0f} of {settings.particles}", flush=True)
            return self.stopped is not None

    return ABCSMC


def stop_reason(settings: CalibrationSettings, generations: list[dict]) -> str | None:
    """Why the calibration stops after the last generation in `generations`, or None to go on."""
    fitted = [g for g in generations if g["generation"] >= 0]
    last = fitted[-1]
    simulations = sum(g["simulations"] for g in generations) * settings.replicates
    if last["epsilon"] <= settings.min_epsilon:
        return f"the threshold reached min_epsilon={settings.min_epsilon}"
    if len(fitted) >= 2:
        before = fitted[-2]["epsilon"]
        fall = (before - last["epsilon"]) / before
        if fall < settings.epsilon_fall:
            return (f"the threshold stopped falling: {before:.3f} to {last['epsilon']:.3f} in the last generation, a "
                    f"fall of {fall:.1%}, below epsilon_fall={settings.epsilon_fall:.0%}")
    if len(fitted) >= settings.generations:
        return f"the cap of generations={settings.generations} was reached (the threshold was still falling)"
    if simulations >= settings.max_simulations:
        return f"the budget of max_simulations={settings.max_simulations} was spent ({simulations} model runs)"
    return None


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / (weights ** 2).sum())


def final_population(history, stats: tuple, replicates: int) -> pd.DataFrame:
    """The last generation's particles: values, weight, their statistics (mean over the particle's replicates)
    and distance (the median over them), in a canonical order."""
    rows = []
    for particle in history.get_population().particles:
        values = {p.name: p.to_value(particle.parameter[p.prior_name]) for p in CALIBRATED}
        means = {f"sim_{s.id}": float(np.mean([np.asarray(particle.sum_stat[f"{r}:{s.id}"]).item()
                                               for r in range(replicates)])) for s in stats}
        rows.append({**values, **means, "distance": float(particle.distance), "weight": float(particle.weight)})
    table = pd.DataFrame(rows).sort_values(["distance", *(p.name for p in CALIBRATED)], kind="stable")
    table["weight"] = table["weight"] / table["weight"].sum()
    table.insert(0, "draw", range(len(table)))
    return table.reset_index(drop=True)


def generation_table(history) -> list[dict]:
    """Threshold, proposals evaluated, acceptance rate and effective sample size of each generation (-1: the
    sample from the prior that sets the first threshold)."""
    rows = []
    for r in history.get_all_populations().itertuples():
        if r.t >= 0:
            _, weights = history.get_distribution(t=int(r.t))
            ess = effective_sample_size(np.asarray(weights))
        rows.append({"generation": int(r.t), "epsilon": float(r.epsilon), "simulations": int(r.samples),
                     "acceptance": round(float(r.particles / r.samples), 4) if r.t >= 0 and r.samples else None,
                     "effective_sample_size": round(ess, 1) if r.t >= 0 else None})
    return rows


def metadata(settings: CalibrationSettings, base, stats: tuple, generations: list[dict], wall_s: float) -> dict:
    """What the sidecar file records: how to re-run, what was fitted, to what, and how it went."""
    return {
        "command": command_line(settings),
        "settings": asdict(settings),
        "method": "ABC-SMC (pyabc ABCSMC, QuantileEpsilon, MultivariateNormalTransition) with each particle "
                  "simulated `replicates` times and weighted by the share of its replicates within the threshold "
                  "(distance: sqrt of summed squared scaled differences); proposals in seeded batches",
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
        "total_simulations": int(sum(g["simulations"] for g in generations)) * settings.replicates,
    }


def command_line(settings: CalibrationSettings) -> str:
    default = CalibrationSettings()
    flags = [f"{k}={v}" for k, v in asdict(settings).items() if getattr(default, k) != v]
    return " ".join(["sim calibrate", *flags])
