"""IS's tempo in Iraq: how much of what its cells could attempt the centre lets them attempt (docs/model.md 4.17).

The record from 2020 shows IS's fighters in Iraq holding at about 400-500 from
2023 while the attacks it claimed there kept falling, from about 1,400 in 2020
to under a hundred a year in 2024: fewer attacks per fighter, not only fewer
fighters. Over the same years Central Command's partnered operations removed a
growing share of a shrinking force (about 0.4 of it a year in 2022, 0.5 to 0.8
in 2023-2024, sim/data/targets.yaml). The sources name the response: IS lies low
when it cannot replace its losses. Qashta (2025) describes its "strategic
silence", operational dormancy before re-emerging; Hassan (2023) a group that
fails to recruit and is kept to guerrilla attrition; the UN Monitoring Team's
reports of 2023-2024 a group in Iraq preserving what remains of its capability.

Here the centre weighs the losses it has suffered (members removed in Iraq per
member, smoothed over `loss_memory_days`) and sets a target tempo,

    target = floor + (1 - floor) / (1 + losses / restraint_loss_rate_per_year),

towards which the tempo moves over `tempo_shift_days`; every cell's daily attack
chance is multiplied by it (sim/model/cells.py, `assess`). Heavy losses bring
restraint, and restraint fewer attacks, less intelligence on the cells and
fewer losses: a force that holds while attacking less. Lighter pressure (a
coalition that leaves, forces distracted) lets the tempo rise again. With
`tempo_floor` 1 the tempo stays at 1 and the model is the one before this part.
"""

from __future__ import annotations

import numpy as np

from sim.model import network
from sim.model.part import STATE, Part, Record
from sim.model.state import FLOAT, FLOATS, INT, build, declare, kernel
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

StrategyType, Strategy = declare("Strategy", __name__, {
    "tempo": FLOAT,               # share of its attack hazard each cell acts on
    "loss_rate": FLOAT,           # members removed in Iraq per member per day, smoothed
    "removed_seen": INT,          # removals in Iraq counted up to the last weekly update
    "loss_keep_week": FLOATS,     # per regime: what a week keeps of the smoothed loss rate
    "tempo_keep_week": FLOATS,    # per regime: what a week keeps of the gap to the target tempo
})


@kernel
def target_tempo(loss_rate_per_day, floor, half_loss_rate_per_year) -> float:
    """The tempo the centre aims for at a loss rate: 1 with no losses, falling towards `floor`."""
    return floor + (1.0 - floor) / (1.0 + loss_rate_per_day * DAYS_PER_YEAR / half_loss_rate_per_year)


@kernel
def update_tempo(strategy, removed_total, members, ins, regime) -> None:
    """A week's losses enter the smoothed loss rate; the tempo moves towards the target it sets."""
    removed = removed_total - strategy.removed_seen
    strategy.removed_seen = removed_total
    weekly_rate = removed / max(members, 1) / DAYS_PER_WEEK
    keep = strategy.loss_keep_week[regime]
    strategy.loss_rate = keep * strategy.loss_rate + (1.0 - keep) * weekly_rate
    target = target_tempo(strategy.loss_rate, ins.tempo_floor, ins.restraint_loss_rate_per_year)
    keep = strategy.tempo_keep_week[regime]
    strategy.tempo = keep * strategy.tempo + (1.0 - keep) * target


@kernel
def _week(w) -> None:
    r = w.clock.regime
    removed = w.forces.removed_by_raids + w.forces.removed_by_strikes + w.coalition.removed_by_strikes
    update_tempo(w.strategy, removed, network.fighters(w.cells), w.params.insurgents[r], r)


@kernel
def _record(w, values) -> None:
    values[0] = w.strategy.tempo


def _tables(setup) -> dict:
    return {
        "loss_keep_week": setup.per_regime(lambda q: np.exp(-DAYS_PER_WEEK / q.insurgents.loss_memory_days)),
        "tempo_keep_week": setup.per_regime(lambda q: np.exp(-DAYS_PER_WEEK / q.insurgents.tempo_shift_days)),
    }


def _start(setup, tables) -> Strategy:
    return build(Strategy, {"tempo": float(setup.params.insurgents.initial_tempo), "loss_rate": 0.0,
                            "removed_seen": 0, **tables})


PART = Part(
    name="strategy",
    doc="4.17",
    struct=Strategy,
    state=("tempo", "loss_rate", "removed_seen"),
    sections=("insurgents",),
    streams=(),
    tables=_tables,
    start=_start,
    hooks={"leaders_week": _week},
    monthly=(Record("iraq_tempo", STATE, "IS's tempo in Iraq: the share of its attack hazard it acts on",
                    decimals=6),),
    record=_record,
)
