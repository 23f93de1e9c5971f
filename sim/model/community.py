"""Community stance towards IS in each area, and what moves it (docs/model.md 4.13).

Stance (0: hostile, reports IS's moves; 1: supportive) raises recruitment and
lowers the tips that help Iraqi forces find cells. Hassan (2023) and Bakhtiari
& Taheri (2025) make the communities around IS's old areas hostile, which sets
the low starting values in the geography. Three things move it here:

- reconstruction: with a security budget below 2024's, reconstruction of
  liberated areas suffers and stance erodes slowly (Qashta 2025 names that
  budget among Washington's levers);
- the Popular Mobilization Forces: where they provide much of the presence,
  the grievance of Sunni communities raises stance;
- collateral damage: raids and strikes that harm civilians raise stance in
  the area, a backlash that fades over months (Condra and Shapiro 2012 find
  that civilian casualties caused by counter-insurgents are followed by more
  insurgent violence; Kress and Szechtman 2009 model the same trade-off);
- estrangement: Baghdad's treatment of Sunni communities (the Hashemi
  warrant, the crackdown on the protests of 2012-2013, the Hawija raid)
  raises stance in every area in Iraq by `relations.community_estrangement`,
  a level that dated changes of a history set; it is 0 from 2020.

Stance is settled weekly; the operations of the week add to the backlash as
they happen (`collateral`, called by the parts that strike and raid).
"""

from __future__ import annotations

import numpy as np

from sim.model.part import Part, Stream
from sim.model.state import FLOATS, INT, build, declare, kernel
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

COMMUNITY = Stream("community", 9, "collateral damage and the backlash it causes")

CommunityType, Community = declare("Community", __name__, {
    "drift": FLOATS,              # accumulated erosion from budget shortfalls, per area
    "backlash": FLOATS,           # fading rise after collateral damage, per area
    "stance": FLOATS,             # as settled at the last settlement
    "incidents": INT,
    "drift_per_day": FLOATS,      # per regime
    "backlash_keep_week": FLOATS,  # per regime: what is left of a backlash after a week
    "per_incident": FLOATS,       # per regime
    "estrangement": FLOATS,       # per regime: the rise in stance in every area in Iraq
})


@kernel
def settle_stance(community, base, grievance, in_iraq, regime) -> None:
    """Advance drift and backlash by a week and settle the stance."""
    community.drift += community.drift_per_day[regime] * DAYS_PER_WEEK
    community.backlash *= community.backlash_keep_week[regime]
    estranged = community.estrangement[regime] * in_iraq
    community.stance = np.minimum(np.maximum(base + community.drift + grievance + community.backlash + estranged,
                                             0.0), 1.0)


@kernel
def collateral(community, areas, chance, regime, rng) -> None:
    """Each operation in `areas` harms civilians with `chance`; a harmed area turns against the state."""
    if areas.size == 0 or chance <= 0:
        return
    draws = np.empty(areas.size)
    for k in range(areas.size):
        draws[k] = rng.random()
    for k in range(areas.size):
        if draws[k] < chance:
            community.backlash[areas[k]] += community.per_incident[regime]
            community.incidents += 1


@kernel
def _week(w) -> None:
    r = w.clock.regime
    grievance = w.params.iraqi_forces[r].pmf_grievance * w.forces.pmf_share[r]
    settle_stance(w.community, w.places.community_stance, grievance, w.places.in_iraq, r)


def _tables(setup) -> dict:
    shortfall = setup.per_regime(lambda p: max(0.0, 1.0 - p.relations.security_budget))
    rate = setup.per_regime(lambda p: p.relations.reconstruction_stance_drift_per_year)
    decay = setup.per_regime(lambda p: p.iraqi_forces.backlash_decay_days)
    return {"drift_per_day": rate * shortfall / DAYS_PER_YEAR, "backlash_keep_week": np.exp(-1.0 / decay) ** DAYS_PER_WEEK,
            "per_incident": setup.per_regime(lambda p: p.iraqi_forces.backlash_stance_per_incident),
            "estrangement": setup.per_regime(lambda p: p.relations.community_estrangement)}


def _start(setup, tables) -> Community:
    n = setup.geography.n_areas
    # The stance before the first settlement (day 0) is read by nothing: the settlement sets it first.
    return build(Community, {"drift": np.zeros(n), "backlash": np.zeros(n),
                             "stance": setup.geography.community_stance.copy(), "incidents": 0, **tables})


PART = Part(
    name="community",
    doc="4.13",
    struct=Community,
    state=("drift", "backlash", "stance", "incidents"),
    sections=("relations", "iraqi_forces"),
    streams=(COMMUNITY,),
    tables=_tables,
    start=_start,
    hooks={"stance_week": _week},
    counters={"collateral_incidents": lambda c: c.incidents},
)
