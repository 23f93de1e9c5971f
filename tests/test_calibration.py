"""Calibration: the fitted statistics, reproducibility by seed, posterior draws per replicate, the shipped
posterior and the point values it sets, parameter provenance and the stylised-fact measures."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis import stylised
from sim.analysis.targets import load_targets, reported_attack_targets, superseded
from sim.api import load_scenario, run
from sim.calibration import statistics as calib_stats
from sim.calibration.report import STYLISED_START, checks, measured_window, statistic_table
from sim.calibration.abc_smc import CalibrationSettings, calibrate
from sim.calibration.parameters_doc import levels_setting, parameters_markdown
from sim.config.paths import all_fields
from sim.config.provenance import provenance
from sim.cli import main as cli_main
from sim.config import ConfigError
from sim.config.calibrated import CALIBRATED, with_values
from sim.config.paths import read
from sim.config.posterior import CSV_NAME, META_NAME, base_config_digest, parse_posterior, read_posterior, \
    shipped_posterior
from sim.model import InsurgencyModel, ReplicateOutcome
from sim.runs.replicate import draw_index, replicate_params, run_replicate
from sim.runs.seeds import replicate_streams

ROOT = Path(__file__).resolve().parents[1]
# Two generations, so that the second moves the particles the first resampled.
# Fitted to the figures of 2020 only, so that each simulation covers one year.
TINY = CalibrationSettings(seed=11, particles=4, generations=2, max_simulations=200, origin="2020-12-31")


# ----- the fitted statistics -----------------------------------------------------------
def test_every_target_figure_of_the_record_is_fitted_once_and_no_other():
    record = load_targets()
    targets = [t["id"] for section in ("claimed_attacks_iraq", "claimed_attacks_syria", "fighters", "removals_iraq")
               for t in record[section] if t["role"] == "target"]
    others = [t["id"] for section in ("claimed_attacks_iraq", "claimed_attacks_syria", "fighters", "removals_iraq")
              for t in record[section] if t["role"] != "target"]
    fitted = [s.id for s in calib_stats.statistics()]
    # A claims figure with casualties gives a second statistic, '<id>_casualties'.
    assert sorted(s for s in fitted if not s.endswith("_casualties")) == sorted(targets)
    assert not set(fitted) & set(others)
    assert len(fitted) == len(set(fitted))


def test_scales_follow_their_stated_formulas():
    by_id = {s.id: s for s in calib_stats.statistics()}
    count = next(s for s in by_id.values() if s.quantity == "attacks_iraq")
    # Poisson counting noise plus a counter known to 15% of itself.
    assert count.scale == pytest.approx(math.sqrt(count.observed + (0.15 * count.observed) ** 2))
    fighters = next(s for s in by_id.values() if s.quantity == "fighters_iraq")
    entry = next(t for t in load_targets()["fighters"] if t["id"] == fighters.id)
    assert fighters.observed == (entry["low"] + entry["high"]) / 2
    assert fighters.scale == (entry["high"] - entry["low"]) / 2


def test_a_fit_up_to_an_origin_uses_only_the_figures_complete_by_then():
    early = calib_stats.up_to("2022-12-31")
    assert early and all(s.end <= "2022-12-31" for s in early)
    assert {s.id for s in early} < {s.id for s in calib_stats.statistics()}
    assert calib_stats.last_day(early) == "2022-12-31"


def test_distance_is_zero_at_the_observed_values_and_one_at_one_scale_off():
    stats = calib_stats.statistics()
    observed = calib_stats.observed(stats)
    assert calib_stats.distance(observed, stats) == 0.0
    first = stats[0]
    off = dict(observed, **{first.id: first.observed + first.scale})
    assert calib_stats.distance(off, stats) == pytest.approx(1.0)
    two = dict(off, **{stats[1].id: stats[1].observed - stats[1].scale})
    assert calib_stats.distance(two, stats) == pytest.approx(math.sqrt(2))


def test_replicate_statistics_count_a_hand_made_replicate():
    """Attacks on 2022-01-01 (day 0), 2022-12-31 (day 364) and 2023-01-01 (day 365): two fall in 2022.
    Stocks are read at the end of the month; flows summed over the window's months."""
    months = [f"{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)]
    state = {"fighters_iraq": np.arange(24.0) * 10, "syria_free_fighters": np.full(24, 1000.0),
             "attacks_syria": np.ones(24), "removed_iraq": np.full(24, 2.0)}
    outcome = ReplicateOutcome(attacks={"day": np.array([0, 364, 365]), "killed": np.array([1, 2, 4]),
                                        "wounded": np.array([0, 1, 0])},
                               monthly_state=state, month_starts=months, counters={})
    stats = (calib_stats.Statistic("a", "attacks_iraq", "2022-01-01", "2022-12-31", 0, 1, ""),
             calib_stats.Statistic("c", "casualties_iraq", "2022-01-01", "2022-12-31", 0, 1, ""),
             calib_stats.Statistic("f", "fighters_iraq", "2023-03-01", "2023-03-31", 0, 1, ""),
             calib_stats.Statistic("g", "fighters_iraq_syria", "2022-02-01", "2022-02-28", 0, 1, ""),
             calib_stats.Statistic("s", "attacks_syria", "2022-01-01", "2022-06-30", 0, 1, ""),
             calib_stats.Statistic("r", "removals_iraq", "2023-01-01", "2023-12-31", 0, 1, ""),
             calib_stats.Statistic("k", "reported_attacks_iraq", "2022-01-01", "2022-12-31", 0, 1, ""))
    values = calib_stats.replicate_statistics(outcome, "2022-01-01", stats,
                                              {"removals_reported": 0.5, "reported_per_claim": 1.5})
    assert values == {"a": 2.0, "c": 4.0, "f": 140.0, "g": 1010.0, "s": 6.0, "r": 12.0, "k": 3.0}


def test_inside_2020_a_fit_uses_the_quarterly_counts_and_after_it_the_years_claims_in_their_place():
    """Knights and Almeida's quarters are the only counts of 2020 complete before ITIC's year count; a fit up
    to an origin inside 2020 fits those complete by then, one up to the year's end or later fits none of them."""
    assert [s.id for s in calib_stats.up_to("2020-03-31")] == ["ctc_attacks_2020_q1"]
    assert [s.id for s in calib_stats.up_to("2020-08-15")] == ["ctc_attacks_2020_q1", "ctc_attacks_2020_q2"]
    for origin in ("2020-12-31", "2023-12-31", None):
        assert not any(s.quantity == "reported_attacks_iraq" for s in calib_stats.up_to(origin))
    assert "claims_2020" in {s.id for s in calib_stats.up_to("2020-12-31")}
    assert calib_stats.first_end() == "2020-03-31"
    # Each interim figure names the figure that supersedes it, and that figure is fitted.
    fitted = {s.id for s in calib_stats.statistics()}
    for figure in reported_attack_targets(roles=("interim",)):
        assert figure.superseded_by in fitted
        assert superseded(figure, "2020-12-31") and not superseded(figure, "2020-12-30")


def test_the_factor_between_the_counters_is_fitted_only_where_another_counters_counts_are():
    from sim.calibration.abc_smc import fitted_parameters
    from sim.config.calibrated import REPORTED_PER_CLAIM

    assert fitted_parameters(calib_stats.up_to("2020-06-30")) == (*CALIBRATED, REPORTED_PER_CLAIM)
    assert fitted_parameters(calib_stats.up_to("2021-12-31")) == CALIBRATED
    assert fitted_parameters(calib_stats.statistics()) == CALIBRATED
    with pytest.raises(ConfigError, match="the first ends 2020-03-31"):
        CalibrationSettings(origin="2020-03-30").check()


def test_the_largest_attacks_of_the_record_are_checked_over_the_years_the_claims_cover():
    """Two attacks of 95 or more killed and wounded (Tayaran Square, 142; Sadr City, 95) between January 2020
    and August 2024: the check counts the run's attacks at or above the smaller toll inside that window,
    and reads the largest toll there."""
    found = {c.id: c for c in checks()}
    count, largest = found["mass_casualty_count"], found["largest_attack"]
    assert (count.low, count.high) == (2, 2) and (largest.low, largest.high) == (142, 142)
    day = {d: (pd.Timestamp(d) - pd.Timestamp("2020-01-01")).days
           for d in ("2019-12-31", "2020-03-01", "2022-05-01", "2024-08-31", "2024-09-01")}
    outcome = ReplicateOutcome(attacks={"day": np.array(list(day.values())),
                                        "killed": np.array([90, 40, 30, 50, 300]),
                                        "wounded": np.array([90, 55, 64, 70, 0])},
                               monthly_state={}, month_starts=[], counters={})
    # 2019-12-31 and 2024-09-01 fall outside; inside, the tolls are 95, 94 and 120.
    assert count.value(outcome, "2020-01-01") == 2.0
    assert largest.value(outcome, "2020-01-01") == 120.0


# ----- calibration is a function of its seed -------------------------------------------
@pytest.fixture(scope="module")
def tiny_posterior():
    return calibrate(TINY)


@pytest.mark.slow
def test_short_calibration_with_the_same_seed_gives_an_identical_posterior_on_any_number_of_workers(
        tiny_posterior):
    before = np.random.get_state()[1].copy()
    again = calibrate(TINY, workers=2)
    pd.testing.assert_frame_equal(tiny_posterior.table, again.table)
    assert tiny_posterior.metadata["generations"] == again.metadata["generations"]
    # Numpy's global generator is neither used nor changed.
    assert np.array_equal(np.random.get_state()[1], before)


def test_a_different_calibration_seed_gives_a_different_posterior(tiny_posterior):
    other = calibrate(dataclasses.replace(TINY, seed=12, generations=1))
    names = [p.name for p in CALIBRATED]
    assert not tiny_posterior.table[names].equals(other.table[names])


def test_posterior_table_has_weights_summing_to_one_and_a_sealed_record(tiny_posterior, tmp_path):
    table = tiny_posterior.table
    assert len(table) == TINY.particles
    assert table["weight"].sum() == pytest.approx(1.0)
    fitted = {f"sim_{s.id}" for s in calib_stats.up_to(TINY.origin)}
    assert fitted <= set(table.columns) and "distance" in table.columns
    assert tiny_posterior.metadata["run"]["end"] == "2020-12-31"
    tiny_posterior.save(tmp_path)
    back = read_posterior(tmp_path)
    assert back.metadata["settings"]["seed"] == 11 and "numpy" in back.metadata["library"]
    pd.testing.assert_frame_equal(back.table, pd.read_csv(tmp_path / CSV_NAME))
    tampered = (tmp_path / CSV_NAME).read_text().replace("0.", "1.", 1)
    with pytest.raises(ConfigError, match="does not match the sha256"):
        parse_posterior(tampered, (tmp_path / META_NAME).read_text(), str(tmp_path))


def test_prior_interval_constant_is_the_normal_95_percent_quantile():
    from scipy import stats

    from sim.config.calibrated import Z90
    assert Z90 == stats.norm.ppf(0.95)


def test_priors_have_their_stated_medians_and_intervals():
    """A scale prior's 5% and 95% quantiles are median ÷ spread and median × spread."""
    from scipy import stats

    for p in (p for p in CALIBRATED if p.kind == "scale"):
        lo, mid, hi = (p.to_value(stats.norm.ppf(q, p.prior_location(), p.prior_scale())) for q in (0.05, 0.5, 0.95))
        assert mid == pytest.approx(p.prior_median)
        assert lo == pytest.approx(p.prior_median / p.spread) and hi == pytest.approx(p.prior_median * p.spread)
    share = next(p for p in CALIBRATED if p.kind == "share")
    assert share.to_value(share.prior_location()) == pytest.approx(share.prior_median)


# ----- parameters=posterior ------------------------------------------------------------
def test_posterior_draws_are_reproducible_follow_the_weights_and_differ_across_replicates():
    weights = np.array([0.0, 0.5, 0.0, 0.5])
    draws = [draw_index(7, i, weights) for i in range(200)]
    assert draws == [draw_index(7, i, weights) for i in range(200)]
    assert set(draws) == {1, 3}
    # 200 fair coin flips: 3 is drawn 100 +/- 7.1 sd times; allow 70-130 (beyond 4 sd).
    assert 70 <= draws.count(3) <= 130
    assert draws != [draw_index(8, i, weights) for i in range(200)]


def test_a_posterior_replicate_uses_its_draw_and_the_unchanged_streams():
    cfg = load_scenario("baseline", ["end=2022-03-31", "parameters=posterior", "seed=5"])
    posterior = shipped_posterior()
    for index in (0, 3):
        values = posterior.values(draw_index(5, index, posterior.weights))
        expected = InsurgencyModel(with_values(cfg.model, values), cfg.start, cfg.end,
                                   replicate_streams(5, index), cfg.changes).run()
        got = run_replicate(cfg, index)
        assert all(np.array_equal(got.attacks[k], expected.attacks[k]) for k in expected.attacks)
    rates = {read(replicate_params(cfg, i), "insurgents.attack_rate_per_day") for i in range(20)}
    assert len(rates) > 5


def test_point_runs_are_untouched_by_the_posterior_hook():
    cfg = load_scenario("baseline", ["end=2022-03-31", "seed=5"])
    expected = InsurgencyModel(cfg.model, cfg.start, cfg.end, replicate_streams(5, 2), cfg.changes).run()
    got = run_replicate(cfg, 2)
    assert all(np.array_equal(got.attacks[k], expected.attacks[k]) for k in expected.attacks)


def test_replicate_table_records_the_posterior_draw():
    result = run(load_scenario("baseline", ["end=2022-02-28", "parameters=posterior"]), replicates=3, seed=9)
    weights = shipped_posterior().weights
    assert result.replicates["posterior_draw"].tolist() == [draw_index(9, i, weights) for i in range(3)]
    point = run(load_scenario("baseline", ["end=2022-02-28"]), replicates=2, seed=9)
    assert "posterior_draw" not in point.replicates.columns


def test_parameters_mode_is_validated():
    with pytest.raises(ConfigError, match="allowed: point, posterior"):
        load_scenario("baseline", ["parameters=bootstrap"])
    with pytest.raises(ConfigError, match="model.insurgents.attack_rate_per_day"):
        load_scenario("baseline", ["parameters=posterior", "model.insurgents.attack_rate_per_day=0.02"])


# ----- the shipped posterior and the point values --------------------------------------
def test_shipped_posterior_was_made_from_the_current_baseline_and_records_how():
    posterior = shipped_posterior()
    meta = posterior.metadata
    base = load_scenario("baseline", [f"end={calib_stats.last_day(calib_stats.statistics())}"])
    assert meta["base_config_sha256"] == base_config_digest(base.model), \
        "the baseline changed since calibration: re-run `sim calibrate out=sim/data`"
    for prior in meta["priors"]:
        p = next(c for c in CALIBRATED if c.name == prior["name"])
        assert (prior["prior_median"], prior["spread"], prior["kind"]) == (p.prior_median, p.spread, p.kind)
    assert [s["id"] for s in meta["statistics"]] == [s.id for s in calib_stats.statistics()]
    assert {"seed", "particles", "generations", "min_epsilon"} <= set(meta["settings"])
    assert meta["library"]["numpy"] and meta["date"] and meta["generations"] and meta["stopped"]
    assert len(posterior.table) == meta["settings"]["particles"]
    # Kish's effective sample size, recomputed from the weights; below a tenth of the particles the sample
    # would have collapsed onto a few of them and parameters=posterior would barely vary.
    w = posterior.weights
    assert meta["effective_sample_size"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), abs=0.05)
    assert meta["effective_sample_size"] >= 0.1 * len(posterior.table)


