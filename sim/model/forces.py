"""Iraqi security forces: presence, detection into an intelligence bank, sweeps, raids and strikes (docs/model.md 4.10).

The brief (Qashta 2025) credits today's forces with precise special operations,
a counter-terrorism intelligence bank and pre-emptive sweeps of hideouts, and
names one gap: air cover and advanced ISR. Detection here is ground presence
times an ISR multiplier, so losing coalition ISR lowers it; raids act on cells
the bank has located, and captured members expose linked cells. Iraq's own air
force, army aviation and drones strike located cells too, at a rate set by
readiness and the ISR Iraq controls itself, so a complete coalition exit
weakens strikes without ending them.

Presence is thinner where federal and Kurdistan Region forces meet without
coordinating (the disputed territories), and the Popular Mobilization Forces
count as presence but feed grievance (sim/model/community.py).
"""

from __future__ import annotations

import numpy as np

from sim.model import leadership as leaders
from sim.model import network
from sim.model.community import collateral
from sim.model.part import FLOW, Part, Record, Stream
from sim.model.places import PMF_BRANCH
from sim.model.state import FLOAT, FLOAT_TABLE, FLOATS, INT, INTS, build, declare, kernel

DETECTION = Stream("detection", 5, "detection by Iraqi forces and hideout sweeps")
RAIDS = Stream("raids", 6, "raids, captures and what captives expose")
STRIKES = Stream("strikes", 7, "coalition and Iraqi strikes on located cells and exposed leaders")

# The unit of the intelligence bank: what one detection, by ground forces or a sweep, adds.
INTEL_PER_DETECTION = 1.0

ForcesType, Forces = declare("Forces", __name__, {
    "reaction": FLOATS,           # surge of presence per area after attacks, fading
    "presence": FLOATS,           # today's presence per area, surges included
    "undeterred": FLOATS,         # today's share of planned attacks not deterred, per area
    "detection": FLOATS,          # chance per day per unit presence of detecting a mean active cell, per area
    "located": INTS,              # today's located cells (slots), the first `n_located`
    "n_located": INT,
    "raids": INT,
    "removed_by_raids": INT,
    "strikes": INT,
    "removed_by_strikes": INT,
    # Tables derived from the parameters, one row per regime:
    "readiness": FLOATS,
    "base_presence": FLOAT_TABLE,  # standing presence per area (units, neighbours, the seam, readiness)
    "pmf_share": FLOAT_TABLE,     # share of each area's presence given by the PMF
    "own_isr": FLOAT_TABLE,       # ISR Iraq controls itself, per area
    "isr": FLOAT_TABLE,           # ISR usable by Iraqi forces: its own and what the coalition shares
    "iraq_pressure": FLOATS,      # security pressure on IS in Iraq, 0..1 (sim/model/syria.py reads it)
    "reaction_keep": FLOATS,
    "intel_keep": FLOATS,
    "intel_to_locate": FLOAT,     # in force now
})


# ----- rules ----------------------------------------------------------------------------------
@kernel
def detection_by_area(rate, isr_gain, isr, hostile_gain, stance, ruggedness) -> np.ndarray:
    """Chance per day of detecting an active cell of mean size, per area, before presence.

    Ground forces find more where ISR watches and where hostile communities pass tips (Hassan 2023:
    IS's moves are now exposed); rugged terrain hides.
    """
    tips = 1.0 + hostile_gain * (1.0 - stance)
    return rate * (1.0 + isr_gain * isr) * tips * (1.0 - ruggedness)


@kernel
def react_to_attacks(reaction, attack_areas, boost, limit) -> None:
    """Surge presence where attacks happened, up to what the forces can send."""
    for area in attack_areas:
        reaction[area] += boost
    np.minimum(reaction, limit, reaction)


@kernel
def visibility(net, size_factor, dormant_exposure) -> np.ndarray:
    """How visible each cell is to detection: active and larger cells show more."""
    seen = np.empty(net.n)
    for slot in range(net.n):
        factor = size_factor[min(net.members[slot], size_factor.size - 1)]
        seen[slot] = factor if net.active[slot] else factor * dormant_exposure
    return seen


