"""IS in Syria: a theatre of its own, with fighters, attacks, and a share of IS's effort (docs/model.md 4.11).

The brief (Qashta 2025) cannot separate Iraq from Syria: the desert border has
always been IS's route for infiltration and repositioning. Here IS in Syria is
an aggregate force (fighters at large, not cells): it recruits where it has
room, takes in recruits who come whatever its size (the foreign fighters of
2012-2014), loses fighters to coalition and Syrian operations, gains escapees
from prisons and camps (sim/model/detention.py), and carries out attacks in
Syria.

Where IS puts its effort moves with opportunity. Its share of effort turned to
Iraq relaxes towards

    target = w * room_iraq / (w * room_iraq + (1 - w) * room_syria)

with `w` the symbolic weight IS gives Iraq (it keeps calling Iraq its symbolic
centre, Qashta 2025), `room_iraq` one minus the security pressure Iraqi forces
put on it, and `room_syria` the Syrian determinant's permissiveness, shared by
the force already there (times K / (K + fighters in Syria), K = `room_fighters`,
over the even split: a force of K fighters finds as much room per head as the
permissiveness says). So a collapse in Syria can pull effort out of Iraq for a
time (after December 2024 IS's activity grew in Syria, Qashta 2025) and a
hostile Syria (in the coalition, with joint operations) pushes it towards Iraq.
The share steers crossings into Iraq and redeployments out of it
(sim/model/border.py), the money the centre sends to Iraq, and the share of
IS's Syrian force that attacks in Syria.
"""

from __future__ import annotations

import numpy as np

from sim.model.leadership import centre_factor
from sim.model.part import FLOW, STATE, Part, Record, Stream
from sim.model.state import FLOAT, FLOATS, INT, build, declare, kernel
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

SYRIA = Stream("syria", 1, "the Syrian arena: its reservoir of fighters")
SYRIA_ATTACKS = Stream("syria_attacks", 12, "IS's attacks in Syria")

# Effort split evenly between the two theatres: the reference at which the per-theatre rates are stated.
EVEN_SPLIT = 0.5

SyriaType, Syria = declare("Syria", __name__, {
    "free_fighters": INT,
    "iraq_effort": FLOAT,         # share of IS's effort turned to Iraq
    "attacks": INT,               # attacks in Syria so far
    "removed": INT,               # fighters removed in Syria so far
    "effort_keep_week": FLOATS,   # per regime: what a week keeps of the gap to the target
    "loss_chance_week": FLOATS,   # per regime: a fighter's chance of removal over a week
})


@kernel
def effort_factor(syria) -> float:
    """Effort turned to Iraq relative to an even split (1 when even, 2 at most)."""
    return syria.iraq_effort / EVEN_SPLIT


@kernel
def effort_target(syria, p, iraq_pressure) -> float:
    """Where IS would put its effort, given the room each theatre offers now.

    Syria's room is shared by the force already there: as it grows past `room_fighters`, each more fighter
    finds less, so a collapse pulls effort out of Iraq for a time, until the Syrian force has filled the
    room it opened. `effort_substitution` says how far IS follows the room at all: at 0 its effort stays
    evenly split and Syria's turmoil reaches Iraq only as fighters who cross and money for the centre
    (the theatres complement each other); at 1 it moves wholly towards the room (they compete).
    """
    room_iraq = p.iraq_symbolic_weight * (1.0 - iraq_pressure)
    crowding = p.room_fighters / (p.room_fighters + max(syria.free_fighters, 0))
    room_syria = (1.0 - p.iraq_symbolic_weight) * p.permissiveness * crowding / EVEN_SPLIT
    total = room_iraq + room_syria
    if total <= 0:
        return EVEN_SPLIT
    return p.effort_substitution * (room_iraq / total) + (1.0 - p.effort_substitution) * EVEN_SPLIT


