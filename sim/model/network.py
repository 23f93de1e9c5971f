"""IS cells in Iraq as a network: the arrays that hold every cell, and the rules that make and unmake cells.

Each cell is a slot in compact arrays (live cells in slots 0..n-1; a removed
cell's slot is filled by the last one), so a day costs the same whatever
number of cells have died; the arrays grow when the cells outgrow them. A cell
keeps its identity (`uid`, the `cell` column of the attack log) while its slot
may change. Links between cells (docs/model.md 4.2) are pairs of uids: cells
link within their wilaya at the start, new cells link to the cell they split
from or arrived with, and a cell that joins another hands over its links.

The rules here are 4.2's: seeding the start, forming new cells from arrivals
and escapees, regrouping remnants, splitting large cells and removing empty
ones. The cells' daily and weekly behaviour is in sim/model/cells.py.
"""

from __future__ import annotations

import numpy as np
from numba.np.random.generator_core import next_uint32

from sim.model.state import FLAGS, FLOATS, INT, INTS, kernel

# Sizes beyond this share the last entry of the size-factor table (a lookup bound, not behaviour:
# cells split far below it).
SIZE_TABLE_LENGTH = 1024

# The network's fields; the cells part (sim/model/cells.py) carries them in its struct, and the rules here
# take that struct.
NETWORK_FIELDS = {
    "area": INTS,
    "members": INTS,
    "funds": FLOATS,
    "weapons": FLOATS,
    "active": FLAGS,
    "intel": FLOATS,            # the Iraqi intelligence bank's file on each cell
    "uid": INTS,
    "wake_chance": FLOATS,      # assessed at the weekly settlement (0 for a cell formed since)
    "attack_chance": FLOATS,
    "n": INT,                   # live cells
    "next_uid": INT,
    "link_a": INTS,             # links as pairs of uids, each pair once
    "link_b": INTS,
    "n_links": INT,
}


def empty_network(capacity: int, first_uid: int) -> dict:
    """The fields of a network with room for `capacity` cells and none yet."""
    return {"area": np.zeros(capacity, np.int64), "members": np.zeros(capacity, np.int64),
            "funds": np.zeros(capacity), "weapons": np.zeros(capacity), "active": np.zeros(capacity, np.bool_),
            "intel": np.zeros(capacity), "uid": np.zeros(capacity, np.int64), "wake_chance": np.zeros(capacity),
            "attack_chance": np.zeros(capacity), "n": 0, "next_uid": first_uid,
            "link_a": np.zeros(capacity, np.int64), "link_b": np.zeros(capacity, np.int64), "n_links": 0}


@kernel
def _grown(values, capacity):
    bigger = np.zeros(capacity, values.dtype)
    bigger[: values.size] = values
    return bigger


@kernel
def _grow(net) -> None:
    capacity = 2 * net.area.size
    net.area = _grown(net.area, capacity)
    net.members = _grown(net.members, capacity)
    net.funds = _grown(net.funds, capacity)
    net.weapons = _grown(net.weapons, capacity)
    net.active = _grown(net.active, capacity)
    net.intel = _grown(net.intel, capacity)
    net.uid = _grown(net.uid, capacity)
    net.wake_chance = _grown(net.wake_chance, capacity)
    net.attack_chance = _grown(net.attack_chance, capacity)


@kernel
def add_cell(net, area, members, funds, weapons, active) -> int:
    """A new cell in the next free slot (its file empty, its chances unassessed); returns the slot."""
    if net.n == net.area.size:
        _grow(net)
    slot = net.n
    net.n += 1
    net.area[slot] = area
    net.members[slot] = members
    net.funds[slot] = funds
    net.weapons[slot] = weapons
    net.active[slot] = active
    net.intel[slot] = 0.0
    net.uid[slot] = net.next_uid
    net.next_uid += 1
    net.wake_chance[slot] = 0.0
    net.attack_chance[slot] = 0.0
    return slot


# ----- links ---------------------------------------------------------------------------------
@kernel
def linked(net, a, b) -> bool:
    """Whether the cells with uids `a` and `b` are linked."""
    for k in range(net.n_links):
        if (net.link_a[k] == a and net.link_b[k] == b) or (net.link_a[k] == b and net.link_b[k] == a):
            return True
    return False


