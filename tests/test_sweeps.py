"""Sweeps: spec checks, seeds, the Parquet dataset, resuming, executors, and sensitivity analysis."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import cli
from sim.analysis.sweep import heat_table, point_summary
from sim.api import run
from sim.config.calibrated import CALIBRATED
from sim.config.errors import ConfigError
from sim.config.schema import AttackParams
from sim.runs.checkpoints import Checkpoints
from sim.runs.executors import DASK_WORKER_SETTINGS, start_local_cluster
from sim.sensitivity.indices import DEFAULT_PARAMETERS
from sim.sensitivity.ranges import all_factors, parameter_ranges, with_parameters
from sim.sweeps import dataset
from sim.sweeps.engine import run_sweep
from sim.sweeps.spec import load_sweep, point_seed, sweep_from_dict, sweep_points

from conftest import manifest_files, scenario

SMALL = {
    "name": "small", "scenario": "baseline", "replicates": 5, "seed": 7,
    "overrides": ["history=none", "end=2022-06-30"],
    "axes": {"drawdown": ["posture_2024", "complete_exit"],
             "model.iraqi_forces.substitute_isr_coverage": {"range": [0.0, 0.4], "steps": 2}},
    "window": {"start": "2022-03-01", "end": "2022-06-30"},
}


@pytest.fixture(scope="module")
def small_spec():
    return sweep_from_dict(SMALL)


@pytest.fixture(scope="module")
def serial_sweep(small_spec, tmp_path_factory) -> Path:
    return run_sweep(small_spec, tmp_path_factory.mktemp("sweep") / "serial", progress=False)


@pytest.mark.parametrize("change, words", [
    ({"colour": "red"}, ["colour", "axes"]),
    ({"axes": {}}, ["axes"]),
    ({"axes": {"seed": [1, 2]}}, ["seed", "cannot be a sweep axis"]),
    ({"axes": {"syria": ["contained", "contained"]}}, ["repeats"]),
    ({"axes": {"model.x.y": {"range": [0, 1]}}}, ["range", "steps"]),
    ({"replicates": 0}, ["replicates", "at least 1"]),
    ({"window": {"start": "2024-05-01", "end": "2024-02-01"}}, ["ends", "before"]),
])
def test_a_bad_sweep_spec_is_refused_with_what_is_allowed(change, words):
    with pytest.raises(ConfigError) as info:
        sweep_from_dict({**SMALL, **change})
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("text, words", [("axes: [a\n b: ]\n", "is not valid YAML"),
                                         ("- a list, not a mapping\n", "must be a mapping")])
def test_a_malformed_sweep_file_is_named_on_the_command_line(tmp_path, monkeypatch, capsys, text, words):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SystemExit) as stop:
        cli.main(["sweep", str(path), "replicates=2"])
    err = " ".join(capsys.readouterr().err.split())
    assert stop.value.code == 2 and str(path) in err and words in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]        # nothing written


@pytest.mark.parametrize("axes, words", [
    ({"syria": ["contained", "nowhere"]}, ["Sweep point 1 (scenario=baseline", "syria=nowhere",
                                           "Unknown syria 'nowhere'", "collapse"]),
    ({"model.insurgents.attack_rate_per_day": [0.01, 2.0]}, ["point 1", "attack_rate_per_day", "[0.0, 1.0]"]),
])
def test_every_point_is_validated_before_anything_runs(axes, words):
    with pytest.raises(ConfigError) as info:
        sweep_points(sweep_from_dict({**SMALL, "axes": axes}))
    for word in words:
        assert word in str(info.value)


def test_shipped_sweeps_compose():
    for name, n_points in (("drawdown_x_syria", 15), ("relations_x_substitutes", 16)):
        points = sweep_points(load_sweep(name))
        assert len(points) == n_points
        assert len({p.seed for p in points}) == n_points


def test_grid_order_and_range_values(small_spec):
    points = sweep_points(small_spec)
    assert [p.values for p in points] == [
        {"drawdown": "posture_2024", "model.iraqi_forces.substitute_isr_coverage": "0.0"},
        {"drawdown": "posture_2024", "model.iraqi_forces.substitute_isr_coverage": "0.4"},
        {"drawdown": "complete_exit", "model.iraqi_forces.substitute_isr_coverage": "0.0"},
        {"drawdown": "complete_exit", "model.iraqi_forces.substitute_isr_coverage": "0.4"},
    ]
    assert points[3].config.model.iraqi_forces.substitute_isr_coverage == pytest.approx(0.4)


def test_point_seeds_come_from_the_sweep_seed_and_the_point_alone():
    assert point_seed(7, 2) == point_seed(7, 2)
    assert len({point_seed(7, k) for k in range(50)} | {point_seed(8, k) for k in range(50)}) == 100


def test_a_sweep_point_is_the_ensemble_sim_run_gives_with_its_overrides_and_seed(small_spec, serial_sweep):
    point = sweep_points(small_spec)[3]
    cfg = scenario("baseline", "history=none", "end=2022-06-30", "drawdown=complete_exit",
                   "model.iraqi_forces.substitute_isr_coverage=0.4", f"seed={point.seed}", "replicates=5")
    direct = run(cfg).replicates
    rows = dataset.read_dataset(serial_sweep).query("point == 3").reset_index(drop=True)
    pd.testing.assert_frame_equal(rows[direct.columns], direct, check_dtype=False)


def test_the_dataset_is_one_table_partitioned_by_point(serial_sweep):
    reps = pd.read_parquet(serial_sweep / "replicates")
    assert len(reps) == 4 * 5 and sorted(reps["point"].astype(int).unique()) == [0, 1, 2, 3]
    assert {"drawdown", "substitute_isr_coverage", "replicate", "window_attacks_per_month",
            "exceeds_2024_rate"} <= set(reps.columns)
    monthly = dataset.read_dataset(serial_sweep, "monthly")
    assert sorted(monthly["month"].unique()) == ["2022-01", "2022-02", "2022-03", "2022-04", "2022-05", "2022-06"]
    # Monthly rows add up to each replicate's total attacks.
    totals = monthly.groupby(["point", "replicate"])["attacks"].sum().to_numpy()
    assert np.array_equal(totals, dataset.read_dataset(serial_sweep)["attacks"].to_numpy())
    for name in ("summary.csv", "attack_rate_by_point.png", "heatmap_median_attack_rate.png",
                 "heatmap_exceedance_2024.png", "sweep.yaml", "replicates/point=0002/part-0.parquet"):
        assert name in manifest_files(serial_sweep)


@pytest.mark.slow
def test_two_workers_and_dask_give_identical_files(small_spec, serial_sweep, tmp_path):
    from distributed import LocalCluster

    two = run_sweep(small_spec, tmp_path / "two", workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = run_sweep(small_spec, tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address,
                            progress=False)
    assert manifest_files(two) == manifest_files(serial_sweep)
    assert manifest_files(on_dask) == manifest_files(serial_sweep)


def _worker_settings() -> dict:
    import dask

    return {key: dask.config.get(key) for key in DASK_WORKER_SETTINGS}


def test_the_dask_cluster_the_executor_starts_turns_off_what_slows_replicates():
    """Each worker of the executor's own LocalCluster runs without the 10 ms profiler and the 20 ms
    event-loop tick (docs/performance.md: with them a replicate took about a third more CPU)."""
    from distributed import Client

    with start_local_cluster(1) as cluster, Client(cluster) as client:
        seen = client.run(_worker_settings)
    assert len(seen) == 1
    for settings in seen.values():
        assert settings["distributed.worker.profile.enabled"] is False
        assert settings["distributed.admin.tick.interval"] == "1s"


def test_an_interrupted_sweep_resumes_to_identical_files(small_spec, serial_sweep, tmp_path, monkeypatch):
    out = tmp_path / "interrupted"
    real_write = dataset.write_point
    calls = []

    def interrupt_on_second_point(root, point, frames):
        calls.append(point)
        if len(calls) == 2:           # point 1's replicates are all checkpointed; its partition is not written
            raise KeyboardInterrupt
        return real_write(root, point, frames)

    monkeypatch.setattr(dataset, "write_point", interrupt_on_second_point)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_spec, out, progress=False)
    monkeypatch.setattr(dataset, "write_point", real_write)
    assert not (out / "manifest.json").exists()
    assert [p.name for p in (out / "replicates").glob("point=*")] == ["point=0000"]
    # A damaged checkpoint is dropped and its replicates are run again.
    blocks = sorted((out / ".partial" / "point=0001").glob("block-*.npz"))
    assert len(blocks) >= 2
    blocks[0].write_bytes(b"not an npz file")
    assert len(Checkpoints(out / ".partial" / "point=0001", "").completed()) < small_spec.replicates
    # A kill in the middle of a write leaves its temporary file beside the file it was meant for.
    (out / "replicates" / "point=0001").mkdir()
    (out / "replicates" / "point=0001" / ".part-0.parquet.tmp-99999").write_bytes(b"half a partition")
    (out / ".partial" / "point=0001" / ".block-00000099-00000099.npz.tmp-99999").write_bytes(b"half a block")
    resumed = run_sweep(small_spec, out, progress=False)
    assert manifest_files(resumed) == manifest_files(serial_sweep)
    assert not (out / ".partial").exists()


def test_a_finished_sweep_or_another_spec_is_never_overwritten(small_spec, serial_sweep, tmp_path):
    with pytest.raises(ConfigError, match="never overwritten"):
        run_sweep(small_spec, serial_sweep, progress=False)
    other = sweep_from_dict({**SMALL, "seed": 8})
    started = tmp_path / "started"

    def stop(point: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_spec, started, progress=False, on_point=stop)
    with pytest.raises(ConfigError, match="different spec"):
        run_sweep(other, started, progress=False)


def test_point_summary_and_heat_table_on_a_hand_made_table():
    reps = pd.DataFrame({
        "point": [0, 0, 0, 1, 1, 1],
        "drawdown": ["a", "a", "a", "b", "b", "b"],
        "syria": ["x"] * 6,
        "window_attacks_per_month": [1.0, 2.0, 9.0, 4.0, 5.0, 6.0],
        "window_casualties_per_month": [1.0] * 6,
        "exceeds_2024_rate": [False, False, True, False, False, False],
        "fighters_end": [10, 20, 30, 40, 50, 60],
    })
    summary = point_summary(reps, ["drawdown", "syria"])
    assert summary["attacks_per_month_q50"].tolist() == [2.0, 5.0]
    assert summary["p_exceeds_2024_rate"].tolist() == pytest.approx([1 / 3, 0.0])
    assert summary["fighters_end_q50"].tolist() == [20.0, 50.0]
    median = heat_table(reps, "drawdown", "syria", "median")
    assert median.loc["a", "x"] == 2.0 and median.loc["b", "x"] == 5.0
    assert heat_table(reps, "drawdown", "syria", "exceedance").loc["a", "x"] == pytest.approx(1 / 3)


def test_sensitivity_ranges_come_from_priors_declarations_or_the_command_line():
    model = scenario().model
    paths = ["insurgents.attack_rate_per_day", "insurgents.activation_rate_per_day",
             "insurgents.hideout_crowding", "insurgents.initial_active_share"]
    ranges = parameter_ranges(paths, {"insurgents.initial_active_share": (0.2, 1.4)}, model)
    # calibrated: the prior's 90% interval, its spread (a factor of four) either way around the point value
    attack, rate = ranges["insurgents.attack_rate_per_day"], model.insurgents.attack_rate_per_day
    spread = next(p.spread for p in CALIBRATED if p.path == "insurgents.attack_rate_per_day")
    assert spread == 4
    assert (attack.low, attack.high) == pytest.approx((rate / 4, rate * 4)) and "÷/× 4" in attack.basis
    # declared plausible range: 0.012 divided or multiplied by 1.5
    activation = ranges["insurgents.activation_rate_per_day"]
    assert (activation.low, activation.high) == pytest.approx((0.008, 0.018)) and "declared" in activation.basis
    # no stated factor: the certainty sim/data/parameter_sources.yaml gives (low: 0.03 divided or multiplied by 2)
    crowding = ranges["insurgents.hideout_crowding"]
    assert (crowding.low, crowding.high) == pytest.approx((0.015, 0.06)) and "low certainty" in crowding.basis
    # given by hand, then clipped to the bounds the schema declares for a share
    share = ranges["insurgents.initial_active_share"]
    assert (share.low, share.high) == (0.2, 1.0) and "clipped" in share.basis
    # centred on the value the composed config holds, not the schema's default
    changed = scenario("baseline", "model.insurgents.hideout_crowding=0.05").model
    path = "insurgents.hideout_crowding"
    moved = parameter_ranges([path], {}, changed)[path]
    assert (moved.low, moved.high) == pytest.approx((0.025, 0.1))


def test_a_calibrated_share_is_screened_over_its_priors_interval_on_the_logit_scale():
    """A share's prior is logit-normal: the range is logit(value) -/+ 1.645 sd mapped back, not value ±50%."""
    cfg = scenario("baseline", "model.syria.effort_substitution=0.5").model
    prior = next(p for p in CALIBRATED if p.path == "syria.effort_substitution")
    assert prior.kind == "share"
    got = parameter_ranges(["syria.effort_substitution"], {}, cfg)["syria.effort_substitution"]
    # At 0.5 the logit is 0, so the ends are the logistic of -/+ 1.645 sd, symmetric about one half.
    expected_high = 1.0 / (1.0 + math.exp(-1.6448536269514722 * prior.spread))
    assert (got.low, got.high) == pytest.approx((1.0 - expected_high, expected_high))
    assert "calibration prior" in got.basis and "logit" in got.basis


