"""Per-replicate figures of the baseline from any version of the engine, for comparing engines.

    python benchmarks/engine_reference.py --commit 4ad44ef --replicates 2000 --seed 20240101 \
        --out tests/baseline/engine_reference.csv

checks the given commit out into a temporary git worktree, runs its baseline
ensemble there (in a process that imports that version of the package), and
writes one row per replicate: attacks in each calendar year, killed and
wounded, fighters in Iraq at the end of 2024 and at the end of the horizon,
removals in Iraq, attacks in Syria, and attacks in each Iraqi governorate
(tests/engine_figures.py, which uses only what every version offers). Without
--commit it runs the working tree's engine. `tests/test_engine_equivalence.py`
compares the pinned engine's rows with the engine of today.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The figures, computed by the same file for both engines: it uses only interfaces every version has.
FIGURES = ROOT / "tests" / "engine_figures.py"


def figures(checkout: Path, seed: int, replicates: int, workers: int, out: Path) -> None:
    """Run tests/engine_figures.py with the package of `checkout` first on the import path."""
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "engine_figures.py"
        script.write_text(FIGURES.read_text(encoding="utf-8"))
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
