"""How long a student waits on the explorer page; prints figures, asserts nothing.

    python benchmarks/bench_explorer.py [--workers 2] [--sizes 10,20,30] [--importance 10,20]

Times, with the page's own code and worker count, (1) composing the configs the
page needs, (2) an ensemble of the baseline scenario beside itself and of a
changed choice beside the baseline, at the page's replicate counts, and (3)
"what matters most?" for the baseline's choices; and the CPU seconds of one
replicate-year in this process, the figure behind the page's first estimate
(`sim.explore.batch.SECONDS_PER_REPLICATE_YEAR`). Prints the machine's load
average too: on a shared machine every wall time grows with it.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import platform
import time

from sim.analysis.targets import reference_rate_2024
from sim.explore import batch, comparison, importance
from sim.explore.choices import Choices, baseline_for
from sim.runs.ensemble import run_replicate


def seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cpu_per_replicate_year(choices: Choices, replicates: int = 3) -> float:
    cfg = choices.config(end="2027-12-31")
    run_replicate(cfg, 0)                    # warm-up: imports, caches
    start = time.process_time()
    for i in range(replicates):
        run_replicate(cfg, i)
    return (time.process_time() - start) / batch.replicate_years([dataclasses.replace(cfg, replicates=replicates)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sizes", default="10,20,30", help="ensemble sizes to time")
    parser.add_argument("--importance", default="10,20", help="replicates per variant for 'what matters most'")
    ns = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, workers={ns.workers}, "
          f"load average at start {os.getloadavg()[0]:.1f}")
    baseline, changed = Choices.of("baseline"), Choices.of("baseline").with_level("syria", "collapse")
    print(f"compose the baseline's config (its history, once): {seconds(baseline.config):.1f} s")
    print(f"compose a changed choice (joined to that history): {seconds(changed.config):.2f} s")
    print(f"compose every config of 'what matters most': {seconds(lambda: importance.plan(baseline, 10)):.1f} s")
    print(f"CPU per replicate-year: {cpu_per_replicate_year(baseline):.3f} s "
          f"(the page's first estimate uses {batch.SECONDS_PER_REPLICATE_YEAR})")
    for size in (int(s) for s in ns.sizes.split(",")):
        cfg = changed.config(replicates=size)
        wall = seconds(lambda: comparison.run_comparison(cfg, baseline_for(cfg), ns.workers))
        print(f"ensemble of {size} replicates beside the baseline (2022-2028): {wall:.1f} s")
    for size in (int(s) for s in ns.importance.split(",")):
        wall = seconds(lambda: importance.run_importance(baseline, size, ns.workers, reference_rate_2024()))
        print(f"what matters most, {size} replicates per variant (2022-2027): {wall:.1f} s")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