@kernel
def detect(net, detection, presence, visibility, cells_followed, intel_keep, rng) -> None:
    """Daily detection of each cell adds to the intelligence bank's file on it.

    An area's intelligence network follows only so many cells: beyond `cells_followed`, each cell gets
    proportionally less attention, so more cells never make each one easier to find.
    """
    n = net.n
    cells_here = np.zeros(detection.size)
    for slot in range(n):
        cells_here[net.area[slot]] += 1
    attention = 1.0 / (1.0 + cells_here / cells_followed)
    by_area = detection * presence * attention
    draws = np.empty(n)
    for slot in range(n):
        draws[slot] = rng.random()
    for slot in range(n):
        detected = draws[slot] < by_area[net.area[slot]] * visibility[slot]
        net.intel[slot] = net.intel[slot] * intel_keep + (INTEL_PER_DETECTION if detected else 0.0)


@kernel
def sweep_hideouts(net, hideouts, ruggedness, sweeps_per_day, detection, terrain_penalty, rng) -> None:
    """Pre-emptive sweeps of hideout terrain: each finds each cell in its area with a chance."""
    for _ in range(rng.poisson(sweeps_per_day)):
        target = hideouts[rng.integers(0, hideouts.size)]
        chance = detection * (1.0 - terrain_penalty * ruggedness[target])
        for slot in range(net.n):
            if net.area[slot] == target and rng.random() < chance:
                net.intel[slot] += INTEL_PER_DETECTION


@kernel
def locate(net, intel_to_locate, located) -> int:
    """Cells whose file reaches `intel_to_locate`, into `located`; returns how many."""
    count = 0
    for slot in range(net.n):
        if net.intel[slot] >= intel_to_locate:
            located[count] = slot
            count += 1
    return count


@kernel
def still_located(net, slots, intel_to_locate) -> np.ndarray:
    """The cells of `slots` that have members left and are still located (not hit since they were listed)."""
    keep = np.empty(slots.size, np.int64)
    count = 0
    for slot in slots:
        if net.members[slot] > 0 and net.intel[slot] >= intel_to_locate:
            keep[count] = slot
            count += 1
    return keep[:count]


@kernel
def strike_cells(net, located, chance_by_area, removal_share, weapons_per_member, budget, rng) -> tuple:
    """Strikes on located cells, each with its area's chance, at most `budget` of them (the best-known
    first when more are chosen); returns the struck areas, strikes and removed."""
    draws = np.empty(located.size)
    for k in range(located.size):
        draws[k] = rng.random()
    chosen = np.zeros(located.size, np.bool_)
    n_chosen = 0
    for k in range(located.size):
        if draws[k] < chance_by_area[net.area[located[k]]]:
            chosen[k] = True
            n_chosen += 1
    if n_chosen > budget:
        # More targets than sorties: the targeting cell strikes those it knows best.
        order = np.argsort(-net.intel[located], kind="mergesort")
        kept = 0
        for k in order:
            if chosen[k]:
                if kept >= budget:
                    chosen[k] = False
                else:
                    kept += 1
    struck = np.empty(located.size, np.int64)
    count, removed = 0, 0
    for k in range(located.size):
        slot = located[k]
        if chosen[k]:
            killed = rng.binomial(net.members[slot], removal_share)
            net.members[slot] -= killed
            network.lose_arms_with_members(net, slot, weapons_per_member)
            net.intel[slot] = 0.0
            struck[count] = net.area[slot]
            count += 1
            removed += killed
    return struck[:count], count, removed


@kernel
def expose_links(net, leadership, slot, captured, forces_p, insurgents_p, wilaya, rng) -> None:
    """Each captured member may give up one linked cell and, sometimes, the wilaya's leader."""
    if captured == 0:
        return
    links = network.links_of(net, net.uid[slot])
    talkers = rng.binomial(captured, forces_p.network_exposure_per_capture)
    for _ in range(talkers if links.size else 0):
        exposed = network.slot_of(net, links[rng.integers(0, links.size)])
        net.intel[exposed] += forces_p.exposure_intel
    if rng.random() < 1.0 - (1.0 - insurgents_p.leader_exposure_per_capture) ** float(captured):
        leaders.expose(leadership, wilaya, 1.0)
        leaders.expose(leadership, leadership.centre, insurgents_p.centre_exposure_per_lead)


