"""Several ensembles at once, in one pool of worker processes, with progress and the time it takes.

The page's ensembles (the choices beside the baseline; the current choices beside every one-at-a-time
change) run as one batch: starting worker processes costs a second or two, so one pool serves them
all. Each config's replicates are split into blocks exactly as `sim run` splits them, and every
replicate depends only on its config and index, so a batch computes what separate runs would.
A config that computes the same numbers as another (`same_experiment`) runs once.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from sim.config.schema import RunConfig
from sim.explore.choices import same_experiment
from sim.model import ReplicateOutcome
from sim.runs.ensemble import run_replicate
from sim.runs.executors import Block, execute, split

# Seconds of one core per simulated replicate-year with the compiled engine, on the two-core machine the
# project is developed on (`python benchmarks/bench_explorer.py`): where the page's timing starts from. The
# page shows no estimate until it has timed a replicate and a batch itself (`calibrate`).
SECONDS_PER_REPLICATE_YEAR = 0.002
# Seconds a batch spends besides its replicates (starting the worker processes, loading the compiled model in
# each, filing the results), until timed here: with a fast engine, most of a small batch's time.
BATCH_OVERHEAD_S = 2.5
# Seconds to compose one changed choice joined to its scenario's history (docs/explorer.md), until timed here.
COMPOSE_S = 0.6
# Simulated years of the replicate timed at start-up (long enough that a clock tick does not matter).
CALIBRATION_YEARS = 2
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Progress:
    """How far a batch has got: replicates done of the total, and seconds since it started."""

    done: int
    total: int
    elapsed_s: float

    @property
    def remaining_s(self) -> float | None:
        """Seconds left at the rate so far; None until a replicate has finished."""
        if self.done == 0:
            return None
        return self.elapsed_s / self.done * (self.total - self.done)

    def words(self) -> str:
        text = f"{self.done} of {self.total} replicates done in {duration_words(self.elapsed_s)}"
        left = self.remaining_s
        return text + ("" if left is None or self.done == self.total else f"; about {duration_words(left)} left")



def duration_words(seconds: float) -> str:
    """A duration a person reads at a glance: "8 s", "2 minutes"."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} minutes"


class RateMeter:
    """What a batch costs here, as this process has measured it (thread-safe): a fixed `overhead_s`, plus
    `rate` seconds of one core per replicate-year shared among the workers; and `compose_s` a config."""

    def __init__(self, initial: float = SECONDS_PER_REPLICATE_YEAR):
        self._rate, self._measured = initial, False
        self.overhead_s = BATCH_OVERHEAD_S
        self.compose_s = COMPOSE_S
        self._lock = threading.Lock()

    @property
    def measured(self) -> bool:
        return self._measured

    def record_replicate(self, replicate_years: float, elapsed_s: float) -> None:
        """One replicate timed on one core (the estimate counts as measured once a batch has been timed too)."""
        if replicate_years > 0 and elapsed_s > 0:
            with self._lock:
                self._rate = elapsed_s / replicate_years

    def record(self, replicate_years: float, elapsed_s: float, workers: int) -> None:
        """A whole batch timed from start to end: it corrects the part that made most of its time, the
        replicates' rate or the fixed cost."""
        if replicate_years <= 0 or elapsed_s <= 0:
            return
        with self._lock:
            work = self._rate * replicate_years / max(workers, 1)
            if work >= self.overhead_s:
                self._rate = max(elapsed_s - self.overhead_s, 0.1 * work) * max(workers, 1) / replicate_years
            else:
                self.overhead_s = max(0.0, elapsed_s - work)
            self._measured = True

    def estimate_s(self, replicate_years: float, workers: int) -> float:
        return self.overhead_s + self._rate * replicate_years / max(workers, 1)


RATE = RateMeter()


def time_replicate(warm_up: RunConfig, timed: RunConfig) -> float:
    """Seconds to run replicate 0 of `timed`, after replicate 0 of `warm_up` has loaded what a process
    loads once. Run in a worker process, as the ensembles' replicates are: the page's own threads
    (drawing maps, say) then do not slow the measurement, and the machine's other work does, as it
    will slow the ensembles."""
    run_replicate(warm_up, 0)
    began = time.perf_counter()
    run_replicate(timed, 0)
    return time.perf_counter() - began


