"""Per-replicate figures of the baseline from any version of the engine, for comparing engines.

    python benchmarks/engine_reference.py --commit 4ad44ef --replicates 2000 --seed 20240101 \
        --out tests/baseline/engine_reference.csv

checks the given commit out into a temporary git worktree, runs its baseline
ensemble there (in a process that imports that version of the package), and
writes one row per replicate: attacks in each calendar year, killed and
wounded, fighters in Iraq at the end of 2024 and at the end of the horizon,
removals in Iraq, attacks in Syria, and each governorate's share of the
replicate's attacks. Without --commit it runs the working tree's engine.
`tests/test_engine_equivalence.py` compares the pinned engine's rows with the
engine of today; the figures are computed the same way for both by the
script below, which uses only what both versions offer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs inside the engine's own checkout: only interfaces both versions have (load_scenario, run_ensemble,
# the outcome's attacks, monthly states and counters, and the areas' governorates).
FIGURES = r'''
import sys, datetime as dt
import numpy as np, pandas as pd
from sim.api import load_scenario
from sim.runs.ensemble import run_ensemble
from sim.analysis.governorates import area_governorates
from sim.model.geography import load_geography

seed, replicates, workers, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cfg = load_scenario("baseline", [f"seed={seed}", f"replicates={replicates}", "progress=false"])
geo, where = load_geography(), area_governorates()
governorates = sorted({where[a] for a, inside in zip(geo.area_ids, geo.in_iraq) if inside})
start = np.datetime64(cfg.start)
rows = []
if __name__ == "__main__":
    outcomes = run_ensemble(cfg, workers=workers, progress=False)
    for i, o in enumerate(outcomes):
        a, c = o.attacks, o.counters
        years = (start + a["day"].astype("timedelta64[D]")).astype("datetime64[Y]").astype(int) + 1970
        row = {"replicate": i}
        for year in range(int(cfg.start[:4]), int(cfg.end[:4]) + 1):
            row[f"attacks_{year}"] = int((years == year).sum())
        row["killed_and_wounded"] = int(a["killed"].sum() + a["wounded"].sum())
        fighters = o.monthly_state["fighters_iraq"]
        row["fighters_2024_12"] = float(fighters[o.month_starts.index("2024-12")])
        row["fighters_end"] = int(c["fighters_end"])
        row["removed_iraq"] = int(c["removed_by_raids"] + c["removed_by_strikes"] + c["removed_by_iraqi_strikes"])
        row["attacks_syria"] = int(c["attacks_syria"])
        counts = pd.Series([where[geo.area_ids[k]] for k in a["area"]]).value_counts()
        for g in governorates:
            row[f"share_{g.lower().replace(' ', '_').replace('-', '_')}"] = float(counts.get(g, 0) / max(a["day"].size, 1))
        rows.append(row)
    pd.DataFrame(rows).to_csv(out, index=False, lineterminator="\n", float_format="%.12g")
'''


def figures(checkout: Path, seed: int, replicates: int, workers: int, out: Path) -> None:
    """Run FIGURES with the package of `checkout` first on the import path."""
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "figures.py"
        script.write_text(FIGURES)
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        subprocess.run([sys.executable, str(script), str(seed), str(replicates), str(workers), str(out.resolve())],
                       check=True, cwd=scratch, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="", help="the engine's commit (default: the working tree)")
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not args.commit:
        figures(ROOT, args.seed, args.replicates, args.workers, args.out)
        return
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "engine"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.commit], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            figures(tree, args.seed, args.replicates, args.workers, args.out)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False,
                           capture_output=True)
    print(f"wrote {args.out}: {args.replicates} replicates of the engine at {args.commit}, seed {args.seed}")


if __name__ == "__main__":
    main()
