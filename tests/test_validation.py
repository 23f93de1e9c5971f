"""Cross-field validation: every relation between parameters that no single range can state is refused
with one paragraph naming the parameters, the values and what is allowed, before anything runs
(sim/config/validate.py; the order of dated changes in sim/config/resolve.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from sim.config import ConfigError

from conftest import scenario

BARE = ("history=none", "start=2024-01-01", "end=2024-12-31")


def refused(*overrides: str) -> str:
    with pytest.raises(ConfigError) as info:
        scenario("baseline", *overrides)
    message = str(info.value)
    assert message.strip() and "\n" not in message.strip(), message
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize("overrides, words", [
    (["model.attacks.type_weights=[1,1,1,1]"], ["type_weights", "4 entries", "5"]),
    (["model.attacks.severity_log_mean=[0,0,0,0,0,0]"], ["severity_log_mean", "6 entries", "5"]),
    (["model.attacks.type_weights=[0,0,0,0,0]"], ["type_weights", "positive sum"]),
    (["model.insurgents.min_cell_size=9", "model.insurgents.max_cell_size=8"],
     ["min_cell_size", "(9)", "max_cell_size", "(8)"]),
    (["model.insurgents.max_cell_size=5", *BARE], ["max_cell_size", "(5)", "mean_cell_size", "(6.0)"]),
    (["model.insurgents.no_start_cells_above_population_k=150", *BARE],
     ["no_start_cells_above_population_k", "(150)", "hideout_start_share", "200"]),
])
def test_a_relation_between_parameters_that_cannot_hold_is_refused(overrides, words):
    message = refused(*overrides)
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("overrides", [
    ["model.insurgents.min_cell_size=8", "model.insurgents.max_cell_size=8", "model.insurgents.mean_cell_size=8",
     *BARE],
    ["model.attacks.type_weights=[0,0,0,0,1]"],
    ["model.insurgents.no_start_cells_above_population_k=150", "model.insurgents.hideout_start_share=1", *BARE],
    ["model.insurgents.no_start_cells_above_population_k=201", *BARE],
    ["model.insurgents.no_start_cells_above_population_k=150", "model.insurgents.initial_fighters_iraq=0", *BARE],
])
def test_the_limits_of_each_relation_are_allowed(overrides):
    """Equal sizes, one positive weight, a population limit just above the smallest settled area, or no
    cell that needs one: each relation's boundary is accepted, so the checks are not stricter than stated."""
    scenario("baseline", *overrides)


def test_cells_can_start_outside_the_hideouts_wherever_validation_allows_it():
    """The starting areas check guards a real failure: without it the replicate cannot be built."""
    from sim.model import network
    from sim.runs.replicate import replicate_model

    cfg = scenario("baseline", *BARE, "model.insurgents.no_start_cells_above_population_k=201",
                   "model.insurgents.initial_fighters_iraq=3000")
    assert network.fighters(replicate_model(cfg, 0).world.cells) == 3000


def test_a_relation_broken_by_a_dated_change_is_refused_naming_the_change():
    timeline = "timeline=[{date: '2027-03-01', label: smaller cells, params: {insurgents.max_cell_size: 4}}]"
    message = refused(timeline)
    assert "max_cell_size" in message and "after the change 'smaller cells' on 2027-03-01" in message


def test_a_coalition_posture_naming_an_unknown_base_on_a_date_is_refused():
    message = refused("timeline=[{date: '2027-03-01', label: new base, params: {coalition.bases: {atlantis: 1.0}}}]")
    assert "atlantis" in message and "new base" in message


@pytest.fixture
def scenario_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "scenarios"
    shutil.copytree(Path(__file__).resolve().parents[1] / "scenarios", folder)
    monkeypatch.setenv("SIM_SCENARIO_DIR", str(folder))
    return folder


def test_the_observed_history_must_be_in_date_order(scenario_folder):
    """The dated-change order check (sim/config/resolve.py) on the history itself, not only on scenarios."""
    path = scenario_folder / "events" / "observed_2020.yaml"
    data = yaml.safe_load(path.read_text())
    changes = data["changes"]
    changes[1], changes[2] = changes[2], changes[1]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    message = refused()
    assert "the observed history" in message and "date order" in message
    assert changes[1]["label"] in message and changes[2]["label"] in message


@pytest.mark.parametrize("impulse, words", [
    ("{kind: arrivals, amount: 50, target: albu_kamal}", ["arrivals", "albu_kamal", "anbar_desert"]),
    ("{kind: breakout, amount: -5}", ["breakout", "-5", "[0, 100,000] (persons)"]),
    ("{kind: leader_killed, target: mars}", ["mars", "posts are", "centre"]),
])
def test_an_impulse_with_an_impossible_target_or_amount_is_refused(impulse, words):
    message = refused(f"timeline=[{{date: '2027-03-01', label: event, impulses: [{impulse}]}}]")
    for word in words:
        assert word in message, (word, message)
