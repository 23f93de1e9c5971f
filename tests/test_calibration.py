"""Calibration: reproducible by seed, posterior draws per replicate, the shipped posterior,
the out-of-sample scenario, parameter provenance and the stylised-fact measures."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import stylised
from sim.api import load_scenario, run
from sim.calibration import summary_statistics as calib_stats
from sim.calibration.abc_smc import CalibrationSettings, calibrate
from sim.calibration.parameters_doc import levels_setting, parameters_markdown, provenance, schema_paths
from sim.calibration.posterior import (CSV_NAME, META_NAME, base_config_digest, draw_index, draws_for,
                                       parse_posterior, read_posterior, replicate_params, shipped_posterior)
from sim.calibration.priors import CALIBRATED, read, with_values
from sim.cli import main as cli_main
from sim.config import ConfigError
from sim.model import InsurgencyModel
from sim.runs.ensemble import run_replicate
from sim.runs.seeds import replicate_rng

ROOT = Path(__file__).resolve().parents[1]
# Two generations, so that the second proposes from the first (the perturbation that draws from the library).
TINY = CalibrationSettings(seed=11, particles=4, generations=2, max_simulations=200)


# ----- calibration is a function of its seed -------------------------------------------
@pytest.fixture(scope="module")
def tiny_posterior():
    return calibrate(TINY)


def test_short_calibration_with_the_same_seed_gives_an_identical_posterior(tiny_posterior):
    before = np.random.get_state()[1].copy()
    again = calibrate(TINY)
    pd.testing.assert_frame_equal(tiny_posterior.table, again.table)
    assert tiny_posterior.metadata["generations"] == again.metadata["generations"]
    # The library's global generator is handed back as it was found.
    assert np.array_equal(np.random.get_state()[1], before)


def test_a_different_calibration_seed_gives_a_different_posterior(tiny_posterior):
    other = calibrate(dataclasses.replace(TINY, seed=12, generations=1))
    assert not tiny_posterior.table[[p.name for p in CALIBRATED]].equals(other.table[[p.name for p in CALIBRATED]])


def test_posterior_table_has_weights_summing_to_one_and_a_sealed_record(tiny_posterior, tmp_path):
    table = tiny_posterior.table
    assert len(table) == TINY.particles
    assert table["weight"].sum() == pytest.approx(1.0)
    assert {"sim_attacks", "sim_casualties", "sim_fighters_aug_2025", "distance"} <= set(table.columns)
    tiny_posterior.save(tmp_path)
    back = read_posterior(tmp_path)
    assert back.metadata["settings"]["seed"] == 11 and "pyabc" in back.metadata["library"]
    pd.testing.assert_frame_equal(back.table, pd.read_csv(tmp_path / CSV_NAME))
    tampered = (tmp_path / CSV_NAME).read_text().replace("0.", "1.", 1)
    with pytest.raises(ConfigError, match="does not match the sha256"):
        parse_posterior(tampered, (tmp_path / META_NAME).read_text(), str(tmp_path))


def test_prior_interval_constant_is_the_normal_95_percent_quantile():
    from scipy import stats

    from sim.calibration.priors import Z90
    assert Z90 == stats.norm.ppf(0.95)


def test_distance_is_zero_at_the_observed_values_and_one_at_one_scale_off():
    observed = calib_stats.observed()
    assert calib_stats.distance(observed) == 0.0
    off = dict(observed, attacks=observed["attacks"] + np.sqrt(56))
    assert calib_stats.distance(off) == pytest.approx(1.0)
    assert observed == {"attacks": 56, "casualties": 107, "fighters_aug_2025": 450}


# ----- parameters=posterior ------------------------------------------------------------
def test_posterior_draws_are_reproducible_follow_the_weights_and_differ_across_replicates():
    weights = np.array([0.0, 0.5, 0.0, 0.5])
    draws = [draw_index(7, i, weights) for i in range(200)]
    assert draws == [draw_index(7, i, weights) for i in range(200)]
    assert set(draws) == {1, 3}
    # 200 fair coin flips: 3 is drawn 100 +/- 3.3 sd times; allow 70-130.
    assert 70 <= draws.count(3) <= 130
    assert draws != [draw_index(8, i, weights) for i in range(200)]


def test_a_posterior_replicate_uses_its_draw_and_the_unchanged_model_stream():
    cfg = load_scenario("status_quo_2024", ["end=2024-03-31", "parameters=posterior", "seed=5"])
    posterior = shipped_posterior()
    for index in (0, 3):
        values = posterior.values(draw_index(5, index, posterior.weights))
        expected = InsurgencyModel(with_values(cfg.model, values), cfg.start, cfg.end,
                                   replicate_rng(5, index)).run()
        got = run_replicate(cfg, index)
        assert all(np.array_equal(got.attacks[k], expected.attacks[k]) for k in expected.attacks)
    rates = {read(replicate_params(cfg, i), "insurgents.attack_rate_per_day") for i in range(20)}
    assert len(rates) > 5


def test_point_runs_are_untouched_by_the_posterior_hook():
    cfg = load_scenario("status_quo_2024", ["end=2024-03-31", "seed=5"])
    expected = InsurgencyModel(cfg.model, cfg.start, cfg.end, replicate_rng(5, 2)).run()
    got = run_replicate(cfg, 2)
    assert all(np.array_equal(got.attacks[k], expected.attacks[k]) for k in expected.attacks)


def test_replicate_table_records_the_posterior_draw():
    result = run(load_scenario("status_quo_2024", ["end=2024-02-29", "parameters=posterior"]), replicates=3, seed=9)
    assert result.replicates["posterior_draw"].tolist() == draws_for(9, [0, 1, 2])
    point = run(load_scenario("status_quo_2024", ["end=2024-02-29"]), replicates=2, seed=9)
    assert "posterior_draw" not in point.replicates.columns


def test_parameters_mode_is_validated():
    with pytest.raises(ConfigError, match="allowed: point, posterior"):
        load_scenario("status_quo_2024", ["parameters=bootstrap"])
    with pytest.raises(ConfigError, match="model.insurgents.attack_rate_per_day"):
        load_scenario("status_quo_2024", ["parameters=posterior", "model.insurgents.attack_rate_per_day=0.01"])


# ----- the shipped posterior -----------------------------------------------------------
def test_shipped_posterior_was_made_from_the_current_baseline_and_records_how():
    posterior = shipped_posterior()
    meta = posterior.metadata
    base = load_scenario("status_quo_2024", [f"end={calib_stats.calibration_end()}"])
    assert meta["base_config_sha256"] == base_config_digest(base.model), \
        "the baseline changed since calibration: re-run `sim calibrate --out sim/data`"
    for prior in meta["priors"]:
        p = next(c for c in CALIBRATED if c.name == prior["name"])
        assert prior["point"] == pytest.approx(p.point_value(base.model))
    assert {"seed", "particles", "generations", "min_epsilon"} <= set(meta["settings"])
    assert meta["library"]["pyabc"] and meta["date"] and meta["statistics"] and meta["generations"]
    assert len(posterior.table) == meta["settings"]["particles"]


def test_no_scenario_level_sets_a_calibrated_parameter():
    """Otherwise parameters=posterior would override a determinant the scenario chose."""
    levels = levels_setting()
    assert not [p.path for p in CALIBRATED if p.path in levels]


# ----- conditions_2025 -----------------------------------------------------------------
def flatten(obj, prefix: str = "") -> dict[str, object]:
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out.update(flatten(value, f"{prefix}{f.name}."))
        else:
            out[f"{prefix}{f.name}"] = value
    return out


# The declared 2025 inputs: the start date, the coalition posture of 2025 (the August move),
# and IS as the brief describes it in 2025 (fighters, leadership losses, dismantled financing).
CONDITIONS_2025_INPUTS = {
    "scenario.name", "scenario.description", "start",
    "model.coalition.phases",
    "model.insurgents.initial_fighters_iraq", "model.insurgents.leadership_intact",
    "model.insurgents.central_reserves_usd", "model.insurgents.initial_funds_per_member_usd",
}


def test_conditions_2025_differs_from_the_baseline_only_in_the_declared_inputs():
    base, cond = flatten(load_scenario("status_quo_2024")), flatten(load_scenario("conditions_2025"))
    assert base.keys() == cond.keys()
    assert {k for k in base if base[k] != cond[k]} == CONDITIONS_2025_INPUTS
    assert cond["start"] == "2025-01-01"
    assert 400 <= cond["model.insurgents.initial_fighters_iraq"] <= 500
    assert cond["model.insurgents.leadership_intact"] < base["model.insurgents.leadership_intact"]
    assert cond["model.insurgents.central_reserves_usd"] < base["model.insurgents.central_reserves_usd"]
    assert cond["model.insurgents.initial_funds_per_member_usd"] < base["model.insurgents.initial_funds_per_member_usd"]
    moves = [p.start for p in cond["model.coalition.phases"]]
    assert "2025-08-15" in moves and cond["model.coalition.phases"][0].bases == base["model.coalition.phases"][0].bases


# ----- parameters.md -------------------------------------------------------------------
def test_every_parameter_has_a_source_or_basis_and_a_certainty():
    entries, sources = provenance()["parameters"], provenance()["sources"]
    paths = [p for p, _ in schema_paths()]
    assert sorted(entries) == sorted(paths)
    calibrated = {p.path for p in CALIBRATED}
    for path, entry in entries.items():
        assert entry["source"] == "estimated" or entry["source"] in sources, path
        assert entry["basis"].strip(), path
        assert entry["certainty"] in {"high", "medium", "low", "calibrated"}, path
        assert (entry["certainty"] == "calibrated") == (path in calibrated), path


def test_parameters_doc_is_current():
    assert (ROOT / "docs/parameters.md").read_text() == parameters_markdown(), \
        "regenerate with `python -m sim.calibration.report parameters`"


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
    (["--particles", "1", "--epsilon-quantile", "1.5"], ["at least 2 particles", "strictly between 0 and 1"]),
    (["--generations", "many"], ["invalid int value"]),
])
def test_calibrate_rejects_bad_options_with_exit_2(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        cli_main(["calibrate", *args, "--out", str(tmp_path / "p")])
    stderr = " ".join(capsys.readouterr().err.split())
    assert exit_.value.code == 2 and all(m in stderr for m in message), stderr
    assert not (tmp_path / "p").exists()


def test_calibrate_writes_a_posterior_and_shows_progress(tmp_path):
    out = sim("calibrate", "--particles", "2", "--generations", "1", "--seed", "4", "--out", "post", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "t: 0" in out.stderr and "attack_rate_per_day" in out.stdout
    posterior = read_posterior(tmp_path / "post")
    assert len(posterior.table) == 2 and posterior.metadata["command"] == "sim calibrate --seed 4 --particles 2 --generations 1"


# ----- coverage of the targets (slow) --------------------------------------------------
@pytest.fixture(scope="module")
def coverage_runs():
    end = calib_stats.calibration_end()
    return {mode: run(load_scenario("status_quo_2024", [f"end={end}", f"parameters={mode}"]),
                      replicates=100, seed=2025, workers=2) for mode in ("point", "posterior")}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["point", "posterior"])
def test_every_target_inside_the_simulated_90_interval(coverage_runs, mode):
    """100 replicates, seed 2025, run to the end of August 2025: each observed figure (the midpoint
    of the 400-500 fighter estimate) inside the 5-95% range of the simulated statistic."""
    result = coverage_runs[mode]
    table = pd.DataFrame([calib_stats.replicate_statistics(o, result.config.start) for o in result.outcomes])
    for name, observed in calib_stats.observed().items():
        lo, hi = np.quantile(table[name], [0.05, 0.95])
        assert lo <= observed <= hi, (mode, name, lo, observed, hi)
