"""Analysis functions on small hand-made tables, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.summary import by_area, by_year, distribution, exceedance_2024, summarise, target_checks
from sim.analysis.tables import horizon_months, monthly_table, window_counts
from sim.analysis.targets import ROLES, attack_targets, load_targets, reference_rate_2024, reference_target
from sim.model.geography import load_geography


def events(rows):
    return pd.DataFrame(rows, columns=["replicate", "date", "area", "cell", "type", "killed", "wounded", "directed"])


def test_distribution_of_one_to_five():
    d = distribution([1, 2, 3, 4, 5])
    assert d["mean"] == 3 and d["sd"] == pytest.approx(math.sqrt(2.5))
    # Linear interpolation between order statistics: q05 = 1 + 0.05 * 4.
    assert (d["q05"], d["q25"], d["q50"], d["q75"], d["q95"]) == pytest.approx((1.2, 2, 3, 4, 4.8))


def test_monthly_table_fills_months_without_attacks_with_zeros():
    geo = load_geography()
    ev = events([(0, "2024-01-05", "kirkuk", 1, "ied", 1, 2, False),
                 (0, "2024-01-20", "kirkuk", 1, "ambush", 0, 1, False),
                 (1, "2024-02-02", "diyala", 2, "ied", 3, 0, True)])
    table = monthly_table(ev, [0, 1], ["2024-01", "2024-02"], geo)
    n_iraq = int(geo.in_iraq.sum())
    assert len(table) == 2 * 2 * n_iraq
    row = table[(table.replicate == 0) & (table.month == "2024-01") & (table.area == "kirkuk")].iloc[0]
    assert (row.attacks, row.killed, row.wounded) == (2, 1, 3)
    assert table.attacks.sum() == 3 and table[(table.replicate == 1) & (table.month == "2024-01")].attacks.sum() == 0
    assert "albu_kamal" not in set(table.area)


def test_window_counts_include_both_ends_and_replicates_without_attacks():
    ev = events([(0, "2024-01-01", "kirkuk", 1, "ied", 1, 1, False),
                 (0, "2024-08-31", "kirkuk", 1, "ied", 0, 2, False),
                 (0, "2024-09-01", "kirkuk", 1, "ied", 5, 5, False)])
    counts = window_counts(ev, [0, 1], "2024-01-01", "2024-08-31")
    assert counts.set_index("replicate").loc[0, ["attacks", "casualties"]].tolist() == [2, 4]
    assert counts.set_index("replicate").loc[1, "attacks"] == 0


def test_by_area_rates_and_shares():
    monthly = pd.DataFrame({"replicate": [0, 0, 1, 1], "month": ["2024-01"] * 4,
                            "area": ["kirkuk", "diyala", "kirkuk", "diyala"],
                            "attacks": [3, 1, 1, 3], "killed": [1, 0, 0, 0], "wounded": [0, 0, 0, 2]})
    out = by_area(monthly, n_replicates=2, months=1.0)
    assert out["kirkuk"]["attacks_per_month"] == 2.0 and out["diyala"]["casualties_per_month"] == 1.0
    assert sum(v["share_of_attacks"] for v in out.values()) == pytest.approx(1.0)


def test_exceedance_uses_the_last_twelve_months_and_the_2024_record():
    months = [f"{y}-{m:02d}" for y in (2026, 2027) for m in range(1, 13)]
    rows = []
    for rep, rate in ((0, 10), (1, 5), (2, 8)):
        for k, month in enumerate(months):
            rows.append((rep, month, "kirkuk", rate if k >= 12 else 100, 0, 0))
    monthly = pd.DataFrame(rows, columns=["replicate", "month", "area", "attacks", "killed", "wounded"])
    out = exceedance_2024(monthly)
    assert (out["window_start"], out["window_end"]) == ("2027-01", "2027-12")
    assert out["probability"] == pytest.approx(2 / 3)      # 10 and 8 exceed ~6.99, 5 does not


def test_reference_rate_is_56_claimed_attacks_over_eight_months():
    target = reference_target()
    assert (target.attacks, target.casualties, target.start, target.end) == (56, 107, "2024-01-01", "2024-08-31")
    assert reference_rate_2024() == pytest.approx(56 / (244 / (365.25 / 12)))
    assert horizon_months("2024-01-01", "2024-12-31") == pytest.approx(366 / 30.4375)


def test_every_figure_of_the_record_has_exactly_one_role():
    record = load_targets()
    figures = [f for section in ("claimed_attacks_iraq", "claimed_attacks_syria", "fighters", "removals_iraq",
                                 "removals_syria", "detention") for f in record[section]]
    assert all(f["role"] in ROLES for f in figures)
    ids = [f["id"] for f in figures]
    assert len(ids) == len(set(ids))
    fitted = {t.id for t in attack_targets()}
    assert fitted == {"claims_2022", "claims_2023", "claims_2024"}
    assert not fitted & {t.id for t in attack_targets(roles=("check", "context"))}


def test_distribution_of_constant_values_has_zero_spread():
    d = distribution(np.full(7, 2.5))
    assert d["sd"] == 0 and d["q05"] == d["q95"] == 2.5


def test_by_year_averages_the_months_of_each_year_per_replicate():
    """Replicate 0: 2 and 4 attacks in the two months of 2024 (mean 3), 10 in the one month of 2025;
    replicate 1: 6 and 0 (mean 3), 20. So 2024's mean is 3 with no spread, 2025's is 15."""
    monthly = pd.DataFrame({"replicate": [0, 0, 0, 1, 1, 1], "month": ["2024-11", "2024-12", "2025-01"] * 2,
                            "area": "kirkuk", "attacks": [2, 4, 10, 6, 0, 20], "killed": [1, 1, 0, 0, 0, 4],
                            "wounded": [0, 2, 0, 3, 0, 0]})
    out = by_year(monthly)
    assert set(out) == {"2024", "2025"}
    assert out["2024"]["attacks_per_month"]["mean"] == 3 and out["2024"]["attacks_per_month"]["sd"] == 0
    assert out["2025"]["attacks_per_month"]["mean"] == 15
    assert out["2024"]["casualties_per_month"]["mean"] == pytest.approx((1 + 3 + 3 + 0) / 4)


def test_summary_gives_type_shares_and_the_directed_share_of_all_attacks():
    ev = events([(0, "2024-01-05", "kirkuk", 1, 0, 1, 2, True), (0, "2024-01-20", "kirkuk", 1, 0, 0, 1, False),
                 (1, "2024-02-02", "diyala", 2, 4, 3, 0, False), (1, "2024-02-09", "diyala", 2, 1, 3, 0, False)])
    monthly = pd.DataFrame({"replicate": [0, 0, 1, 1], "month": ["2024-01", "2024-02"] * 2, "area": "kirkuk",
                            "attacks": [2, 0, 0, 2], "killed": [1, 0, 0, 6], "wounded": [3, 0, 0, 0]})
    replicates = pd.DataFrame({"replicate": [0, 1], "attacks_per_month": [1.0, 1.0], "casualties_per_month": [2.0, 3.0],
                               "fighters_end": [500, 700], "territorial": [0, 1]})
    out = summarise("s", "d", 1, "2024-01-01", "2024-02-29", replicates, monthly, ev)
    assert out["by_type"] == {0: 0.5, 1: 0.25, 4: 0.25}
    assert out["directed_share_of_attacks"] == 0.25
    assert out["territorial_control_probability"] == 0.5
    assert out["fighters_end"]["mean"] == 600


def test_a_target_is_inside_the_simulated_90_percent_interval_not_the_50_percent_one():
    """Twenty replicates with 50, 52, ..., 88 attacks in January-August 2024: the record's 56 lies above
    the 5% quantile (51.9) and below the 25% one (59.5), so it is inside the 90% interval."""
    rows = [(r, "2024-03-01", "kirkuk", r, "ied", 1, 1, False) for r in range(20) for _ in range(50 + 2 * r)]
    checks = target_checks(events(rows), list(range(20)), "2024-01-01", "2024-08-31")
    [attacks] = [c for c in checks if c["quantity"] == "claimed attacks, Iraq, 2024-01-01 to 2024-08-31"]
    assert attacks["observed"] == 56
    assert attacks["simulated"]["q05"] == pytest.approx(51.9) and attacks["simulated"]["q25"] == pytest.approx(59.5)
    assert attacks["inside_90_interval"] is True