def test_point_runs_use_the_posterior_medians():
    """The value a point-estimate run uses for each calibrated rate and share is the weighted posterior median
    (rounded for a count). The severity shift is not folded into the log-means: a posterior draw adds its own
    shift to them, so folding the median in as well would count it twice."""
    posterior = shipped_posterior()
    model = load_scenario("baseline").model
    for p in (p for p in CALIBRATED if p.kind in ("scale", "share")):
        median = posterior.quantiles(p.name, (0.5,))[0]
        value = read(model, p.path)
        if isinstance(value, int):
            assert value == round(median), p.name
        else:
            assert value == pytest.approx(median, rel=0.005), p.name


def test_no_determinant_level_or_dated_change_sets_a_calibrated_parameter():
    """Otherwise parameters=posterior would override a determinant the scenario chose, or a dated change
    would override the draw."""
    levels = levels_setting()
    assert not [p.path for p in CALIBRATED if p.path in levels]
    for name in (path.stem for path in (ROOT / "scenarios/scenario").glob("*.yaml")):
        cfg = load_scenario(name)
        changed = {key for change in cfg.changes if change.date > cfg.start for key in change.params}
        assert not [p.path for p in CALIBRATED if p.path in changed], name


# ----- parameters.md -------------------------------------------------------------------
def test_every_parameter_has_a_source_or_basis_and_a_certainty():
    entries, sources = provenance()["parameters"], provenance()["sources"]
    paths = [p for p, _ in all_fields().items()]
    assert sorted(entries) == sorted(paths)
    calibrated = {p.path for p in CALIBRATED}
    for path, entry in entries.items():
        assert entry["source"] == "estimated" or entry["source"] in sources, path
        assert entry["basis"].strip(), path
        assert entry["certainty"] in {"high", "medium", "low", "calibrated"}, path
        assert (entry["certainty"] == "calibrated") == (path in calibrated), path