def test_a_mechanism_switched_off_at_zero_is_screened_over_its_declared_range():
    """A share of zero has no range by factors (zero times anything is zero): the declared range is used."""
    off = scenario("baseline", "model.attacks.mass_casualty_share=0").model
    share = parameter_ranges(["attacks.mass_casualty_share"], {}, off)["attacks.mass_casualty_share"]
    declared = {f.name: f for f in dataclasses.fields(AttackParams)}["mass_casualty_share"].metadata["plausible"]
    assert (share.low, share.high) == declared and "declared plausible range" in share.basis


def test_the_default_sensitivity_parameters_all_have_a_declared_range():
    ranges = parameter_ranges(list(DEFAULT_PARAMETERS), {}, scenario().model)
    assert all("no declared range" not in r.basis for r in ranges.values())


def test_every_corner_of_the_full_screen_is_a_valid_config():
    """params=all draws each factor independently over its range: every combination of lows and highs
    must pass validation (two cell sizes drawn apart once stopped a screen at its first sample)."""
    cfg = scenario()
    factors = all_factors()
    ranges = parameter_ranges(factors, {}, cfg.model)
    rng = np.random.default_rng(7)
    corners = [np.zeros(len(factors), bool), np.ones(len(factors), bool),
               *(rng.random(len(factors)) < 0.5 for _ in range(6))]
    for high in corners:
        values = {f: (ranges[f].high if h else ranges[f].low) for f, h in zip(factors, high, strict=True)}
        with_parameters(cfg, values)


