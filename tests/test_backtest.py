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
from sim.calibration.abc_smc import calibrate
from sim.calibration.backtest import (
    BacktestSettings,
    Origin,
    OriginResult,
    baseline_forecasts,
    casualties_per_attack,
    forecast_ensemble,
    mid_pit,
    origins,
    record_before,
    run_origin,
    score_rows,
    summary,
)
from sim.config.posterior import Posterior


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


def test_origins_are_the_counted_quarters_of_2020_then_the_year_ends_with_a_next_year_counted_then_the_sealed():
    """Knights and Almeida counted the first three quarters of 2020 (two origins, each forecasting the next
    quarter); the record counts claims in Iraq for 2020 to 2024 (2022 and 2023 to November, 2024 to August):
    four year-end origins, each forecasting the next count; and the sealed one."""
    dates = [(o.date, o.start, o.end, o.observed_attacks, o.claims) for o in origins()]
    assert dates == [("2020-03-31", "2020-04-01", "2020-06-30", 808, False),
                     ("2020-06-30", "2020-07-01", "2020-09-30", 510, False),
                     ("2020-12-31", "2021-01-01", "2021-12-31", 1079, True),
                     ("2021-12-31", "2022-01-01", "2022-11-30", 401, True),
                     ("2022-12-31", "2023-01-01", "2023-11-30", 141, True),
                     ("2023-12-31", "2024-01-01", "2024-08-31", 56, True),
                     ("2024-12-31", "2025-01-01", "2025-08-31", None, True)]
    assert origins()[5].observed_casualties == 107 and origins()[-1].sealed
    assert all(o.observed_casualties is None for o in origins()[:2])
    from sim.calibration.statistics import up_to

    for origin in origins():
        assert all(s.end <= origin.date for s in up_to(origin.date))
    assert not any(s.end.startswith("2025") for s in up_to(origins()[-1].date))


def test_the_first_origin_of_claims_has_no_trend_to_compare_with():
    """One count of claims before 2021 (2020's): persistence only; a trend needs two."""
    first = next(o for o in origins() if o.claims)
    rows = score_rows(OriginResult(first, None, pd.DataFrame({"replicate": range(3), "attacks": [900, 1000, 1100],
                                                                "casualties": 0})))
    assert {r["forecaster"] for r in rows if r["quantity"] == "attacks"} == {"model", "persistence"}


def test_a_quarterly_origins_baselines_read_only_its_own_counters_record():
    """From mid-2020 the baselines see Knights and Almeida's 2018, 2019 and first two quarters of 2020 (not
    ITIC's claims), persistence carries the second quarter's rate over the third, and nothing forecasts
    casualties, which that counter does not count."""
    origin = origins()[1]
    assert [t.id for t in record_before(origin)] == ["ctc_attacks_2018", "ctc_attacks_2019", "ctc_attacks_2020_q1",
                                                     "ctc_attacks_2020_q2"]
    assert casualties_per_attack(origin) is None
    forecasts = baseline_forecasts(origin)
    assert set(forecasts) == {"persistence", "log-linear trend"}
    assert all(set(f) == {"attacks"} for f in forecasts.values())
    q2 = 808 / baselines.months("2020-04-01", "2020-06-30")
    assert forecasts["persistence"]["attacks"].mean == pytest.approx(q2 * baselines.months("2020-07-01", "2020-09-30"))


def test_a_forecast_in_another_counter_is_the_models_attacks_times_each_draws_factor():
    """The same fitted posterior with the factor set to 1 and to 2: the same replicates, twice the attacks
    (to the rounding of a count), the same casualties."""
    settings = BacktestSettings(seed=3, particles=6, generations=1, max_simulations=12, replicates=6)
    origin = origins()[0]
    posterior = calibrate(settings.calibration(origin))
    assert "reported_per_claim" in posterior.table.columns

    def forecast(factor: float) -> pd.DataFrame:
        table = posterior.table.assign(reported_per_claim=factor)
        return forecast_ensemble(origin, Posterior(table, posterior.metadata), 11, settings.replicates, 1)

    once, twice = forecast(1.0), forecast(2.0)
    assert (twice["attacks"] == 2 * once["attacks"]).all() and once["attacks"].sum() > 0
    assert (twice["casualties"] == once["casualties"]).all()


def test_an_origins_fit_and_forecast_do_not_depend_on_the_other_origins(monkeypatch):
    """Seeds are keyed by the origin's date: the same origin run from a shorter list of origins gives the
    same forecast."""
    import sim.calibration.backtest as backtest

    settings = BacktestSettings(seed=3, particles=4, generations=1, max_simulations=8, replicates=4)
    full = run_origin(settings, 1)
    monkeypatch.setattr(backtest, "origins", lambda: backtest.quarterly_origins()[1:])
    alone = run_origin(settings, 0)
    assert alone.origin == full.origin
    assert alone.forecast.equals(full.forecast)


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


def test_summary_also_ratios_mean_crps_within_each_counter():
    """Claims at a and b (model 2 and 4 against the trend's 1 and 3), another counter at c (model 10 against 40):
    over all three (2 + 4 + 10) / (1 + 3 + 40); within claims 6 / 4; within the other counter 10 / 40."""
    rows = []
    for origin, counter, model, trend in (("a", "claims", 2.0, 1.0), ("b", "claims", 4.0, 3.0), ("c", "K", 10.0, 40.0)):
        for forecaster, crps in (("model", model), ("log-linear trend", trend)):
            rows.append({"origin": origin, "counter": counter, "quantity": "attacks", "forecaster": forecaster,
                         "observed": 1, "crps": crps, "in_90": True, "pit": 0.5})
    attacks = summary(pd.DataFrame(rows))["attacks"]
    assert attacks["crps_ratio_to_trend"] == pytest.approx(16 / 44)
    assert attacks["crps_ratio_to_trend_by_counter"] == {"claims": pytest.approx(1.5), "K": pytest.approx(0.25)}


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


def test_the_command_announces_its_time_before_it_starts(capsys):
    """The announcement (on stderr) sizes the work from the last origin's fit and the settings."""
    from sim.commands.calibration import _announce_backtest

    _announce_backtest(BacktestSettings(workers=2))
    assert capsys.readouterr().err.startswith("backtest: at most")
