"""Bit-for-bit determinism: the same seed gives the same files whatever the workers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.api import EnsembleResult
from sim.runs.ensemble import run_ensemble

from conftest import scenario

SMALL = ("end=2022-09-30", "replicates=6", "seed=424242")


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.name != "manifest.json"}


@pytest.fixture(scope="module")
def one_worker_run(tmp_path_factory):
    cfg = scenario("baseline", *SMALL)
    return EnsembleResult(cfg, run_ensemble(cfg, workers=1, progress=False)).save(
        tmp_path_factory.mktemp("w1") / "run")


def test_one_and_two_workers_write_identical_files(one_worker_run, tmp_path):
    cfg = scenario("baseline", *SMALL, "workers=2")
    two = EnsembleResult(cfg, run_ensemble(cfg, progress=False)).save(tmp_path / "run")
    a, b = file_hashes(one_worker_run), file_hashes(two)
    assert set(a) >= {"config.yaml", "replicates.csv", "monthly.csv", "events.csv", "summary.json",
                      "attack_rate_distribution.png", "monthly_attacks_fan_chart.png", "attacks_by_area_map.png",
                      "attacks_by_governorate_map.png"}
    assert a == b


def test_different_seeds_give_different_results():
    a = run_ensemble(scenario("baseline", *SMALL), progress=False)
    b = run_ensemble(scenario("baseline", *SMALL[:-1], "seed=424243"), progress=False)
    assert any(x.attacks["day"].tolist() != y.attacks["day"].tolist() for x, y in zip(a, b, strict=True))


def test_a_replicate_does_not_depend_on_which_others_ran():
    cfg = scenario("baseline", *SMALL)
    everything = run_ensemble(cfg, progress=False)
    alone = run_ensemble(cfg, indices=[4], progress=False)[0]
    for key in everything[4].attacks:
        assert everything[4].attacks[key].tolist() == alone.attacks[key].tolist()
    assert everything[4].counters == alone.counters


def test_two_fresh_processes_with_different_hash_seeds_agree():
    code = ("import hashlib, logging; from sim.api import load_scenario; from sim.runs.ensemble import run_replicate;"
            "cfg = load_scenario('baseline', ['end=2022-06-30']);"
            "o = run_replicate(cfg, 3); h = hashlib.sha256();"
            "[h.update(o.attacks[k].tobytes()) for k in sorted(o.attacks)]; print(h.hexdigest())")
    digests = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1
