"""What `sim run` tells its reader: the forecast by year, the observed years against the record, the run's
name with every override, a warning when overrides move the fitted years, and a tidy folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim import cli
from sim.api import load_scenario
from sim.report.build import write_report
from sim.report.sections import command_line
from sim.runs.record import config_yaml

SHORT = ["replicates=3", "end=2027-12-31", "seed=11", "progress=false", "plots=false"]
# Far below the fitted rate (0.0172 a day): 2022 comes out at a fraction of the 401 claims recorded.
SLOW_ATTACKS = "model.insurgents.attack_rate_per_day=0.002"
# Every override is in the name; the seed and replicate count are shown apart.
LEVELS_NAME = "full_exit + syria=collapse + relations=sanctions + end=2027-12-31"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, str, str]]:
    """Each run's folder and what it printed on stdout and stderr."""
    root = tmp_path_factory.mktemp("run_output")
    out = {}
    for name, args in (("levels", ["scenario=full_exit", "syria=collapse", "relations=sanctions"]),
                       ("refit", [SLOW_ATTACKS])):
        folder = root / name
        out[name] = (folder, *_run_cli([*args, *SHORT, f"out={folder}"]))
    return out


def _run_cli(args: list[str]) -> tuple[str, str]:
    import contextlib
    import io

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        cli.main(["run", *args])
    return stdout.getvalue(), stderr.getvalue()


def test_the_headline_is_the_forecast_with_each_year_beside_it(runs):
    _, printed, _ = runs["levels"]
    lines = printed.splitlines()
    assert lines[0].startswith(f"{LEVELS_NAME}: 3 replicates")
    forecast = next(k for k, line in enumerate(lines) if line.strip().startswith("forecast, 2026-08-01 to 2027-12-31"))
    assert lines[forecast + 1].strip().startswith("2026, 2026-08-01 to 2026-12-31")
    assert lines[forecast + 2].strip().startswith("2027, 2027-01-01 to 2027-12-31")
    assert "the observed years against the record" in printed
    assert "attacks, Iraq, 2022-01-01 to 2022-11-30: observed 401" in printed


def test_the_summary_names_the_run_by_its_scenario_and_overrides(runs):
    folder, _, _ = runs["levels"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["name"] == LEVELS_NAME
    assert [o["setting"] for o in summary["overrides"]] == ["syria=collapse", "relations=sanctions", "end=2027-12-31"]
    assert "Overrides: syria=collapse: " in summary["description"]
    assert (summary["headline"]["start"], summary["headline"]["end"]) == ("2026-08-01", "2027-12-31")


def test_a_run_made_on_the_command_line_records_the_config_the_api_composes(runs):
    """The branch's levels are part of the record whichever way the run was started."""
    folder, _, _ = runs["levels"]
    api = load_scenario("full_exit", ["syria=collapse", "relations=sanctions", *SHORT])
    assert (folder / "config.yaml").read_text() == config_yaml(api)


def test_made_with_is_the_command_as_typed_and_the_bookkeeping_is_gone(runs):
    folder, _, _ = runs["levels"]
    manifest = json.loads((folder / "manifest.json").read_text())
    typed = command_line(manifest["execution"]["command"])
    assert typed == f"sim run scenario=full_exit syria=collapse relations=sanctions {' '.join(SHORT)} out={folder}"
    assert not (folder / ".lock").exists() and not (folder / "cli.log").exists()


def test_an_older_records_hydra_folder_is_shown_as_out():
    assert command_line(["/x/bin/sim", "replicates=3", "hydra.run.dir='my runs/a'"]) == \
        "sim run replicates=3 'out=my runs/a'"


def test_overrides_that_move_the_fitted_years_warn_where_the_record_is_missed(runs, tmp_path):
    folder, printed, warned = runs["refit"]
    warned = " ".join(warned.split())
    assert warned.startswith("warning: ") and SLOW_ATTACKS in warned
    assert "2022-01-01 to 2022-11-30" in warned and "observed 401" in warned
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["fit"]["moved_by"] == [SLOW_ATTACKS]
    assert "outside" in printed
    html = write_report([folder], "forecast", str(tmp_path / "r.html")).read_text()
    assert "<strong>Warning:</strong>" in html and f"baseline + {SLOW_ATTACKS} + end=2027-12-31" in html


def test_branch_levels_alone_leave_the_fitted_years_and_warn_of_nothing(runs):
    folder, _, warned = runs["levels"]
    fit = json.loads((folder / "summary.json").read_text())["fit"]
    assert warned == "" and fit["moved_by"] == [] and fit["warning"] == ""


def test_a_multiruns_sealed_jobs_keep_no_empty_log_or_lock(tmp_path):
    sweep = tmp_path / "sweep"
    _run_cli(["-m", "seed=1,2", "replicates=2", "end=2022-03-31", "progress=false", "plots=false", f"out={sweep}"])
    jobs = [job for job in sweep.iterdir() if job.is_dir()]
    assert len(jobs) == 2 and all((job / "manifest.json").exists() for job in jobs)
    assert not [p for job in jobs for p in (job / ".lock", job / "cli.log") if p.exists()]


def test_show_config_prints_the_composed_config_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    printed, _ = _run_cli(["scenario=full_exit", "seed=7", "show=config"])
    assert printed == config_yaml(load_scenario("full_exit", ["seed=7"]))
    assert list(tmp_path.iterdir()) == []
