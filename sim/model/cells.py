"""What IS cells in Iraq do, day by day and week by week (docs/model.md 4.2, 4.4-4.9).

Each day (in this order, after the border): a cell switches between dormant
and active, moves to cover when tracked, and decides whether to attack.
Money, recruits and arms change slowly, so they are settled once a week with
the daily rates scaled to the week; at the same settlement each cell's chance
to wake and to attack is assessed from its money, arms, size and leadership
and used for the days until the next one. The rules run over all live cells
at once; the cells themselves are the network of sim/model/network.py, whose
arrays this part's struct carries.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import IMPULSE_KINDS
from sim.model import network
from sim.model.attacks import ATTACKS
from sim.model.part import STATE, Part, Record, Stream
from sim.model.state import FLOAT, FLOAT_TABLE, FLOATS, INT, INTS, build, declare, kernel
from sim.model.syria import effort_factor
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

START = Stream("start", 0, "seeding cells, links and leaders at the start")
CELLS = Stream("cells", 3, "cells' daily choices: wake, go dormant, move, recruit, desert")
RESERVES, ARRIVALS = "reserves", "arrivals"
_RESERVES, _ARRIVALS = IMPULSE_KINDS.index(RESERVES), IMPULSE_KINDS.index(ARRIVALS)

CellsType, Cells = declare("Cells", __name__, {
    **network.NETWORK_FIELDS,
    # IS's central reserves (all theatres): spent over time on every theatre, Iraq's part sent as stipends
    # at a rate that follows IS's effort, and fed by its income in Syria (sim/model/syria.py).
    "central_reserve_usd": FLOAT,
    "excitation": FLOATS,         # per wilaya: raises its cells' attack hazard after its attacks, then fades
    "peak_area_fighters": INT,    # the most fighters in one area on any day so far
    "attackers": INTS,            # today's attacking cells (slots), the first `n_attackers`
    "n_attackers": INT,
    "capability": FLOATS,         # each attacker's capability as it attacks
    "refuge": INTS,               # where a pressed cell runs to from each area (weekly)
    "recruit_rate": FLOATS,       # recruits per member per day before money, per area (weekly)
    "central_stipend_usd": FLOAT,  # the centre's stipend per member per day, at the effort in force
    "size_factor": FLOATS,        # sqrt(size / mean size at the start), by size
    "mean_cell_size": FLOAT,
    # Tables derived from the parameters, one row per regime:
    "net_income": FLOAT_TABLE,    # extortion income less upkeep, USD per member per day, per area
    "propaganda": FLOATS,         # multiplier on recruitment and activation
    "excitation_keep": FLOATS,
    "desertion_week": FLOATS,     # a member's chance of leaving a broke cell over a week
})


# ----- what every rule reads about the cells --------------------------------------------------
@kernel
def money_factor(net, half_saturation) -> np.ndarray:
    """Saturating effect of cash on what a cell can pay for (recruits, activation)."""
    funds = net.funds[: net.n]
    return funds / (funds + half_saturation)


@kernel
def capability(net, slots, ins) -> np.ndarray:
    """Size, arms and money of each cell in `slots`, relative to a mean-size, armed, funded cell."""
    out = np.empty(slots.size)
    for k in range(slots.size):
        s = slots[k]
        size = net.size_factor[min(net.members[s], net.size_factor.size - 1)]
        armed = min(net.weapons[s] / max(net.members[s], 1), 1.0)
        funded = 1.0 if net.funds[s] >= ins.attack_cost_usd else ins.unfunded_share
        out[k] = size * armed * funded
    return out


@kernel
def pressure(net, intel_to_locate) -> np.ndarray:
    """Intelligence held on each cell relative to what locates it, capped at 1."""
    return np.minimum(net.intel[: net.n] * (1.0 / intel_to_locate), 1.0)


@kernel
def uniforms(rng, n) -> np.ndarray:
    """`n` uniform draws in order, as `rng.random(n)` gives them."""
    draws = np.empty(n)
    for k in range(n):
        draws[k] = rng.random()
    return draws


# ----- daily rules (docs/model.md 4.5, 4.6, 4.9) ----------------------------------------------
@kernel
def switch_state(net, pressed, draws, ins) -> None:
    """Go dormant under pressure ('strategic silence'); wake when led, funded and not tracked."""
    for s in range(net.n):
        if net.active[s]:
            chance = ins.dormancy_rate_per_day + (ins.dormancy_rate_per_day * ins.pressure_dormancy_gain) * pressed[s]
        else:
            chance = net.wake_chance[s] if pressed[s] < ins.wake_pressure_limit else 0.0
        # An active cell may go dormant, a dormant one may wake: one draw decides either way.
        if draws[s] < chance:
            net.active[s] = not net.active[s]


@kernel
def move_to_cover(net, pressed, draws, refuge, ins) -> None:
    """Tracked cells slip away to the safest neighbouring area, shaking off part of the trail."""
    for s in range(net.n):
        if draws[s] < ins.move_rate_when_pressed * pressed[s] and refuge[net.area[s]] != net.area[s]:
            net.area[s] = refuge[net.area[s]]
            net.intel[s] *= ins.trail_kept_after_move


@kernel
def plan_attacks(net, draws, undeterred, wilaya, attackers, shared) -> int:
    """The cells that attack today (into `attackers`): active cells, by assessed chance, less deterrence,
    more where their wilaya has just attacked (self-excitation); returns how many.

    Shared excitation is the expected number of triggered attacks a day in the wilaya, divided among its
    active cells and added to each one's chance; otherwise it multiplies every active cell's chance."""
    share = np.ones(net.excitation.size)
    if shared:
        active = np.zeros(net.excitation.size)
        for s in range(net.n):
            if net.active[s]:
                active[wilaya[net.area[s]]] += 1.0
        share = 1.0 / np.maximum(active, 1.0)
    count = 0
    for s in range(net.n):
        w = wilaya[net.area[s]]
        if shared:
            chance = net.attack_chance[s] + net.excitation[w] * share[w]
        else:
            chance = net.attack_chance[s] * (1.0 + net.excitation[w])
        if net.active[s] and draws[s] < chance * undeterred[net.area[s]]:
            attackers[count] = s
            count += 1
    return count


# ----- weekly rules (docs/model.md 4.4, 4.7, 4.8, 4.5) ----------------------------------------
@kernel
def earn_and_spend(net, net_income, stipend_usd, reserve_alive, ins, desertion_week, rng) -> None:
    """Extortion and smuggling income, upkeep, central transfers; broke cells shed members.

    The centre pays a stipend per member to cells short of cash (below `cash_target_days` of upkeep per
    member), up to what they lack, from its reserves: IS's reserves pay for survival, not hoards
    (Al-Batakoshi 2025: reserves held by intermediaries, funding money-driven recruitment). Each cell's
    stipend depends on its own members only, so new fighters never take money from others while the
    reserves last.
    """
    n = net.n
    dormant_saving = ins.upkeep_per_member_usd_per_day * (1.0 - ins.dormant_upkeep_share)
    for s in range(n):
        per_member = net_income[net.area[s]] + dormant_saving * (0.0 if net.active[s] else 1.0)
        net.funds[s] += net.members[s] * per_member * DAYS_PER_WEEK
    if net.central_reserve_usd > 0 and reserve_alive:
        stipend = np.empty(n)
        for s in range(n):
            shortfall = max(ins.cash_target_days * ins.upkeep_per_member_usd_per_day * net.members[s] - net.funds[s],
                            0.0)
            stipend[s] = min(stipend_usd * net.members[s] * DAYS_PER_WEEK, shortfall)
        paid = stipend.sum()
        if paid > net.central_reserve_usd:
            stipend *= net.central_reserve_usd / paid
            paid = net.central_reserve_usd
        net.central_reserve_usd -= paid
        net.funds[:n] += stipend
    for s in range(n):
        if net.funds[s] <= 0:
            net.funds[s] = 0.0
            net.members[s] -= rng.binomial(net.members[s], desertion_week)


@kernel
def recruit(net, recruit_rate, ins, rng) -> None:
    """Recruits follow community stance, money and propaganda (Al-Batakoshi 2025)."""
    money = money_factor(net, ins.funds_half_saturation_usd)
    for s in range(net.n):
        rate = recruit_rate[net.area[s]] * money[s] * (1.0 if net.active[s] else 0.0)
        net.members[s] += rng.poisson(net.members[s] * rate * DAYS_PER_WEEK)


@kernel
def join(net, newcomers, rng) -> None:
    """Newcomers who join whatever the cells' size (released prisoners, returnees, kin), each to a cell drawn
    at random: a network takes in who comes to it, not in proportion to its size."""
    if net.n == 0:
        return
    for _ in range(newcomers):
        net.members[rng.integers(0, net.n)] += 1


@kernel
def arm(net, ins) -> None:
    """Buy up to one weapon a day while below the standard and able to pay."""
    for s in range(net.n):
        short = np.ceil(net.members[s] * ins.weapons_per_member - net.weapons[s])
        affordable = np.floor(net.funds[s] / ins.weapon_price_usd)
        bought = min(max(min(short, affordable), 0.0), DAYS_PER_WEEK)
        net.weapons[s] += bought
        net.funds[s] -= bought * ins.weapon_price_usd


@kernel
def assess(net, coordination, propaganda, tempo, ins) -> None:
    """Each cell's chance per day to wake (led, funded, fed by propaganda) and to attack (capable, led, at the
    tempo the centre allows: sim/model/strategy.py).

    A cell with no money wakes at `unfunded_share` of the rate of a well-funded one; a cell with no
    coordination from a wali or the centre wakes and attacks at `leaderless_share` of a well-led one.
    """
    n = net.n
    money = money_factor(net, ins.funds_half_saturation_usd)
    able = capability(net, np.arange(n), ins)
    for s in range(n):
        funded = ins.unfunded_share + (1.0 - ins.unfunded_share) * money[s]
        led = ins.leaderless_share + (1.0 - ins.leaderless_share) * coordination[net.area[s]]
        net.wake_chance[s] = (ins.activation_rate_per_day * propaganda) * led * funded
        net.attack_chance[s] = ins.attack_rate_per_day * able[s] * led * tempo


@kernel
def refuge_areas(places, presence, cells_here, crowding, presence_danger) -> np.ndarray:
    """For each area, the Iraqi neighbour (or itself) that is most rugged, least watched and least crowded.

    Crowding matters because a hideout hides only so many: every cell already there leaves more traces
    (supply runs, signals) for the next to be found by.
    """
    n = places.n_areas
    safety = places.ruggedness - presence_danger * presence - crowding * cells_here
    for a in range(n):
        if not places.in_iraq[a]:
            safety[a] = -np.inf
    refuge = np.arange(n)
    for a in range(n):
        best, best_safety = -1, -np.inf
        for k in range(places.neighbours.shape[1]):
            other = places.neighbours[a, k]
            candidate = safety[other] if other >= 0 else -np.inf
            if best < 0 or candidate > best_safety:
                best, best_safety = other, candidate
        if best_safety > safety[a]:
            refuge[a] = best
    return refuge


# ----- the part's place in the day -----------------------------------------------------------
@kernel
def _conditions(w) -> None:
    """The propaganda of the regime, the stipend at IS's effort now, recruitment by the stance now."""
    net, r = w.cells, w.clock.regime
    ins = w.params.insurgents[r]
    net.central_stipend_usd = ins.central_stipend_usd_per_day * effort_factor(w.syria) ** ins.stipend_effort_elasticity
    net.recruit_rate = (ins.recruit_rate_per_member_per_day * net.propaganda[r]) * w.community.stance