def time_in_a_worker(warm_up: RunConfig, timed: RunConfig) -> float:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(time_replicate, warm_up, timed).result()


def calibrate(cfg: RunConfig, workers: int, compose: Callable[[], int] = lambda: 0,
              clock: Callable[[], float] = time.perf_counter,
              timer: Callable[[RunConfig, RunConfig], float] = time_in_a_worker) -> None:
    """Time what a page's run costs on this computer, before the first: composing changed choices
    (`compose` composes some and says how many), replicate 0 of `cfg` over its first CALIBRATION_YEARS
    (`timer`: in a worker process), and a batch of two one-month replicates through the worker
    processes, whose time is almost all the fixed cost of any batch (`run_ensembles` records it). The
    batch runs twice: the first starts the process that forks the workers, once for the server's life."""
    began = clock()
    composed = compose()
    RATE.compose_s = (clock() - began) / max(composed, 1)
    start = dt.date.fromisoformat(cfg.start)
    warm_up = replace(cfg, end=(start + dt.timedelta(days=30)).isoformat(), replicates=1)
    timed = replace(cfg, end=(start + dt.timedelta(days=round(CALIBRATION_YEARS * DAYS_PER_YEAR) - 1)).isoformat(),
                    replicates=1)
    RATE.record_replicate(replicate_years([timed]), timer(warm_up, timed))
    for _ in range(2):
        run_ensembles({"calibration": replace(warm_up, replicates=2)}, workers)


def replicate_years(configs: list[RunConfig]) -> float:
    """Simulated years over every replicate of the configs."""
    return sum(c.replicates * ((dt.date.fromisoformat(c.end) - dt.date.fromisoformat(c.start)).days + 1)
               / DAYS_PER_YEAR for c in configs)


def distinct(configs: dict[Hashable, RunConfig]) -> dict[Hashable, Hashable]:
    """For each key, the key of the first config that computes the same numbers (itself if none)."""
    first: dict[Hashable, Hashable] = {}
    kept: list[Hashable] = []
    for key, cfg in configs.items():
        twin = next((k for k in kept if same_experiment(configs[k], cfg)), None)
        first[key] = key if twin is None else twin
        if twin is None:
            kept.append(key)
    return first


def estimate_s(configs: dict[Hashable, RunConfig], workers: int) -> float:
    """How long a batch of these configs should take here, from the rate measured so far."""
    owners = distinct(configs)
    return RATE.estimate_s(replicate_years([configs[k] for k in set(owners.values())]), workers)


def run_ensembles(configs: dict[Hashable, RunConfig], workers: int,
                  on_progress: Callable[[Progress], None] = lambda progress: None,
                  clock: Callable[[], float] = time.monotonic) -> dict[Hashable, list[ReplicateOutcome]]:
    """Every replicate of every config, in replicate order, by the configs' keys."""
    owners = distinct(configs)
    unique = {k: configs[k] for k in dict.fromkeys(owners.values())}
    blocks = [Block(key, cfg, indices) for key, cfg in unique.items()
              for indices in split(list(range(cfg.replicates)), workers)]
    total = sum(cfg.replicates for cfg in unique.values())
    results: dict[Hashable, dict[int, ReplicateOutcome]] = {key: {} for key in unique}
    started = clock()
    on_progress(Progress(0, total, 0.0))

    def collect(block: Block, pairs) -> None:
        results[block.key].update(pairs)
        on_progress(Progress(sum(map(len, results.values())), total, clock() - started))

    execute(blocks, collect, workers=workers)
    RATE.record(replicate_years(list(unique.values())), clock() - started, min(workers, max(len(blocks), 1)))
    ordered = {key: [results[key][i] for i in range(cfg.replicates)] for key, cfg in unique.items()}
    return {key: ordered[owner] for key, owner in owners.items()}

