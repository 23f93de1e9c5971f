"""Peak memory and time of `sim run` over ensemble sizes, all its processes together; prints figures, asserts nothing.

    python benchmarks/bench_memory.py [--replicates 1000 10000 100000] [--workers 2] [--csv false]

Each size runs `sim run replicates=N workers=W` of the baseline (its default window, from
1 January 2020 to 2028-12-31) in a fresh process, into a temporary folder, while the resident
memory of the command and every process it starts (workers, the fork server)
is sampled every 0.2 s and summed; the largest sum is the peak. Memory is
counted as each process's proportional set size (PSS: its private pages, and
its share of the pages it shares with others), so that the workers forked from
one server, which share the compiled model and the libraries, are not counted
as many times as there are workers (their resident sizes would be). A memory
curve that stays flat as N grows is what streaming the tables to disk buys:
the main process holds only a digest of a few numbers a replicate.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

MIB = 1024 * 1024


def tree_memory(process: psutil.Process) -> tuple[int, int]:
    """Proportional and resident bytes of a process and all its descendants, each summed (a process that ends
    while it is counted counts as 0)."""
    pss = rss = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            info = p.memory_full_info()
        except psutil.Error:
            continue
        pss, rss = pss + info.pss, rss + info.rss
    return pss, rss


def measure(n: int, workers: int, csv: bool) -> tuple[float, float, float, int]:
    """Seconds, peak MiB of the whole process tree (PSS, and resident sizes summed), and the run folder's bytes,
    for N replicates."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run"
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "sim", "run", f"replicates={n}", f"workers={workers}",
                                  f"csv={'true' if csv else 'false'}", "progress=false", f"out={out}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        watched, peak, peak_rss = psutil.Process(child.pid), 0, 0
        while child.poll() is None:
            pss, rss = tree_memory(watched)
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"sim run replicates={n} failed: {child.stderr.read().decode()[-2000:]}")
        size = sum(p.stat().st_size for p in out.iterdir())
    return seconds, peak / MIB, peak_rss / MIB, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--csv", choices=("true", "false"), default="false")
    args = parser.parse_args()
    print(f"sim run (baseline, its default window), workers={args.workers}, csv={args.csv}:")
    for n in args.replicates:
        seconds, peak, peak_rss, size = measure(n, args.workers, args.csv == "true")
        print(f"{n:>8,} replicates: {seconds:7.1f} s, peak memory of all processes {peak:6.0f} MiB (resident "
              f"sizes summed: {peak_rss:6.0f} MiB), run folder {size / MIB:8.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
