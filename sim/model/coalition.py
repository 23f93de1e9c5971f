"""Coalition air cover: open bases, ISR coverage, strikes (docs/model.md 4.12).

The posture in force (which bases are open, at what share of their 2024
capacity, and how much over-the-horizon ISR reaches Iraq from the Gulf) is
an ordinary determinant parameter, `coalition.bases` and
`coalition.over_the_horizon_isr`: the drawdown is a sequence of dated changes
to it (sim/model/clock.py), such as the move out of Ain al-Asad in August
2025. Coverage of an area falls linearly with distance from each open base.
Strikes need the shared intelligence picture, so they scale with the share of
the coalition's product passed to Iraq. They are also limited by the sorties
the coalition flies: a budget that refills at `strike_capacity_per_month` and
holds at most one month's strikes, so a surge can spend a month's sorties in
days (133 strikes in ten days at Qara Chokh, March 2021) but many located cells
never buy more strikes than the aircraft fly. Without that limit the strikes
follow IS's own activity: the more cells its attacks expose, the more are hit.
"""

from __future__ import annotations

import numpy as np

from sim.model.community import collateral
from sim.model.forces import STRIKES, strike_cells
from sim.model.part import Part
from sim.model.state import FLOAT, FLOAT_TABLE, FLOATS, INT, build, declare, kernel
from sim.units import DAYS_PER_YEAR

CoalitionType, Coalition = declare("Coalition", __name__, {
    "strikes": INT,
    "removed_by_strikes": INT,
    "sorties": FLOAT,            # strikes the coalition can still fly this month
    # Tables derived from the parameters, one row per regime:
    "capacity": FLOAT_TABLE,     # share of 2024 capacity of each base (0: closed)
    "cover": FLOAT_TABLE,        # coalition ISR coverage per area, 0..1
    "sharing": FLOATS,           # share of the coalition's product passed to Iraq
})


@kernel
def _strike_located(w) -> None:
    """Strikes on located cells under coalition coverage; each may harm civilians."""
    c, r, f = w.coalition, w.clock.regime, w.forces
    p = w.params.coalition[r]
    c.sorties = min(c.sorties + p.strike_capacity_per_month * 12.0 / DAYS_PER_YEAR, p.strike_capacity_per_month)
    if f.n_located == 0:
        return
    # Targets come from the shared intelligence picture: strikes need the exchange too.
    chance = (p.strike_rate_per_day * c.sharing[r]) * c.cover[r]
    struck, strikes, removed = strike_cells(w.cells, f.located[: f.n_located], chance, p.strike_removal_share,
                                            w.params.insurgents[r].weapons_per_member, np.floor(c.sorties),
                                            w.streams.strikes)
    c.sorties -= strikes
    c.strikes += strikes
    c.removed_by_strikes += removed
    collateral(w.community, struck, p.strike_collateral_chance, r, w.streams.community)


def coverage(params, geo, distance_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each base's capacity and the coverage of each area under one regime's posture."""
    p = params.coalition
    capacity = np.array([float(p.bases.get(b, 0.0)) for b in geo.base_ids])
    weight = np.zeros(geo.n_areas)
    for k in range(len(geo.base_ids)):
        weight += capacity[k] * np.clip(1.0 - distance_km[k] / p.isr_radius_km, 0.0, 1.0)
    available = 1.0 - params.regional.coalition_diversion
    return capacity, np.clip(weight + p.over_the_horizon_isr, 0.0, 1.0) * available * geo.in_iraq


def posture_label(base_names, capacity: np.ndarray) -> str:
    """The open bases in words, for viewers."""
    open_bases = [f"{name.split(' (')[0]} {share:.0%}" for name, share in zip(base_names, capacity, strict=True)
                  if share > 0]
    return ", ".join(open_bases) or "no coalition base in Iraq"


def _tables(setup) -> dict:
    geo = setup.geography
    distance = geo.base_distance_km()
    rows = [coverage(p, geo, distance) for p in setup.regimes]
    return {"capacity": np.array([c for c, _ in rows]), "cover": np.array([cover for _, cover in rows]),
            "sharing": setup.per_regime(lambda p: p.relations.intelligence_sharing)}


def _start(setup, tables) -> Coalition:
    return build(Coalition, {"strikes": 0, "removed_by_strikes": 0,
                             "sorties": setup.params.coalition.strike_capacity_per_month, **tables})


PART = Part(
    name="coalition",
    doc="4.12",
    struct=Coalition,
    state=("strikes", "removed_by_strikes", "sorties"),
    sections=("coalition", "relations", "regional"),
    streams=(STRIKES,),
    tables=_tables,
    start=_start,
    hooks={"located": _strike_located},
    counters={"strikes": lambda c: c.strikes, "removed_by_strikes": lambda c: c.removed_by_strikes},
)