@kernel
def hit_cell(forces, net, leadership, slot, forces_p, insurgents_p, wilaya, rng) -> None:
    """A raid reaches a cell: some members killed or captured, and the captives talk."""
    removed = rng.binomial(net.members[slot], forces_p.raid_removal_share)
    captured = rng.binomial(removed, forces_p.capture_share)
    net.members[slot] -= removed
    network.lose_arms_with_members(net, slot, insurgents_p.weapons_per_member)
    net.intel[slot] = 0.0
    forces.removed_by_raids += removed
    expose_links(net, leadership, slot, captured, forces_p, insurgents_p, wilaya, rng)


@kernel
def raid_located_cells(forces, net, leadership, located, readiness, ruggedness, wilaya_of_area, forces_p,
                       insurgents_p, rng) -> np.ndarray:
    """Raid located cells, best-known first, as far as today's raid capacity goes; returns raided areas."""
    if located.size == 0:
        return located[:0]
    capacity = rng.poisson(forces_p.raids_per_day * readiness)
    if capacity == 0:
        return located[:0]
    order = located[np.argsort(-net.intel[located], kind="mergesort")][:capacity]
    raided = net.area[order].copy()
    draws = np.empty(order.size)
    for k in range(order.size):
        draws[k] = rng.random()
    for slot in order:
        net.intel[slot] *= forces_p.trail_kept_after_failed_raid
    forces.raids += order.size
    for k in range(order.size):
        success = forces_p.raid_success * readiness * (1.0 - forces_p.raid_terrain_penalty * ruggedness[raided[k]])
        if draws[k] < success:
            hit_cell(forces, net, leadership, order[k], forces_p, insurgents_p, wilaya_of_area[raided[k]], rng)
    return raided


# ----- the part's place in the day -----------------------------------------------------------
@kernel
def _presence(w) -> None:
    """The day's presence, surges included, and the share of planned attacks it does not deter."""
    f, r = w.forces, w.clock.regime
    f.presence = f.base_presence[r] * (1.0 + f.reaction)
    f.undeterred = 1.0 - w.params.iraqi_forces[r].attack_deterrence * f.presence / (1.0 + f.presence)


@kernel
def _conditions(w) -> None:
    f, r = w.forces, w.clock.regime
    p = w.params.iraqi_forces[r]
    f.intel_to_locate = p.intel_to_locate
    f.detection = detection_by_area(p.detection_rate_per_day, p.isr_detection_gain, f.isr[r],
                                    p.hostile_community_gain, w.community.stance, w.places.ruggedness)


@kernel
def _after_attacks(w) -> None:
    """Investigating each attack adds to the file on its cell; presence surges where attacks landed."""
    p = w.params.iraqi_forces[w.clock.regime]
    for k in range(w.cells.n_attackers):
        w.cells.intel[w.cells.attackers[k]] += p.post_attack_intel
    react_to_attacks(w.forces.reaction, w.attacks.today_areas[: w.attacks.n_today], p.reaction_boost,
                     p.reaction_limit)


@kernel
def _response(w) -> None:
    """Surges fade; detection and sweeps feed the intelligence bank; the located cells are listed."""
    f, r, net = w.forces, w.clock.regime, w.cells
    p = w.params.iraqi_forces[r]
    f.reaction *= f.reaction_keep[r]
    detect(net, f.detection, f.presence, visibility(net, w.cells.size_factor, p.dormant_exposure),
           p.cells_followed_per_area, f.intel_keep[r], w.streams.detection)
    sweep_hideouts(net, w.places.iraqi_hideouts, w.places.ruggedness, p.sweep_rate_per_day * f.readiness[r],
                   p.sweep_detection, p.sweep_terrain_penalty, w.streams.detection)
    if f.located.size < net.n:
        f.located = np.empty(net.area.size, np.int64)
    f.n_located = locate(net, f.intel_to_locate, f.located)


@kernel
def _strike_and_raid(w) -> None:
    """Iraqi strikes on the located cells the coalition did not hit, then raids on those still located;
    each may harm civilians (raids only in settled areas)."""
    f, r, net = w.forces, w.clock.regime, w.cells
    if f.n_located == 0:
        return
    p, ins = w.params.iraqi_forces[r], w.params.insurgents[r]
    located = still_located(net, f.located[: f.n_located], f.intel_to_locate)
    chance = (p.own_strike_rate_per_day * f.readiness[r]) * f.own_isr[r]
    struck, strikes, removed = strike_cells(net, located, chance, p.own_strike_removal_share,
                                            ins.weapons_per_member, np.inf, w.streams.strikes)
    f.strikes += strikes
    f.removed_by_strikes += removed
    collateral(w.community, struck, p.own_strike_collateral_chance, r, w.streams.community)
    raided = raid_located_cells(f, net, w.leadership, still_located(net, located, f.intel_to_locate), f.readiness[r],
                                w.places.ruggedness, w.places.wilaya, p, ins, w.streams.raids)
    collateral(w.community, raided[~w.places.hideout[raided]], p.raid_collateral_chance, r, w.streams.community)


