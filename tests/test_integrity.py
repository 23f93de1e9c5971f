"""Integrity under change and concurrency: no silently mixed results, no clobbered folders, no
tracebacks at the edges.

Each test is one case of docs/reliability.md's integrity table, built the way a
careful or a hostile user would meet it: a run resumed after its code, a data
file or a library changed; dates Python reads but the project does not; runs,
sweeps and saves pointed at folders that are not theirs or that another process
is writing; run records whose manifest names files outside the run; full and
read-only disks, dangling links and unworkable names; limits on memory, sweep
size and API types. Where the defect is about processes, real processes race;
a full or read-only disk is simulated by making the system call fail, so the
tests need no root.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import api
from sim.analysis import summary
from sim.api import EnsembleResult
from sim.config.errors import ConfigError
from sim.config.load import scenario_dir
from sim.files import sha256_file
from sim.runs import record
from sim.runs.ensemble import run_ensemble
from sim.runs.reproduce import check_record, reproduce
from sim.sweeps.spec import sweep_from_dict

from conftest import scenario
from test_reliability import assert_refused, call_cli, tree

TINY = ("end=2022-03-31", "replicates=2", "seed=5")
CLI_TINY = [*TINY, "progress=false"]
PROCESS_TIMEOUT = 300


def sim_process(args: list[str], cwd: Path, env: dict | None = None, **kwargs) -> subprocess.Popen:
    """`python -m sim ARGS` as a separate process."""
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def finish(process: subprocess.Popen, timeout: float = PROCESS_TIMEOUT) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"{process.args} did not end within {timeout} s") from None
    return process.returncode, out, err


def wait_for(condition, what: str, seconds: float = PROCESS_TIMEOUT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def saved_blocks(run: Path) -> list[Path]:
    return list((run / record.PARTIAL).glob("**/block-*.npz"))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """A complete small run (plots included) that tests copy and change."""
    cfg = scenario("baseline", *TINY)
    return EnsembleResult(cfg, run_ensemble(cfg, workers=1, progress=False)).save(
        tmp_path_factory.mktemp("tiny") / "run")


def copy_of(run: Path, to: Path) -> Path:
    shutil.copytree(run, to)
    return to


def edit_manifest(run: Path, change) -> None:
    manifest = json.loads((run / record.MANIFEST).read_text())
    change(manifest)
    (run / record.MANIFEST).write_text(json.dumps(manifest))


# ===== 1. A run resumes only under the fingerprint it was started with ====================

UNFINISHED = """
import sys
from pathlib import Path
from sim.api import load_scenario
from sim.runs.ensemble import run_ensemble
from sim.runs.record import start_run
cfg = load_scenario("baseline", sys.argv[1:])
run_ensemble(cfg, indices=range(2), checkpoints=start_run(Path("d"), cfg), workers=1, progress=False)
"""


def edit_model_code(root: Path) -> None:
    path = root / "sim" / "model" / "model.py"
    path.write_text(path.read_text() + "\n# edited after the run was interrupted\n")


def edit_geography(root: Path) -> None:
    path = root / "sim" / "data" / "geography.yaml"
    path.write_text(path.read_text() + "\n# edited after the run was interrupted\n")


def report_another_numpy(root: Path) -> None:
    """From now on, importlib.metadata reports numpy 1.0.0 (as after an up- or downgrade)."""
    (root / "sitecustomize.py").write_text(textwrap.dedent("""
        import importlib.metadata as metadata
        _version = metadata.version
        metadata.version = lambda name: "1.0.0" if name == "numpy" else _version(name)
    """))


@pytest.mark.parametrize("change, words", [
    pytest.param(edit_model_code, ["source code"], id="model-code"),
    pytest.param(edit_geography, ["sim/data/geography.yaml", "has changed"], id="data-file"),
    pytest.param(report_another_numpy, ["numpy was", "is now 1.0.0"], id="library-version"),
])
@pytest.mark.slow
def test_an_interrupted_run_is_not_resumed_after_its_code_data_or_libraries_changed(change, words, tmp_path):
    """Half the replicates from the old code and half from the new used to be sealed as one run."""
    root = tmp_path / "src"
    shutil.copytree(Path(sim.__file__).parent, root / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(scenario_dir(), root / "scenarios")
    env = {**os.environ, "PYTHONPATH": str(root), "SIM_SCENARIO_DIR": str(root / "scenarios")}
    overrides = ["end=2022-03-31", "replicates=4", "seed=5"]
    subprocess.run([sys.executable, "-c", UNFINISHED, *overrides], cwd=tmp_path, env=env, check=True,
                   timeout=PROCESS_TIMEOUT)
    assert record.is_incomplete(tmp_path / "d") and saved_blocks(tmp_path / "d")
    before = tree(tmp_path / "d")
    change(root)
    code, out, err = finish(sim_process(["run", *overrides, "progress=false", "hydra.run.dir=d"], tmp_path, env))
    assert_refused(code, err, "unfinished run", "different fingerprint", "start afresh", *words)
    assert "resuming" not in out
    assert tree(tmp_path / "d") == before


def test_an_interrupted_sweep_is_not_resumed_after_the_code_changed(tmp_path, monkeypatch):
    """Finished points' partitions came from the old code; new points would have come from the new."""
    from sim.sweeps.engine import run_sweep

    spec = sweep_from_dict({"name": "tiny", "replicates": 2, "overrides": ["end=2022-03-31", "branch_date=2022-02-01"],
                            "axes": {"syria": ["contained", "collapse"]},
                            "window": {"start": "2022-02-01", "end": "2022-03-31"}})

    def stop(point: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path / "sweep", progress=False, on_point=stop)
    before = tree(tmp_path / "sweep")
    monkeypatch.setattr("sim.runs.fingerprint.source_sha256", lambda: "0" * 64, raising=False)
    with pytest.raises(ConfigError, match="unfinished sweep .* different fingerprint: the package's source code"):
        run_sweep(spec, tmp_path / "sweep", progress=False)
    assert tree(tmp_path / "sweep") == before


