"""Commands that write never write over what they did not make, and say truly what Ctrl-C left behind.

`sim report`, `sim compare`, `sim calibrate` and `sim backtest` follow the rule
runs follow: a new file or folder of their own, checked before anything is
written; an existing one only with force=true, and never inside a run, sweep or
attribution record. `sim attribute` runs to the end it is given, or refuses a
window outside it. Each case is one found by an adversarial probe of the
previous version (docs/reliability.md, "Nothing overwritten, nothing phoned
home, nothing unbounded").
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from test_reliability import assert_refused, call_cli, tree

from sim.api import EnsembleResult
from sim.attribution.combinations import AttributionSettings, attribution_spec, plan
from sim.config.errors import ConfigError
from sim.runs.ensemble import run_ensemble
from sim.sweeps.spec import Window, with_horizon

from conftest import scenario

TINY = ("end=2022-03-31", "replicates=2", "seed=5")
WINDOW = "window=2022-01-01:2022-03-31"


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished small run that tests copy (never change)."""
    cfg = scenario("baseline", *TINY)
    return EnsembleResult(cfg, run_ensemble(cfg, workers=1, progress=False)).save(
        tmp_path_factory.mktemp("finished") / "run")


@pytest.fixture
def runs(finished, tmp_path, monkeypatch) -> Path:
    """Two copies of the finished run (a and b) in a working folder."""
    for name in ("a", "b"):
        shutil.copytree(finished, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ===== sim report ==========================================================================

def test_report_refuses_to_write_into_another_run(runs, capsys):
    before = tree(runs / "b")
    code, _, err = call_cli(["report", "a", "out=b/summary.json", WINDOW], capsys)
    assert_refused(code, err, "out=b/summary.json", "inside the record", "not even with force=true")
    code, _, err = call_cli(["report", "a", "out=b/summary.json", "force=true", WINDOW], capsys)
    assert_refused(code, err, "inside the record")
    assert tree(runs / "b") == before


def test_report_never_writes_over_an_existing_file_unless_asked(runs, capsys):
    (runs / "notes.html").write_text("my notes\n")
    code, _, err = call_cli(["report", "a", "out=notes.html", WINDOW], capsys)
    assert_refused(code, err, "out=notes.html already exists", "force=true")
    assert (runs / "notes.html").read_text() == "my notes\n"
    code, _, _ = call_cli(["report", "a", "out=notes.html", "force=true", WINDOW], capsys)
    assert code == 0 and (runs / "notes.html").read_text().startswith("<!DOCTYPE html>")


def test_the_default_report_takes_a_new_name_beside_an_existing_one(runs, capsys):
    (runs / "a.html").write_text("an earlier report, kept\n")
    code, out, _ = call_cli(["report", "a", WINDOW], capsys)
    assert code == 0 and "written to a_2.html" in out
    assert (runs / "a.html").read_text() == "an earlier report, kept\n"
    assert (runs / "a_2.html").read_text().startswith("<!DOCTYPE html>")
    assert not [p for p in runs.iterdir() if p.name.startswith(".")]


def test_a_refused_report_leaves_no_folder_behind(runs, capsys):
    code, _, err = call_cli(["report", "a", "out=new/deeper/r.html", "window=2030-01-01:2030-03-31"], capsys)
    assert_refused(code, err, "outside the horizon")
    assert not (runs / "new").exists()


# ===== sim compare =========================================================================

def test_compare_refuses_a_folder_of_the_users_files(runs, capsys):
    (runs / "mine").mkdir()
    (runs / "mine/comparison.csv").write_text("my own table\n")
    code, _, err = call_cli(["compare", "a", "b", "out=mine", WINDOW], capsys)
    assert_refused(code, err, "out=mine already holds files (comparison.csv)", "force=true")
    assert (runs / "mine/comparison.csv").read_text() == "my own table\n"


def test_compare_with_force_replaces_only_its_own_files(runs, capsys):
    (runs / "mine").mkdir()
    (runs / "mine/comparison.csv").write_text("an earlier table\n")
    (runs / "mine/notes.txt").write_text("mine\n")
    code, _, _ = call_cli(["compare", "a", "b", "out=mine", "force=true", WINDOW], capsys)
    assert code == 0
    assert (runs / "mine/notes.txt").read_text() == "mine\n"
    assert (runs / "mine/comparison.csv").read_text().startswith("run,name")
    assert sorted(p.name for p in (runs / "mine").iterdir()) == [
        "attack_rate_comparison.png", "comparison.csv", "notes.txt", "paired_differences.csv"]


def test_compare_never_writes_into_a_finished_run(runs, capsys):
    before = tree(runs / "b")
    for extra in ([], ["force=true"]):
        code, _, err = call_cli(["compare", "a", "b", "out=b", WINDOW, *extra], capsys)
        assert_refused(code, err, "out=b lies inside the record")
    assert tree(runs / "b") == before


def test_compare_with_a_window_outside_the_runs_writes_nothing(runs, capsys):
    code, _, err = call_cli(["compare", "a", "b", "out=cmp", "window=2030-01-01:2030-03-31"], capsys)
    assert_refused(code, err, "lies outside the horizon of")
    assert not (runs / "cmp").exists()


def test_a_run_compared_with_itself_is_refused(runs, capsys):
    code, _, err = call_cli(["compare", "a", "./a", WINDOW], capsys)
    assert_refused(code, err, "are the same run")
    assert sorted(p.name for p in runs.iterdir()) == ["a", "b"]


def test_runs_whose_paired_differences_do_not_vary_report_no_variance_reduction(runs, capsys):
    """Two copies of one run pair replicate by replicate with every difference 0: the unpaired variance over
    a paired variance of 0 has no value (it was printed as inf)."""
    code, out, _ = call_cli(["compare", "a", "b", "out=cmp", WINDOW], capsys)
    assert code == 0 and "inf" not in out and "no variance to reduce" in out
    paired = (runs / "cmp/paired_differences.csv").read_text().splitlines()
    column = paired[0].split(",").index("variance_reduction")
    assert paired[1].split(",")[column] == ""


# ===== calibrate and backtest ==============================================================

def test_calibrate_never_writes_over_a_posterior_it_did_not_make(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fit").mkdir()
    (tmp_path / "fit/posterior.csv").write_text("the shipped posterior\n")
    code, _, err = call_cli(["calibrate", "out=fit"], capsys)
    assert_refused(code, err, "out=fit already holds files (posterior.csv)", "force=true")
    assert (tmp_path / "fit/posterior.csv").read_text() == "the shipped posterior\n"


def test_an_interrupted_backtest_leaves_nothing_and_says_it_does_not_resume(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.calibration.backtest_report.run_origins", interrupted)
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(["backtest", "out=bt", "quiet=true"], capsys)
    assert code == 130 and "does not resume" in err and "finishes it" not in err
    assert list(tmp_path.iterdir()) == []


# ===== what Ctrl-C says ====================================================================

@pytest.mark.parametrize("command, target, words", [
    pytest.param(["compare", "a", "b", WINDOW], "sim.runs.run_tables.load_run_tables",
                 ["only read", "nothing was written"], id="compare"),
    pytest.param(["report", "a", WINDOW], "sim.report.build.read_inputs", ["only read", "nothing was written"],
                 id="report"),
])
def test_ctrl_c_while_reading_runs_says_nothing_was_written(command, target, words, runs, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(target, interrupted)
    before = tree(runs)
    code, _, err = call_cli(command, capsys)
    assert code == 130 and all(w in err for w in words) and "finishes it" not in err, err
    assert tree(runs) == before


def test_ctrl_c_that_a_library_turns_into_another_error_does_not_blame_the_run(runs, monkeypatch, capsys):
    """Ctrl-C landing inside OmegaConf while a run's config was read surfaced as "'.../config.yaml' cannot be
    read as the run's config: 'NoneType' object has no attribute '_invalidate_flags_cache'"; a user may then
    delete a good record. Here the signal is real and the library's conversion is reproduced."""
    def torn(path, label=""):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            raise ConfigError(f"'{path}/config.yaml' cannot be read as the run's config: 'NoneType' object has no "
                              "attribute '_invalidate_flags_cache'") from None

    monkeypatch.setattr("sim.runs.run_tables.load_run_tables", torn)
    code, _, err = call_cli(["compare", "a", "b", WINDOW], capsys)
    assert code == 130 and "cannot be read" not in err and "only read" in err


# ===== sim attribute honours end= =========================================================

def test_attribute_refuses_a_window_after_the_end_it_was_given(tmp_path, monkeypatch, capsys):
    """It used to run every combination to the window's end while sweep.yaml recorded the given end."""
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(["attribute", "baseline", "syria_collapse", "replicates=2", "branch_date=2022-02-01",
                             "end=2022-06-30", "window=2023-01-01:2023-03-31"], capsys)
    assert_refused(code, err, "window=2023-01-01:2023-03-31", "outside the horizon", "2022-06-30")
    assert list(tmp_path.iterdir()) == []


def test_attribute_runs_to_the_end_it_was_given_and_records_it():
    settings = AttributionSettings(window="2022-03-01:2022-05-31", replicates=2)
    overrides = ["branch_date=2022-02-01", "end=2022-06-30"]
    planned = plan("baseline", "syria_collapse", settings, overrides)
    assert {cfg.end for cfg in planned.configs} == {"2022-06-30"} and planned.end == "2022-06-30"
    assert "end=2022-06-30" in attribution_spec(planned, settings, overrides).overrides


def test_without_an_end_the_runs_stop_at_the_windows_end():
    assert with_horizon(["syria=collapse"], Window("2027-01-01", "2027-12-31")) == ["syria=collapse",
                                                                                   "end=2027-12-31"]
    assert with_horizon(["end=2028-06-30"], Window("2027-01-01", "2027-12-31")) == ["end=2028-06-30"]


@pytest.mark.parametrize("setting", ["figures=a", "parameters_doc=a/parameters.md"])
def test_validate_never_writes_into_a_run(setting, runs, capsys):
    before = tree(runs / "a")
    code, _, err = call_cli(["validate", "parameters", setting], capsys)
    assert_refused(code, err, f"{setting} lies inside the record")
    assert tree(runs / "a") == before
