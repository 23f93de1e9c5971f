"""Run many seeded replicates of a scenario, in this process or over worker processes.

Workers are long-lived processes that each run blocks of replicate indices
(importing Mesa costs about a second, so one process per replicate would
waste most of the time). Results are put back in replicate order, so the
ensemble is identical whatever the number of workers.
"""

from __future__ import annotations

import math
import multiprocessing
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed

import tqdm as tqdm_module
from tqdm import tqdm

from sim.calibration.posterior import replicate_params
from sim.config.schema import RunConfig
from sim.model import InsurgencyModel, ReplicateOutcome
from sim.runs.seeds import replicate_rng

# Blocks per worker: enough for the progress bar to move and for load balance,
# few enough that inter-process traffic stays negligible.
BLOCKS_PER_WORKER = 8
MAX_BLOCK = 50
# The bar needs no monitor thread.
tqdm_module.tqdm.monitor_interval = 0


def worker_context() -> multiprocessing.context.BaseContext:
    """Forkserver where the platform has it (workers fork from a clean server that has
    imported the model once, not from a parent with BLAS threads); spawn elsewhere.

    As with any multiprocessing code, a script that runs ensembles with several
    workers must guard its entry point with `if __name__ == "__main__":`.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def run_replicate(cfg: RunConfig, index: int) -> ReplicateOutcome:
    """Run replicate `index` of the ensemble that `cfg` describes."""
    params = replicate_params(cfg, index) if cfg.parameters == "posterior" else cfg.model
    model = InsurgencyModel(params, cfg.start, cfg.end, replicate_rng(cfg.seed, index))
    return model.run()


def _run_block(cfg: RunConfig, indices: list[int]) -> list[tuple[int, ReplicateOutcome]]:
    return [(i, run_replicate(cfg, i)) for i in indices]


def blocks(indices: list[int], workers: int) -> list[list[int]]:
    """Split replicate indices into contiguous blocks for the workers."""
    if not indices:
        return []
    size = max(1, min(MAX_BLOCK, math.ceil(len(indices) / (workers * BLOCKS_PER_WORKER))))
    return [indices[k:k + size] for k in range(0, len(indices), size)]


def run_ensemble(cfg: RunConfig, indices: Iterable[int] | None = None, workers: int | None = None,
                 progress: bool | None = None,
                 on_result: Callable[[int, ReplicateOutcome], None] | None = None) -> list[ReplicateOutcome]:
    """Run the replicates (all of them by default) and return outcomes in replicate order."""
    todo = list(range(cfg.replicates)) if indices is None else list(indices)
    workers = cfg.workers if workers is None else workers
    show = cfg.progress if progress is None else progress
    bar = tqdm(total=len(todo), desc=cfg.scenario.name, unit="rep",
               disable=not show or not sys.stderr.isatty(), leave=False)
    results: dict[int, ReplicateOutcome] = {}

    def collect(pairs: list[tuple[int, ReplicateOutcome]]) -> None:
        for i, outcome in pairs:
            results[i] = outcome
            if on_result is not None:
                on_result(i, outcome)
        bar.update(len(pairs))

    try:
        if workers <= 1 or len(todo) <= 1:
            for i in todo:
                collect([(i, run_replicate(cfg, i))])
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context()) as pool:
                futures = [pool.submit(_run_block, cfg, block) for block in blocks(todo, workers)]
                for future in as_completed(futures):
                    collect(future.result())
    finally:
        bar.close()
    return [results[i] for i in todo]