def test_the_manifest_records_the_code_the_libraries_and_every_data_file_read(tmp_path):
    cfg = scenario("baseline", *TINY, "parameters=posterior")
    run = EnsembleResult(cfg, run_ensemble(cfg, workers=1, progress=False)).save(tmp_path / "run")
    manifest = json.loads((run / record.MANIFEST).read_text())
    data = Path(sim.__file__).parent / "data"
    for name in ("geography.yaml", "targets.yaml", "posterior.csv", "posterior.yaml"):
        assert manifest["data_files"][f"sim/data/{name}"] == sha256_file(data / name)
    assert len(manifest["source_sha256"]) == 64
    assert {"mesa", "numpy", "scipy", "pandas", "matplotlib"} <= set(manifest["versions"])
    assert "git_commit" in manifest and manifest["python"]


# ===== 2. Dates are YYYY-MM-DD only, and compared as dates ===============================

@pytest.mark.parametrize("override", ["end=20240630", "end=2024-W26-7", "start=2024-W01-1"])
def test_dates_in_another_iso_form_are_refused(override, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(["run", override, "replicates=2"], capsys)
    assert_refused(code, err, override.split("=")[0], "YYYY-MM-DD")
    assert list(tmp_path.iterdir()) == []


def test_a_target_window_is_checked_against_the_horizon_as_dates():
    """As text, '2024-08-31' sorts before '20240630': a six-month horizon seemed to cover January-August."""
    monthly = pd.DataFrame({"replicate": [0, 1], "month": ["2024-01", "2024-01"], "area": "kirkuk", "attacks": 0,
                            "killed": 0, "wounded": 0})
    covered = summary.target_checks(monthly, "2024-01-01", "20240630")
    assert not [c for c in covered if "2024-08-31" in c["quantity"]]


# ===== 3. A run writes only into a new folder or its own unfinished run ===================

def users_folder(path: Path) -> Path:
    """A folder of someone's own files that happen to share a run's file names."""
    (path / "sub").mkdir(parents=True)
    (path / "events.csv").write_text("my own events\n")
    (path / "summary.json").write_text('{"mine": true}\n')
    (path / "sub" / ".notes.tmp-1").write_text("my notes\n")
    return path


def test_sim_run_refuses_a_folder_of_other_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    folder = users_folder(tmp_path / "mine")
    before = tree(folder)
    code, _, err = call_cli(["run", *CLI_TINY, "hydra.run.dir=mine"], capsys)
    assert_refused(code, err, "'mine'", "not a run's", "events.csv")
    assert tree(folder) == before and sorted(p.name for p in folder.iterdir()) == ["events.csv", "sub", "summary.json"]


def test_save_refuses_a_folder_of_other_files(tiny_run, tmp_path):
    cfg = scenario("baseline", *TINY)
    result = EnsembleResult(cfg, run_ensemble(cfg, workers=1, progress=False))
    folder = users_folder(tmp_path / "mine")
    before = tree(folder)
    with pytest.raises(ConfigError, match="not a run's"):
        result.save(folder)
    assert tree(folder) == before


def test_resuming_clears_only_the_temporary_files_of_the_runs_own_outputs(tmp_path):
    cfg = scenario("baseline", *TINY)
    run = tmp_path / "run"
    record.start_run(run, cfg)
    ours = [run / ".events.csv.tmp-12", run / record.PARTIAL / ".block-00000000-00000000.npz.tmp-12"]
    theirs = [run / ".notes.txt.tmp-3", run / "sub" / ".events.csv.tmp-4", run / ".events.csv.tmp-mine"]
    for path in (*ours, *theirs):
        path.parent.mkdir(exist_ok=True)
        path.write_text("partial")
    record.start_run(run, cfg)
    assert [p.exists() for p in ours] == [False, False]
    assert [p.exists() for p in theirs] == [True, True, True]


# ===== 4. One process per folder, unique default folders =================================

@pytest.mark.slow
def test_two_runs_started_together_get_a_folder_each(tmp_path):
    """The default folder was named by the second: both runs picked the same one."""
    runs = [sim_process(["run", "end=2022-03-31", "replicates=2", f"seed={seed}", "progress=false"], tmp_path)
            for seed in (11, 22)]
    results = [finish(p) for p in runs]
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    folders = sorted((tmp_path / "outputs" / "baseline").iterdir())
    assert len(folders) == 2
    seeds = set()
    for folder in folders:
        manifest = json.loads((folder / record.MANIFEST).read_text())
        assert f"seed={manifest['seed']}" in (folder / ".hydra" / "overrides.yaml").read_text()
        assert check_record(record.load_run(folder)) == []
        seeds.add(manifest["seed"])
    assert seeds == {11, 22}


@pytest.mark.slow
def test_a_second_process_is_refused_a_folder_a_run_is_writing(tmp_path):
    args = ["run", "end=2022-12-31", "replicates=400", "workers=1", "progress=false", "hydra.run.dir=same"]
    first = sim_process(args, tmp_path)
    try:
        wait_for(lambda: saved_blocks(tmp_path / "same"), "the first run's first checkpoint")
        code, out, err = finish(sim_process(args, tmp_path))
        first_still_running = first.poll() is None
    finally:
        first.kill()
        first.communicate()
    assert_refused(code, err, "'same' is in use", "another process")
    assert "resuming" not in out
    assert first_still_running, "the first run ended before the second was refused; the check proved nothing"


@pytest.mark.slow
def test_a_second_sweep_is_refused_the_folder_a_sweep_is_writing(tmp_path):
    args = ["sweep", "syria=contained,collapse", "replicates=200", "end=2022-12-31",
            "branch_date=2022-02-01", "window=2022-02-01:2022-12-31", "out=sweep"]
    first = sim_process(args, tmp_path)
    try:
        wait_for(lambda: saved_blocks(tmp_path / "sweep"), "the first sweep's first checkpoint")
        code, _, err = finish(sim_process(args, tmp_path))
        first_still_running = first.poll() is None
    finally:
        first.kill()
        first.communicate()
    assert_refused(code, err, "'sweep' is in use", "another process")
    assert first_still_running, "the first sweep ended before the second was refused; the check proved nothing"


SAVE = """
import sys, time
from sim.api import load_scenario, run
result = run(load_scenario("baseline", ["end=2022-03-31", "replicates=2", "seed=" + sys.argv[1]]))
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
result.save("same")
"""


@pytest.mark.slow
def test_two_saves_to_one_folder_leave_one_whole_run(tmp_path):
    """Both used to report success, and the folder mixed the two configs' files."""
    start = time.time() + 6           # both processes have imported and run their ensembles by then
    saves = [subprocess.Popen([sys.executable, "-c", SAVE, str(seed), str(start)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    results = [finish(p) for p in saves]
    assert sorted(code for code, _, _ in results) == [0, 1], [err for _, _, err in results]
    refused = next(err for code, _, err in results if code)
    assert "ConfigError" in refused and any(w in refused for w in ("in use", "unfinished run", "already holds"))
    rec = record.load_run(tmp_path / "same")
    assert check_record(rec) == []
    summary = json.loads((tmp_path / "same" / "summary.json").read_text())
    assert summary["seed"] == rec.config.seed == rec.manifest["seed"]
    assert pd.read_csv(tmp_path / "same" / "replicates.csv")["replicate"].tolist() == [0, 1]


@pytest.mark.slow
def test_explorer_saves_in_the_same_second_get_a_folder_each(tmp_path, monkeypatch):
    from sim.explore import comparison

    results = [api.run(scenario("baseline", *TINY[:2], f"seed={seed}")) for seed in (1, 2)]
    both_ready = threading.Barrier(2)
    real_save = EnsembleResult.save

    def save_when_both_are_ready(self, run_dir):
        both_ready.wait(timeout=60)          # both have picked their folder before either writes
        return real_save(self, run_dir)

    monkeypatch.setattr(EnsembleResult, "save", save_when_both_are_ready)
    now = comparison.dt.datetime(2026, 1, 1, 12, 0, 0)
    saved, errors = [], []

    def save(result):
        try:
            saved.extend(comparison.save(comparison.Comparison(result, result), tmp_path / "explorer", now))
        except Exception as err:      # noqa: BLE001 (reported below)
            errors.append(err)

    threads = [threading.Thread(target=save, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(saved)) == 2
    assert sorted(record.load_run(p).config.seed for p in saved) == [1, 2]
    assert all(check_record(record.load_run(p)) == [] for p in saved)


# ===== 5. sim reproduce trusts nothing in the manifest, and says why before re-running =====

@pytest.mark.parametrize("entry, words", [
    pytest.param("/dev/zero", ["/dev/zero", "not a plain relative path"], id="absolute-device"),
    pytest.param("../outside.txt", ["../outside.txt", "not a plain relative path"], id="parent"),
    pytest.param("folder", ["'folder'", "not a regular file", "a folder"], id="folder"),
    pytest.param("link.csv", ["'link.csv'", "not a regular file", "symbolic link"], id="symlink"),
])
def test_reproduce_accepts_only_plain_paths_to_the_runs_own_files(entry, words, tiny_run, tmp_path):
    run = copy_of(tiny_run, tmp_path / "run")
    (tmp_path / "outside.txt").write_text("not the run's\n")
    (run / "folder").mkdir()
    os.symlink(tmp_path / "outside.txt", run / "link.csv")
    edit_manifest(run, lambda m: m["files"].__setitem__(entry, "0" * 64))
    # a fresh process with a time limit: reading /dev/zero never ends
    code, _, err = finish(sim_process(["reproduce", str(run)], tmp_path), timeout=60)
    assert_refused(code, err, "manifest.json", *words)


def test_reproduce_does_not_re_run_a_config_other_than_the_recorded_one(tiny_run, tmp_path, monkeypatch, capsys):
    run = copy_of(tiny_run, tmp_path / "run")
    config = (run / record.CONFIG).read_text()
    (run / record.CONFIG).write_text(config.replace("replicates: 2", "replicates: 5000"))

    def must_not_run(*args, **kwargs):
        raise AssertionError("the edited config was re-run")

    monkeypatch.setattr("sim.runs.ensemble.run_ensemble", must_not_run)
    code, out, _ = call_cli(["reproduce", run], capsys)
    assert code == 1
    assert "config.yaml has changed" in out and "replicate count was changed" in out and "not re-run" in out


def test_reproduce_interrupted_says_the_run_was_not_touched(tiny_run, tmp_path, monkeypatch, capsys):
    run = copy_of(tiny_run, tmp_path / "run")
    before = tree(run)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.runs.result.run_ensemble", interrupted)
    code, _, err = call_cli(["reproduce", run], capsys)
    assert code == 130
    assert "not touched" in err and "finishes it" not in err and "Traceback" not in err
    assert tree(run) == before


def test_reproduce_names_what_changed_since_the_run_before_re_running(tiny_run, tmp_path, monkeypatch, capsys):
    """Libraries by name and data files by path, printed before the (here interrupted) re-run starts."""
    run = copy_of(tiny_run, tmp_path / "run")

    def recorded_differently(manifest):
        manifest["versions"].update(numpy="1.0.0", matplotlib="2.0.0")
        manifest["data_files"]["sim/data/geography.yaml"] = "0" * 64

    edit_manifest(run, recorded_differently)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.runs.result.run_ensemble", interrupted)
    code, out, _ = call_cli(["reproduce", run], capsys)
    assert code == 130
    for words in ("numpy was 1.0.0, is now", "matplotlib was 2.0.0, is now", "sim/data/geography.yaml has changed"):
        assert f"changed since the run: {words}" in out


def test_reproduce_reports_data_files_and_figures_apart(tiny_run, tmp_path, capsys):
    run = copy_of(tiny_run, tmp_path / "run")
    edit_manifest(run, lambda m: m["files"].update({"events.csv": "0" * 64, "attack_rate_distribution.png": "0" * 64}))
    result = reproduce(run, progress=False)
    assert result.differing_data == ["events.csv"]
    assert result.differing_figures == ["attack_rate_distribution.png"]
    code, out, _ = call_cli(["reproduce", run], capsys)
    assert code == 1
    assert "DIFFERS (data): events.csv" in out and "DIFFERS (figure): attack_rate_distribution.png" in out


def test_reproduce_of_a_recalibrated_posterior_says_which_file_changed(tmp_path):
    cfg = scenario("baseline", *TINY, "parameters=posterior")
    run = EnsembleResult(cfg, run_ensemble(cfg, workers=1, progress=False)).save(tmp_path / "run")
    edit_manifest(run, lambda m: m["data_files"].update({"sim/data/posterior.csv": "0" * 64}))
    result = reproduce(run, progress=False)
    assert [c for c in result.changes if c.startswith("sim/data/posterior.csv has changed")]


def test_reproduce_says_a_sweep_is_a_sweep(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(["sweep", "syria=contained,collapse", "replicates=2", "end=2022-03-31",
                             "branch_date=2022-02-01", "window=2022-02-01:2022-03-31", "out=sweep"], capsys)
    assert code == 0, err
    code, _, err = call_cli(["reproduce", "sweep"], capsys)
    assert_refused(code, err, "'sweep' is a sweep", "sweep.yaml")
    assert "lacks" not in err


# ===== 6. OS errors: one paragraph, exit 2, no temporary files, and the next run finishes ==

def fail_writes_to(monkeypatch, suffix: str, error: int) -> None:
    """The next write that is flushed to a file whose name contains `suffix` fails with `error`."""
    real_fsync = os.fsync

    def fsync(fd):
        if suffix in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(error, os.strerror(error))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["block-00000001", "attacks_by_area_map.png"], ids=["checkpoint", "plot"])
def test_a_full_disk_is_one_paragraph_and_the_same_command_then_finishes(suffix, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["run", "end=2022-03-31", "replicates=3", "workers=1", "progress=false", "hydra.run.dir=run"]
    with monkeypatch.context() as patch:
        fail_writes_to(patch, suffix, errno.ENOSPC)
        code, _, err = call_cli(args, capsys)
    assert_refused(code, err, "No space left on device", "disk is full", "same command")
    assert not list(tmp_path.rglob("*.tmp-*"))
    assert record.is_incomplete(tmp_path / "run")
    code, out, err = call_cli(args, capsys)
    assert code == 0, err
    assert check_record(record.load_run(tmp_path / "run")) == []


def refuse_folders_under(monkeypatch, root: Path, error: int) -> None:
    """Creating any folder below `root` fails with `error` (as on a read-only disk)."""
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(os.path.abspath(path)).is_relative_to(root):
            raise OSError(error, os.strerror(error), str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


@pytest.mark.parametrize("command", [
    pytest.param(["run", *CLI_TINY, "hydra.run.dir=ro/run"], id="run"),
    pytest.param(["sweep", "syria=contained,collapse", "replicates=2", "end=2022-03-31",
                  "branch_date=2022-02-01", "window=2022-02-01:2022-03-31", "out=ro/sweep"], id="sweep"),
    pytest.param(["compare", "RUN", "out=ro/compare"], id="compare"),
])
@pytest.mark.parametrize("error", [errno.EROFS, errno.EACCES], ids=["read-only", "no-permission"])
def test_a_folder_that_cannot_be_written_is_one_paragraph(command, error, tiny_run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir()
    refuse_folders_under(monkeypatch, tmp_path / "ro", error)
    code, _, err = call_cli([str(tiny_run) if a == "RUN" else a for a in command], capsys)
    assert_refused(code, err, os.strerror(error), "'ro/")
    assert list((tmp_path / "ro").iterdir()) == []


def test_a_dangling_symlink_as_the_run_folder_is_one_paragraph(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    os.symlink(tmp_path / "nowhere", tmp_path / "link")
    code, _, err = call_cli(["run", *CLI_TINY, "hydra.run.dir=link"], capsys)
    assert_refused(code, err, "'link' is a symbolic link", "does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link"]


def test_a_scenario_name_too_long_for_a_folder_is_one_paragraph(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(["run", *CLI_TINY, "scenario.name=" + "n" * 300], capsys)
    assert_refused(code, err, "scenario.name", "300 characters", "cannot name a folder")
    assert list(tmp_path.iterdir()) == []


def test_a_run_folder_with_an_unquoted_comma_or_space_is_one_paragraph(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(["run", *CLI_TINY, "out=my runs,1"], capsys)
    assert_refused(code, err, "'out=my runs,1'", "quote", "out='my runs/run 1'")
    assert "hydra.run.dir" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_quoted_run_folder_is_checked_before_hydra_writes_into_it(tmp_path, monkeypatch, capsys):
    """Hydra removes the quotes; the early check used to look for a folder named with them."""
    monkeypatch.chdir(tmp_path)
    code, _, err = call_cli(["run", *CLI_TINY, "hydra.run.dir=done"], capsys)
    assert code == 0, err
    before = tree(tmp_path / "done")
    other_seed = [a for a in CLI_TINY if not a.startswith("seed=")] + ["seed=99"]
    code, _, err = call_cli(["run", *other_seed, "hydra.run.dir='done'"], capsys)
    assert_refused(code, err, "never overwritten")
    assert tree(tmp_path / "done") == before
    code, _, err = call_cli(["run", *CLI_TINY, "hydra.run.dir='my runs/first one'"], capsys)
    assert code == 0, err
    assert (tmp_path / "my runs" / "first one" / record.MANIFEST).exists()


# ===== 7. Limits that hold =================================================================

def no_ensemble_may_start(monkeypatch) -> None:
    def started(*args, **kwargs):
        raise AssertionError("the ensemble started without a memory check")

    monkeypatch.setattr("sim.runs.ensemble.execute", started)


def test_an_ensemble_larger_than_the_memory_available_is_refused_before_it_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    no_ensemble_may_start(monkeypatch)
    monkeypatch.setattr("sim.runs.ensemble.available_memory", lambda: 10 * 1024 ** 2, raising=False)
    cfg = scenario("baseline", "end=2022-01-31", "replicates=5000")
    with pytest.raises(ConfigError, match="available"):
        api.run(cfg)
    code, _, err = call_cli(["run", "end=2022-01-31", "replicates=5000", "progress=false"], capsys)
    assert_refused(code, err, "5000 replicates", "MiB", "10 MiB available", "fewer replicates")
    assert list(tmp_path.iterdir()) == []


def test_an_ensemble_near_the_memory_available_is_run_with_a_warning(monkeypatch, capsys):
    from sim.runs import ensemble

    cfg = scenario("baseline", "end=2022-01-31", "replicates=5000")
    per_replicate = ensemble.outcome_bytes(ensemble.run_replicate(cfg, 0)) * ensemble.MEMORY_OVERHEAD
    monkeypatch.setattr(ensemble, "available_memory", lambda: int(1.5 * cfg.replicates * per_replicate))
    ensemble.check_memory(cfg)
    assert "warning:" in capsys.readouterr().err
    monkeypatch.setattr(ensemble, "available_memory", lambda: int(3 * cfg.replicates * per_replicate))
    ensemble.check_memory(cfg)
    assert capsys.readouterr().err == ""


def test_a_large_sweep_says_it_is_composing_before_it_goes_quiet(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sim.sweeps.spec.ANNOUNCE_COMPOSING_FROM", 2, raising=False)
    code, out, err = call_cli(["sweep", "syria=contained,collapse", "replicates=2", "end=2022-03-31",
                             "branch_date=2022-02-01", "window=2022-02-01:2022-03-31", "out=sweep"], capsys)
    assert code == 0, err
    assert out.index("composing and checking the configurations of all 2 points") < out.index("sweep command_line")


def test_ctrl_c_while_a_sweep_composes_says_nothing_was_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.sweeps.spec.compose_many", interrupted)
    code, _, err = call_cli(["sweep", "syria=contained,collapse", "replicates=2"], capsys)
    assert code == 130
    assert "nothing was written" in err and "keeps the replicates" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["/abs/path", "../up", "a/b", ".hidden", ""])
def test_a_sweep_name_must_be_a_plain_name(name):
    with pytest.raises(ConfigError, match="cannot name a folder"):
        sweep_from_dict({"name": name, "axes": {"syria": ["contained", "collapse"]}})


@pytest.mark.parametrize("changes, words", [
    ({"replicates": 2.5}, "'replicates' is 2.5"),
    ({"seed": 1.5}, "'seed' is 1.5"),
])
def test_the_api_refuses_what_the_command_line_refuses(changes, words, monkeypatch):
    no_ensemble_may_start(monkeypatch)
    with pytest.raises(ConfigError, match=words):
        api.run(scenario("baseline", *TINY), **changes)


def test_the_api_takes_numpy_integers_as_whole_numbers():
    result = api.run(scenario("baseline", *TINY), seed=np.int64(7), replicates=np.int32(2))
    assert result.config.seed == 7 and type(result.config.seed) is int
    assert len(result.outcomes) == 2


def test_the_api_checks_a_config_changed_by_hand(monkeypatch):
    import dataclasses

    no_ensemble_may_start(monkeypatch)
    cfg = dataclasses.replace(scenario("baseline", *TINY), replicates=2.5)
    with pytest.raises(ConfigError, match="replicates"):
        api.run(cfg)


def test_an_empty_or_partial_ensemble_is_not_saved(tmp_path):
    cfg = scenario("baseline", *TINY)
    with pytest.raises(ConfigError, match="0 outcomes"):
        EnsembleResult(cfg, []).save(tmp_path / "empty")
    one = run_ensemble(cfg, indices=[0], workers=1, progress=False)
    with pytest.raises(ConfigError, match="1 outcomes"):
        EnsembleResult(cfg, one).save(tmp_path / "partial")
    assert list(tmp_path.iterdir()) == []
