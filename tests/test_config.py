"""Scenario composition and validation: every mistake is a ConfigError naming what is allowed."""

from __future__ import annotations

import dataclasses

import pytest

from sim.config import ConfigError
from sim.config.load import DETERMINANTS, list_levels, list_scenarios
from sim.config.schema import RunConfig

from conftest import scenario

REQUIRED_SCENARIOS = {
    "status_quo_2024", "agreed_timetable", "accelerated_2025", "full_exit", "residual_kurdistan",
    "syria_collapse", "washington_rupture", "regional_war", "worst_case", "best_case", "conditions_2025",
}


def test_every_required_scenario_exists_with_a_description():
    entries = {e.name: e.description for e in list_scenarios()}
    assert REQUIRED_SCENARIOS <= set(entries)
    for name, description in entries.items():
        assert len(description.split()) >= 15, f"{name} needs a one-paragraph description"


@pytest.mark.parametrize("name", sorted(REQUIRED_SCENARIOS))
def test_every_scenario_composes_and_validates(name):
    cfg = scenario(name)
    assert cfg.scenario.name == name
    assert cfg.model.coalition.phases


def test_every_determinant_level_composes_and_says_what_it_represents():
    levels = list_levels()
    assert set(levels) == set(DETERMINANTS)
    for group, entries in levels.items():
        assert len(entries) >= 3, group
        for entry in entries:
            assert entry.description, f"{group}/{entry.name} lacks its comment"
            scenario("status_quo_2024", f"{group}={entry.name}")


def test_drawdown_levels_span_the_required_postures():
    names = {e.name for e in list_levels()["drawdown"]}
    assert {"status_quo_2024", "agreed_timetable", "accelerated_2025", "full_exit", "residual_kurdistan"} <= names


def test_command_line_level_wins_over_the_scenarios_choice():
    worst = scenario("worst_case")
    overridden = scenario("worst_case", "syria=contained")
    contained = scenario("status_quo_2024", "syria=contained")
    assert worst.model.syria != contained.model.syria
    assert overridden.model.syria == contained.model.syria
    assert overridden.model.relations == worst.model.relations


def test_raw_parameter_override_reaches_the_model():
    cfg = scenario("status_quo_2024", "model.syria.breakouts_per_year=3.5")
    assert cfg.model.syria.breakouts_per_year == 3.5


def test_named_scenarios_differ_from_baseline_only_in_their_groups():
    base = scenario("status_quo_2024")
    accelerated = scenario("accelerated_2025")
    assert accelerated.model.coalition != base.model.coalition
    for part in ("insurgents", "attacks", "iraqi_forces", "relations", "syria", "regional"):
        assert getattr(accelerated.model, part) == getattr(base.model, part), part


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
    ("end=2023-12-31", ["ends", "before it starts"]),
    ("parameters=magic", ["parameters", "point"]),
    ("model.attacks.type_weights=[1,2]", ["type_weights", "5"]),
    ("model.coalition.phases=[]", ["phases"]),
    ("model.regional.force_diversion=0.95", ["force_diversion", "0.9"]),
])
def test_bad_input_is_a_config_error_naming_the_problem(override, words):
    with pytest.raises(ConfigError) as info:
        scenario("status_quo_2024", override)
    message = str(info.value)
    assert "\n" not in message.strip()
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("overrides", ["seed=7", ["seed=7", ["syria=collapse"]], [7]])
def test_overrides_that_are_not_a_list_of_strings_are_a_type_error(overrides):
    from sim.api import load_scenario

    with pytest.raises(TypeError, match="list of 'key=value' strings"):
        load_scenario("status_quo_2024", overrides)


def test_unknown_scenario_lists_the_choices():
    with pytest.raises(ConfigError) as info:
        scenario("no_such_scenario")
    assert "status_quo_2024" in str(info.value) and "worst_case" in str(info.value)


def test_posture_phase_naming_an_unknown_base_is_rejected():
    with pytest.raises(ConfigError, match="unknown base"):
        scenario("status_quo_2024", "model.coalition.phases=[{start: '2024-01-01', bases: {atlantis: 1.0}}]")


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
