"""Syria's collapse against the baseline in 2027, with IS's effort free to move and nearly held.

A collapse in Syria lowers attacks in Iraq in the model (docs/validation.md, section 6). This separates
the two ways it could: effort turning to Syria (docs/model.md 4.11), or arrivals making the network in
Iraq weaker. Both scenarios run twice with the same seed, once as they are and once with
`effort_shift_days` at its upper bound (the effort then moves about a tenth of the way to its target in
a year); each pair is compared replicate by replicate.

    .venv/bin/python tools/syria_decomposition.py [--replicates 100] [--seed 2024] [--workers 2]
"""

from __future__ import annotations

import argparse

import numpy as np

from sim.analysis.contrast import paired_difference
from sim.api import load_scenario, run
from sim.defaults import COMPARISON_WINDOW

VARIANTS = (("effort moves (the model)", []),
            ("effort nearly frozen", ["model.syria.effort_shift_days=3650"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    start, end = COMPARISON_WINDOW
    print("| | baseline | syria_collapse | difference (95% CI) | crossed into Iraq since 2022 (medians) "
          "| fighters in Iraq at the end (medians) |")
    print("|---|---|---|---|---|---|")
    for label, extra in VARIANTS:
        runs = {name: run(load_scenario(name, [*extra, f"end={end}", "plots=false"]), replicates=args.replicates,
                          seed=args.seed, workers=args.workers) for name in ("baseline", "syria_collapse")}
        d = paired_difference(runs["baseline"].monthly, runs["syria_collapse"].monthly, start, end)
        crossed = " / ".join(f"{np.median(r.replicates['crossed']):.0f}" for r in runs.values())
        fighters = " / ".join(f"{np.median(r.replicates['fighters_end']):.0f}" for r in runs.values())
        print(f"| {label} | {d['mean_a']:.2f} | {d['mean_b']:.2f} | {d['difference']:+.2f} "
              f"({d['ci95_low']:+.2f} to {d['ci95_high']:+.2f}) | {crossed} | {fighters} |")


if __name__ == "__main__":
    main()
