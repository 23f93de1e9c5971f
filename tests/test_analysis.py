"""Analysis functions on small hand-made tables, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.digest import digest_of
from sim.analysis.run_name import Override, RunLabel
from sim.analysis.summary import by_area, by_year, distribution, fit_check, summarise, target_checks, window_summary
from sim.analysis.tables import horizon_months, monthly_table, window_counts
from sim.analysis.targets import ROLES, attack_targets, load_targets, reference_rate_2024, reference_target
from sim.analysis.windows import (
    NamedWindow,
    Window,
    calendar_years,
    forecast_window,
    headline_window,
    whole_months,
    window_rates,
)
from sim.geography import load_geography
from sim.model import ReplicateOutcome


def events(rows):
    return pd.DataFrame(rows, columns=["replicate", "date", "area", "cell", "type", "killed", "wounded", "directed"])


def test_distribution_of_one_to_five():
    d = distribution([1, 2, 3, 4, 5])
    assert d["mean"] == 3 and d["sd"] == pytest.approx(math.sqrt(2.5))
    # Linear interpolation between order statistics: q05 = 1 + 0.05 * 4.
    assert (d["q05"], d["q25"], d["q50"], d["q75"], d["q95"]) == pytest.approx((1.2, 2, 3, 4, 4.8))


def outcome(attacks: list[tuple[int, str, int, int]], months: list[str]) -> ReplicateOutcome:
    """A replicate's outcome holding only its attacks: (day, area, killed, wounded) each."""
    geo = load_geography()
    columns = {"day": [a[0] for a in attacks], "area": [geo.index(a[1]) for a in attacks], "cell": [1] * len(attacks),
               "type": [0] * len(attacks), "killed": [a[2] for a in attacks], "wounded": [a[3] for a in attacks],
               "directed": [0] * len(attacks)}
    return ReplicateOutcome({k: np.asarray(v, dtype=np.int64) for k, v in columns.items()}, {}, months, {})


def test_monthly_table_fills_months_without_attacks_with_zeros():
    geo = load_geography()
    months = ["2024-01", "2024-02"]
    outcomes = [outcome([(4, "kirkuk", 1, 2), (19, "kirkuk", 0, 1)], months), outcome([(32, "diyala", 3, 0)], months)]
    table = monthly_table(outcomes, [0, 1], "2024-01-01", geo)
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


def test_by_area_rates_and_shares_within_the_window():
    monthly = pd.DataFrame({"replicate": [0, 0, 1, 1, 0, 1], "month": ["2024-01"] * 4 + ["2024-02"] * 2,
                            "area": ["kirkuk", "diyala", "kirkuk", "diyala", "kirkuk", "kirkuk"],
                            "attacks": [3, 1, 1, 3, 50, 50], "killed": [1, 0, 0, 0, 9, 9],
                            "wounded": [0, 0, 0, 2, 0, 0]})
    january = Window("2024-01-01", "2024-01-31")
    area_months = monthly.groupby(["month", "area"], as_index=False)[["attacks", "killed", "wounded"]].sum()
    out = by_area(area_months, january, replicates=2)
    # Two replicates over January (31 days, 31 / 30.4375 months); February's 100 attacks lie outside it.
    assert out["kirkuk"]["attacks_per_month"] == pytest.approx(4 / (2 * 31 / 30.4375))
    assert out["diyala"]["casualties_per_month"] == pytest.approx(2 / (2 * 31 / 30.4375))
    assert out["kirkuk"]["share_of_attacks"] == 0.5


def monthly_of(rates: dict[int, list[int]], first_month: str = "2026-08") -> pd.DataFrame:
    """A monthly table of one area: replicate -> attacks in consecutive months from `first_month`."""
    months = pd.period_range(first_month, periods=len(next(iter(rates.values()))), freq="M").astype(str)
    return pd.DataFrame([(rep, month, "kirkuk", n, 0, n) for rep, counts in rates.items()
                         for month, n in zip(months, counts, strict=True)],
                        columns=["replicate", "month", "area", "attacks", "killed", "wounded"])


def test_a_window_summary_reads_only_its_months_and_the_2024_record():
    """Replicates with 10, 5 and 8 attacks a month in 2027 (and 100 in every month before): 10 and 8 are above
    the 2024 rate (56 over eight months, about 6.99 a month), 5 is not."""
    rates = {rep: [100] * 5 + [rate] * 12 for rep, rate in ((0, 10), (1, 5), (2, 8))}
    out = window_summary(monthly_of(rates), NamedWindow("2027", Window("2027-01-01", "2027-12-31")))
    assert (out["name"], out["start"], out["end"]) == ("2027", "2027-01-01", "2027-12-31")
    months = 365 / 30.4375
    assert out["attacks_per_month"]["q50"] == pytest.approx(8 * 12 / months)
    assert out["p_exceeds_2024_rate"] == pytest.approx(2 / 3)