@kernel
def _week(w) -> None:
    """The weekly settlement of the cells: money, recruits, arms, assessed chances, refuges."""
    net, r, leaders = w.cells, w.clock.regime, w.leadership
    ins = w.params.insurgents[r]
    earn_and_spend(net, net.net_income[r], net.central_stipend_usd, leaders.alive[leaders.centre], ins,
                   net.desertion_week[r], w.streams.cells)
    recruit(net, net.recruit_rate, ins, w.streams.cells)
    if ins.inflow_per_year > 0:
        join(net, w.streams.cells.poisson(ins.inflow_per_year * DAYS_PER_WEEK / DAYS_PER_YEAR), w.streams.cells)
    arm(net, ins)
    assess(net, leaders.area_coordination, net.propaganda[r], w.strategy.tempo, ins)
    cells_here = np.zeros(w.places.n_areas)
    for s in range(net.n):
        cells_here[net.area[s]] += 1
    net.refuge = refuge_areas(w.places, w.forces.base_presence[r], cells_here, ins.hideout_crowding,
                              ins.presence_danger)


@kernel
def _act(w) -> None:
    """Switch, move to cover, plan attacks; then the wilayas' excitation fades by a day."""
    net, r = w.cells, w.clock.regime
    ins = w.params.insurgents[r]
    n = net.n
    pressed = pressure(net, w.forces.intel_to_locate)
    switch_draws = uniforms(w.streams.cells, n)
    move_draws = uniforms(w.streams.cells, n)
    attack_draws = uniforms(w.streams.attacks, n)
    switch_state(net, pressed, switch_draws, ins)
    move_to_cover(net, pressed, move_draws, net.refuge, ins)
    if net.attackers.size < n:
        net.attackers = np.empty(net.area.size, np.int64)
    net.n_attackers = plan_attacks(net, attack_draws, w.forces.undeterred, w.places.wilaya, net.attackers,
                                   ins.excitation_shared)
    net.capability = capability(net, net.attackers[: net.n_attackers], ins)
    net.excitation *= net.excitation_keep[r]


