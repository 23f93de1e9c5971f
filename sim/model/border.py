"""The Syria-Iraq border: named crossings and desert routes, used both ways (docs/model.md 4.11).

A crossing attempt succeeds with the crossing's base permeability, less what
the Iraqi side (a fortified border: more troops, drones, thermal cameras,
Qashta 2025) and the Syrian side each stop. Fighters in Syria try to cross at
a rate set by the share of IS's effort turned to Iraq (sim/model/syria.py);
cells in the Iraqi border areas leave for Syria at a rate set by the share
turned to Syria. Arrivals form cells of their own where they enter (they
come organised, not as strangers joining a local cell), dormant until they
have settled in.
"""

from __future__ import annotations

import numpy as np

from sim.model.network import form_cells
from sim.model.part import FLOW, Part, Record, Stream
from sim.model.state import FLOAT_TABLE, FLOATS, INT, INTS, build, declare, kernel
from sim.model.syria import effort_factor

BORDER = Stream("border", 2, "crossings into Iraq and redeployments out of it")

BorderType, Border = declare("Border", __name__, {
    "crossed": INTS,              # fighters who entered Iraq at each crossing
    "left": INTS,                 # fighters who left Iraq at each crossing
    "arrived_today": INT,
    "departed_today": INT,
    # Tables derived from the parameters, one row per regime:
    "permeability": FLOAT_TABLE,  # per crossing
    "success_chance": FLOATS,     # an attempt's chance, over the crossings by their share of attempts
    "crossing_odds": FLOAT_TABLE,  # where the successful attempts cross
})


@kernel
def multinomial(total, odds, rng) -> np.ndarray:
    """A multinomial draw as numpy's generator makes it: one binomial per category on what remains."""
    counts = np.zeros(odds.size, np.int64)
    remaining, remaining_p = total, 1.0
    for k in range(odds.size - 1):
        counts[k] = rng.binomial(remaining, min(odds[k] / remaining_p, 1.0)) if remaining_p > 0 else 0
        remaining -= counts[k]
        if remaining <= 0:
            break
        remaining_p -= odds[k]
    if remaining > 0:
        counts[odds.size - 1] = remaining
    return counts


@kernel
def cross_into_iraq(border, syria, net, p, regime, iraq_side, mean_cell_size, weapons_per_member, rng) -> int:
    """Fighters in Syria who get across today; they form cells where they enter."""
    rate = p.crossing_attempt_rate_per_day * effort_factor(syria) * border.success_chance[regime]
    successes = rng.binomial(max(syria.free_fighters, 0), min(rate, 1.0))
    if successes == 0:
        return 0
    arrivals = multinomial(successes, border.crossing_odds[regime], rng)
    for k in range(arrivals.size):
        if arrivals[k]:
            border.crossed[k] += arrivals[k]
            syria.free_fighters -= arrivals[k]
            form_cells(net, iraq_side[k], arrivals[k], p.arrival_funds_per_member_usd, mean_cell_size,
                       weapons_per_member)
    return successes


@kernel
def redeploy_to_syria(border, syria, net, p, regime, places, rng) -> int:
    """Cells in the border areas that leave Iraq today, when effort turns to Syria."""
    syria_effort = 2.0 - effort_factor(syria)
    here = np.array([s for s in range(net.n) if places.border_area[net.area[s]]], dtype=np.int64)
    if here.size == 0:
        return 0
    draws = np.empty(here.size)
    for k in range(here.size):
        draws[k] = rng.random()
    moved = 0
    for k in range(here.size):
        if draws[k] >= p.redeployment_rate_per_day * syria_effort:
            continue
        slot = here[k]
        area = net.area[slot]
        crossing = places.exits[area, rng.integers(0, places.n_exits[area])]
        if rng.random() < border.permeability[regime, crossing]:
            members = net.members[slot]
            border.left[crossing] += members
            syria.free_fighters += members
            net.members[slot] = 0
            moved += members
    return moved


@kernel
def _cross(w) -> None:
    b, r = w.border, w.clock.regime
    p, ins = w.params.syria[r], w.params.insurgents[r]
    b.arrived_today = cross_into_iraq(b, w.syria, w.cells, p, r, w.places.crossing_iraq_side, w.cells.mean_cell_size,
                                      ins.weapons_per_member, w.streams.border)
    b.departed_today = redeploy_to_syria(b, w.syria, w.cells, p, r, w.places, w.streams.border)


@kernel
def _record(w, values) -> None:
    values[0] = w.border.crossed.sum()
    values[1] = w.border.left.sum()


def _derived(params, geo) -> tuple[np.ndarray, float, np.ndarray]:
    fortification, control = params.iraqi_forces.border_fortification, params.syria.syrian_border_control
    base = np.array([c.base_permeability for c in geo.crossings])
    permeability = np.array([b * (1.0 - fortification) * (1.0 - control) for b in base])
    shares = np.array([c.attempt_share for c in geo.crossings])
    shares = shares / shares.sum()
    # Thinning: a fighter tries with the attempt rate and gets through with the share-weighted
    # permeability; successes are then spread over the crossings.
    success = float(shares @ permeability)
    return permeability, success, shares * permeability / max(success, 1e-300)


def _tables(setup) -> dict:
    rows = [_derived(p, setup.geography) for p in setup.regimes]
    return {"permeability": np.array([r[0] for r in rows]), "success_chance": np.array([r[1] for r in rows]),
            "crossing_odds": np.array([r[2] for r in rows])}


def _start(setup, tables) -> Border:
    n = len(setup.geography.crossings)
    return build(Border, {"crossed": np.zeros(n, np.int64), "left": np.zeros(n, np.int64), "arrived_today": 0,
                          "departed_today": 0, **tables})


PART = Part(
    name="border",
    doc="4.11",
    struct=Border,
    state=("crossed", "left", "arrived_today", "departed_today"),
    sections=("syria", "iraqi_forces", "insurgents"),
    streams=(BORDER,),
    tables=_tables,
    start=_start,
    hooks={"border": _cross},
    monthly=(Record("crossed_into_iraq", FLOW, "fighters who crossed from Syria into Iraq"),
             Record("left_iraq", FLOW, "fighters who left Iraq for Syria")),
    record=_record,
    counters={"crossed": lambda b: int(b.crossed.sum()), "left_for_syria": lambda b: int(b.left.sum())},
)
