"""What cells do each day, as array rules over all live cells at once.

Order within a day (called by the model): switch between dormant and active,
move to cover when tracked, plan attacks. Money, recruits and arms change
slowly, so they are settled once every `days` days (the model uses a week)
with the daily rates scaled to the interval; at the same settlement each
cell's chance to wake and to attack is assessed from its money, arms, size
and leadership, and used for the days until the next one.
`conditions` carries the day's per-area arrays computed by the model (force
presence, ISR, community stance, deterrence, the safest neighbour); `CellDay`
holds what several rules read about the cells, computed once a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.conditions import refuge_areas

if TYPE_CHECKING:
    from sim.model.conditions import DailyConditions
    from sim.model.insurgents import CellNetwork

# Uniform draws per cell per day: switching and moving come from the cells' stream, attacking from
# the attacks' stream (so a change in how often cells attack leaves their other choices alone).
_SWITCH, _MOVE = range(2)


@dataclass
class CellDay:
    """The day's shared view of the live cells (arrays are views where they can be)."""

    n: int
    area: np.ndarray
    members: np.ndarray
    active: np.ndarray
    pressure: np.ndarray      # intelligence on the cell relative to what locates it, capped at 1
    uniforms: np.ndarray      # (2, n) draws for switch and move
    attack_draws: np.ndarray  # (n,) draws for attacking

    @classmethod
    def of(cls, net: CellNetwork, cond: DailyConditions) -> CellDay:
        n, streams = net.n, net.model.streams
        return cls(n, net.area[:n], net.members[:n], net.active[:n],
                   np.minimum(net.intel[:n] * (1.0 / cond.intel_to_locate), 1.0),
                   streams["cells"].random((2, n)), streams["attacks"].random(n))

    @classmethod
    def without_draws(cls, net: CellNetwork, cond: DailyConditions) -> CellDay:
        """The same view for the weekly settlement, whose rules draw their own numbers."""
        n = net.n
        return cls(n, net.area[:n], net.members[:n], net.active[:n],
                   np.minimum(net.intel[:n] * (1.0 / cond.intel_to_locate), 1.0), np.empty((2, 0)), np.empty(0))


def earn_and_spend(net: CellNetwork, cond: DailyConditions, day: CellDay, days: int) -> None:
    """Extortion and smuggling income, upkeep, central transfers; broke cells shed members.

    The centre pays a stipend per member to cells short of cash (below `cash_target_days` of upkeep
    per member), up to what they lack, from its reserves: IS's reserves pay for survival, not hoards
    (Al-Batakoshi 2025: reserves held by intermediaries, funding money-driven recruitment). Each
    cell's stipend depends on its own members only, so new fighters never take money from others
    while the reserves last.
    """
    p, n, members = net.p, day.n, day.members
    funds = net.funds[:n]
    per_member = cond.net_income_per_member[day.area] + p.upkeep_per_member_usd_per_day * (
        1.0 - p.dormant_upkeep_share) * ~day.active
    funds += members * per_member * days
    if net.central_reserve_usd > 0 and net.leadership.alive[net.leadership.centre]:
        shortfall = np.maximum(p.cash_target_days * p.upkeep_per_member_usd_per_day * members - funds, 0.0)
        stipend = np.minimum(cond.central_stipend_usd * members * days, shortfall)
        paid = float(stipend.sum())
        if paid > net.central_reserve_usd:
            stipend *= net.central_reserve_usd / paid
            paid = net.central_reserve_usd
        net.central_reserve_usd -= paid
        funds += stipend
    broke = funds <= 0
    if broke.any():
        funds[broke] = 0.0
        leave = 1.0 - (1.0 - p.desertion_rate_per_day) ** days
        members[broke] -= net.model.streams["cells"].binomial(members[broke], leave)


def assess(net: CellNetwork, cond: DailyConditions) -> None:
    """Each cell's chance per day to wake (led, funded, fed by propaganda) and to attack (capable, led).

    A cell with no money wakes at `unfunded_share` of the rate of a well-funded one; a cell with no
    coordination from a wali or the centre wakes and attacks at `leaderless_share` of a well-led one.
    """
    p, n = net.p, net.n
    funded = p.unfunded_share + (1.0 - p.unfunded_share) * net.money_factor()
    led = p.leaderless_share + (1.0 - p.leaderless_share) * net.coordination()
    net.wake_chance[:n] = (p.activation_rate_per_day * cond.propaganda) * led * funded
    net.attack_chance[:n] = p.attack_rate_per_day * capability(net) * led