@kernel
def _excite(w) -> None:
    """Each attack raises its wilaya's excitation (Lewis et al. 2012 find that attacks in Iraq raise the rate
    of further attacks for weeks). Shared, the rise is the branching ratio times the share of the fading
    kernel's total that falls on one day, so that its sum over the days after the attack is the ratio."""
    net, r = w.cells, w.clock.regime
    ins = w.params.insurgents[r]
    gain = ins.attack_excitation * (1.0 - net.excitation_keep[r]) if ins.excitation_shared else ins.attack_excitation
    for k in range(net.n_attackers):
        net.excitation[w.places.wilaya[net.area[net.attackers[k]]]] += gain


@kernel
def _housekeeping(w) -> None:
    """Remnants regroup (weekly), empty cells go, large cells split; the day's largest force in one area."""
    net, ins = w.cells, w.params.insurgents[w.clock.regime]
    settling = w.clock.day % DAYS_PER_WEEK == 0
    # Members fall only at settlement (desertion), to strikes and raids on located cells, and when cells
    # leave for Syria; they rise at settlement (recruits) or with new cells.
    if settling:
        network.regroup_small(net, net.area, ins.min_cell_size)
    if settling or w.forces.n_located > 0 or w.border.departed_today > 0:
        network.remove_dead(net)
    if settling or w.border.arrived_today > 0:
        network.split_large(net, ins.max_cell_size)
    net.peak_area_fighters = max(net.peak_area_fighters, network.fighters_by_area(net, w.places.n_areas).max())


