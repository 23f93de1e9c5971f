"""IS members held: prisons in north-east Syria, the al-Hol and Roj camps, and Iraqi prisons (docs/model.md 4.14).

The brief (Qashta 2025): prisons and camps in north-east Syria hold tens of
thousands, some near the Iraqi border, and a breakout (as attempted at
Ghweiran/al-Sina'a in January 2022) would feed fighters into Iraq. Hassan
(2023): IS fails to recruit, hence its attempts to free detained members.
Breakouts in Syria free detainees into IS's Syrian force; the camps leak
recruits to it at a rate set by their guards; transfers move detainees from
Syria to Iraqi prisons (5,704 in January-February 2026), which hold them more
securely but not perfectly: an escape from an Iraqi prison puts fighters in
Iraq directly. Dated transfers and known breakouts are one-off events of the
history (sim/model/clock.py); the rates here cover what is not dated.
"""

from __future__ import annotations

from sim.config.schema import IMPULSE_KINDS
from sim.model.network import form_cells
from sim.model.part import STATE, Part, Record, Stream
from sim.model.state import INT, declare, kernel
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR, THOUSAND

DETENTION = Stream("detention", 11, "breakouts, escapes from Iraqi prisons and recruits from the camps")
BREAKOUT, DETAINEE_TRANSFER, CAMP_TRANSFER = "breakout", "detainee_transfer", "camp_transfer"
_BREAKOUT, _DETAINEE_TRANSFER, _CAMP_TRANSFER = (IMPULSE_KINDS.index(k) for k in (BREAKOUT, DETAINEE_TRANSFER,
                                                                                 CAMP_TRANSFER))

DetentionType, Detention = declare("Detention", __name__, {
    "syria_prisons": INT,
    "camps": INT,
    "iraq_prisons": INT,
    "breakouts": INT,
    "escaped": INT,               # freed from north-east Syrian prisons
    "prison_escapes": INT,        # freed from Iraqi prisons
    "camp_recruits": INT,
})


@kernel
def breakout(detention, syria, freed) -> None:
    """Free detainees from the north-east Syrian prisons into IS's Syrian force."""
    freed = max(0, min(freed, detention.syria_prisons))
    detention.syria_prisons -= freed
    syria.free_fighters += freed
    detention.breakouts += 1
    detention.escaped += freed


@kernel
def _prisons(w) -> None:
    """Today's chance of a breakout in Syria and of an escape from an Iraqi prison."""
    d, r, rng = w.detention, w.clock.regime, w.streams.detention
    p, forces_p = w.params.syria[r], w.params.iraqi_forces[r]
    if d.syria_prisons > 0 and rng.random() < p.breakouts_per_year / DAYS_PER_YEAR:
        share = min(1.0, rng.exponential(p.breakout_escape_share))
        breakout(d, w.syria, rng.binomial(d.syria_prisons, share))
    if d.iraq_prisons > 0 and rng.random() < forces_p.prison_breaks_per_year / DAYS_PER_YEAR:
        share = min(1.0, rng.exponential(forces_p.prison_break_escape_share))
        freed = rng.binomial(d.iraq_prisons, share)
        d.iraq_prisons -= freed
        d.prison_escapes += freed
        if freed:
            ins = w.params.insurgents[r]
            form_cells(w.cells, w.places.escape_area, freed, 0.0, w.cells.mean_cell_size, ins.weapons_per_member)


@kernel
def _week(w) -> None:
    """Recruits smuggled out of the camps over the week."""
    d, p = w.detention, w.params.syria[w.clock.regime]
    rate = p.camp_recruits_per_thousand_per_year * (d.camps / THOUSAND) * (1.0 - p.camp_security)
    recruits = min(w.streams.detention.poisson(rate * DAYS_PER_WEEK / DAYS_PER_YEAR), d.camps)
    d.camps -= recruits
    d.camp_recruits += recruits
    w.syria.free_fighters += recruits


@kernel
def _impulse(w, kind, amount, target) -> None:
    d, count = w.detention, int(amount)
    if kind == _BREAKOUT:                          # detainees freed in Syria
        breakout(d, w.syria, count)
    elif kind == _DETAINEE_TRANSFER:               # from Syria to Iraqi prisons
        moved = max(0, min(count, d.syria_prisons))
        d.syria_prisons -= moved
        d.iraq_prisons += moved
    elif kind == _CAMP_TRANSFER:                   # camp residents repatriated or moved out
        d.camps = max(0, d.camps - count)


@kernel
def _record(w, values) -> None:
    values[0] = w.detention.syria_prisons
    values[1] = w.detention.camps
    values[2] = w.detention.iraq_prisons


def _start(setup, tables) -> Detention:
    p = setup.params
    return Detention(int(p.syria.detainees), int(p.syria.camp_population), int(p.iraqi_forces.prison_detainees),
                     0, 0, 0, 0)


PART = Part(
    name="detention",
    doc="4.14",
    struct=Detention,
    state=Detention.fields,
    sections=("syria", "iraqi_forces", "insurgents"),
    streams=(DETENTION,),
    start=_start,
    hooks={"outside_week": _week, "prisons": _prisons},
    monthly=(Record("detainees", STATE, "IS members held in north-east Syrian prisons"),
             Record("camp_population", STATE, "people held in the al-Hol and Roj camps"),
             Record("iraq_prison_detainees", STATE, "IS members held in Iraqi prisons")),
    record=_record,
    impulses=(BREAKOUT, DETAINEE_TRANSFER, CAMP_TRANSFER),
    impulse=_impulse,
    counters={"breakouts": lambda d: d.breakouts, "escaped": lambda d: d.escaped,
              "iraqi_prison_escapes": lambda d: d.prison_escapes},
)
