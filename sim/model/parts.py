"""The registry: every part of the model, in order.

Within a phase of the day (sim/model/day.py), the parts' hooks run in this
order; at the start of a replicate the parts are built in this order too (a
part may read those built before it). The order is the old one of the day
where two parts act in the same phase: the Syrian force settles before the
camps leak recruits into it, the stance settles before attacks are restaged
by it, attacks are carried out before forces react to them and before they
excite their wilaya, coalition strikes come before Iraq's own, leaders are
seeded before cells, both from the start stream, and the centre sets its tempo
after its leaders' week and before the cells assess their chances by it.
"""

from __future__ import annotations

from sim.model import attacks, border, cells, coalition, community, detention, forces, leadership, strategy, syria
from sim.model.part import Part, Record, Stream

PARTS: tuple[Part, ...] = (
    syria.PART,
    detention.PART,
    border.PART,
    leadership.PART,
    strategy.PART,
    community.PART,
    attacks.PART,
    coalition.PART,
    forces.PART,
    cells.PART,
)


def streams() -> tuple[Stream, ...]:
    """Every stream the parts draw from, once each, by number."""
    by_number = {s.number: s for part in PARTS for s in part.streams}
    return tuple(by_number[k] for k in sorted(by_number))


def monthly_records() -> tuple[tuple[Part, Record], ...]:
    """Every monthly record, with the part that keeps it, in registry order."""
    return tuple((part, record) for part in PARTS for record in part.monthly)