def switch_state(net: CellNetwork, day: CellDay) -> None:
    """Go dormant under pressure ('strategic silence'); wake when led, funded and not tracked."""
    p, active = net.p, day.active
    dormant_chance = p.dormancy_rate_per_day + (p.dormancy_rate_per_day * p.pressure_dormancy_gain) * day.pressure
    wake_chance = np.where(day.pressure < p.wake_pressure_limit, net.wake_chance[: day.n], 0.0)
    # An active cell may go dormant, a dormant one may wake: one draw decides either way.
    active ^= day.uniforms[_SWITCH] < np.where(active, dormant_chance, wake_chance)


def move_to_cover(net: CellNetwork, cond: DailyConditions, day: CellDay) -> None:
    """Tracked cells slip away to the safest neighbouring area, shaking off part of the trail."""
    moving = day.uniforms[_MOVE] < net.p.move_rate_when_pressed * day.pressure
    moving &= cond.refuge[day.area] != day.area
    if moving.any():
        day.area[moving] = cond.refuge[day.area[moving]]
        net.intel[: day.n][moving] *= net.p.trail_kept_after_move


def choose_refuges(net: CellNetwork, cond: DailyConditions, standing_presence: np.ndarray) -> None:
    """The safest place to run to from each area, judged weekly by terrain, standing garrisons
    (not short surges) and how many cells already hide there."""
    geo = net.model.geography
    cells_here = np.bincount(net.area[: net.n], minlength=geo.n_areas)
    cond.refuge = refuge_areas(geo, standing_presence, cells_here, net.p.hideout_crowding, net.p.presence_danger)


def recruit(net: CellNetwork, cond: DailyConditions, day: CellDay, days: int) -> None:
    """Recruits follow community stance, money and propaganda (Al-Batakoshi 2025)."""
    rate = cond.recruit_rate[day.area] * net.money_factor() * day.active
    day.members += net.model.streams["cells"].poisson(day.members * rate * days)


def arm(net: CellNetwork, day: CellDay, days: int) -> None:
    """Buy up to one weapon a day while below the standard and able to pay."""
    p, n = net.p, day.n
    short = np.ceil(day.members * p.weapons_per_member - net.weapons[:n])
    affordable = np.floor(net.funds[:n] / p.weapon_price_usd)
    bought = np.clip(np.minimum(short, affordable), 0, days)
    net.weapons[:n] += bought
    net.funds[:n] -= bought * p.weapon_price_usd


def capability(net: CellNetwork) -> np.ndarray:
    """Size, arms and money of each cell, relative to a mean-size, armed, funded cell."""
    p, n = net.p, net.n
    armed = np.minimum(net.weapons[:n] / np.maximum(net.members[:n], 1), 1.0)
    funded = np.where(net.funds[:n] >= p.attack_cost_usd, 1.0, p.unfunded_share)
    return net.size_factor() * armed * funded


def plan_attacks(net: CellNetwork, cond: DailyConditions, day: CellDay) -> np.ndarray:
    """Slots of the cells that attack today: active cells, by assessed chance, less deterrence,
    more where their wilaya has just attacked (self-excitation)."""
    excited = 1.0 + net.excitation[net.model.geography.wilaya[day.area]]
    chance = net.attack_chance[: day.n] * cond.undeterred[day.area] * excited
    return (day.active & (day.attack_draws < chance)).nonzero()[0]


def regroup_small(net: CellNetwork) -> None:
    """Remnants of a depleted cell (below `min_cell_size`) join the smallest other cell in their area,
    bringing their money, arms and links; a remnant alone in its area stays as it is."""
    small = (net.members[: net.n] < net.p.min_cell_size) & (net.members[: net.n] > 0)
    for slot in small.nonzero()[0][::-1]:
        slot = int(slot)
        if slot >= net.n or not 0 < net.members[slot] < net.p.min_cell_size:
            continue
        here = (net.area[: net.n] == net.area[slot]).nonzero()[0]
        here = here[(here != slot) & (net.members[here] > 0)]
        if here.size == 0:
            continue
        host = int(here[np.argmin(net.members[here])])
        net.absorb(host, slot)


def split_large(net: CellNetwork) -> None:
    """A cell above the maximum size splits in two, again until every part fits; each new
    cell is linked to the cell it split from."""
    large = (net.members[: net.n] > net.p.max_cell_size).nonzero()[0].tolist()
    while large:
        slot = int(large.pop())
        half = int(net.members[slot] // 2)
        funds, weapons = net.funds[slot] / 2, net.weapons[slot] / 2
        net.members[slot] -= half
        net.funds[slot] -= funds
        net.weapons[slot] -= weapons
        child = net.add_cell(int(net.area[slot]), half, funds, weapons, bool(net.active[slot]))
        net.link(net.agents[slot], child)
        large.extend(s for s in (slot, child.slot) if net.members[s] > net.p.max_cell_size)