@kernel
def link(net, a, b) -> None:
    """Link the cells with uids `a` and `b` (once; a cell is not linked to itself)."""
    if a == b or linked(net, a, b):
        return
    if net.n_links == net.link_a.size:
        net.link_a = _grown(net.link_a, 2 * net.link_a.size)
        net.link_b = _grown(net.link_b, 2 * net.link_b.size)
    net.link_a[net.n_links] = a
    net.link_b[net.n_links] = b
    net.n_links += 1


@kernel
def links_of(net, uid) -> np.ndarray:
    """The uids linked to `uid`, in ascending order."""
    found = np.empty(net.n_links, np.int64)
    count = 0
    for k in range(net.n_links):
        if net.link_a[k] == uid:
            found[count] = net.link_b[k]
            count += 1
        elif net.link_b[k] == uid:
            found[count] = net.link_a[k]
            count += 1
    return np.sort(found[:count])


@kernel
def _unlink(net, uid) -> None:
    kept = 0
    for k in range(net.n_links):
        if net.link_a[k] != uid and net.link_b[k] != uid:
            net.link_a[kept] = net.link_a[k]
            net.link_b[kept] = net.link_b[k]
            kept += 1
    net.n_links = kept


@kernel
def slot_of(net, uid) -> int:
    """The slot of the live cell `uid` (-1 if it has gone)."""
    for slot in range(net.n):
        if net.uid[slot] == uid:
            return slot
    return -1


# ----- making and unmaking cells (docs/model.md 4.2) ----------------------------------------
@kernel
def remove_dead(net) -> None:
    """Remove cells with no members left, their links with them; the last live cell fills each gap
    (highest slot first, so every move is of a live cell)."""
    for slot in range(net.n - 1, -1, -1):
        if net.members[slot] > 0:
            continue
        _unlink(net, net.uid[slot])
        last = net.n - 1
        if slot != last:
            net.area[slot] = net.area[last]
            net.members[slot] = net.members[last]
            net.funds[slot] = net.funds[last]
            net.weapons[slot] = net.weapons[last]
            net.active[slot] = net.active[last]
            net.intel[slot] = net.intel[last]
            net.uid[slot] = net.uid[last]
            net.wake_chance[slot] = net.wake_chance[last]
            net.attack_chance[slot] = net.attack_chance[last]
        net.n = last


@kernel
def absorb(net, host, slot) -> None:
    """Cell `slot` joins cell `host`: members, money, arms and links move over; `slot` is left empty
    (removed with the dead). The host keeps its own intelligence file and its state."""
    net.members[host] += net.members[slot]
    net.funds[host] += net.funds[slot]
    net.weapons[host] += net.weapons[slot]
    net.members[slot] = 0
    net.funds[slot] = 0.0
    net.weapons[slot] = 0.0
    for other in links_of(net, net.uid[slot]):
        link(net, net.uid[host], other)


@kernel
def lose_arms_with_members(net, slot, weapons_per_member) -> None:
    """After losses, survivors keep at most the standard arms for their number."""
    net.weapons[slot] = min(net.weapons[slot], net.members[slot] * weapons_per_member)


@kernel
def form_cells(net, area, fighters, funds_per_member, mean_cell_size, weapons_per_member) -> None:
    """New fighters in `area` (from Syria or out of prison) organise as cells of about the mean size,
    linked in a chain, dormant until they have settled in."""
    n_cells = max(1, int(np.ceil(fighters / mean_cell_size)))
    base, extra = fighters // n_cells, fighters % n_cells
    previous = -1
    for k in range(n_cells):
        size = base + (1 if k < extra else 0)
        if size <= 0:
            continue
        slot = add_cell(net, area, size, size * funds_per_member, size * weapons_per_member, False)
        if previous >= 0:
            link(net, previous, net.uid[slot])
        previous = net.uid[slot]


