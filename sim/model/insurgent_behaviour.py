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

# A dormant cell keeps only part of its paid members on salary (estimated).
DORMANT_UPKEEP_SHARE = 0.5
# A cell that cannot pay for an attack still has this share of its capability (estimated).
UNFUNDED_CAPABILITY = 0.3
# Share of the intelligence trail that follows a cell to a new area (estimated).
TRAIL_KEPT_AFTER_MOVE = 0.5
# A cell tracked this closely (intelligence relative to what locates it) stays dormant (estimated).
WAKE_PRESSURE_LIMIT = 0.5
# Uniform draws per cell per day, one row per rule that needs one.
_SWITCH, _MOVE, _ATTACK = range(3)


@dataclass
class CellDay:
    """The day's shared view of the live cells (arrays are views where they can be)."""

    n: int
    area: np.ndarray
    members: np.ndarray
    active: np.ndarray
    pressure: np.ndarray      # intelligence on the cell relative to what locates it, capped at 1
    uniforms: np.ndarray      # (3, n) draws for switch, move, attack

    @classmethod
    def of(cls, net: CellNetwork, cond: DailyConditions) -> CellDay:
        n = net.n
        return cls(n, net.area[:n], net.members[:n], net.active[:n],
                   np.minimum(net.intel[:n] * (1.0 / cond.intel_to_locate), 1.0),
                   net.model.rng.random((3, n)))


def earn_and_spend(net: CellNetwork, cond: DailyConditions, day: CellDay, days: int) -> None:
    """Extortion and smuggling income, upkeep, central transfers; broke cells shed members."""
    p, n, members = net.p, day.n, day.members
    funds = net.funds[:n]
    per_member = cond.net_income_per_member[day.area] + p.upkeep_per_member_usd_per_day * (
        1.0 - DORMANT_UPKEEP_SHARE) * ~day.active
    if net.central_reserve_usd > 0 and net.leadership.alive[net.leadership.centre]:
        transfer = min(net.central_reserve_usd, cond.central_transfer_usd * days)
        net.central_reserve_usd -= transfer
        per_member = per_member + transfer / days / max(int(members.sum()), 1)
    funds += members * per_member * days
    broke = funds <= 0
    if broke.any():
        funds[broke] = 0.0
        leave = 1.0 - (1.0 - p.desertion_rate_per_day) ** days
        members[broke] -= net.model.rng.binomial(members[broke], leave)


def assess(net: CellNetwork, cond: DailyConditions) -> None:
    """Each cell's chance per day to wake (led, funded, fed by propaganda) and to attack."""
    p, n = net.p, net.n
    money = net.money_factor()
    net.wake_chance[:n] = (p.activation_rate_per_day * cond.propaganda) * net.coordination() * (0.5 + money)
    net.attack_chance[:n] = p.attack_rate_per_day * capability(net)


def switch_state(net: CellNetwork, day: CellDay) -> None:
    """Go dormant under pressure ('strategic silence'); wake when led, funded and not tracked."""
    p, active = net.p, day.active
    dormant_chance = p.dormancy_rate_per_day + (p.dormancy_rate_per_day * p.pressure_dormancy_gain) * day.pressure
    wake_chance = np.where(day.pressure < WAKE_PRESSURE_LIMIT, net.wake_chance[: day.n], 0.0)
    # An active cell may go dormant, a dormant one may wake: one draw decides either way.
    active ^= day.uniforms[_SWITCH] < np.where(active, dormant_chance, wake_chance)


def move_to_cover(net: CellNetwork, cond: DailyConditions, day: CellDay) -> None:
    """Tracked cells slip away to the safest neighbouring area, shaking off part of the trail."""
    moving = day.uniforms[_MOVE] < net.p.move_rate_when_pressed * day.pressure
    moving &= cond.refuge[day.area] != day.area
    if moving.any():
        day.area[moving] = cond.refuge[day.area[moving]]
        net.intel[: day.n][moving] *= TRAIL_KEPT_AFTER_MOVE


def choose_refuges(net: CellNetwork, cond: DailyConditions, standing_presence: np.ndarray) -> None:
    """The safest place to run to from each area, judged weekly by terrain, standing garrisons
    (not short surges) and how many cells already hide there."""
    geo = net.model.geography
    cells_here = np.bincount(net.area[: net.n], minlength=geo.n_areas)
    cond.refuge = refuge_areas(geo, standing_presence, cells_here, net.p.hideout_crowding)


def recruit(net: CellNetwork, cond: DailyConditions, day: CellDay, days: int) -> None:
    """Recruits follow community stance, money and propaganda (Al-Batakoshi 2025)."""
    rate = cond.recruit_rate[day.area] * net.money_factor() * day.active
    day.members += net.model.rng.poisson(day.members * rate * days)


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
    funded = np.where(net.funds[:n] >= p.attack_cost_usd, 1.0, UNFUNDED_CAPABILITY)
    return net.size_factor() * armed * funded


def plan_attacks(net: CellNetwork, cond: DailyConditions, day: CellDay) -> np.ndarray:
    """Slots of the cells that attack today: active cells, by assessed chance, less deterrence."""
    chance = net.attack_chance[: day.n] * cond.undeterred[day.area]
    return (day.active & (day.uniforms[_ATTACK] < chance)).nonzero()[0]


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
