"""How the cost of one replicate grows with the horizon and with the number of cells.

    python benchmarks/bench_scaling.py [--repeats 3]

Times one replicate of the baseline (fastest of several, after a warm-up) for
horizons of one to four years and for 0.5 to 4 times the starting fighters
(cells scale with fighters at a fixed mean cell size). Ensembles and sweeps
cost replicates times this, divided among the workers. Prints figures.
"""

from __future__ import annotations

import argparse
import logging
import time

from sim.api import load_scenario
from sim.defaults import BASELINE_SCENARIO
from sim.runs.ensemble import run_replicate


def fastest(cfg, repeats: int) -> float:
    best = float("inf")
    for i in range(repeats):
        start = time.perf_counter()
        run_replicate(cfg, i)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    run_replicate(load_scenario(), 0)          # warm-up
    print("horizon from 2024-01-01   seconds per replicate")
    for end in ("2024-12-31", "2025-12-31", "2026-12-31", "2027-12-31"):
        print(f"  to {end}             {fastest(load_scenario(BASELINE_SCENARIO, [f'end={end}']), args.repeats):.3f}")
    print("starting fighters (cells)   seconds per replicate, to 2027-12-31")
    for fighters in (400, 800, 1600, 3200):
        cfg = load_scenario(BASELINE_SCENARIO, [f"model.insurgents.initial_fighters_iraq={fighters}"])
        cells = fighters / cfg.model.insurgents.mean_cell_size
        print(f"  {fighters:5d} (about {cells:4.0f})        {fastest(cfg, args.repeats):.3f}")


if __name__ == "__main__":
    main()