def test_parameters_doc_is_current():
    assert (ROOT / "docs/parameters.md").read_text() == parameters_markdown(), \
        "regenerate with `sim validate parameters`"


# ----- stylised-fact measures on hand-made tables --------------------------------------
def test_overdispersion_index_by_hand():
    monthly = pd.DataFrame({"replicate": [0, 0, 1, 1], "month": ["a", "b", "a", "b"], "attacks": [0, 4, 3, 3]})
    # Replicate 0: mean 2, sum of (x - 2)^2 / 2 = 4; replicate 1: 0. Two degrees of freedom.
    d = stylised.overdispersion(monthly)
    assert d["dispersion_index"] == pytest.approx(2.0)
    assert d["replicates"] == 2 and d["months"] == 2


def test_close_pairs_and_knox_on_clustered_and_spread_attacks():
    days, areas = np.array([0, 2, 30, 31, 90]), np.array(["a", "a", "b", "a", "b"])
    # Same area within 7 days: (0, 2) only; (30, 31) differ in area.
    assert stylised.close_pairs(days, areas, 7) == 1
    clustered = pd.DataFrame({"replicate": 0, "area": ["a"] * 5 + ["b"] * 5,
                              "date": [f"2024-01-0{d}" for d in range(1, 6)] + [f"2024-06-0{d}" for d in range(1, 6)]})
    result = stylised.knox_test(clustered, np.random.default_rng(1), window_days=7, permutations=49)
    assert result["observed_pairs"] == 20 and result["knox_ratio"] > 1.5 and result["p_value"] <= 0.05


