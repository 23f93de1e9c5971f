"""Statistical checks over many replicates (marked slow; CI runs them).

Each states its sample, seed and tolerance. They guard properties of the model
as a whole: that the baseline reproduces the observed 2024 record as a
distribution, and that the determinants order the scenarios as their
mechanisms imply.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.api import load_scenario, run

pytestmark = pytest.mark.slow


def attacks_per_month_in(result, year: str) -> np.ndarray:
    monthly = result.monthly
    return (monthly[monthly.month.str.startswith(year)].groupby("replicate").attacks.sum() / 12).to_numpy()


# A misfit named in docs/validation.md (section 3): at the point values fitted to the record from 2020 the
# model's tempo falls too little once losses ease, and January-August 2024 has about 100 attacks against 56.
# Strict: the day the model reproduces 2024 again, the mark must go.
@pytest.mark.xfail(strict=True, reason="January-August 2024 overshot at the point values (about 100 against 56)")
def test_baseline_reproduces_the_2024_record_as_a_distribution():
    """100 replicates, seed 2024: the attacks and casualties of January-August 2024 each inside the 90%
    interval and inside the 50% one (the earlier windows are held to the posterior predictive range in
    tests/test_calibration.py; docs/validation.md shows they are missed at the point values)."""
    result = run(load_scenario("baseline", ["end=2024-08-31", "replicates=100", "seed=2024"]), workers=2)
    checks = [c for c in result.summary["targets"] if c["quantity"].endswith("2024-01-01 to 2024-08-31")]
    assert len(checks) == 2
    for check in checks:
        q = check["simulated"]
        assert q["q05"] <= check["observed"] <= q["q95"], check
        assert q["q25"] <= check["observed"] <= q["q75"], check


ORDERING_REPLICATES = 40


@pytest.fixture(scope="module")
def runs_2027():
    """The same replicates (same seed, so the same history and common random numbers up to the branch) of
    each scenario, to the end of 2027."""
    return {name: run(load_scenario(name, [f"replicates={ORDERING_REPLICATES}", "seed=7", "end=2027-12-31"]),
                      workers=2)
            for name in ("best_case", "baseline", "full_exit", "worst_case")}


@pytest.fixture(scope="module")
def rates_2027(runs_2027):
    """2027 attacks per month of each scenario's replicates."""
    return {name: attacks_per_month_in(result, "2027") for name, result in runs_2027.items()}


@pytest.mark.parametrize("higher, lower", [
    ("baseline", "best_case"),
    ("full_exit", "baseline"),
    ("worst_case", "full_exit"),
])
def test_scenarios_are_ordered_by_their_determinants(rates_2027, higher, lower):
    """Paired by replicate (each pair shares the observed history and its seed): the mean difference in
    2027 attacks per month must exceed 3.1 standard errors (one-sided, 0.001). Pairing removes the
    replicate-to-replicate spread that made an unpaired rank test pass or fail with the seed; the
    standard error and t are printed (-s) so the margin can be read."""
    diff = rates_2027[higher] - rates_2027[lower]
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    print(f"{higher} - {lower}: {diff.mean():+.2f} attacks a month (se {se:.2f}, t {diff.mean() / se:+.1f})")
    assert diff.mean() > 3.1 * se


def test_even_the_worst_case_stays_short_of_a_territorial_caliphate(runs_2027):
    """The paper's conclusion as an outcome: no replicate masses fighters able to hold ground.

    The 40 replicates of the ordering test (seed 7, to the end of 2027); the bound allows at most 4 (10%)
    before the test fails. The other side: paired with the baseline's replicates, the worst case ends with
    more fighters in Iraq (t above 3.1), so a change that keeps IS from growing in any scenario does not
    pass for this conclusion. That the indicator fires when fighters do mass is tested exactly in
    tests/test_rules_cells.py.
    """
    worst, baseline = runs_2027["worst_case"], runs_2027["baseline"]
    assert worst.summary["whole_run"]["territorial_control_probability"] <= 0.10
    diff = (worst.replicates["fighters_end"].to_numpy(dtype=float)
            - baseline.replicates["fighters_end"].to_numpy(dtype=float))
    assert diff.mean() > 3.1 * diff.std(ddof=1) / np.sqrt(diff.size)
