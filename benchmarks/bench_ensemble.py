"""Speed of the baseline scenario over the default horizon; prints figures, asserts nothing.

    python benchmarks/bench_ensemble.py [--replicates 1000] [--single 10]

Prints seconds per replicate (fastest of several single-replicate runs after a
warm-up, garbage collector off), agent-steps per second, replicates per second
for whole ensembles with 1 and 2 workers, and peak memory (this process and
its workers).
"""

from __future__ import annotations

import argparse
import gc
import logging
import platform
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from sim.api import load_scenario
from sim.defaults import BASELINE_SCENARIO
from sim.runs.ensemble import run_ensemble, run_replicate, worker_context
from sim.runs.replicate import replicate_model


def agent_steps(cfg, index: int) -> int:
    """Agents alive summed over every day of one replicate (a separate, untimed pass)."""
    model = replicate_model(cfg, index)
    total = 0
    for _ in range(model.n_days):
        model.step()
        total += len(model.agents)
    return total


def time_single(cfg, repeats: int) -> list[float]:
    run_replicate(cfg, 0)                      # warm-up: imports, caches
    times = []
    gc.disable()
    try:
        for i in range(repeats):
            start = time.perf_counter()
            run_replicate(cfg, i)
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return times


def time_ensemble(cfg, replicates: int, workers: int) -> float:
    start = time.perf_counter()
    run_ensemble(cfg, indices=range(replicates), workers=workers, progress=False)
    return time.perf_counter() - start


def _peak_after_replicates(cfg, indices) -> float:
    for i in indices:
        run_replicate(cfg, i)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=BASELINE_SCENARIO)
    parser.add_argument("--replicates", type=int, default=200, help="ensemble size for the 1- and 2-worker timings")
    parser.add_argument("--single", type=int, default=10, help="single-replicate timings to take")
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    cfg = load_scenario(args.scenario)
    print(f"scenario {cfg.scenario.name}, {cfg.start} to {cfg.end}; Python {platform.python_version()}, "
          f"{platform.machine()}")

    singles = time_single(cfg, args.single)
    best, median = min(singles), statistics.median(singles)
    steps = agent_steps(cfg, 0)
    print(f"one replicate: fastest {best:.3f} s, median {median:.3f} s over {args.single} runs")
    print(f"agent-steps per replicate: {steps:,}; agent-steps per second: {steps / best:,.0f}")

    serial = time_ensemble(cfg, args.replicates, workers=1)
    # The first pool in a process starts the worker server (a fresh interpreter importing the
    # model); timed apart, since it is paid once per process, not per ensemble.
    startup = time_ensemble(cfg, 2, workers=2) - 2 * median
    parallel = time_ensemble(cfg, args.replicates, workers=2)
    print(f"worker start-up, paid once per process: about {max(startup, 0.0):.1f} s")
    print(f"{args.replicates} replicates, 1 worker : {serial:7.1f} s  ({args.replicates / serial:.2f} replicates/s)")
    print(f"{args.replicates} replicates, 2 workers: {parallel:7.1f} s  ({args.replicates / parallel:.2f} replicates/s,"
          f" speed-up {serial / parallel:.2f}x, parallel efficiency {serial / parallel / 2:.0%})")
    print(f"projected 1,000 replicates with 2 workers: {1000 * parallel / args.replicates / 60:.1f} min")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with ProcessPoolExecutor(max_workers=2, mp_context=worker_context()) as pool:
        worker_peaks = list(pool.map(_peak_after_replicates, [cfg, cfg], [range(0, 5), range(5, 10)]))
    print(f"peak memory: this process {own:.0f} MiB (it held all {args.replicates} outcomes); "
          f"a worker after 5 replicates {max(worker_peaks):.0f} MiB")


if __name__ == "__main__":
    main()