def test_close_pairs_counts_every_pair_as_the_definition_does():
    # The definition, pair by pair, on attacks with ties in day and area and gaps at the window's edge.
    rng = np.random.default_rng(11)
    days = rng.integers(-40, 400, size=300)
    areas = rng.choice(["anbar", "diyala", "kirkuk"], size=300)
    for window in (0, 1, 7, 14, 60):
        expected = sum(1 for i in range(days.size) for j in range(i + 1, days.size)
                       if areas[i] == areas[j] and abs(days[i] - days[j]) <= window)
        assert stylised.close_pairs(days, areas, window) == expected
    assert stylised.close_pairs(np.array([5]), np.array(["a"]), 7) == 0
    with pytest.raises(ValueError, match="negative"):
        stylised.close_pairs(days, areas, -1)
    with pytest.raises(ValueError, match="whole days"):
        stylised.close_pairs(days + 0.5, areas, 7)


def test_the_stylised_facts_are_measured_from_their_start_on():
    # Months and attacks before 2023 (the steep fall from 2020) are left out of every fact; the rest kept whole.
    assert STYLISED_START == "2023-01-01"
    monthly = pd.DataFrame({"replicate": 0, "month": ["2022-11", "2022-12", "2023-01", "2023-02"], "attacks": 1})
    events = pd.DataFrame({"replicate": 0, "date": ["2022-12-31", "2023-01-01", "2024-06-30"], "area": "a"})
    kept_months, kept_events = measured_window(monthly, events)
    assert list(kept_months["month"]) == ["2023-01", "2023-02"]
    assert list(kept_events["date"]) == ["2023-01-01", "2024-06-30"]


