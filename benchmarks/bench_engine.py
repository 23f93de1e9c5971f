"""Today's engine against a pinned earlier one, side by side: seconds per replicate and their ratio.

    python benchmarks/bench_engine.py [--commit 4ad44ef] [--replicates 20] [--rounds 3]

Checks the pinned commit out into a temporary git worktree and times one
baseline replicate on the history from 2022 (2022-01-01 to 2028-12-31) with each
engine, in child processes of this one on the same machine, taking turns (old,
new, old, new, ...) so that a drift of the machine's speed falls on both. Each
child runs two replicates to warm up (imports, compiled code loaded from its
cache) and then times `--replicates` replicates one by one with the garbage
collector off. Prints each engine's fastest and median seconds per replicate
per round, each round's ratio of medians, and the median ratio over the rounds.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINNED = "4ad44ef"       # the engine of numpy rules on Python objects, before the compiled rules

TIMER = r'''
import gc, json, logging, sys, time
from sim.api import load_scenario
from sim.runs.replicate import run_replicate
logging.getLogger("MESA").setLevel(logging.WARNING)
count = int(sys.argv[1])
cfg = load_scenario("baseline", ["history=observed"])      # both engines: the history from 2022 to 2028
for i in range(2):
    run_replicate(cfg, i)
gc.disable()
times = []
for i in range(100, 100 + count):
    started = time.perf_counter()
    run_replicate(cfg, i)
    times.append(time.perf_counter() - started)
print(json.dumps({"start": cfg.start, "end": cfg.end, "seconds": times}))
'''


def time_engine(checkout: Path, replicates: int) -> dict:
    """Seconds of each timed replicate, from a child process importing the package of `checkout`."""
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "timer.py"
        script.write_text(TIMER)
        done = subprocess.run([sys.executable, str(script), str(replicates)], cwd=scratch, check=True,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(checkout)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default=PINNED, help="the earlier engine's commit")
    parser.add_argument("--replicates", type=int, default=20, help="replicates timed per engine and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "pinned"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.commit], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            for round_ in range(1, args.rounds + 1):
                old, new = time_engine(tree, args.replicates), time_engine(ROOT, args.replicates)
                old_median, new_median = statistics.median(old["seconds"]), statistics.median(new["seconds"])
                ratios.append(old_median / new_median)
                print(f"round {round_}: engine at {args.commit}: fastest {min(old['seconds']):.4f} s, median "
                      f"{old_median:.4f} s; this engine: fastest {min(new['seconds']):.4f} s, median "
                      f"{new_median:.4f} s; ratio {ratios[-1]:.1f}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False,
                           capture_output=True)
    print(f"baseline replicate, the earlier engine {old['start']} to {old['end']}, this one {new['start']} to "
          f"{new['end']} (with the rules added since switched on), {args.replicates} replicates per engine and round: "
          f"this engine is {statistics.median(ratios):.1f} times faster than the one at {args.commit} "
          f"(median of {args.rounds} rounds)")


if __name__ == "__main__":
    main()
