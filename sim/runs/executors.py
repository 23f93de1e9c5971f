"""Where blocks of replicates run: this process, local worker processes, or a Dask cluster.

Every executor runs the same unit of work, `run_block(cfg, indices)`, and
hands each finished block to a callback; the caller files results by
replicate index, so what comes out never depends on the executor, the number
of workers or the order in which blocks finish.

Workers are long-lived and each runs many replicates: importing Mesa costs
about a second, so one process per replicate would waste most of the time.

A worker process that dies (killed, out of memory, a lost cluster node) loses
only the blocks it held: the local executor starts a fresh pool and re-runs
the blocks that had not come back, and Dask re-runs them on another worker.
Re-running is safe because a block's result depends only on its config and
replicate indices.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from sim.config.errors import ConfigError
from sim.config.posterior import Posterior
from sim.config.schema import EXECUTORS, RunConfig
from sim.model import ReplicateOutcome
from sim.runs.branching import run_branches

# Blocks per worker: enough for the progress bar to move and for load balance,
# few enough that inter-process traffic stays negligible.
BLOCKS_PER_WORKER = 8
MAX_BLOCK = 50
# How many times a lost worker pool is replaced before the run gives up; a
# block that kills its worker every time is a bug, not bad luck.
MAX_POOL_RESTARTS = 3
# Dask re-runs a task whose worker was lost this many times.
DASK_RETRIES = 3
# Settings for the workers of a Dask cluster this module starts itself. By default each Dask
# worker samples its task thread's stack every 10 ms (the statistical profiler) and wakes its
# event loop every 20 ms; a replicate holds the GIL throughout, so each wake-up interrupts it,
# and the benchmark measured about a third more CPU per replicate than in a plain process.
# Neither feature is needed here: the first serves the dashboard, the second only warns of a
# blocked event loop. Workers started by others (a SLURM or Kubernetes cluster) take their own
# configuration; docs/sweeps.md gives the same settings for them.
DASK_WORKER_SETTINGS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}
# How often a worker checks that the process it works for is alive, where the
# platform cannot notify it (no pidfd): a second is short beside a replicate.
PARENT_POLL_SECONDS = 1.0

BlockResult = list[tuple[int, ReplicateOutcome]]


@dataclass
class ExecutionSettings:
    """Where replicates run; the numbers depend on none of it."""

    workers: int = field(default=1, metadata={"help": "local worker processes, or Dask workers to start"})
    executor: str = field(default="local", metadata={"help": "local processes, or dask (results are identical)"})
    scheduler: str = field(default="", metadata={"help": "Dask scheduler address; empty starts a local cluster"})

    def check(self) -> None:
        """Refuse settings that cannot run, naming the setting."""
        if self.workers < 1:
            raise ConfigError(f"workers={self.workers}; it must be 1 or more.")
        if self.executor not in EXECUTORS:
            raise ConfigError(f"executor={self.executor}; choose one of: {', '.join(EXECUTORS)}.")
        if self.scheduler and self.executor != "dask":
            raise ConfigError("scheduler= is used only with executor=dask.")


@dataclass(frozen=True)
class Block:
    """Replicates `indices` of the ensemble `cfg`; `key` tells the caller where they belong."""

    key: Hashable
    cfg: RunConfig
    indices: tuple[int, ...]
    posterior: Posterior | None = None     # draw parameters from this sample instead of the config's


def run_block(cfg: RunConfig, indices: Sequence[int], posterior: Posterior | None = None) -> BlockResult:
    return run_group((cfg,), indices, posterior)[0]


def run_group(cfgs: Sequence[RunConfig], indices: Sequence[int],
              posterior: Posterior | None = None) -> list[BlockResult]:
    """Replicates `indices` of every config in `cfgs`, each replicate's shared history run once
    (sim/runs/branching.py); one result list per config."""
    results: list[BlockResult] = [[] for _ in cfgs]
    for i in indices:
        for k, outcome in enumerate(run_branches(cfgs, i, posterior)):
            results[k].append((i, outcome))
    return results


def group_blocks(blocks: list[Block]) -> list[tuple[Block, ...]]:
    """Blocks that can share their replicates' history: the same replicates, seed, horizon and posterior.
    Blocks keep their order within a group, and groups the order of their first block."""
    groups: dict[tuple, list[Block]] = {}
    for block in blocks:
        cfg = block.cfg
        key = (block.indices, cfg.seed, cfg.start, cfg.end, id(block.posterior))
        groups.setdefault(key, []).append(block)
    return [tuple(group) for group in groups.values()]


def split(indices: list[int], workers: int) -> list[tuple[int, ...]]:
    """Contiguous blocks of replicate indices, sized for `workers` processes."""
    if not indices:
        return []
    size = max(1, min(MAX_BLOCK, math.ceil(len(indices) / (max(workers, 1) * BLOCKS_PER_WORKER))))
    return [tuple(indices[k:k + size]) for k in range(0, len(indices), size)]


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


def execute(blocks: list[Block], on_done: Callable[[Block, BlockResult], None], *, executor: str = "local",
            workers: int = 1, scheduler: str = "") -> None:
    """Run every block and call `on_done(block, results)` as each finishes (in any order)."""
    if not blocks:
        return
    groups = group_blocks(blocks)

    def done(group: tuple[Block, ...], results: list[BlockResult]) -> None:
        for block, result in zip(group, results, strict=True):
            on_done(block, result)

    if executor == "dask":
        _execute_dask(groups, done, workers, scheduler)
    elif executor != "local":
        raise ConfigError(f"executor is '{executor}'; the executors are: {', '.join(EXECUTORS)}.")
    elif workers <= 1 or len(groups) == 1:
        for group in groups:
            done(group, _run(group))
    else:
        _execute_processes(groups, done, workers)


def _run(group: tuple[Block, ...]) -> list[BlockResult]:
    return run_group(tuple(b.cfg for b in group), group[0].indices, group[0].posterior)


def _execute_processes(blocks: list[tuple[Block, ...]], on_done, workers: int) -> None:
    pending = dict(enumerate(blocks))
    restarts = 0
    while pending:
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context(),
                                     initializer=exit_with_process, initargs=(os.getpid(),)) as pool:
                try:
                    futures = {pool.submit(_run, group): k for k, group in pending.items()}
                    for future in as_completed(futures):
                        # Forget each finished future at once: it holds its block's outcomes.
                        k = futures.pop(future)
                        on_done(pending[k], future.result())
                        del pending[k]
                except BrokenProcessPool:
                    raise
                except BaseException:
                    stop_pool(pool)
                    raise
        except BrokenProcessPool:
            restarts += 1
            if restarts > MAX_POOL_RESTARTS:
                raise RuntimeError(
                    f"worker processes died {restarts} times; {len(pending)} blocks of replicates could "
                    "not be run. Completed replicates are kept; run the same command again to finish."
                ) from None


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End the workers now, dropping queued blocks (on Ctrl-C or an error while filing results).

    Leaving the pool normally would first run every queued block, which takes as
    long as the rest of the run, only to throw the results away.
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def exit_with_process(pid: int) -> None:
    """Worker initializer: quit as soon as process `pid` (the one that runs the ensemble) is gone.

    A process killed with SIGKILL or SIGTERM cannot tell its workers, which
    would otherwise wait for work forever (and keep the fork server alive).
    """
    threading.Thread(target=_exit_when_gone, args=(pid,), daemon=True).start()


def _exit_when_gone(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])          # readable once the process has exited
    else:
        while _alive(pid):
            time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _execute_dask(blocks: list[tuple[Block, ...]], on_done, workers: int, scheduler: str) -> None:
    """Submit every block to a Dask cluster: the one at `scheduler`, or a local one we start."""
    # Here, not at the top: distributed takes about 0.45 s to import, and only executor=dask needs it.
    try:
        from distributed import Client
        from distributed import as_completed as dask_as_completed
    except ImportError:
        raise ConfigError("executor=dask needs the 'distributed' package; install the project again "
                          "(`make` does) or `pip install distributed`.") from None
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise ConfigError(f"cannot reach the Dask scheduler at '{scheduler}' ({err}); give the "
                                  "address of a running scheduler, such as tcp://host:8786.") from None
        else:
            cluster = start_local_cluster(workers)
            client = Client(cluster)
        with client:
            futures = {client.submit(_run, group, pure=False, retries=DASK_RETRIES): group for group in blocks}
            for future in dask_as_completed(list(futures)):
                on_done(futures.pop(future), future.result())     # forgotten at once: it holds its outcomes
                future.release()
    finally:
        if cluster is not None:
            cluster.close()


def start_local_cluster(workers: int):
    """A Dask LocalCluster of `workers` single-threaded worker processes, configured for replicates."""
    import dask  # only executor=dask needs these (see _execute_dask)
    from distributed import LocalCluster

    with dask.config.set(DASK_WORKER_SETTINGS):       # each worker's nanny hands it this configuration
        return LocalCluster(n_workers=max(workers, 1), threads_per_worker=1, processes=True,
                            dashboard_address=None)


class TaskPool:
    """Long-lived workers for many small tasks whose results come back in the order they were given.

    The calibration's generations and the sensitivity samples map one function over many inputs, again and
    again; starting workers once (local processes, or a Dask cluster) keeps the model compiled and imported
    between maps. Results depend only on the inputs, never on the executor or the number of workers.
    """

    def __init__(self, executor: str = "local", workers: int = 1, scheduler: str = ""):
        if executor not in EXECUTORS:
            raise ConfigError(f"executor is '{executor}'; the executors are: {', '.join(EXECUTORS)}.")
        self.executor, self.workers, self.scheduler = executor, max(1, workers), scheduler
        self._pool = self._client = self._cluster = None

    def __enter__(self) -> TaskPool:
        if self.executor == "dask":
            from distributed import Client  # only executor=dask needs it (see _execute_dask)

            if self.scheduler:
                self._client = Client(self.scheduler, timeout="20s")
            else:
                self._cluster = start_local_cluster(self.workers)
                self._client = Client(self._cluster)
        elif self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=worker_context(),
                                             initializer=exit_with_process, initargs=(os.getpid(),))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            if exc[0] is not None:
                stop_pool(self._pool)
            else:
                self._pool.shutdown()
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def map(self, function: Callable, items: Sequence) -> list:
        """`function(item)` for every item, in the items' order, spread over the workers in even chunks."""
        if self._client is not None:
            futures = self._client.map(function, list(items), pure=False, retries=DASK_RETRIES)
            return self._client.gather(futures)
        if self._pool is None:
            return [function(item) for item in items]
        chunk = max(1, math.ceil(len(items) / (self.workers * BLOCKS_PER_WORKER)))
        return list(self._pool.map(function, items, chunksize=chunk))