@kernel
def _impulse(w, kind, amount, target) -> None:
    net = w.cells
    if kind == _RESERVES:                          # US dollars added to the central reserves (negative: seized)
        net.central_reserve_usd = max(0.0, net.central_reserve_usd + amount)
    elif kind == _ARRIVALS:                        # fighters placed in an Iraqi area
        ins = w.params.insurgents[w.clock.regime]
        network.form_cells(net, target, int(amount), 0.0, net.mean_cell_size, ins.weapons_per_member)
        network.split_large(net, ins.max_cell_size)


@kernel
def _record(w, values) -> None:
    net = w.cells
    values[0] = network.fighters(net)
    values[1] = net.n
    values[2] = net.active[: net.n].sum()
    values[3] = network.fighters_by_area(net, w.places.n_areas).max()


def _tables(setup) -> dict:
    geo = setup.geography
    return {
        "net_income": setup.per_regime(lambda q: q.insurgents.income_per_member_usd_per_day * geo.population_k
                                       / (geo.population_k + q.insurgents.income_half_population_k)
                                       - q.insurgents.upkeep_per_member_usd_per_day),
        "propaganda": setup.per_regime(lambda q: 1.0 + q.regional.recruitment_boost),
        "excitation_keep": setup.per_regime(lambda q: np.exp(-1.0 / q.insurgents.excitation_decay_days)),
        "desertion_week": setup.per_regime(
            lambda q: 1.0 - (1.0 - q.insurgents.desertion_rate_per_day) ** DAYS_PER_WEEK),
    }