def test_sensitivity_parameter_replacement():
    cfg = with_parameters(scenario(), {"insurgents.initial_fighters_iraq": 612.6,
                                       "coalition.strike_rate_per_day": 0.03})
    fighters = cfg.model.insurgents.initial_fighters_iraq
    assert fighters == 613 and isinstance(fighters, int)
    assert cfg.model.coalition.strike_rate_per_day == 0.03
    with pytest.raises(ConfigError, match="not a numeric model parameter"):
        parameter_ranges(["insurgents.no_such_thing"], {})
    with pytest.raises(ConfigError, match="attack_rate_per_day"):
        with_parameters(scenario(), {"insurgents.attack_rate_per_day": 3.0})


@pytest.mark.slow
def test_morris_screening_ranks_the_attack_hazard_above_the_breakout_escape_share(tmp_path):
    """Within Jan-Jun 2024 the attack hazard drives the attack rate directly, while prison breakouts
    (0.2 a year) rarely happen at all: mu* of the first must exceed the second's confidence band."""
    out = tmp_path / "morris"
    cmd = [sys.executable, "-m", "sim", "sensitivity", "method=morris",
           "params=insurgents.attack_rate_per_day,syria.breakout_escape_share",
           "samples=6", "replicates=4", "history=none", "start=2024-01-01", "window=2024-01-01:2024-06-30", "seed=5",
           "workers=2", f"out={out}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "indices.csv").set_index(["output", "parameter"])
    hazard = table.loc[("attack_rate", "insurgents.attack_rate_per_day")]
    escape = table.loc[("attack_rate", "syria.breakout_escape_share")]
    assert hazard["mu_star"] - hazard["mu_star_conf"] > escape["mu_star"] + escape["mu_star_conf"]
    assert {"indices.csv", "samples.csv", "ranges.csv", "sensitivity.png"} <= set(manifest_files(out))
    spans = pd.read_csv(out / "ranges.csv").set_index("parameter")
    samples = pd.read_csv(out / "samples.csv")
    for name in spans.index:                 # every sample lies in the range written beside it
        assert samples[name].between(spans.loc[name, "low"], spans.loc[name, "high"]).all()
    assert "prior" in spans.loc["insurgents.attack_rate_per_day", "basis"]
    assert "declared" in spans.loc["syria.breakout_escape_share", "basis"]
