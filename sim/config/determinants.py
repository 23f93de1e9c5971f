"""The determinants of whether the insurgency revives (Qashta 2025), declared once.

Each is a config group of named levels, `scenarios/GROUP/LEVEL.yaml`, chosen on
the command line as `GROUP=LEVEL`; a level sets parameters of one section of
the model from the branch date (`branch.SECTION`). Hydra's defaults list takes
the groups from here (registered with the schema, sim/config/load.py), the
resolver the section each group's levels set, the explorer and the docs the
title and the explanation. Hydra places a level file's values by its own
header (`# @package branch.SECTION`), which composing checks against the
section declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

# The level that changes nothing: the state the history reached continues. Every group has it.
NO_CHANGE = "as_observed"


@dataclass(frozen=True)
class Determinant:
    """A determinant group: its name, the model section its levels set, and what it means in plain words
    (written for students new to the subject, from the project brief and the sources in docs/model.md)."""

    group: str
    section: str
    title: str
    explanation: str


_DECLARED = (
    Determinant(
        "drawdown", "coalition", "Coalition withdrawal",
        "Which bases of the US-led coalition in Iraq stay open, and when they close: open bases give "
        "surveillance from drones and aircraft, and air strikes, over the areas within reach, so closing "
        "them leaves Iraqi forces finding and hitting fewer insurgent cells."),
    Determinant(
        "syria", "syria", "The Syrian side of the border",
        "What happens next door in Syria: how many Islamic State fighters are free there, how often the "
        "prisons and camps holding its members break open, and how well the Syrian side guards the "
        "border; together these set how many fighters cross into Iraq."),
    Determinant(
        "relations", "relations", "Relations between Baghdad and Washington",
        "How well the Iraqi and US governments get on: the model turns this into how much coalition "
        "intelligence reaches Iraqi forces and how large Iraq's security budget is, which sets how ready "
        "the forces are and, over the years, how much local communities tolerate the insurgents."),
    Determinant(
        "regional", "regional", "Regional conflict",
        "How far the wider conflict (the Gaza war, the confrontation between Iran and Israel) spills into "
        "Iraq: it pulls Iraqi and coalition effort away from hunting cells and gives the Islamic State "
        "propaganda that helps it recruit."),
    Determinant(
        "insurgents", "insurgents", "Strength of the Islamic State",
        "How many Islamic State fighters there are in Iraq at the start, how many of their leaders are "
        "alive and how much money they hold: more fighters, leaders and money mean more cells that can "
        "wake up, recruit and attack."),
    Determinant(
        "iraqi_forces", "iraqi_forces", "Iraqi forces fighting alone",
        "How ready Iraqi forces are, how well they guard the Syrian border and how much of their own "
        "surveillance they have (or borrow from regional partners): these set how often cells are "
        "detected, raided and stopped at the border."),
)
DECLARATIONS: dict[str, Determinant] = {d.group: d for d in _DECLARED}
# The group names, in the order commands, tables and the explorer list them.
DETERMINANTS = tuple(DECLARATIONS)
# Which section of `model` each group's levels set.
GROUP_SECTIONS = {d.group: d.section for d in _DECLARED}


def level_package(group: str) -> str:
    """The header a level file of `group` carries, for Hydra to place its values under `branch.SECTION`."""
    return f"branch.{GROUP_SECTIONS[group]}"
