"""Memory an ensemble holds per replicate; prints figures, asserts nothing.

    python benchmarks/bench_memory.py [--replicates 100 400] [--end 2027-12-31] [--workers 2]

For each replicate count, in a fresh process: the bytes of the outcome arrays,
the growth of the main process's resident memory while it holds the outcomes,
and its peak while it builds the tables and writes the run directory. The
slope between two counts is the cost of one more replicate; the ratio of that
slope to the outcome's own bytes is the overhead factor that the ensemble's
memory check (`sim.runs.ensemble.MEMORY_OVERHEAD`) uses.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

ONE = r"""
import json, resource, sys, tempfile, logging
import psutil
from pathlib import Path
logging.getLogger("MESA").setLevel(logging.WARNING)
from sim.api import EnsembleResult, load_scenario
from sim.defaults import BASELINE_SCENARIO
from sim.runs.ensemble import outcome_bytes, run_ensemble
n, end, workers = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
cfg = load_scenario(BASELINE_SCENARIO, [f"end={end}", f"replicates={n}", "plots=false"])
me = psutil.Process()
before = me.memory_info().rss
outcomes = run_ensemble(cfg, workers=workers, progress=False)
held = me.memory_info().rss - before
with tempfile.TemporaryDirectory() as scratch:
    EnsembleResult(cfg, outcomes).save(Path(scratch) / "run")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"n": n, "outcome_bytes": sum(outcome_bytes(o) for o in outcomes), "held": held,
                  "peak": peak, "start": before}))
"""


def measure(n: int, end: str, workers: int) -> dict:
    out = subprocess.run([sys.executable, "-c", ONE, str(n), end, str(workers)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, nargs=2, default=[100, 400])
    parser.add_argument("--end", default="2027-12-31")
    parser.add_argument("--workers", type=int, default=2)
    ns = parser.parse_args()
    mb = 1024 * 1024
    rows = [measure(n, ns.end, ns.workers) for n in ns.replicates]
    for r in rows:
        print(f"{r['n']:6d} replicates: outcome arrays {r['outcome_bytes'] / mb:8.1f} MiB, held by the main process "
              f"{r['held'] / mb:8.1f} MiB, peak while writing {r['peak'] / mb:8.1f} MiB "
              f"(process at start {r['start'] / mb:.0f} MiB)")
    (a, b), dn = rows, rows[1]["n"] - rows[0]["n"]
    per_outcome = (b["outcome_bytes"] - a["outcome_bytes"]) / dn
    per_held = (b["held"] - a["held"]) / dn
    per_peak = (b["peak"] - a["peak"]) / dn
    print(f"per replicate (slope, horizon to {ns.end}): outcome arrays {per_outcome / 1024:.1f} KiB, held "
          f"{per_held / 1024:.1f} KiB, peak {per_peak / 1024:.1f} KiB; peak / outcome bytes {per_peak / per_outcome:.1f}")


if __name__ == "__main__":
    main()
