"""Plain-language text for the explorer page: determinants, levels, the model, abbreviations.

Written for students new to the subject, from the project brief (Qashta 2025
and the other sources in docs/model.md): each determinant gets one sentence on
what it stands for and what it changes in the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Determinant:
    title: str
    explanation: str


DETERMINANTS: dict[str, Determinant] = {
    "drawdown": Determinant(
        "Coalition withdrawal",
        "Which bases of the US-led coalition in Iraq stay open, and when they close: open bases give "
        "surveillance from drones and aircraft, and air strikes, over the areas within reach, so closing "
        "them leaves Iraqi forces finding and hitting fewer insurgent cells."),
    "insurgents": Determinant(
        "Strength of the Islamic State",
        "How many Islamic State fighters there are in Iraq at the start, how many of their leaders are "
        "alive and how much money they hold: more fighters, leaders and money mean more cells that can "
        "wake up, recruit and attack."),
    "iraqi_forces": Determinant(
        "Iraqi forces fighting alone",
        "How ready Iraqi forces are, how well they guard the Syrian border and how much of their own "
        "surveillance they have (or borrow from regional partners): these set how often cells are "
        "detected, raided and stopped at the border."),
    "relations": Determinant(
        "Relations between Baghdad and Washington",
        "How well the Iraqi and US governments get on: the model turns this into how much coalition "
        "intelligence reaches Iraqi forces and how large Iraq's security budget is, which sets how ready "
        "the forces are and, over the years, how much local communities tolerate the insurgents."),
    "syria": Determinant(
        "The Syrian side of the border",
        "What happens next door in Syria: how many Islamic State fighters are free there, how often the "
        "prisons and camps holding its members break open, and how well the Syrian side guards the "
        "border; together these set how many fighters cross into Iraq."),
    "regional": Determinant(
        "Regional conflict",
        "How far the wider conflict (the Gaza war, the confrontation between Iran and Israel) spills into "
        "Iraq: it pulls Iraqi and coalition effort away from hunting cells and gives the Islamic State "
        "propaganda that helps it recruit."),
}

LEVEL_LABELS: dict[str, dict[str, str]] = {
    "drawdown": {
        "as_observed": "as it stands now (Erbil and the Gulf)",
        "posture_2024": "back to the 2024 posture (four bases)",
        "erbil_and_gulf": "Erbil and ISR from the Gulf",
        "kurdistan_residual": "a small residual presence in Kurdistan",
        "training_only": "no base: training and information only",
        "complete_exit": "a complete exit, Kurdistan included",
    },
    "insurgents": {
        "as_observed": "as it stands now",
        "weakened": "weakened further (finances cut)",
        "resurgent": "resurgent (more money, leaders replaced fast)",
    },
    "iraqi_forces": {
        "as_observed": "as they stand now",
        "capable": "capable, as in 2022-2026",
        "with_substitutes": "capable, with substitutes for coalition surveillance",
        "degraded": "degraded",
    },
    "relations": {
        "as_observed": "as they stand now (strained but working)",
        "cooperative": "cooperative",
        "strained": "strained but working",
        "dollar_squeeze": "dollars held back, some cooperation paused",
        "rupture": "rupture: intelligence and support cut",
        "sanctions": "rupture with sanctions",
    },
    "syria": {
        "as_observed": "as it stands now (Syria in the coalition)",
        "sdf_holds": "the SDF holds the north-east (2022-2024)",
        "post_assad_chaos": "chaos after the fall of Assad",
        "coalition_partner": "Syria in the coalition",
        "contained": "contained",
        "collapse": "collapse: prisons and camps break open",
    },
    "regional": {
        "as_observed": "as it stands now (tense after the 2026 war)",
        "calm": "calm",
        "gaza_war_spillover": "the Gaza war spilling over",
        "regional_war": "open regional war",
    },
}

# Abbreviations the scenario texts use, spelled out where they first appear on the page.
ABBREVIATIONS: dict[str, str] = {
    "IS": "the Islamic State, the jihadist group that held territory in Iraq and Syria in 2014–2017",
    "ISR": "intelligence, surveillance and reconnaissance: drones and aircraft watching the ground",
    "PMF": "Popular Mobilization Forces, Iraqi state-funded armed groups, many close to Iran",
    "SDF": "Syrian Democratic Forces, the Kurdish-led force that holds north-east Syria and its prisons",
    "CENTCOM": "US Central Command, the US military command for the Middle East",
    "US": "United States",
    "IED": "improvised explosive device, a home-made bomb, often hidden by a road",
}
_SPELLED = {"ISR": "surveillance (ISR)", "PMF": "Popular Mobilization Forces (PMF)",
            "SDF": "Syrian Democratic Forces (SDF)", "CENTCOM": "US Central Command (CENTCOM)"}


def level_label(group: str, level: str) -> str:
    """The readable name of a determinant level (its file name when none is written)."""
    return LEVEL_LABELS.get(group, {}).get(level, level.replace("_", " "))


def spell_out(text: str) -> str:
    """Spell out an abbreviation at its first use in a text taken from the scenario files."""
    for short, long in _SPELLED.items():
        text = re.sub(rf"\b{short}\b", long, text, count=1)
    return text


def how_the_model_works(reference_rate: float) -> str:
    """The page's short explanation of the model, in Markdown."""
    return f"""
**The map.** Iraq is divided into areas of operation (towns, deserts, valleys and mountains where the
Islamic State hides), linked to their neighbours and, at border crossings, to three areas in Syria.
Each step of a run is one day.

**The insurgents.** The Islamic State (IS) in Iraq is a few hundred fighters in small *cells*. A cell is
*dormant* (hiding, recruiting, waiting) or *active* (able to attack). Cells need money and weapons;
they recruit where local people tolerate them, move to safer ground when hunted, and go quiet under
pressure.

**Iraqi forces.** Each force unit watches its area. Every time it spots a cell, the intelligence file
on that cell grows; once a file is thick enough the cell is *located*, and Iraqi forces can raid it.
Captured members sometimes give away other cells and their leaders.

**The coalition.** Bases of the US-led coalition give surveillance (drones and aircraft watching the
ground) over the areas within reach, which helps Iraqi forces spot cells, and carry out air strikes
on located cells. When bases close, that cover goes.

**Syria.** Fighters at large in Syria cross at border crossings and desert routes; breakouts from the
prisons and camps in north-east Syria add to them.

**Attacks.** Active cells with money and weapons attack, mostly in the settled areas next to their
hideouts. Each attack has a kind (a roadside bomb, an ambush, an assassination, an attack on a
checkpoint or a complex attack) and a number of people killed and wounded.

**Chance and ensembles.** Chance plays a part in every step, so one run (a *replicate*) is one
possible history. An *ensemble* runs many replicates with different random numbers and shows the
range of outcomes. The same seed always gives the same replicates, on any computer.

**What it is calibrated to.** In January–August 2024 IS claimed about {reference_rate:.1f} attacks a
month in Iraq; the baseline scenario reproduces that. The model is a tool to think with, not a
forecast: it shows what follows from its assumptions.
"""
