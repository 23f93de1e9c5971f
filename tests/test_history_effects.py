"""Leaving one change of the observed history out of a run (sim/config/history_changes.py), and the tool that
measures what each estimated change does (tools/history_effects.py)."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.config.errors import ConfigError
from sim.config.history_changes import history_change_ids, without_history_change
from sim.config.load import checked_config

from conftest import scenario

ROOT = Path(__file__).resolve().parents[1]
EVENTS = yaml.safe_load((ROOT / "scenarios/events/observed_2020.yaml").read_text(encoding="utf-8"))["changes"]


def load_tool():
    spec = importlib.util.spec_from_file_location("history_effects", ROOT / "tools" / "history_effects.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cfg():
    return scenario("baseline", "history=observed_2020", "end=2027-12-31")


@pytest.fixture(scope="module")
def tool():
    return load_tool()


def test_each_change_of_the_file_has_one_name_a_letter_only_where_a_day_has_several(cfg):
    named = history_change_ids(cfg)
    assert [c.label for c in named.values()] == [e["label"] for e in EVENTS]
    assert [c.confidence for c in named.values()] == [e["confidence"] for e in EVENTS]
    assert named["2020-01-05a"].label == EVENTS[2]["label"] and named["2020-01-05b"].label == EVENTS[3]["label"]
    assert "2020-01-05" not in named and "2020-01-03" in named


def test_leaving_a_change_out_removes_it_and_nothing_else(cfg):
    dropped = next(e for e in EVENTS if e["date"] == "2020-01-05" and "pauses" in e["label"])
    out = checked_config(without_history_change(cfg, "2020-01-05a"))      # as a run checks it again
    labels = [(c.date, c.label) for c in cfg.changes]
    assert [(c.date, c.label) for c in out.changes] == [x for x in labels if x != (dropped["date"], dropped["label"])]
    assert len(out.changes) == len(cfg.changes) - 1
    kept = [c for c in cfg.changes if c.label != dropped["label"]]
    assert out.changes == kept
    assert dataclasses.replace(out, changes=cfg.changes) == cfg


def test_an_unknown_name_is_refused_with_the_names_there_are(cfg):
    with pytest.raises(ConfigError, match=r"'2020-01-06' names no dated change.*2020-01-05a, 2020-01-05b"):
        without_history_change(cfg, "2020-01-06")


@pytest.mark.parametrize("argv, words", [
    (["--events", "2020-01-06"], "'2020-01-06' names no dated change"),
    (["--events", "2020-01-05"], "'2020-01-05' names no dated change"),
    (["--replicates", "1"], "--replicates is 1"),
    (["--replicates", "x"], "invalid int value: 'x'"),
    (["--parameters", "median"], "invalid choice: 'median'"),
    (["--seed", "-3"], "'seed' is -3"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_input_ends_with_one_paragraph_and_status_2(tool, capsys, argv, words):
    with pytest.raises(SystemExit) as ended:
        tool.main(argv)
    err = capsys.readouterr().err
    assert ended.value.code == 2
    assert err.startswith("error: ") and "\n\n" not in err.strip() and "Traceback" not in err
    assert words in " ".join(err.split())


def test_a_folder_that_holds_files_is_refused_before_anything_runs(tool, capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as ended:
        tool.main(["--events", "2020-03-17", "--out", str(tmp_path)])
    assert ended.value.code == 2 and "already holds files" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_change_that_sets_nothing_moves_nothing_in_any_replicate(tool, tmp_path, capsys):
    """The al-Qaim hand-over is recorded without a parameter: with the same seeds the run without it is the
    same run, so both figures must differ by exactly zero (anything else would mean the pairing is broken)."""
    tool.main(["--events", "2020-03-17", "--replicates", "2", "--workers", "1", "--out", str(tmp_path / "out")])
    table = pd.read_csv(tmp_path / "out" / "history_effects.csv")
    assert table["event"].tolist() == ["2020-03-17"]
    zero = ["attacks_2024_effect", "rate_2027_effect", "attacks_2024_low", "rate_2027_high"]
    assert (table[zero] == 0).all(axis=None)
    assert table.loc[0, "attacks_2024_with"] == table.loc[0, "attacks_2024_without"]
    assert "| 2020-03-17 |" in (tmp_path / "out" / "history_effects.md").read_text()