@kernel
def settle_reservoir(syria, p, iraq_pressure, regime, rng) -> None:
    """The reservoir's change and the drift of effort over a week.

    Recruits come two ways: in proportion to the force and its room (a group that recruits through its
    own members), and as an inflow whatever its size (the foreign fighters who reached Syria in their
    thousands in 2012-2014). The inflow draws no random number when it is 0, so runs without it are
    unchanged.
    """
    growth = rng.poisson(syria.free_fighters * p.recruitment_rate_per_day * p.permissiveness * DAYS_PER_WEEK)
    if p.inflow_per_year > 0:
        growth += rng.poisson(p.inflow_per_year * DAYS_PER_WEEK / DAYS_PER_YEAR)
    losses = rng.binomial(syria.free_fighters, syria.loss_chance_week[regime])
    syria.free_fighters += growth - losses
    syria.removed += losses
    keep = syria.effort_keep_week[regime]
    syria.iraq_effort = keep * syria.iraq_effort + (1.0 - keep) * effort_target(syria, p, iraq_pressure)


@kernel
def fund_centre(syria, p, reserve_usd, reserve_spending_days) -> float:
    """The central reserves after a week: spent on the other theatres over `reserve_spending_days` (Iraq's
    stipends are drawn by its cells, sim/model/cells.py), fed by extortion and smuggling where IS has room in
    Syria (the war economy whose collapse Bakhtiari & Taheri 2025 count among the causes of IS's decline)."""
    elsewhere = reserve_usd * DAYS_PER_WEEK / reserve_spending_days
    income = p.income_per_fighter_usd_per_day * syria.free_fighters * p.permissiveness * DAYS_PER_WEEK
    return max(0.0, reserve_usd - elsewhere + income)


@kernel
def attack_in_syria(syria, p, leadership_factor, rng) -> None:
    """Today's attacks in Syria, by the fighters whose effort is there, the room they have, and the state of
    IS's central leadership (which sat in Syria: the caliphs killed in 2022-2023 were)."""
    syria_effort = (1.0 - syria.iraq_effort) / EVEN_SPLIT
    rate = (p.attack_rate_per_fighter_per_day * syria.free_fighters * syria_effort * p.permissiveness
            * leadership_factor)
    syria.attacks += rng.poisson(rate)


# ----- the part's place in the day -----------------------------------------------------------
@kernel
def _week(w) -> None:
    r = w.clock.regime
    settle_reservoir(w.syria, w.params.syria[r], w.forces.iraq_pressure[r], r, w.streams.syria)
    w.cells.central_reserve_usd = fund_centre(w.syria, w.params.syria[r], w.cells.central_reserve_usd,
                                              w.params.insurgents[r].reserve_spending_days)


@kernel
def _attack(w) -> None:
    r = w.clock.regime
    attack_in_syria(w.syria, w.params.syria[r],
                    centre_factor(w.leadership, w.params.insurgents[r].leaderless_share), w.streams.syria_attacks)


@kernel
def _record(w, values) -> None:
    values[0] = w.syria.free_fighters
    values[1] = w.syria.iraq_effort
    values[2] = w.syria.attacks


def _tables(setup) -> dict:
    return {"effort_keep_week": setup.per_regime(lambda q: np.exp(-DAYS_PER_WEEK / q.syria.effort_shift_days)),
            "loss_chance_week": setup.per_regime(
                lambda q: 1.0 - (1.0 - q.syria.attrition_rate_per_day) ** DAYS_PER_WEEK)}


def _start(setup, tables) -> Syria:
    p = setup.params.syria
    return build(Syria, {"free_fighters": int(p.free_fighters), "iraq_effort": float(p.iraq_effort_share),
                         "attacks": 0, "removed": 0, **tables})


PART = Part(
    name="syria",
    doc="4.11",
    struct=Syria,
    state=("free_fighters", "iraq_effort", "attacks", "removed"),
    sections=("syria", "insurgents"),
    streams=(SYRIA, SYRIA_ATTACKS),
    tables=_tables,
    start=_start,
    hooks={"outside_week": _week, "syria": _attack},
    monthly=(Record("syria_free_fighters", STATE, "IS fighters at large in Syria"),
             Record("iraq_effort_share", STATE, "share of IS's effort turned to Iraq", decimals=6),
             Record("attacks_syria", FLOW, "IS's attacks in Syria")),
    record=_record,
    counters={"attacks_syria": lambda s: s.attacks},
)
