"""The command line as an analyst or reviewer uses it, in fresh processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

QUICK = ["replicates=4", "end=2022-06-30", "seed=99", "progress=false"]


def sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def run_a(workdir) -> Path:
    out = sim("run", "scenario=baseline", *QUICK, "workers=2", "out=runs/a", cwd=workdir)
    assert out.returncode == 0, out.stderr
    # The run ends before the observed record does, so it has no forecast: its headline says so by its window.
    assert "whole run, 2020-01-01 to 2022-06-30" in out.stdout
    return workdir / "runs/a"


def test_run_writes_every_output_and_a_manifest_of_their_hashes(run_a):
    manifest = json.loads((run_a / "manifest.json").read_text())
    tables = ("replicates", "monthly", "monthly_state", "events")
    expected = {"config.yaml", *(f"{t}.csv" for t in tables), *(f"{t}.parquet" for t in tables), "summary.json",
                "attack_rate_distribution.png", "monthly_attacks_fan_chart.png", "attacks_by_area_map.png",
                "attacks_by_governorate_map.png"}
    assert set(manifest["files"]) == expected
    assert manifest["seed"] == 99 and manifest["replicates"] == 4
    assert {"mesa", "numpy", "hydra-core"} <= set(manifest["versions"])
    summary = json.loads((run_a / "summary.json").read_text())
    for key in ("scenario", "name", "seed", "replicates", "start", "end", "branch_date", "headline",
                "headline_by_year", "whole_run", "targets", "fit"):
        assert key in summary
    assert set(summary["headline"]["attacks_per_month"]) == {"mean", "sd", "q05", "q25", "q50", "q75", "q95"}
    assert {"name", "start", "end", "months", "by_area"} <= set(summary["headline"])
    replicates = (run_a / "replicates.csv").read_text().splitlines()
    assert replicates[0].startswith("replicate,attacks,") and len(replicates) == 5


def test_reproduce_verifies_every_file(run_a, workdir):
    out = sim("reproduce", str(run_a), cwd=workdir)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "14 of 14 files reproduced bit for bit" in out.stdout


def test_reproduce_names_a_tampered_file(run_a, workdir, tmp_path):
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(run_a), str(copy)], check=True)
    events = copy / "events.csv"
    data = bytearray(events.read_bytes())
    data[-2] = ord("7") if data[-2] != ord("7") else ord("8")
    events.write_bytes(bytes(data))
    out = sim("reproduce", str(copy), cwd=workdir)
    assert out.returncode == 1
    assert "events.csv on disk differs" in out.stdout
    assert "DIFFERS" not in out.stdout       # the re-run itself still matches the record


def test_reproduce_detects_a_changed_seed(run_a, workdir, tmp_path):
    copy = tmp_path / "seeded"
    subprocess.run(["cp", "-r", str(run_a), str(copy)], check=True)
    config = copy / "config.yaml"
    config.write_text(config.read_text().replace("seed: 99", "seed: 100"))
    out = sim("reproduce", str(copy), cwd=workdir)
    assert out.returncode == 1
    assert "config.yaml has changed" in out.stdout and "seed was changed" in out.stdout


def test_compare_prints_a_table_and_writes_a_plot(run_a, workdir):
    b = sim("run", "scenario=full_exit", *QUICK, "branch_date=2022-04-01", "hydra.run.dir=runs/b", cwd=workdir)
    assert b.returncode == 0, b.stderr
    out = sim("compare", str(run_a), str(workdir / "runs/b"), "out=cmp", "window=2022-04-01:2022-06-30", cwd=workdir)
    assert out.returncode == 0, out.stderr
    assert "baseline" in out.stdout and "full_exit" in out.stdout
    assert "attacks and casualties per month in Iraq, 2022-04-01 to 2022-06-30:" in out.stdout
    assert "paired differences in attacks per month, 2022-04-01 to 2022-06-30" in out.stdout
    assert "  variance_reduction: how many times smaller" in out.stdout
    assert "  share_b_higher: share of replicates in which B's rate is above A's" in out.stdout
    assert (workdir / "cmp/paired_differences.csv").exists()
    assert (workdir / "cmp/attack_rate_comparison.png").stat().st_size > 10_000
    assert (workdir / "cmp/comparison.csv").read_text().count("\n") == 3


def test_compare_names_what_stops_pairing(run_a, workdir):
    other_seed = [o if not o.startswith("seed=") else "seed=5" for o in QUICK]
    c = sim("run", "scenario=full_exit", *other_seed, "branch_date=2022-04-01", "out=runs/c", cwd=workdir)
    assert c.returncode == 0, c.stderr
    out = sim("compare", str(run_a), "runs/c", "out=cmp_c", "window=2022-04-01:2022-06-30", cwd=workdir)
    assert out.returncode == 0, out.stderr
    assert "no paired differences: the seed differs (99, 5)" in out.stdout
    assert not (workdir / "cmp_c/paired_differences.csv").exists()


def test_a_reader_that_stops_early_ends_the_command_quietly(workdir):
    """`sim list | head -1`: the list is written while scenarios are composed, after the reader has gone."""
    process = subprocess.Popen([sys.executable, "-m", "sim", "list"], cwd=workdir, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("The observed history")
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == ""


def test_progress_goes_to_stderr_as_lines_when_not_on_a_terminal():
    from sim.progress import ProgressLines

    clock = iter([0.0, 10.0, 31.0, 35.0, 70.0, 71.0]).__next__
    lines = []
    bar = ProgressLines(100, "baseline", clock=clock, stream=type("S", (), {"write": lines.append,
                                                                          "flush": lambda self: None})())
    bar.update(10)          # 10 s: too soon for a line
    bar.update(20)          # 31 s: a line, 30 of 100 done, about 72 s left at that pace
    bar.update(10)          # 35 s: too soon again
    bar.update(60)          # 70 s: a line
    bar.close()             # 71 s: the last line
    text = "".join(lines).splitlines()
    assert text == ["baseline: 30 of 100 done (30%), 31 s so far, about 1 min 12 s left",
                    "baseline: 100 of 100 done (100%), 1 min 10 s so far",
                    "baseline: 100 of 100 done (100%), 1 min 11 s so far"]


def test_list_shows_scenarios_and_levels(workdir):
    out = sim("list", cwd=workdir)
    assert out.returncode == 0
    for name in ("baseline", "worst_case", "syria_collapse_2027", "drawdown", "iraqi_forces", "with_substitutes",
                 "as_observed", "fall of the Assad government", "2027-03-01"):
        assert name in out.stdout


@pytest.mark.parametrize("args", [
    ["run", "scenario=nowhere"],
    ["run", "replicates=0"],
    ["run", "model.insurgents.no_such_parameter=1"],
    ["run", "+model.insurgents.no_such_parameter=1"],
    ["run", "end=2019-12-31"],                  # before the run starts
    ["reproduce", "no/such/run"],
    ["compare", "no/such/run"],
    ["frobnicate"],
])
def test_bad_input_exits_2_with_one_paragraph_and_writes_nothing(args, tmp_path):
    out = sim(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_run_is_never_overwritten(run_a, workdir):
    out = sim("run", *QUICK, f"hydra.run.dir={run_a}", cwd=workdir)
    assert out.returncode == 2 and "never overwritten" in out.stderr


def test_a_directory_that_is_not_a_run_is_refused(tmp_path):
    (tmp_path / "stuff").mkdir()
    out = sim("reproduce", "stuff", cwd=tmp_path)
    assert out.returncode == 2 and "not a run directory" in out.stderr


def test_long_work_is_announced_from_one_timed_replicate(monkeypatch, capsys):
    """Two timings of replicate 0 (3 s, then 2 s once warm): 640 replicates of 2 s over 2 workers is 640 s."""
    import time

    from sim.runs import ensemble

    ticks = iter([0.0, 3.0, 10.0, 12.0])
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    monkeypatch.setattr(ensemble, "run_replicate", lambda cfg, index: None)
    ensemble.announce_duration("attribution: 16 points", None, 640, 2)
    assert capsys.readouterr().err == ("attribution: 16 points: about 10 min 40 s (640 replicates of 2.00 s each "
                                       "over 2 workers, timed on one replicate here)\n")
    ticks = iter([0.0, 0.01, 1.0, 1.01])
    ensemble.announce_duration("quick", None, 10, 1)
    assert capsys.readouterr().err == ""            # under 20 s: nothing to announce