@kernel
def _record(w, values) -> None:
    values[0] = w.forces.removed_by_raids + w.forces.removed_by_strikes + w.coalition.removed_by_strikes


def _derived(params, geo, cover, sharing) -> dict:
    """What one regime's parameters give: readiness, standing presence, the PMF's share, ISR."""
    p, relations = params.iraqi_forces, params.relations
    budget_factor = relations.security_budget ** relations.budget_readiness_elasticity
    # Sanctions squeeze readiness through the budget; regional crises divert effort.
    readiness = min(1.0, p.readiness * budget_factor) * (1.0 - params.regional.force_diversion)
    strength, pmf = np.zeros(geo.n_areas), np.zeros(geo.n_areas)
    for unit in geo.units:
        weight = unit.strength * (p.pmf_strength if unit.branch == PMF_BRANCH else 1.0)
        strength[unit.area] += weight
        if unit.branch == PMF_BRANCH:
            pmf[unit.area] += weight
    seam = 1.0 - p.seam_presence_gap * (1.0 - p.seam_coordination) * geo.disputed
    adjacency = geo.adjacency.astype(float)
    spill = p.neighbour_presence_share * (adjacency @ strength)
    pmf_spill = p.neighbour_presence_share * (adjacency @ pmf)
    own_isr = np.clip(p.own_isr_coverage + p.substitute_isr_coverage, 0.0, 1.0) * geo.in_iraq
    isr = np.clip(cover * sharing + own_isr, 0.0, 1.0)
    gain = p.isr_detection_gain
    return {
        "readiness": readiness,
        "base_presence": (strength + spill) * seam * readiness * geo.in_iraq,
        "pmf_share": np.divide(pmf + pmf_spill, strength + spill, out=np.zeros(geo.n_areas),
                               where=strength + spill > 0) * geo.in_iraq,
        "own_isr": own_isr,
        "isr": isr,
        "iraq_pressure": readiness * (1.0 + gain * float(isr[geo.in_iraq].mean())) / (1.0 + gain),
        "reaction_keep": np.exp(-1.0 / p.reaction_decay_days),
        "intel_keep": 1.0 - p.intel_decay_per_day,
    }


def _tables(setup) -> dict:
    coalition = setup.tables["coalition"]
    rows = [_derived(p, setup.geography, coalition["cover"][r], coalition["sharing"][r])
            for r, p in enumerate(setup.regimes)]
    return {name: np.array([row[name] for row in rows]) for name in rows[0]}


def _start(setup, tables) -> Forces:
    n = setup.geography.n_areas
    return build(Forces, {"reaction": np.zeros(n), "presence": np.zeros(n), "undeterred": np.ones(n),
                          "detection": np.zeros(n), "located": np.zeros(64, np.int64), "n_located": 0, "raids": 0,
                          "removed_by_raids": 0, "strikes": 0, "removed_by_strikes": 0,
                          "intel_to_locate": setup.params.iraqi_forces.intel_to_locate, **tables})


PART = Part(
    name="forces",
    doc="4.10",
    struct=Forces,
    state=("reaction", "presence", "undeterred", "detection", "located", "n_located", "raids",
           "removed_by_raids", "strikes", "removed_by_strikes", "intel_to_locate"),
    sections=("iraqi_forces", "relations", "regional", "insurgents"),
    streams=(DETECTION, RAIDS, STRIKES),
    tables=_tables,
    start=_start,
    hooks={"presence": _presence, "conditions": _conditions, "attacks": _after_attacks, "response": _response,
           "located": _strike_and_raid},
    monthly=(Record("removed_iraq", FLOW, "IS members killed or captured in Iraq by raids and strikes"),),
    record=_record,
    counters={"raids": lambda f: f.raids, "removed_by_raids": lambda f: f.removed_by_raids,
              "iraqi_strikes": lambda f: f.strikes, "removed_by_iraqi_strikes": lambda f: f.removed_by_strikes},
)
