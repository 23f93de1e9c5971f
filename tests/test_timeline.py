"""Dated changes: they take effect on their date and not before, branches never change the past, and
every malformed timeline is refused before anything runs."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from sim.config import ConfigError
from sim.config.schema import Impulse, TimelineChange
from sim.model import network
from sim.runs.replicate import replicate_model, run_replicate

from conftest import scenario

CHANGE_DAY = "2022-04-01"


def with_change(cfg, change: TimelineChange):
    return dataclasses.replace(cfg, changes=sorted([*cfg.changes, change], key=lambda c: c.date))


def attack_days(outcome) -> np.ndarray:
    return outcome.attacks["day"]


def test_a_dated_change_acts_from_its_date_and_not_a_day_before():
    """Same seed: the attack log is identical up to the change and differs after it (a tripled attack
    hazard changes the attacks of the following months in every replicate tried)."""
    base = scenario("baseline", "end=2022-07-31", "history=none", "seed=11")
    day = (np.datetime64(CHANGE_DAY) - np.datetime64(base.start)).astype(int)
    tripled = 3 * base.model.insurgents.attack_rate_per_day
    changed = with_change(base, TimelineChange(date=CHANGE_DAY, label="tripled hazard",
                                               params={"insurgents.attack_rate_per_day": tripled}))
    for index in range(3):
        a, b = run_replicate(base, index), run_replicate(changed, index)
        before_a, before_b = attack_days(a)[attack_days(a) < day], attack_days(b)[attack_days(b) < day]
        assert before_a.tolist() == before_b.tolist()
        assert a.attacks["killed"][: before_a.size].tolist() == b.attacks["killed"][: before_b.size].tolist()
        assert (attack_days(b) >= day).sum() > (attack_days(a) >= day).sum()


def test_the_model_reads_a_changed_parameter_from_its_date():
    cfg = scenario("baseline", "end=2022-06-30", "history=none")
    cfg = with_change(cfg, TimelineChange(date=CHANGE_DAY, label="budget cut",
                                          params={"relations.security_budget": 0.5}))
    model = replicate_model(cfg, 0)
    w = model.world

    def in_force(table):
        return table[int(w.clock.regime)]

    day = (np.datetime64(CHANGE_DAY) - np.datetime64(cfg.start)).astype(int)
    for _ in range(day):
        model.step()
    assert in_force(w.params.relations)["security_budget"] == 1.0
    readiness_before = in_force(w.forces.readiness)
    model.step()
    assert in_force(w.params.relations)["security_budget"] == 0.5
    assert in_force(w.forces.readiness) == pytest.approx(readiness_before * 0.5 ** 0.6)


def test_impulses_change_the_state_on_their_date():
    cfg = scenario("baseline", "end=2022-03-31", "history=none")
    cfg = with_change(cfg, TimelineChange(date="2022-02-01", label="events", impulses=[
        Impulse("detainee_transfer", 1000), Impulse("arrivals", 120, "anbar_desert"),
        Impulse("leader_killed", 0, "centre")]))
    model = replicate_model(cfg, 0)
    w = model.world
    leaders = w.leadership
    for _ in range(31):
        model.step()
    held, fighters = w.detention.iraq_prisons, network.fighters(w.cells)
    assert leaders.alive[leaders.centre]
    model.step()
    assert w.detention.iraq_prisons == held + 1000
    assert network.fighters(w.cells) >= fighters + 120 - 5          # a day's losses at most
    assert not leaders.alive[leaders.centre]


@pytest.mark.parametrize("name", ["full_exit", "syria_collapse", "agreed_exit", "worst_case"])
def test_no_scenario_changes_the_past(name):
    """Each scenario follows the observed history: same seed, identical attacks up to its branch date."""
    base = scenario("baseline", "end=2026-09-30")
    other = scenario(name, "end=2026-09-30")
    assert [c for c in other.changes if c.origin == "history"] == [c for c in base.changes if c.origin == "history"]
    branch_day = (np.datetime64(base.branch_date) - np.datetime64(base.start)).astype(int)
    a, b = run_replicate(base, 0), run_replicate(other, 0)
    before = attack_days(a) < branch_day
    assert attack_days(a)[before].tolist() == attack_days(b)[attack_days(b) < branch_day].tolist()


@pytest.mark.parametrize("timeline, words", [
    ("[{date: '2026-03-01', levels: {syria: collapse}}]", ["before its branch date", "change the past"]),
    ("[{date: '2030-01-01', levels: {syria: collapse}}]", ["after the run ends"]),
    ("[{date: '2027-05-01', label: b}, {date: '2027-03-01', label: a}]", ["date order"]),
    ("[{date: '2027-03-01', levels: {syria: nowhere}}]", ["Unknown syria level", "collapse"]),
    ("[{date: '2027-03-01', levels: {weather: rain}}]", ["not a determinant group"]),
    ("[{date: '2027-3-1', levels: {syria: collapse}}]", ["YYYY-MM-DD"]),
    ("[{date: '2027-03-01', params: {syria.detainees: 5}}]", ["start date", "impulse"]),
    ("[{date: '2027-03-01', params: {syria.breakouts_per_year: lots}}]", ["wrong type"]),
    ("[{date: '2027-03-01', params: {syria.nothing: 1}}]", ["not a model parameter"]),
    ("[{date: '2027-03-01', params: {syria.breakouts_per_year: 99}}]", ["outside its allowed range"]),
    ("[{date: '2027-03-01', impulses: [{kind: flood}]}]", ["kinds are"]),
    ("[{date: '2027-03-01', impulses: [{kind: leader_killed, target: mars}]}]", ["posts are"]),
])
def test_a_malformed_timeline_is_refused_naming_the_change(timeline, words):
    with pytest.raises(ConfigError) as info:
        scenario("baseline", f"timeline={timeline}")
    message = str(info.value)
    assert "\n" not in message.strip()
    for word in words:
        assert word in message, (word, message)


def test_a_malformed_timeline_writes_nothing(tmp_path):
    run_dir = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "sim", "run", "replicates=1",
                             "timeline=[{date: '2020-01-01', levels: {syria: collapse}}]", f"hydra.run.dir={run_dir}"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "change the past" in result.stderr and "Traceback" not in result.stderr
    assert not run_dir.exists()


def test_a_resolved_config_resolves_to_itself():
    """A run directory stores the resolved config; reading it back gives the same changes."""
    from omegaconf import OmegaConf

    from sim.config.load import to_run_config
    from sim.runs.record import config_yaml

    cfg = scenario("agreed_exit", "end=2027-01-31")
    again = to_run_config(OmegaConf.create(config_yaml(cfg)))
    assert again.changes == cfg.changes and again.branch_date == cfg.branch_date
