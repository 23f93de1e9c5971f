"""What branching from one shared history saves: an N-scenario comparison run both ways, side by side.

    python benchmarks/bench_branching.py [--scenarios 5] [--replicates 20] [--rounds 3]

Replicate i of the baseline and of N-1 other named scenarios, all with the same seed, run once each from
1 January 2020 to the end of 2028 (`run_replicate` per scenario), and once as a trunk to the branch date
with every scenario continuing from a copy of its state (`run_branches`, sim/runs/branching.py). Both
give the same outcomes bit for bit (tests/test_branching.py); this prints the seconds of each, round by
round (taking turns, so a drift of the machine's speed falls on both), and the ratio. Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.api import load_scenario
from sim.runs.branching import run_branches
from sim.runs.replicate import run_replicate

NAMES = ("baseline", "full_exit", "syria_collapse", "washington_rupture", "regional_escalation", "best_case",
         "worst_case", "agreed_exit", "iraq_alone", "residual_presence")


def separately(cfgs, replicates: int) -> float:
    started = time.perf_counter()
    for index in range(replicates):
        for cfg in cfgs:
            run_replicate(cfg, index)
    return time.perf_counter() - started


def branched(cfgs, replicates: int) -> float:
    started = time.perf_counter()
    for index in range(replicates):
        run_branches(cfgs, index)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=5, help=f"scenarios compared (2 to {len(NAMES)})")
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cfgs = [load_scenario(name) for name in NAMES[: max(2, min(args.scenarios, len(NAMES)))]]
    separately(cfgs, 1), branched(cfgs, 1)                          # compiled code loaded, caches warm
    print(f"{len(cfgs)} scenarios x {args.replicates} replicates, {cfgs[0].start} to {cfgs[0].end}, "
          f"branch {cfgs[1].branch_date}")
    ratios = []
    for r in range(args.rounds):
        alone, shared = separately(cfgs, args.replicates), branched(cfgs, args.replicates)
        ratios.append(alone / shared)
        print(f"round {r + 1}: each from the start {alone:.2f} s, branched {shared:.2f} s, ratio {alone / shared:.2f}")
    print(f"median ratio {statistics.median(ratios):.2f} (the work saved: {1 - 1 / statistics.median(ratios):.0%})")


if __name__ == "__main__":
    main()
