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
from sim.calibration.backtest import BacktestSettings, Origin, OriginResult, origins, run_origin, score_rows


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


def test_origins_fit_only_what_was_known_and_forecast_the_next_window():
    first, second, sealed = origins()
    assert (first.date, first.start, first.end, first.observed_attacks) == ("2022-12-31", "2023-01-01", "2023-11-30", 141)
    assert (second.observed_attacks, second.observed_casualties) == (56, 107)
    assert sealed.sealed and sealed.start == "2025-01-01"
    from sim.calibration.statistics import up_to

    assert all(s.end <= "2022-12-31" for s in up_to(first.date))
    assert not any(s.end.startswith("2025") for s in up_to(sealed.date))


@pytest.mark.slow
def test_the_backtest_table_is_reproduced_bit_for_bit_from_its_seed(tmp_path):
    from sim.calibration.backtest_report import run_and_write

    # A second run of the same seed, with the origins side by side in two processes this time: the same
    # bytes, so neither the run nor the number of workers changes the table.
    settings = BacktestSettings(seed=5, particles=4, generations=1, max_simulations=10, replicates=4)
    run_and_write(settings, tmp_path / "a")
    run_and_write(dataclasses.replace(settings, workers=2), tmp_path / "p")
    for name in ("backtest.csv", "forecasts.csv", "origin-2023-12-31/posterior.csv"):
        assert (tmp_path / "p" / name).read_bytes() == (tmp_path / "a" / name).read_bytes(), name
    # Another seed gives another forecast (its first origin is enough to show it).
    forecasts = pd.read_csv(tmp_path / "a" / "forecasts.csv", dtype={"origin": str})
    first = forecasts[forecasts["origin"] == origins()[0].date]
    assert len(first) == settings.replicates
    other = run_origin(dataclasses.replace(settings, seed=6), 0).forecast
    assert first["attacks"].tolist() != other["attacks"].tolist()
