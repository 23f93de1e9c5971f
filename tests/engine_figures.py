"""The per-replicate figures by which two versions of the engine are compared (tests/test_engine_equivalence.py).

This file is also run as a script inside a checkout of an earlier version (benchmarks/engine_reference.py), so
it uses only what every version offers: `load_scenario`, `run_ensemble`, a replicate's attacks, monthly states
and counters, and the areas' governorates.

    python tests/engine_figures.py SEED REPLICATES WORKERS OUT.csv
    python tests/engine_figures.py compare REFERENCE.csv SEED WORKERS     # the comparison table, as markdown
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

FIGURE_SCENARIO = "baseline"
# The comparison: each test at FAMILY_LEVEL / (number of figures), and at least POWER against a SHIFT.
FAMILY_LEVEL = 0.01
SHIFT = 0.10
POWER = 0.9


def figures(seed: int, replicates: int, workers: int, first: int = 0, cfg=None) -> pd.DataFrame:
    """One row per replicate: attacks per calendar year, killed and wounded, fighters in Iraq at the end of 2024
    and of the run, removals in Iraq, attacks in Syria, and each Iraqi governorate's share of the attacks. The
    runs are of `cfg` (a RunConfig), or of the baseline scenario as the running version composes it."""
    import dataclasses

    from sim.analysis.governorates import area_governorates
    from sim.geography import load_geography
    from sim.runs.ensemble import run_ensemble

    if cfg is None:
        from sim.api import load_scenario

        cfg = load_scenario(FIGURE_SCENARIO, [f"seed={seed}", f"replicates={first + replicates}", "progress=false"])
    else:
        cfg = dataclasses.replace(cfg, seed=seed, replicates=first + replicates, progress=False)
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


def mean_test(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float, float]:
    """Welch's p-value for equal means, the standard error of the difference, and the two means."""
    from scipy import stats

    se = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue), se, float(a.mean()), float(b.mean())


def share_test(part_a, total_a, part_b, total_b) -> tuple[float, float, float, float]:
    """Two ratios of sums (a governorate's share of all attacks): the p-value of their difference, its
    delta-method standard error over replicates, and the two shares."""
    from scipy import stats

    def ratio(part, total):
        r = part.sum() / total.sum()
        return r, ((part - r * total) / total.mean()).var(ddof=1) / part.size

    (ra, va), (rb, vb) = ratio(part_a, total_a), ratio(part_b, total_b)
    se = float(np.sqrt(va + vb))
    return float(2 * stats.norm.sf(abs(ra - rb) / se)), se, float(ra), float(rb)


def power(se: float, reference_value: float, level: float) -> float:
    """Power of a two-sided test at `level` against a shift of SHIFT times the reference value."""
    from scipy import stats

    return float(stats.norm.sf(stats.norm.isf(level / 2) - SHIFT * abs(reference_value) / se))


def comparison(reference: pd.DataFrame, other: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Figure by figure: the reference's and the other sample's value, the p-value of their difference and the
    test's power against a SHIFT; and the level each test is run at (Bonferroni over the figures)."""
    yearly = [c for c in reference if c.startswith("attacks_") and c[-4:].isdigit()]
    governorates = [c for c in reference if c.startswith("attacks_") and c not in yearly and c != "attacks_syria"]
    plain = [*yearly, "killed_and_wounded", "fighters_2024_12", "fighters_end", "removed_iraq", "attacks_syria"]
    level = FAMILY_LEVEL / (len(plain) + len(governorates))
    totals = reference[yearly].sum(axis=1).to_numpy(float), other[yearly].sum(axis=1).to_numpy(float)
    rows = []
    for name in plain:
        p, se, a, b = mean_test(reference[name].to_numpy(float), other[name].to_numpy(float))
        rows.append((f"mean {name}", a, b, p, power(se, a, level)))
    for name in governorates:
        p, se, a, b = share_test(reference[name].to_numpy(float), totals[0], other[name].to_numpy(float), totals[1])
        rows.append((f"share of attacks, {name[8:].replace('_', ' ')}", a, b, p, power(se, a, level)))
    return pd.DataFrame(rows, columns=["figure", "reference", "other", "p_value", "power"]), level


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        reference = pd.read_csv(sys.argv[2])
        table, level = comparison(reference, figures(int(sys.argv[3]), len(reference), int(sys.argv[4])))
        print(f"each test at {level:.1e}; power against a {SHIFT:.0%} shift")
        print("| figure | pinned engine | this engine | p-value | power |\n|---|---|---|---|---|")
        for row in table.itertuples():
            print(f"| {row.figure} | {row.reference:.4g} | {row.other:.4g} | {row.p_value:.2f} | {row.power:.3f} |")
    else:
        seed, replicates, workers, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        figures(seed, replicates, workers).to_csv(out, index=False, lineterminator="\n")
