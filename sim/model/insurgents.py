"""IS cells in Iraq: a network of small cells that recruit, move, lie low and attack.

Each cell is a Mesa agent (`InsurgentCell`) for identity, links and inspection;
its numbers live in the `CellNetwork` arrays so that the daily rules run once
over all cells as numpy operations. Arrays are kept compact (live cells occupy
slots 0..n-1; a removed cell's slot is filled by the last one), so a day costs
the same whatever number of cells have died.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.leadership import Leadership

if TYPE_CHECKING:
    from sim.model.model import InsurgencyModel

# Sizes beyond this share the last entry of the size-factor table (a lookup bound, not behaviour:
# cells split far below it).
SIZE_TABLE_LENGTH = 1024
_ARRAYS = ("area", "members", "funds", "weapons", "active", "intel", "uid", "wake_chance", "attack_chance")


class InsurgentCell(mesa.Agent):
    """One cell. Its numbers are views into the network's arrays, by slot."""

    def __init__(self, model: InsurgencyModel, network: CellNetwork, slot: int):
        super().__init__(model)
        self.network = network
        self.slot = slot
        self.links: set[InsurgentCell] = set()

    @property
    def area(self) -> int:
        return int(self.network.area[self.slot])

    @property
    def members(self) -> int:
        return int(self.network.members[self.slot])

    @property
    def active(self) -> bool:
        return bool(self.network.active[self.slot])

    @property
    def funds(self) -> float:
        return float(self.network.funds[self.slot])


