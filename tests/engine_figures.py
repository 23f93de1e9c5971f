"""The per-replicate figures by which two versions of the engine are compared (tests/test_engine_equivalence.py).

This file is also run as a script inside a checkout of an earlier version (benchmarks/engine_reference.py), so
it uses only what every version offers: `load_scenario`, `run_ensemble`, a replicate's attacks, monthly states
and counters, and the areas' governorates.

    python tests/engine_figures.py SEED REPLICATES WORKERS OUT.csv
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

FIGURE_SCENARIO = "baseline"


def figures(seed: int, replicates: int, workers: int, first: int = 0) -> pd.DataFrame:
    """One row per replicate: attacks per calendar year, killed and wounded, fighters in Iraq at the end of 2024
    and of the run, removals in Iraq, attacks in Syria, and each Iraqi governorate's share of the attacks."""
    from sim.analysis.governorates import area_governorates
    from sim.api import load_scenario
    from sim.model.geography import load_geography
    from sim.runs.ensemble import run_ensemble

    cfg = load_scenario(FIGURE_SCENARIO, [f"seed={seed}", f"replicates={first + replicates}", "progress=false"])
    geo, where = load_geography(), area_governorates()
    governorates = sorted({where[a] for a, inside in zip(geo.area_ids, geo.in_iraq, strict=True) if inside})
    start = np.datetime64(cfg.start)
    rows = []
    indices = range(first, first + replicates)
    for i, o in zip(indices, run_ensemble(cfg, indices=indices, workers=workers, progress=False), strict=True):
        a, c = o.attacks, o.counters
        years = (start + a["day"].astype("timedelta64[D]")).astype("datetime64[Y]").astype(int) + 1970
        row = {"replicate": i}
        for year in range(int(cfg.start[:4]), int(cfg.end[:4]) + 1):
            row[f"attacks_{year}"] = int((years == year).sum())
        row["killed_and_wounded"] = int(a["killed"].sum() + a["wounded"].sum())
        row["fighters_2024_12"] = int(o.monthly_state["fighters_iraq"][o.month_starts.index("2024-12")])
        row["fighters_end"] = int(c["fighters_end"])
        row["removed_iraq"] = int(c["removed_by_raids"] + c["removed_by_strikes"] + c["removed_by_iraqi_strikes"])
        row["attacks_syria"] = int(c["attacks_syria"])
        hit = pd.Series([where[geo.area_ids[k]] for k in a["area"]], dtype=object).value_counts()
        for g in governorates:
            row[f"attacks_{g.lower().replace(' ', '_').replace('-', '_')}"] = int(hit.get(g, 0))
        rows.append(row)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    seed, replicates, workers, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    figures(seed, replicates, workers).to_csv(out, index=False, lineterminator="\n")
