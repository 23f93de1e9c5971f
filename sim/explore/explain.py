"""Plain-language text for the explorer page: levels, the model, abbreviations.

Written for students new to the subject, from the project brief (Qashta 2025
and the other sources in docs/model.md). Each determinant's title and the one
sentence on what it stands for and what it changes in the model are declared
with the determinant (sim/config/determinants.py); each level gets a short
readable name here.
"""

from __future__ import annotations

import datetime as dt
import re


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


def how_the_model_works(reference_rate: float, start: str, observed_through: str, branch_date: str) -> str:
    """The page's short explanation of the model, in Markdown (dates from the config, as written in words)."""
    return f"""
**Time.** Every run starts on {long_date(start)} and follows what really happened (the coalition's moves, the
fall of the Assad government, the wars in the region, leaders killed) up to {long_date(observed_through)}.
From {long_date(branch_date)} on, your choices apply: that is where the scenarios branch. Each step of a run is
one day.

**The map.** Iraq is divided into areas of operation (towns, deserts, valleys and mountains where the
Islamic State hides), linked to their neighbours and, at border crossings, to three areas in Syria.

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

**Syria.** IS fights in Syria too and splits its effort between the two countries. Fighters at large in
Syria cross at border crossings and desert routes; breakouts from the prisons and camps in north-east
Syria add to them.

**Attacks.** Active cells with money and weapons attack, mostly in the settled areas next to their
hideouts. Each attack has a kind (a roadside bomb, an ambush, an assassination, an attack on a
checkpoint or a complex attack) and a number of people killed and wounded.

**Chance and ensembles.** Chance plays a part in every step, so one run (a *replicate*) is one
possible history. An *ensemble* runs many replicates with different random numbers and shows the
range of outcomes. The same seed always gives the same replicates, on any computer.

**What it is checked against.** In January–August 2024 IS claimed about {reference_rate:.1f} attacks a
month in Iraq; the runs' first years can be set beside that record. The model is a tool to think with,
not a forecast: it shows what follows from its assumptions.
"""


# The page's glossary: the words a result uses, for someone who has not met them.
GLOSSARY: dict[str, str] = {
    "replicate": "one run of the model: one possible history, with its own random numbers.",
    "ensemble": "many replicates of the same choices; together they show what is likely and what is rare.",
    "seed": "the number the random numbers start from: the same seed always gives the same replicates, so "
            "anyone can check a result.",
    "median": "the middle value: half the replicates are above it, half below.",
    "90% range": "the range that holds 90% of the replicates (from the 5th to the 95th of every 100).",
    "95% interval": "for a difference between two choices: the range the true difference very likely lies in, "
                    "given how many replicates were run. If it includes zero, the difference is not clear.",
    "common random numbers": "two choices compared with the same seed get the same chance events wherever "
                             "the choices do not differ, so what differs is caused by the choice, not by luck.",
    "baseline": "the observed course continued: every determinant stays as it stood when the record ends.",
}

# How a run's parameters were set (RunConfig.parameters), in words.
PARAMETER_WORDS: dict[str, str] = {
    "point": "every estimated number at its single most likely value",
    "posterior": "the estimated numbers drawn for each run from the ranges the fit to 2020–2024 found likely",
    "uncertain": "the estimated numbers drawn for each run from the ranges the fit to 2020–2024 found likely, and "
                 "the least certain numbers that matter most drawn within their sources' ranges",
}

# The level results are set against, in words (the attacks IS claimed, not an all-time high).
REFERENCE_WORDS = "In 2024 IS claimed {rate:.1f} attacks a month in Iraq (January–August)"

# A short noun for each determinant, used where a result names its choices.
GROUP_NOUNS: dict[str, str] = {
    "drawdown": "coalition", "syria": "Syria", "relations": "Washington", "regional": "region",
    "insurgents": "IS", "iraqi_forces": "Iraqi forces",
}


def scenario_title(name: str) -> str:
    """A scenario's file name as words ("full_exit" -> "full exit")."""
    return name.replace("_", " ")


def level_words(level: str) -> str:
    """A level's file name as words, short enough for a chart title ("regional_war" -> "regional war")."""
    return "as now" if level == "as_observed" else level.replace("_", " ")


def choices_name(scenario: str, changed: dict[str, str]) -> str:
    """What a result is of, in a few words: the scenario and each determinant changed from it
    ("full exit + Syria: collapse + region: regional war")."""
    return " + ".join([scenario_title(scenario),
                       *(f"{GROUP_NOUNS[group]}: {level_words(level)}" for group, level in changed.items())])


def long_date(iso: str) -> str:
    """A YYYY-MM-DD date as words ("2026-08-01" -> "1 August 2026")."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def period_words(start: str, end: str) -> str:
    """A window of dates as words: "in 2027" for a whole calendar year, else "from ... to ..."."""
    if start[5:] == "01-01" and end[5:] == "12-31" and start[:4] == end[:4]:
        return f"in {start[:4]}"
    return f"from {long_date(start)} to {long_date(end)}"


def wrapped(text: str, width: int = 70) -> str:
    """A long name broken into lines at its " + " joins, so that it fits a chart's title."""
    lines, line = [], ""
    for part in text.split(" + "):
        candidate = f"{line} + {part}" if line else part
        if line and len(candidate) > width:
            lines.append(line + " +")
            line = part
        else:
            line = candidate
    return "\n".join([*lines, line])