def test_casualty_tail_measures_a_known_power_law():
    rng = np.random.default_rng(3)
    x = rng.zipf(2.5, size=4000)
    events = pd.DataFrame({"killed": x, "wounded": 0})
    tail = stylised.casualty_tail(events)
    # Discrete power law with exponent 2.5: the maximum-likelihood fit should recover it within 0.2.
    assert tail["powerlaw_alpha"] == pytest.approx(2.5, abs=0.2)
    assert tail["power_law_vs_exponential_R"] > 0
    ordered = np.sort(x)[::-1]
    assert tail["top_decile_share"] == pytest.approx(ordered[:400].sum() / x.sum())


def test_ccdf_of_a_small_sample():
    values, share = stylised.ccdf(np.array([1, 1, 2, 5]))
    assert values.tolist() == [1, 2, 5] and share.tolist() == [1.0, 0.5, 0.25]


# ----- the command ---------------------------------------------------------------------
def sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, message", [
    (["particles=1", "ess_fraction=1.5"], ["particles=1", "at least 2 particles", "strictly between 0 and 1"]),
    (["generations=many"], ["generations", "invalid int value"]),
    (["origin=2019-12-31"], ["origin=2019-12-31", "before every fitted figure"]),
])
def test_calibrate_rejects_bad_settings_with_exit_2(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        cli_main(["calibrate", *args, f"out={tmp_path / 'p'}"])
    stderr = " ".join(capsys.readouterr().err.split())
    assert exit_.value.code == 2 and all(m in stderr for m in message), stderr
    assert not (tmp_path / "p").exists()


def test_calibrate_writes_a_posterior_and_shows_progress(tmp_path):
    # Two particles rarely move; moves that stop being accepted are not a reason to stop here, only the cap is.
    out = sim("calibrate", "particles=2", "replicates=2", "generations=1", "seed=4", "min_move_acceptance=0",
              "origin=2020-12-31", "out=post", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "generation 0: threshold" in out.stdout and "attack_rate_per_day" in out.stdout
    posterior = read_posterior(tmp_path / "post")
    assert len(posterior.table) == 2
    assert posterior.metadata["stopped"].startswith("the cap of generations=1 was reached")
    # Settings at their defaults (replicates=2) are left out of the command that re-runs the fit.
    assert posterior.metadata["command"] == ("sim calibrate seed=4 particles=2 min_move_acceptance=0.0 generations=1 "
                                             "origin=2020-12-31")
    assert yaml.safe_load((tmp_path / "post" / META_NAME).read_text())["settings"]["origin"] == "2020-12-31"


# ----- coverage of the targets (slow) --------------------------------------------------
@pytest.fixture(scope="module")
def coverage_table():
    stats = calib_stats.statistics()
    cfg = load_scenario("baseline", [f"end={calib_stats.last_day(stats)}", "parameters=posterior"])
    return statistic_table(run(cfg, replicates=100, seed=2025, workers=2), stats)


# Misfits the posterior cannot absorb, named in docs/validation.md (section 3): claims in Syria fell by
# 60% from 2022 to 2023, and the model's Syrian force has nothing in the 2022 history that shrinks it so;
# claims in Iraq fell by a quarter from 2020 to 2021, and the model's by three quarters.
# Strict: the day the model reproduces it, the mark must go.
KNOWN_MISFITS = {"syria_claims_2022": "the Syrian arena does not fall from 2022 to 2023 as the claims did",
                 "claims_2021": "the network loses a large part of its 2020 force within 2020, where the "
                                "record's decline took three years",
                 "claims_2022": "the same early loss: the claims of January-November 2022 come out at half "
                                "the record's"}


@pytest.mark.slow
@pytest.mark.parametrize("statistic", [
    pytest.param(s.id, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISFITS[s.id])) if s.id in KNOWN_MISFITS
    else s.id for s in calib_stats.statistics()])
def test_the_fitted_figures_lie_inside_the_posterior_predictive_range(coverage_table, statistic):
    """100 replicates under parameters=posterior, seed 2025, run to the last fitted figure: the observed
    figure inside the 1-99% range of its simulated statistic (a figure outside it would be a misfit the
    posterior could not absorb)."""
    observed = next(s.observed for s in calib_stats.statistics() if s.id == statistic)
    lo, hi = np.quantile(coverage_table[statistic], [0.01, 0.99])
    assert lo <= observed <= hi, (statistic, lo, observed, hi)


def test_the_record_table_shows_the_interim_quarters_with_their_role_and_scale():
    """Knights and Almeida's second quarter of 2020: 808 reported attacks, fitted (only inside 2020) with
    the scale sqrt(808 + (0.15 x 808)^2) = 124.5."""
    from sim.calibration.report import record_report

    text, _ = record_report(None)
    row = next(line for line in text.splitlines() if line.startswith("| ctc_attacks_2020_q2 "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == "interim (until claims_2020)" and cells[4] == "124"


def test_the_fit_report_names_each_figure_outside_its_interval():
    from sim.calibration.report import missed_sentence

    def row(figure: str, verdict: str) -> dict:
        return {"fitted figure": figure, "observed": "10", "posterior: median (90%)": "5 (2–8)",
                "posterior: inside 90%": verdict, "posterior: percentile": "100"}

    text = missed_sentence([row("a", "yes"), row("b", "no"), row("c", "no")])
    assert "b (observed 10" in text and "c (observed 10" in text and "a (" not in text and "section 3" in text
    assert missed_sentence([row("a", "yes")]).startswith("Every fitted figure lies inside")
