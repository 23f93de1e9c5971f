"""The compiled engine against the engine it replaced (numpy rules on Python objects, commit 4ad44ef).

tests/baseline/engine_reference.csv holds that engine's figures for 2,000 replicates of the baseline
(`python benchmarks/engine_reference.py --commit 4ad44ef --replicates 2000 --seed 20240101 --out
tests/baseline/engine_reference.csv`, figures by tests/engine_figures.py). Two checks:

- the same seeds give the same replicates: the first replicates of the reference, re-run here, match it
  exactly (the rewrite kept every rule and every draw);
- the distributions agree: 2,000 replicates of another seed are compared with the reference figure by
  figure, with Welch's two-sample test of the means (a governorate's share of all attacks as a ratio of
  sums, its standard error by the delta method over replicates). Each test is run at the 1% level divided
  by the number of figures (Bonferroni), and the design is refused unless each test has at least 0.9 power
  against a 10% shift of its figure, computed from the two samples' spread.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from engine_figures import figures
from scipy import stats

REFERENCE = Path(__file__).parent / "baseline" / "engine_reference.csv"
REFERENCE_SEED = 20240101
OTHER_SEED = 20240102
FAMILY_LEVEL = 0.01
SHIFT = 0.10
POWER = 0.9


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE)


def test_the_first_replicates_of_the_reference_are_reproduced_exactly(reference):
    again = figures(REFERENCE_SEED, 3, workers=1)
    pd.testing.assert_frame_equal(again, reference.head(3).reset_index(drop=True), check_dtype=False)


def mean_test(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Welch's p-value for equal means, the standard error of the difference, and the reference mean."""
    se = float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue), se, float(a.mean())


def share_test(part_a, total_a, part_b, total_b) -> tuple[float, float, float]:
    """The difference of two ratios of sums (share of all attacks), its delta-method standard error, its p-value."""
    def ratio(part, total):
        r = part.sum() / total.sum()
        linear = (part - r * total) / total.mean()
        return r, linear.var(ddof=1) / part.size
    ra, va = ratio(part_a, total_a)
    rb, vb = ratio(part_b, total_b)
    se = float(np.sqrt(va + vb))
    z = (ra - rb) / se
    return float(2 * stats.norm.sf(abs(z))), se, float(ra)


def power(se: float, reference_value: float, level: float) -> float:
    """Power of a two-sided z-test at `level` against a shift of SHIFT times the reference value."""
    return float(stats.norm.sf(stats.norm.isf(level / 2) - SHIFT * abs(reference_value) / se))


@pytest.mark.slow
def test_the_distributions_agree_with_the_pinned_engine(reference):
    ours = figures(OTHER_SEED, len(reference), workers=2)
    yearly = [c for c in reference if c.startswith("attacks_") and c[-4:].isdigit()]
    governorates = [c for c in reference if c.startswith("attacks_") and c not in yearly and c != "attacks_syria"]
    plain = [*yearly, "killed_and_wounded", "fighters_2024_12", "fighters_end", "removed_iraq", "attacks_syria"]
    level = FAMILY_LEVEL / (len(plain) + len(governorates))
    total_ref, total_ours = reference[yearly].sum(axis=1).to_numpy(), ours[yearly].sum(axis=1).to_numpy()
    rows = []
    for name in plain:
        p, se, value = mean_test(reference[name].to_numpy(float), ours[name].to_numpy(float))
        rows.append((name, p, power(se, value, level)))
    for name in governorates:
        p, se, value = share_test(reference[name].to_numpy(float), total_ref, ours[name].to_numpy(float), total_ours)
        rows.append((f"share {name[8:]}", p, power(se, value, level)))
    weak = [(n, round(w, 3)) for n, _, w in rows if w < POWER]
    assert not weak, f"too little power against a {SHIFT:.0%} shift at {len(reference)} replicates: {weak}"
    differ = [(n, p) for n, p, _ in rows if p < level]
    assert not differ, f"figures whose distributions differ from the pinned engine's (p < {level:.1e}): {differ}"
