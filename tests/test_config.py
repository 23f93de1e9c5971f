"""Scenario composition and validation: every mistake is a ConfigError naming what is allowed."""

from __future__ import annotations

import dataclasses

import pytest

from sim.config import ConfigError
from sim.config.determinants import DETERMINANTS
from sim.config.load import list_levels, list_scenarios
from sim.config.schema import RunConfig

from conftest import scenario

REQUIRED_SCENARIOS = {
    "baseline", "agreed_exit", "full_exit", "residual_presence", "posture_restored", "syria_collapse",
    "syria_collapse_2027", "syria_contained", "washington_rupture", "regional_escalation", "iraq_alone",
    "worst_case", "best_case",
}


def test_every_required_scenario_exists_with_a_description():
    entries = {e.name: e.description for e in list_scenarios()}
    assert REQUIRED_SCENARIOS <= set(entries)
    for name, description in entries.items():
        assert len(description.split()) >= 15, f"{name} needs a one-paragraph description"


@pytest.mark.parametrize("name", sorted(REQUIRED_SCENARIOS))
def test_every_scenario_composes_and_branches_after_the_record(name):
    cfg = scenario(name)
    assert cfg.scenario.name == name
    assert cfg.start == "2020-01-01" and cfg.end >= "2028-12-31"  # the record is followed from 2020
    assert cfg.branch_date == "2026-08-01"
    own = [c for c in cfg.changes if c.origin in ("branch", "scenario")]
    assert all(c.date >= cfg.branch_date for c in own)
    assert (name == "baseline") == (not own)


def test_every_determinant_level_composes_and_says_what_it_represents():
    levels = list_levels()
    assert set(levels) == set(DETERMINANTS)
    for group, entries in levels.items():
        assert len(entries) >= 3, group
        names = {e.name for e in entries}
        assert "as_observed" in names, group
        for entry in entries:
            assert entry.description, f"{group}/{entry.name} lacks its comment"
            scenario("baseline", f"{group}={entry.name}")


def test_drawdown_levels_span_the_required_postures():
    names = {e.name for e in list_levels()["drawdown"]}
    assert {"posture_2024", "erbil_and_gulf", "training_only", "complete_exit", "kurdistan_residual"} <= names


def test_scenario_names_never_collide_with_level_names():
    levels = {e.name for entries in list_levels().values() for e in entries}
    assert not {e.name for e in list_scenarios()} & levels


def test_command_line_level_wins_over_the_scenarios_choice():
    worst = scenario("worst_case")
    overridden = scenario("worst_case", "syria=contained")
    branch = {c.origin: c for c in overridden.changes}["branch"]
    assert branch.levels["syria"] == "contained"
    assert {c.origin: c for c in worst.changes}["branch"].levels["syria"] == "collapse"
    assert branch.levels["relations"] == "sanctions"
    assert branch.params["syria.permissiveness"] == 0.25


def test_raw_parameter_override_reaches_the_model():
    cfg = scenario("baseline", "model.insurgents.attack_rate_per_day=0.02")
    assert cfg.model.insurgents.attack_rate_per_day == 0.02


def test_a_branch_value_takes_effect_on_the_branch_date():
    cfg = scenario("baseline", "branch.syria.breakouts_per_year=3.5")
    branch = [c for c in cfg.changes if c.origin == "branch"]
    assert [(c.date, c.params) for c in branch] == [("2026-08-01", {"syria.breakouts_per_year": 3.5})]


def test_old_names_keep_working_with_a_warning_for_one_release():
    with pytest.warns(FutureWarning, match="now called 'baseline'"):
        old = scenario("status_quo_2024")
    assert old.scenario.name == "baseline"
    with pytest.warns(FutureWarning, match="now called 'complete_exit'"):
        level = scenario("baseline", "drawdown=full_exit")
    assert [c.levels for c in level.changes if c.origin == "branch"] == [{"drawdown": "complete_exit"}]
    with pytest.raises(ConfigError, match="sim backtest"):
        scenario("conditions_2025")


@pytest.mark.parametrize("override, words", [
    ("nokey=1", ["nokey"]),
    ("+model.insurgents.typo=1", ["typo"]),
    ("model.insurgents.attack_rate_per_day=1.5", ["attack_rate_per_day", "[0.0, 1.0]"]),
    ("replicates=0", ["replicates", "[1,"]),
    ("replicates=-3", ["replicates"]),
    ("replicates=abc", ["replicates", "abc"]),
    ("seed=-1", ["seed"]),
    ("syria=nowhere", ["syria", "collapse", "contained"]),
    ("start=2024-02-30", ["start", "YYYY-MM-DD"]),
    ("end=2019-12-31", ["ends", "before it starts"]),
    ("parameters=magic", ["parameters", "point"]),
    ("model.attacks.type_weights=[1,2]", ["type_weights", "5"]),
    ("branch.coalition.bases={atlantis: 1.0}", ["coalition bases", "drawdown=LEVEL"]),
    ("timeline=[{date: 2027-01-01, params: {coalition.bases: {atlantis: 1.0}}}]", ["unknown base", "atlantis"]),
    ("branch.regional.force_diversion=0.95", ["force_diversion", "0.9", "2026-08-01"]),
    ("branch.syria.free_fighters=10", ["free_fighters"]),
    ("model.iraqi_forces.readiness=0.5", ["readiness", "first day", "branch.iraqi_forces.readiness"]),
    ("branch_date=2019-06-01", ["branch_date", "before the run starts"]),
])
def test_bad_input_is_a_config_error_naming_the_problem(override, words):
    with pytest.raises(ConfigError) as info:
        scenario("baseline", override)
    message = str(info.value)
    assert "\n" not in message.strip()
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("overrides", ["seed=7", ["seed=7", ["syria=collapse"]], [7]])
def test_overrides_that_are_not_a_list_of_strings_are_a_type_error(overrides):
    from sim.api import load_scenario

    with pytest.raises(TypeError, match="list of 'key=value' strings"):
        load_scenario("baseline", overrides)


def test_unknown_scenario_lists_the_choices():
    with pytest.raises(ConfigError) as info:
        scenario("no_such_scenario")
    assert "baseline" in str(info.value) and "worst_case" in str(info.value)


def test_every_parameter_declares_unit_and_meaning():
    cfg = RunConfig()
    stack = [(cfg, "")]
    seen = 0
    while stack:
        obj, prefix = stack.pop()
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                stack.append((value, prefix + f.name + "."))
                continue
            seen += 1
            assert f.metadata.get("help"), f"{prefix}{f.name} has no meaning declared"
            assert "unit" in f.metadata, f"{prefix}{f.name} has no unit declared"
    assert seen > 60
