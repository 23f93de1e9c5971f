"""The backtest: baselines as stated, scores as the scoring rules define them, and the whole table
reproduced bit for bit from its seed."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.targets import AttackTarget
from sim.calibration import baselines
from sim.calibration.backtest import (
    BacktestSettings,
    Origin,
    OriginResult,
    mid_pit,
    origins,
    run_origin,
    score_rows,
    summary,
)


def window(start: str, end: str, attacks: int) -> AttackTarget:
    return AttackTarget("t", start, end, attacks, None, "target", "", "")


def test_persistence_carries_the_last_rate_over_the_forecast_window():
    history = [window("2022-01-01", "2022-12-31", 480), window("2023-01-01", "2023-12-31", 120)]
    f = baselines.persistence(history, "2024-01-01", "2024-06-30")
    assert f.mean == pytest.approx(120 / 12 * baselines.months("2024-01-01", "2024-06-30"), rel=1e-3)


def test_the_trend_extrapolates_a_steady_decline():
    """Counts falling by half each year: the fitted trend halves the rate again."""
    history = [window(f"{y}-01-01", f"{y}-12-31", n) for y, n in ((2021, 1600), (2022, 800), (2023, 400))]
    f = baselines.trend(history, "2024-01-01", "2024-12-31")
    assert f.mean == pytest.approx(200, rel=0.02)


def test_casualty_forecast_has_the_mean_of_attacks_times_casualties_per_attack_and_more_spread():
    attacks = baselines.CountForecast("x", 50.0, math.inf)
    c = baselines.casualties(attacks, 2.0, "x")
    assert c.mean == pytest.approx(100.0)
    variance = c.mean + c.mean ** 2 / c.size
    assert variance > 2 ** 2 * attacks.mean      # more than scaling a Poisson count


def test_scores_of_a_sharp_forecast_follow_their_definitions():
    """A model ensemble that always says 60: CRPS is the absolute error, 4, and 56 lies outside both
    intervals."""
    origin = Origin("2023-12-31", "2024-01-01", "2024-08-31", 56, 107)
    forecast = pd.DataFrame({"replicate": range(50), "attacks": 60, "casualties": np.arange(50) + 80})
    rows = {(r["quantity"], r["forecaster"]): r for r in score_rows(OriginResult(origin, None, forecast))}
    model = rows[("attacks", "model")]
    assert model["crps"] == pytest.approx(4.0)
    assert (model["in_50"], model["in_90"]) == (False, False)
    assert rows[("casualties", "model")]["in_90"] is True
    assert {f for _, f in rows} == {"model", "persistence", "log-linear trend"}


def test_origins_are_the_year_ends_with_a_next_year_counted_then_the_sealed_forecast():
    """The record counts claims in Iraq for 2020 to 2024 (2022 and 2023 to November, 2024 to August): four
    scored origins, each forecasting the next count, and the sealed one."""
    dates = [(o.date, o.start, o.end, o.observed_attacks) for o in origins()]
    assert dates == [("2020-12-31", "2021-01-01", "2021-12-31", 1079), ("2021-12-31", "2022-01-01", "2022-11-30", 401),
                     ("2022-12-31", "2023-01-01", "2023-11-30", 141), ("2023-12-31", "2024-01-01", "2024-08-31", 56),
                     ("2024-12-31", "2025-01-01", "2025-08-31", None)]
    assert origins()[3].observed_casualties == 107 and origins()[-1].sealed
    from sim.calibration.statistics import up_to

    for origin in origins():
        assert all(s.end <= origin.date for s in up_to(origin.date))
    assert not any(s.end.startswith("2025") for s in up_to(origins()[-1].date))


def test_the_first_origin_has_no_trend_to_compare_with():
    """One count before 2021 (2020's): persistence only; a trend needs two."""
    rows = score_rows(OriginResult(origins()[0], None, pd.DataFrame({"replicate": range(3), "attacks": [900, 1000, 1100],
                                                                       "casualties": 0})))
    assert {r["forecaster"] for r in rows if r["quantity"] == "attacks"} == {"model", "persistence"}


def test_mid_pit_is_the_share_below_plus_half_the_share_at_the_observed_count():
    sample = np.array([1, 2, 2, 3, 5, 8, 8, 8, 9, 10])
    assert mid_pit(8, sample) == pytest.approx(0.5 + 0.15)
    assert mid_pit(0, sample) == 0.0 and mid_pit(11, sample) == 1.0
    # A baseline's: a Poisson(4) at 4: P(X <= 3) + P(X = 4) / 2, from the pmf.
    pmf = [math.exp(-4) * 4 ** k / math.factorial(k) for k in range(5)]
    assert baselines.CountForecast("p", 4.0, math.inf).mid_pit(4) == pytest.approx(sum(pmf[:4]) + pmf[4] / 2)


def test_summary_ratios_mean_crps_over_the_origins_both_forecasters_scored():
    table = pd.DataFrame([
        {"origin": "a", "quantity": "attacks", "forecaster": "model", "observed": 1, "crps": 2.0, "in_90": True, "pit": 0.2},
        {"origin": "b", "quantity": "attacks", "forecaster": "model", "observed": 1, "crps": 4.0, "in_90": False, "pit": 0.99},
        {"origin": "b", "quantity": "attacks", "forecaster": "log-linear trend", "observed": 1, "crps": 8.0,
         "in_90": True, "pit": 0.5}])
    attacks = summary(table)["attacks"]
    assert attacks["crps_ratio_to_trend"] == pytest.approx(0.5) and attacks["origins_compared_with_trend"] == ["b"]
    assert attacks["in_90"] == 1 and attacks["pit"] == [0.2, 0.99] and attacks["origins_scored"] == 2


@pytest.mark.slow
def test_the_backtest_table_is_reproduced_bit_for_bit_from_its_seed(tmp_path):
    from sim.calibration.backtest_report import run_and_write

    # A second run of the same seed, with the origins side by side in two processes this time: the same
    # bytes, so neither the run nor the number of workers changes the table.
    settings = BacktestSettings(seed=5, particles=4, generations=1, max_simulations=10, replicates=4)
    run_and_write(settings, tmp_path / "a")
    run_and_write(dataclasses.replace(settings, workers=2), tmp_path / "p")
    for name in ("backtest.csv", "forecasts.csv", "summary.yaml", "origin-2023-12-31/posterior.csv"):
        assert (tmp_path / "p" / name).read_bytes() == (tmp_path / "a" / name).read_bytes(), name
    # Another seed gives another forecast (its first origin is enough to show it).
    forecasts = pd.read_csv(tmp_path / "a" / "forecasts.csv", dtype={"origin": str})
    first = forecasts[forecasts["origin"] == origins()[0].date]
    assert len(first) == settings.replicates
    other = run_origin(dataclasses.replace(settings, seed=6), 0).forecast
    assert first["attacks"].tolist() != other["attacks"].tolist()