def test_the_forecast_starts_on_the_first_whole_month_from_the_branch_date():
    assert forecast_window("2022-01-01", "2028-12-31", "2026-08-01") == Window("2026-08-01", "2028-12-31")
    # A branch in mid-month: that month mixes the record and the forecast, so the forecast starts after it.
    assert forecast_window("2022-01-01", "2028-12-31", "2026-08-15") == Window("2026-09-01", "2028-12-31")
    assert forecast_window("2022-01-01", "2026-12-31", "2026-12-15") is None
    assert forecast_window("2022-01-01", "2025-12-31", "2026-08-01") is None
    assert headline_window("2022-01-01", "2025-12-31", "2026-08-01") == NamedWindow("whole run",
                                                                                 Window("2022-01-01", "2025-12-31"))


def test_the_forecast_is_cut_into_calendar_years_the_first_from_the_branch():
    years = calendar_years(Window("2026-08-01", "2028-12-31"))
    assert [(y.name, y.window.start, y.window.end) for y in years] == [("2026", "2026-08-01", "2026-12-31"),
                                                                       ("2027", "2027-01-01", "2027-12-31"),
                                                                       ("2028", "2028-01-01", "2028-12-31")]


def test_a_window_is_read_in_whole_months_inside_the_horizon():
    assert whole_months(Window("2027-01-15", "2027-03-02"), "2022-01-01", "2028-12-31") == Window("2027-01-01",
                                                                                                 "2027-03-31")
    assert whole_months(Window("2027-01-15", "2029-03-02"), "2022-01-01", "2028-12-31").end == "2028-12-31"


def test_window_rates_divide_by_the_windows_length_in_mean_months():
    monthly = monthly_of({0: [3, 6], 1: [0, 0]}, "2027-01")
    rates = window_rates(monthly, Window("2027-01-01", "2027-02-28"))
    months = 59 / 30.4375
    assert rates.loc[0, "attacks_per_month"] == pytest.approx(9 / months)
    assert rates.loc[1, "casualties_per_month"] == 0


def test_reference_rate_is_56_claimed_attacks_over_eight_months():
    target = reference_target()
    assert (target.attacks, target.casualties, target.start, target.end) == (56, 107, "2024-01-01", "2024-08-31")
    assert reference_rate_2024() == pytest.approx(56 / (244 / (365.25 / 12)))
    assert horizon_months("2024-01-01", "2024-12-31") == pytest.approx(366 / 30.4375)


def _listed_figures() -> list[dict]:
    """Every figure of the record that sits in a list section (all but the two mappings of named values)."""
    return [f for section in load_targets().values() if isinstance(section, list) for f in section]


def test_every_figure_of_the_record_has_exactly_one_role():
    figures = _listed_figures()
    assert all(isinstance(f, dict) and f["role"] in ROLES and f.get("source") for f in figures)
    ids = [f["id"] for f in figures]
    assert len(ids) == len(set(ids))
    fitted = {t.id for t in attack_targets()}
    # The fit reads IS's claims in Iraq from 2020 to 2024: the record from 2020, before the 2025 seal.
    assert fitted == {"claims_2020", "claims_2021", "claims_2022", "claims_2023", "claims_2024"}
    assert not fitted & {t.id for t in attack_targets(roles=("check", "context"))}


def _last_day(figure: dict) -> str:
    if "window" in figure:
        return str(figure["window"]["end"])
    return str(figure["date"])


