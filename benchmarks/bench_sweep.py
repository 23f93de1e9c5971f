"""Speed of a sweep: a 4 x 3 grid of determinant levels, 100 replicates a point, default horizon.

    python benchmarks/bench_sweep.py [--replicates 100] [--skip-serial] [--rounds 1]

Times the whole sweep (1,200 runs with the defaults, into a scratch folder)
with 1 and 2 local worker processes and with a 2-worker Dask LocalCluster,
start-up included, and prints runs per second, parallel efficiency, the Dask
executor's time relative to local processes, peak memory, and whether all
the datasets are identical. Prints figures; asserts nothing.

A shared virtual machine's CPU speed drifts by tens of percent from minute to
minute, so with --rounds N the 2-worker local and Dask sweeps alternate N
times and the Dask-to-local ratio is given per round (each pair ran close
together in time) and as the median over rounds.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import resource
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from sim.sweeps.engine import run_sweep
from sim.sweeps.spec import sweep_from_dict, sweep_points

GRID = {
    "drawdown": ["posture_2024", "training_only", "erbil_and_gulf", "complete_exit"],
    "syria": ["contained", "post_assad_chaos", "collapse"],
}


class PeakMemory:
    """Largest resident memory of this process and all its descendants, sampled while a sweep runs."""

    def __init__(self):
        self.peak_total = 0.0
        self.peak_single = 0.0

    def sample(self) -> None:
        procs = [psutil.Process(), *psutil.Process().children(recursive=True)]
        sizes = []
        for p in procs:
            try:
                sizes.append(p.memory_info().rss / 2**20)
            except psutil.Error:
                continue
        self.peak_total = max(self.peak_total, sum(sizes))
        self.peak_single = max(self.peak_single, max(sizes, default=0.0))


def timed(spec, points, folder: Path, label: str, memory: PeakMemory, **execution) -> float:
    start = time.perf_counter()
    run_sweep(spec, folder / label, progress=False, points=points, on_point=lambda _: memory.sample(), **execution)
    return time.perf_counter() - start


def files(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())["files"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=100, help="replicates per point")
    parser.add_argument("--skip-serial", action="store_true", help="leave out the 1-worker timing")
    parser.add_argument("--rounds", type=int, default=1, help="alternate 2-worker local and Dask sweeps N times")
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    spec = sweep_from_dict({"name": "bench", "axes": GRID, "replicates": args.replicates, "seed": 1})
    points = sweep_points(spec)
    runs = len(points) * spec.replicates
    print(f"sweep of {len(points)} points x {spec.replicates} replicates = {runs} runs, "
          f"{points[0].config.start} to {points[0].config.end}; Python {platform.python_version()}, "
          f"{psutil.cpu_count(logical=True)} logical CPUs")
    folder = Path(tempfile.mkdtemp(prefix="sim-bench-sweep-"))
    memory = PeakMemory()
    try:
        serial = None
        if not args.skip_serial:
            serial = timed(spec, points, folder, "serial", memory, workers=1)
            print(f"{'local, 1 worker':30s} {serial:7.1f} s  {runs / serial:6.2f} runs/s", flush=True)
        local, dask = [], []
        for k in range(args.rounds):
            local.append(timed(spec, points, folder, f"local2-{k}", memory, workers=2))
            dask.append(timed(spec, points, folder, f"dask2-{k}", memory, executor="dask", workers=2))
            for label, seconds in (("local, 2 workers", local[-1]), ("dask LocalCluster, 2 workers", dask[-1])):
                print(f"{label:30s} {seconds:7.1f} s  {runs / seconds:6.2f} runs/s   (round {k + 1})", flush=True)
            print(f"  Dask relative to local processes in round {k + 1}: {dask[-1] / local[-1] - 1:+.1%}", flush=True)
        if serial is not None:
            print(f"parallel efficiency, 2 local workers: {serial / local[0] / 2:.0%} (1 worker against round 1)")
        ratios = [d / lo for d, lo in zip(dask, local, strict=True)]
        print(f"Dask relative to local processes, median over {args.rounds} round(s): "
              f"{statistics.median(ratios) - 1:+.1%}")
        print(f"peak memory: {memory.peak_total:.0f} MiB for all processes together, largest single process "
              f"{memory.peak_single:.0f} MiB; this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        reference = files(folder / "local2-0")
        same = all(files(p) == reference for p in folder.iterdir() if (p / "manifest.json").exists())
        print(f"datasets identical across executors and worker counts: {same}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