def _start(setup, tables) -> Cells:
    geo, p = setup.geography, setup.params.insurgents
    places = setup.places
    capacity = max(64, 4 * int(p.initial_fighters_iraq / p.mean_cell_size))
    sizes = np.arange(network.SIZE_TABLE_LENGTH, dtype=float)
    cells = build(Cells, {
        **network.empty_network(capacity, 1 + len(geo.units) + len(geo.base_ids)),
        "central_reserve_usd": float(p.central_reserves_usd), "excitation": np.zeros(len(geo.wilaya_ids)),
        "peak_area_fighters": 0, "attackers": np.zeros(64, np.int64), "n_attackers": 0, "capability": np.zeros(0),
        "refuge": np.arange(geo.n_areas), "recruit_rate": np.zeros(geo.n_areas), "central_stipend_usd": 0.0,
        "size_factor": np.sqrt(np.maximum(sizes, 1.0) / p.mean_cell_size), "mean_cell_size": float(p.mean_cell_size),
        **tables})
    iraq = np.flatnonzero(geo.in_iraq)
    settled = iraq[~geo.hideout[iraq] & (geo.population_k[iraq] < p.no_start_cells_above_population_k)]
    rng = setup.streams["start"]
    network.seed_cells(cells, rng, p.initial_fighters_iraq, p.mean_cell_size, p.max_cell_size,
                       p.hideout_start_share, p.initial_active_share, p.initial_funds_per_member_usd,
                       p.weapons_per_member, places.iraqi_hideouts, settled)
    network.link_within_wilayas(cells, rng, geo.wilaya, len(geo.wilaya_ids), p.lateral_links_per_cell)
    return cells


PART = Part(
    name="cells",
    doc="4.2, 4.4-4.9",
    struct=Cells,
    state=(*network.NETWORK_FIELDS, "central_reserve_usd", "excitation", "peak_area_fighters", "attackers",
           "n_attackers", "capability", "refuge", "recruit_rate", "central_stipend_usd"),
    sections=("insurgents", "regional"),
    streams=(START, CELLS, ATTACKS),
    tables=_tables,
    start=_start,
    hooks={"conditions": _conditions, "cells_week": _week, "cells": _act, "attacks": _excite,
           "housekeeping": _housekeeping},
    monthly=(Record("fighters_iraq", STATE, "IS members in Iraq"),
             Record("cells", STATE, "IS cells in Iraq"),
             Record("active_cells", STATE, "cells active rather than dormant"),
             Record("largest_area_fighters", STATE, "the most IS members in one area")),
    record=_record,
    impulses=(RESERVES, ARRIVALS),
    impulse=_impulse,
    counters={"fighters_end": lambda c: int(network.fighters(c)), "peak_area_fighters": lambda c: c.peak_area_fighters},
)