class CellNetwork:
    """All IS cells in Iraq, their links, money, arms and leadership."""

    def __init__(self, model: InsurgencyModel):
        self.model = model
        self.p = params = model.params.insurgents
        geo = model.geography
        self.n = 0
        capacity = max(64, 4 * int(params.initial_fighters_iraq / params.mean_cell_size))
        self._allocate(capacity)
        self.agents: list[InsurgentCell | None] = [None] * capacity
        self.leadership = Leadership(model, geo.wilaya)
        # IS's central reserves (all theatres): spent over time on every theatre, Iraq's part sent at a rate
        # that follows IS's effort, and fed by its income in Syria (sim/model/syria.py).
        self.central_reserve_usd = params.central_reserves_usd
        # Excitation of each wilaya after its attacks: it raises the attack hazard of its cells, then fades.
        self.excitation = np.zeros(len(geo.wilaya_ids))
        self._mean_cell_size = params.mean_cell_size
        self.configure()
        self._seed_cells()

    def configure(self) -> None:
        """Derived values from the parameters in force (called again after every dated change)."""
        params = self.model.params
        self.p = params.insurgents
        # sqrt(size / mean size) for dormant (row 0) and active (row 1) cells, looked up by size.
        sizes = np.arange(SIZE_TABLE_LENGTH, dtype=float)
        size_factor = np.sqrt(np.maximum(sizes, 1.0) / self._mean_cell_size)
        self._visibility_table = np.vstack([size_factor * params.iraqi_forces.dormant_exposure, size_factor])
        self._excitation_keep = np.exp(-1.0 / self.p.excitation_decay_days)
        self.leadership.configure(self.p)

    # ----- storage -----------------------------------------------------------------
    def _allocate(self, capacity: int) -> None:
        self.area = np.zeros(capacity, dtype=np.int64)
        self.members = np.zeros(capacity, dtype=np.int64)
        self.funds = np.zeros(capacity)
        self.weapons = np.zeros(capacity)
        self.active = np.zeros(capacity, dtype=bool)
        self.intel = np.zeros(capacity)   # the Iraqi intelligence bank's file on each cell
        self.uid = np.zeros(capacity, dtype=np.int64)
        # Assessed at the weekly settlement (zero for a cell formed since: it is still organising).
        self.wake_chance = np.zeros(capacity)
        self.attack_chance = np.zeros(capacity)

    def _grow(self) -> None:
        old = {name: getattr(self, name) for name in _ARRAYS}
        self._allocate(2 * len(self.area))
        for name, values in old.items():
            getattr(self, name)[: len(values)] = values
        self.agents.extend([None] * (len(self.area) - len(self.agents)))

    def add_cell(self, area: int, members: int, funds: float, weapons: float, active: bool) -> InsurgentCell:
        if self.n == len(self.area):
            self._grow()
        slot = self.n
        self.n += 1
        cell = InsurgentCell(self.model, self, slot)
        self.agents[slot] = cell
        self.area[slot], self.members[slot] = area, members
        self.funds[slot], self.weapons[slot] = funds, weapons
        self.active[slot], self.intel[slot], self.uid[slot] = active, 0.0, cell.unique_id
        self.wake_chance[slot] = self.attack_chance[slot] = 0.0
        return cell

    def remove_dead(self) -> None:
        """Remove cells with no members left (highest slot first keeps moves valid)."""
        for slot in (self.members[: self.n] <= 0).nonzero()[0][::-1]:
            self._remove(int(slot))

    def _remove(self, slot: int) -> None:
        cell = self.agents[slot]
        for other in cell.links:
            other.links.discard(cell)
        cell.links.clear()
        cell.remove()
        last = self.n - 1
        if slot != last:
            for name in _ARRAYS:
                arr = getattr(self, name)
                arr[slot] = arr[last]
            moved = self.agents[last]
            moved.slot = slot
            self.agents[slot] = moved
        self.agents[last] = None
        self.n = last

    def absorb(self, host: int, slot: int) -> None:
        """Cell `slot` joins cell `host`: members, money, arms and links move over; `slot` is left empty
        (removed with the dead). The host keeps its own intelligence file and its state."""
        self.members[host] += self.members[slot]
        self.funds[host] += self.funds[slot]
        self.weapons[host] += self.weapons[slot]
        self.members[slot] = 0
        self.funds[slot] = self.weapons[slot] = 0.0
        joining, staying = self.agents[slot], self.agents[host]
        for other in list(joining.links):
            self.link(staying, other)

    def lose_arms_with_members(self, slot: int) -> None:
        """After losses, survivors keep at most the standard arms for their number."""
        self.weapons[slot] = min(self.weapons[slot], self.members[slot] * self.p.weapons_per_member)

    def link(self, a: InsurgentCell, b: InsurgentCell) -> None:
        if a is not b:
            a.links.add(b)
            b.links.add(a)

    # ----- start state -------------------------------------------------------------
    def _seed_cells(self) -> None:
        """Split the starting fighters into cells, mostly in hideout terrain, and link them."""
        p, geo, rng = self.p, self.model.geography, self.model.streams["start"]
        iraq = np.flatnonzero(geo.in_iraq)
        hideouts = iraq[geo.hideout[iraq]]
        settled = iraq[~geo.hideout[iraq] & (geo.population_k[iraq] < p.no_start_cells_above_population_k)]
        remaining = p.initial_fighters_iraq
        while remaining > 0:
            size = int(min(remaining, max(1, rng.poisson(p.mean_cell_size - 1) + 1), p.max_cell_size))
            pool = hideouts if rng.random() < p.hideout_start_share else settled
            area = int(pool[rng.integers(pool.size)])
            self.add_cell(area, size, size * p.initial_funds_per_member_usd,
                          size * p.weapons_per_member, bool(rng.random() < p.initial_active_share))
            remaining -= size
        self._link_within_wilayas()

    def _link_within_wilayas(self) -> None:
        geo, rng = self.model.geography, self.model.streams["start"]
        wilaya = geo.wilaya[self.area[: self.n]]
        for w in np.unique(wilaya):
            slots = np.flatnonzero(wilaya == w)
            if slots.size < 2:
                continue
            n_links = rng.poisson(self.p.lateral_links_per_cell * slots.size / 2)
            for _ in range(n_links):
                i, j = rng.choice(slots, size=2, replace=False)
                self.link(self.agents[i], self.agents[j])

    def form_cells(self, area: int, fighters: int, funds_per_member: float) -> None:
        """New fighters in `area` (from Syria or out of prison) organise as cells of about the mean
        size, linked to each other, dormant until they have settled in."""
        p = self.p
        n_cells = max(1, int(np.ceil(fighters / self._mean_cell_size)))
        sizes = np.full(n_cells, fighters // n_cells)
        sizes[: fighters % n_cells] += 1
        previous = None
        for size in sizes[sizes > 0]:
            cell = self.add_cell(area, int(size), size * funds_per_member, size * p.weapons_per_member, active=False)
            if previous is not None:
                self.link(previous, cell)
            previous = cell

    def excite(self, attack_areas: np.ndarray) -> None:
        """Each attack raises its wilaya's excitation (Lewis et al. 2012 find that attacks in Iraq
        raise the rate of further attacks for weeks)."""
        np.add.at(self.excitation, self.model.geography.wilaya[attack_areas], self.p.attack_excitation)

    def fade_excitation(self) -> None:
        self.excitation *= self._excitation_keep

    # ----- queries -----------------------------------------------------------------
    def fighters(self) -> int:
        return int(self.members[: self.n].sum())

    def coordination(self) -> np.ndarray:
        return self.leadership.area_coordination[self.area[: self.n]]

    def visibility(self) -> np.ndarray:
        """How visible each cell is to detection: active and larger cells show more."""
        return self._visibility_table[self.active[: self.n].view(np.int8), self._size_index()]

    def size_factor(self) -> np.ndarray:
        """Square root of size relative to a mean cell: the returns to size in detection and attack."""
        return self._visibility_table[1, self._size_index()]

    def _size_index(self) -> np.ndarray:
        return np.minimum(self.members[: self.n], self._visibility_table.shape[1] - 1)

    def money_factor(self) -> np.ndarray:
        """Saturating effect of cash on what a cell can pay for (recruits, activation)."""
        funds = self.funds[: self.n]
        return funds / (funds + self.p.funds_half_saturation_usd)