@kernel
def regroup_small(net, area_of, min_cell_size) -> None:
    """Remnants of a depleted cell (below `min_cell_size`) join the smallest other cell in their area,
    bringing their money, arms and links; a remnant alone in its area stays as it is."""
    n = net.n
    for slot in range(n - 1, -1, -1):
        if not (0 < net.members[slot] < min_cell_size):
            continue
        host = -1
        for other in range(n):
            if (other != slot and net.members[other] > 0 and area_of[other] == area_of[slot]
                    and (host < 0 or net.members[other] < net.members[host])):
                host = other
        if host >= 0:
            absorb(net, host, slot)


@kernel
def split_large(net, max_cell_size) -> None:
    """A cell above the maximum size splits in two, again until every part fits; each new cell is
    linked to the cell it split from."""
    large = [s for s in range(net.n) if net.members[s] > max_cell_size]
    while len(large) > 0:
        slot = large.pop()
        half = net.members[slot] // 2
        funds, weapons = net.funds[slot] / 2, net.weapons[slot] / 2
        net.members[slot] -= half
        net.funds[slot] -= funds
        net.weapons[slot] -= weapons
        child = add_cell(net, net.area[slot], half, funds, weapons, net.active[slot])
        link(net, net.uid[slot], net.uid[child])
        if net.members[slot] > max_cell_size:
            large.append(slot)
        if net.members[child] > max_cell_size:
            large.append(child)


@kernel
def fighters(net) -> int:
    """IS members in all live cells."""
    return net.members[: net.n].sum()


@kernel
def fighters_by_area(net, n_areas) -> np.ndarray:
    """IS members in each area."""
    by_area = np.zeros(n_areas, np.int64)
    for slot in range(net.n):
        by_area[net.area[slot]] += net.members[slot]
    return by_area


@kernel
def seed_cells(net, rng, initial_fighters, mean_cell_size, max_cell_size, hideout_share, active_share,
               funds_per_member, weapons_per_member, hideouts, settled) -> None:
    """Split the starting fighters into cells, mostly in hideout terrain (docs/model.md 4.2)."""
    remaining = initial_fighters
    while remaining > 0:
        size = min(remaining, max(1, rng.poisson(mean_cell_size - 1) + 1), max_cell_size)
        pool = hideouts if rng.random() < hideout_share else settled
        area = pool[rng.integers(0, pool.size)]
        add_cell(net, area, size, size * funds_per_member, size * weapons_per_member, rng.random() < active_share)
        remaining -= size


@kernel
def link_within_wilayas(net, rng, wilaya_of_area, n_wilayas, links_per_cell) -> None:
    """Lateral links at the start: a Poisson number per wilaya, between two distinct cells chosen at random."""
    for w in range(n_wilayas):
        slots = np.array([s for s in range(net.n) if wilaya_of_area[net.area[s]] == w], dtype=np.int64)
        if slots.size < 2:
            continue
        for _ in range(rng.poisson(links_per_cell * slots.size / 2)):
            i, j = two_distinct(rng, slots.size)
            link(net, net.uid[slots[i]], net.uid[slots[j]])


@kernel
def two_distinct(rng, count) -> tuple:
    """Two distinct indices below `count`, uniformly, drawn exactly as numpy's
    `Generator.choice(count, size=2, replace=False)` draws them (Floyd's algorithm, then a shuffle), so
    that a seed gives the same links as it did before the rules were compiled."""
    first = _bounded(rng, count - 2)
    second = _bounded(rng, count - 1)
    if second == first:
        second = count - 1
    if _bounded(rng, 1) == 0:
        return second, first
    return first, second


@kernel
def _bounded(rng, high) -> int:
    """A uniform integer in [0, high], by Lemire's rejection on the generator's 32-bit output, as numpy's
    `random_bounded_uint64` makes it for ranges below 2**32 (no draw when `high` is 0)."""
    if high == 0:
        return 0
    span = np.uint64(high + 1)
    product = np.uint64(next_uint32(rng.bit_generator)) * span
    leftover = product & np.uint64(0xFFFFFFFF)
    if leftover < span:
        threshold = (np.uint64(0xFFFFFFFF) - np.uint64(high)) % span
        while leftover < threshold:
            product = np.uint64(next_uint32(rng.bit_generator)) * span
            leftover = product & np.uint64(0xFFFFFFFF)
    return np.int64(product >> np.uint64(32))
