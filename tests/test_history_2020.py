"""The observed history from 1 January 2020 beside the one from 2022: every change sourced and graded,
the same course from 2022 on, and the outcomes of 2020-2021 kept out of the inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.analysis.targets import load_targets

from conftest import scenario

ROOT = Path(__file__).resolve().parents[1]
EVENTS = {name: ROOT / f"scenarios/events/{name}.yaml" for name in ("observed", "observed_2020")}
GRADES = ("confirmed", "date estimated", "size estimated", "weakly sourced")
SECOND_HISTORY_START = "2022-01-01"


def changes_of(name: str) -> list[dict]:
    return yaml.safe_load(EVENTS[name].read_text(encoding="utf-8"))["changes"]


def what_it_does(change: dict) -> tuple:
    """A change as the model reads it: its date, levels, raw values and events (not its words)."""
    return (change["date"], change.get("levels", {}), change.get("params", {}), change.get("impulses", []))


@pytest.fixture(scope="module")
def cfg():
    return scenario("baseline", "history=observed_2020")


@pytest.mark.parametrize("name", EVENTS)
def test_every_change_has_a_source_and_a_grade_that_agrees_with_estimated(name):
    """A date or a size estimated is marked estimated, a confirmed change is not (as in the other histories)."""
    for change in changes_of(name):
        where = (name, change["date"], change.get("label"))
        assert change.get("confidence") in GRADES, where
        assert str(change.get("source", "")).strip(), where
        if change["confidence"] in ("date estimated", "size estimated"):
            assert change.get("estimated") is True, where
        if change["confidence"] == "confirmed":
            assert not change.get("estimated"), where


def test_from_2022_on_the_history_from_2020_does_what_the_history_from_2022_does():
    """The longer history only prepends 2020-2021: from 1 January 2022 both change the same things on the
    same dates, so runs from either start follow one course once both are running."""
    later = [what_it_does(c) for c in changes_of("observed_2020") if c["date"] >= SECOND_HISTORY_START]
    assert later == [what_it_does(c) for c in changes_of("observed")]


def test_the_run_starts_on_1_january_2020_with_the_first_change_in_force(cfg):
    history = [c for c in cfg.changes if c.origin == "history"]
    assert (cfg.start, cfg.branch_date) == ("2020-01-01", "2026-08-01")
    assert history[0].date == cfg.start
    assert sum(c.date < SECOND_HISTORY_START for c in history) == len(changes_of("observed_2020")) - len(
        changes_of("observed"))
    claims_2020 = next(t for t in load_targets()["claimed_attacks_iraq"] if t["id"] == "claims_2020")
    assert str(claims_2020["window"]["start"]) >= cfg.start


def test_the_mass_casualty_attacks_of_2021_are_outcomes_not_events(cfg):
    """Tayaran Square and Sadr City are checks on the severity rule: nothing in the history happens on
    their days, or a check would read back an input."""
    days = {str(a["date"]) for a in load_targets()["mass_casualty_attacks_iraq"]}
    assert days == {"2021-01-21", "2021-07-19"}
    assert not days & {c.date for c in cfg.changes}
