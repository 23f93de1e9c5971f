"""Run many seeded replicates of a scenario and put the outcomes back in replicate order.

The ensemble is identical whatever the executor, the number of workers and
the order in which replicates finish: replicate i draws only from the
generator its seed gives (`sim.runs.seeds`), and results are filed by index.
With checkpoints, finished blocks are saved as they come in and a restart
runs only the replicates that are missing.

The whole ensemble is held in memory until its tables are written, so a large
one is checked first: one replicate is run, its size measured, and the peak
for all of them estimated against the memory the machine has available.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable

import psutil

from sim.config.errors import ConfigError
from sim.config.posterior import Posterior
from sim.config.schema import RunConfig
from sim.model import ReplicateOutcome
from sim.progress import duration, progress_bar
from sim.runs.checkpoints import Checkpoints
from sim.runs.executors import Block, execute, split, worker_context
from sim.runs.replicate import run_replicate

__all__ = ["announce_duration", "progress_bar", "run_ensemble", "run_replicate", "worker_context"]

# Peak memory of the main process per replicate, as a multiple of the replicate's outcome arrays:
# the outcomes held, then the events, monthly and replicate tables and their CSV text. Measured
# with benchmarks/bench_memory.py (docs/performance.md): 13.6 over the default horizon, 215 KiB
# a replicate at the peak against 15.8 KiB of arrays.
MEMORY_OVERHEAD = 14
# Smaller ensembles are not checked: they stay far below any machine's memory, and the check
# costs one replicate.
MEMORY_CHECK_FROM = 1_000
# Above this share of the available memory the run goes ahead with a warning.
MEMORY_WARN_SHARE = 0.5
GIB = 1024 ** 3
# Work estimated to take less than this is not announced.
ANNOUNCE_FROM_S = 20.0


def outcome_bytes(outcome: ReplicateOutcome) -> int:
    """Bytes of one replicate's outcome arrays: what the ensemble holds per replicate, before overheads."""
    arrays = [*outcome.attacks.values(), *outcome.monthly_state.values()]
    return sum(a.nbytes for a in arrays) + sum(len(m) for m in outcome.month_starts)


def available_memory() -> int:
    """Bytes the machine can give this process now without swapping."""
    return int(psutil.virtual_memory().available)


def check_memory(cfg: RunConfig) -> None:
    """Refuse an ensemble whose estimated peak memory exceeds what the machine has available, and
    warn above half of it. The estimate runs replicate 0 and scales its measured size."""
    if cfg.replicates < MEMORY_CHECK_FROM:
        return
    per_replicate = outcome_bytes(run_replicate(cfg, 0)) * MEMORY_OVERHEAD
    need, have = cfg.replicates * per_replicate, available_memory()
    estimate = (f"{cfg.replicates} replicates from {cfg.start} to {cfg.end} need about {_size(need)} of "
                f"memory at the peak ({per_replicate / 1024:.0f} KiB each, measured on replicate 0), and this "
                f"machine has {_size(have)} available")
    if need > have:
        raise ConfigError(f"{estimate}. Run fewer replicates (replicates=N), or split the ensemble into runs "
                          "with different seeds, or run it as a sweep (`sim sweep`), which writes each point "
                          "as it finishes.")
    if need > MEMORY_WARN_SHARE * have:
        print(f"warning: {estimate}; other programs may run short.", file=sys.stderr)


def announce_duration(what: str, cfg: RunConfig, replicates: int, workers: int, bound: str = "about") -> None:
    """Before long work, say on stderr how long it should take: one replicate of `cfg` timed here (the
    faster of two, the first paying for warm-up), times the replicates, over the workers. Work expected to
    take under ANNOUNCE_FROM_S is not announced."""
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        run_replicate(cfg, 0)
        timings.append(time.perf_counter() - started)
    each = min(timings)
    total = each * replicates / max(1, min(workers, replicates))
    if total >= ANNOUNCE_FROM_S:
        print(f"{what}: {bound} {duration(total)} ({replicates:,} replicates of {each:.2f} s each over {workers} "
              f"worker{'s' if workers != 1 else ''}, timed on one replicate here)", file=sys.stderr, flush=True)


def _size(count: int) -> str:
    return f"{count / GIB:.1f} GiB" if count >= GIB else f"{count / 1024 ** 2:.0f} MiB"


def run_ensemble(cfg: RunConfig, indices: Iterable[int] | None = None, workers: int | None = None,
                 progress: bool | None = None,
                 on_result: Callable[[int, ReplicateOutcome], None] | None = None,
                 checkpoints: Checkpoints | None = None, posterior: Posterior | None = None,
                 keep: bool = True) -> list[ReplicateOutcome] | None:
    """Run the replicates (all of them by default) and return outcomes in replicate order.

    With `posterior`, each replicate draws its calibrated parameters from that sample (the backtest's
    fits to earlier origins) rather than from the config. With `keep=False` (and checkpoints) nothing is
    held or returned: each block is saved as it comes in and dropped, so memory does not grow with the
    ensemble; the saved blocks are read back in order afterwards (`Checkpoints.blocks`).
    """
    if not keep and checkpoints is None:
        raise ValueError("an ensemble whose outcomes are not kept must save them (checkpoints)")
    wanted = list(range(cfg.replicates)) if indices is None else list(indices)
    workers = cfg.workers if workers is None else workers
    results: dict[int, ReplicateOutcome] = {}
    done = checkpoints.completed_indices() if checkpoints is not None else set()
    if keep and done:
        saved = checkpoints.completed()
        results.update((i, saved[i]) for i in wanted if i in saved)
    todo = [i for i in wanted if i not in done]
    bar = progress_bar(len(wanted), cfg.scenario.name, cfg.progress if progress is None else progress,
                       initial=len(wanted) - len(todo))

    def collect(block: Block, pairs: list[tuple[int, ReplicateOutcome]]) -> None:
        if checkpoints is not None:
            checkpoints.save(pairs)
        for i, outcome in pairs:
            if keep:
                results[i] = outcome
            if on_result is not None:
                on_result(i, outcome)
        bar.update(len(pairs))

    blocks = [Block(None, cfg, b, posterior) for b in split(todo, workers)]
    try:
        execute(blocks, collect, executor=cfg.executor, workers=workers, scheduler=cfg.scheduler)
    finally:
        bar.close()
    return [results[i] for i in wanted] if keep else None
