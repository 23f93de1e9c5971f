"""Run many seeded replicates of a scenario and put the outcomes back in replicate order.

The ensemble is identical whatever the executor, the number of workers and
the order in which replicates finish: replicate i draws only from the
generator its seed gives (`sim.runs.seeds`), and results are filed by index.
With checkpoints, finished blocks are saved as they come in and a restart
runs only the replicates that are missing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

import tqdm as tqdm_module
from tqdm import tqdm

from sim.config.posterior import Posterior
from sim.config.schema import RunConfig
from sim.model import ReplicateOutcome
from sim.runs.checkpoints import Checkpoints
from sim.runs.executors import Block, execute, run_replicate, split, worker_context

__all__ = ["run_ensemble", "run_replicate", "worker_context"]

# The bar needs no monitor thread.
tqdm_module.tqdm.monitor_interval = 0


def progress_bar(total: int, desc: str, show: bool, initial: int = 0) -> tqdm:
    """A tqdm bar on a terminal only, so that logs and pipes stay clean."""
    return tqdm(total=total, initial=initial, desc=desc, unit="rep", leave=False,
                disable=not show or not sys.stderr.isatty())


def run_ensemble(cfg: RunConfig, indices: Iterable[int] | None = None, workers: int | None = None,
                 progress: bool | None = None,
                 on_result: Callable[[int, ReplicateOutcome], None] | None = None,
                 checkpoints: Checkpoints | None = None, posterior: Posterior | None = None) -> list[ReplicateOutcome]:
    """Run the replicates (all of them by default) and return outcomes in replicate order.

    With `posterior`, each replicate draws its calibrated parameters from that sample (the backtest's
    fits to earlier origins) rather than from the config.
    """
    wanted = list(range(cfg.replicates)) if indices is None else list(indices)
    workers = cfg.workers if workers is None else workers
    results: dict[int, ReplicateOutcome] = {}
    if checkpoints is not None:
        saved = checkpoints.completed()
        results.update((i, saved[i]) for i in wanted if i in saved)
    todo = [i for i in wanted if i not in results]
    bar = progress_bar(len(wanted), cfg.scenario.name, cfg.progress if progress is None else progress,
                       initial=len(results))

    def collect(block: Block, pairs: list[tuple[int, ReplicateOutcome]]) -> None:
        if checkpoints is not None:
            checkpoints.save(pairs)
        for i, outcome in pairs:
            results[i] = outcome
            if on_result is not None:
                on_result(i, outcome)
        bar.update(len(pairs))

    blocks = [Block(None, cfg, b, posterior) for b in split(todo, workers)]
    try:
        execute(blocks, collect, executor=cfg.executor, workers=workers, scheduler=cfg.scheduler)
    finally:
        bar.close()
    return [results[i] for i in wanted]
