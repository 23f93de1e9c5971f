"""The determinant groups are declared once (sim/config/determinants.py) and everything else agrees with it:
Hydra's defaults, the level files' placement, the resolver, the explorer and the docs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sim.config.determinants import DETERMINANTS, GROUP_SECTIONS, NO_CHANGE, level_package
from sim.config.errors import ConfigError
from sim.config.load import compose_checked, compose_overrides, hydra_session, scenario_dir
from sim.config.schema import BranchParams

ROOT = Path(__file__).resolve().parents[1]
HEADER = re.compile(r"#\s*@package\s+(\S+)")


def test_each_group_sets_a_section_the_branch_has():
    branch_sections = set(BranchParams.__dataclass_fields__)
    assert set(GROUP_SECTIONS.values()) <= branch_sections
    assert len(set(GROUP_SECTIONS.values())) == len(DETERMINANTS)       # no two groups set one section


def test_the_level_folders_are_exactly_the_declared_groups_each_with_a_level_that_changes_nothing():
    root = scenario_dir()
    placed_on_the_branch = {p.parent.name for p in root.glob("*/*.yaml")
                            if (m := HEADER.match(p.read_text(encoding="utf-8"))) and m.group(1).startswith("branch.")}
    assert placed_on_the_branch == set(DETERMINANTS)
    for group in DETERMINANTS:
        assert (root / group / f"{NO_CHANGE}.yaml").is_file(), group


@pytest.mark.parametrize("group", DETERMINANTS)
def test_every_level_file_is_placed_where_its_group_acts(group):
    for path in sorted((scenario_dir() / group).glob("*.yaml")):
        assert HEADER.match(path.read_text(encoding="utf-8")).group(1) == level_package(group), path


def test_hydra_takes_the_groups_from_the_declaration_each_at_the_level_that_changes_nothing():
    with hydra_session():
        choices = compose_checked(["scenario=baseline"]).hydra.runtime.choices
        worst = compose_checked(["scenario=worst_case", "syria=contained"]).hydra.runtime.choices
    assert {g: choices[g] for g in DETERMINANTS} == dict.fromkeys(DETERMINANTS, NO_CHANGE)
    assert worst["syria"] == "contained" and worst["drawdown"] == "complete_exit"   # the command line, the scenario


def test_a_level_file_placed_elsewhere_is_refused_naming_the_header_it_needs(tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    shutil.copytree(scenario_dir(), folder)
    level = folder / "syria" / "collapse.yaml"
    level.write_text(level.read_text(encoding="utf-8").replace("branch.syria", "branch.regional"), encoding="utf-8")
    monkeypatch.setenv("SIM_SCENARIO_DIR", str(folder))
    with pytest.raises(ConfigError, match=r"syria/collapse.yaml.*branch\.regional.*'# @package branch\.syria'"):
        compose_overrides(["syria=collapse"])


def test_the_docs_describe_each_determinant_in_the_declared_order_with_its_section():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### `(\w+)`: .* \(`model\.(\w+)`\)$", text, flags=re.M)
    assert headings == list(GROUP_SECTIONS.items())