def test_no_count_of_attacks_or_casualties_from_2025_on_is_fitted_or_checked():
    """The 2025 forecast is sealed: nothing it forecasts may enter the fit or the choice of a rule."""
    counts = [f for f in _listed_figures() if {"attacks", "casualties", "wounded"} & set(f)]
    assert counts
    late = [f["id"] for f in counts if _last_day(f) >= "2025" and f["role"] in ("target", "check")]
    assert late == []


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
    ev = events([(0, "2024-01-05", "kirkuk", 1, "ied", 1, 2, True), (0, "2024-01-20", "kirkuk", 1, "ied", 0, 1, False),
                 (1, "2024-02-02", "diyala", 2, "complex_attack", 3, 0, False),
                 (1, "2024-02-09", "diyala", 2, "ambush", 3, 0, False)])
    monthly = pd.DataFrame({"replicate": [0, 0, 1, 1], "month": ["2024-01", "2024-02"] * 2, "area": "kirkuk",
                            "attacks": [2, 0, 0, 2], "killed": [1, 0, 0, 6], "wounded": [3, 0, 0, 0]})
    replicates = pd.DataFrame({"replicate": [0, 1], "attacks_per_month": [1.0, 1.0], "casualties_per_month": [2.0, 3.0],
                               "fighters_end": [500, 700], "territorial": [0, 1]})
    digest = digest_of({"replicates": replicates, "monthly": monthly, "events": ev})
    out = summarise(RunLabel("s", "d"), 1, "2024-01-01", "2024-02-29", "", digest)
    whole = out["whole_run"]
    assert whole["by_type"] == {"ambush": 0.25, "complex_attack": 0.25, "ied": 0.5}
    assert whole["directed_share_of_attacks"] == 0.25
    assert whole["territorial_control_probability"] == 0.5
    assert whole["fighters_end"]["mean"] == 600


def test_the_headline_is_the_forecast_and_each_of_its_years_beside_it():
    """Attacks each month: 40 in the observed months (2026-01 to 2026-07), then 2 a month from the branch
    (2026-08-01) to the end of 2027. The headline reads 2 a month, not the horizon's mix."""
    counts = [40] * 7 + [2] * 17
    monthly = monthly_of({0: counts, 1: counts}, "2026-01")
    replicates = pd.DataFrame({"replicate": [0, 1], "fighters_end": [1, 1], "territorial": [0, 0]})
    digest = digest_of({"replicates": replicates, "monthly": monthly, "events": events([])})
    out = summarise(RunLabel("s", "d"), 1, "2026-01-01", "2027-12-31", "2026-08-01", digest)
    headline = out["headline"]
    assert (headline["name"], headline["start"], headline["end"]) == ("forecast", "2026-08-01", "2027-12-31")
    forecast_months = 518 / 30.4375
    assert headline["attacks_per_month"]["q50"] == pytest.approx(2 * 17 / forecast_months)
    assert [y["name"] for y in out["headline_by_year"]] == ["2026", "2027"]
    assert out["headline_by_year"][0]["start"] == "2026-08-01"
    assert out["headline_by_year"][1]["attacks_per_month"]["q50"] == pytest.approx(24 / (365 / 30.4375))
    assert out["whole_run"]["attacks_per_month"]["q50"] > 10        # the mix the headline no longer shows
    assert set(headline["by_area"]) == {"kirkuk"}


def test_a_target_is_inside_the_simulated_90_percent_interval_not_the_50_percent_one():
    """Twenty replicates with 50, 52, ..., 88 attacks in January-August 2024: the record's 56 lies above
    the 5% quantile (51.9) and below the 25% one (59.5), so it is inside the 90% interval."""
    rows = [(r, "2024-03", "kirkuk", 50 + 2 * r, 1, 1) for r in range(20)]
    monthly = pd.DataFrame(rows, columns=["replicate", "month", "area", "attacks", "killed", "wounded"])
    checks = target_checks(monthly, "2024-01-01", "2024-08-31")
    [attacks] = [c for c in checks if c["quantity"] == "claimed attacks, Iraq, 2024-01-01 to 2024-08-31"]
    assert attacks["observed"] == 56
    assert attacks["simulated"]["q05"] == pytest.approx(51.9) and attacks["simulated"]["q25"] == pytest.approx(59.5)
    assert attacks["inside_90_interval"] is True


def test_a_fit_warning_needs_an_override_of_the_fitted_years_and_a_window_outside_the_range():
    outside = {"quantity": "claimed attacks, Iraq, 2022-01-01 to 2022-11-30", "observed": 401,
               "simulated": {"q05": 80.0, "q95": 130.0}, "inside_90_interval": False}
    inside = {**outside, "quantity": "claimed attacks, Iraq, 2024-01-01 to 2024-08-31", "inside_90_interval": True}
    moved = RunLabel("baseline", "", (Override("model.insurgents.attack_rate_per_day=0.008", "", moves_fit=True),))
    branch_only = RunLabel("baseline", "", (Override("syria=collapse", ""),))
    warned = fit_check(moved, [outside, inside])
    assert warned["outside_90_interval"] == [outside["quantity"]]
    assert "model.insurgents.attack_rate_per_day=0.008" in warned["warning"] and "80-130" in warned["warning"]
    assert "2024-01-01" not in warned["warning"]
    assert fit_check(branch_only, [outside, inside])["warning"] == ""       # the fitted years are untouched
    assert fit_check(moved, [inside])["warning"] == ""                      # still fits the record
