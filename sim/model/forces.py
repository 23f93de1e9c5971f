"""Iraqi security forces: presence, detection into an intelligence bank, sweeps and raids.

The brief (Qashta 2025) credits today's forces with precise special operations,
a counter-terrorism intelligence bank and pre-emptive sweeps of hideouts, and
names one gap: air cover and advanced ISR. Detection here is ground presence
times an ISR multiplier, so losing coalition ISR lowers it; raids act on cells
the bank has located, and captured members expose linked cells.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.schema import IraqiForceParams, RegionalParams, RelationsParams
from sim.model.geography import UnitSpec

if TYPE_CHECKING:
    from sim.model.conditions import DailyConditions
    from sim.model.insurgents import CellNetwork
    from sim.model.model import InsurgencyModel

# Rugged terrain halves raid success, and a sweep's chance to find a cell, at the extreme (estimated).
RAID_TERRAIN_PENALTY = 0.5
SWEEP_TERRAIN_PENALTY = 0.5
# Intelligence from one detection, by ground forces or a sweep: the unit of the intelligence bank.
INTEL_PER_DETECTION = 1.0
# A failed raid still scatters the cell's trail: the share of its intelligence left (estimated).
TRAIL_KEPT_AFTER_FAILED_RAID = 0.5
# A capture that exposes a wali also adds this much to the centre's exposure (estimated).
CENTRE_EXPOSURE_PER_LEAD = 0.25


class ForceUnit(mesa.Agent):
    """An Iraqi unit committed against IS in one area."""

    def __init__(self, model: InsurgencyModel, spec: UnitSpec):
        super().__init__(model)
        self.name = spec.id
        self.branch = spec.branch
        self.area = spec.area
        self.strength = spec.strength


class IraqiForces:
    """All units, with the effort left after budget cuts and regional diversion."""

    def __init__(self, model: InsurgencyModel, params: IraqiForceParams,
                 relations: RelationsParams, regional: RegionalParams):
        self.model = model
        self.p = params
        geo = model.geography
        self.units = [ForceUnit(model, spec) for spec in geo.units]
        budget_factor = relations.security_budget ** relations.budget_readiness_elasticity
        # Sanctions squeeze readiness through the budget; regional crises divert effort.
        self.readiness = min(1.0, params.readiness * budget_factor) * (1.0 - regional.force_diversion)
        strength = np.zeros(geo.n_areas)
        for unit in self.units:
            strength[unit.area] += unit.strength
        spill = params.neighbour_presence_share * (geo.adjacency.astype(float) @ strength)
        self.base_presence = (strength + spill) * self.readiness * geo.in_iraq
        self.reaction = np.zeros(geo.n_areas)
        self._reaction_keep = np.exp(-1.0 / params.reaction_decay_days)
        self._intel_keep = 1.0 - params.intel_decay_per_day
        self.iraqi_hideouts = (geo.hideout & geo.in_iraq).nonzero()[0]
        self.raids = 0
        self.removed_by_raids = 0

    def presence(self) -> np.ndarray:
        return self.base_presence * (1.0 + self.reaction)

    def react_to_attacks(self, attack_areas: np.ndarray) -> None:
        """Surge presence where attacks happened."""
        np.add.at(self.reaction, attack_areas, self.p.reaction_boost)

    def fade_reactions(self) -> None:
        """Surges fade over weeks."""
        self.reaction *= self._reaction_keep

    def detection_by_area(self, cond: DailyConditions) -> np.ndarray:
        """Chance per day of detecting an active cell of mean size, per area, before presence.

        Ground forces find more where ISR watches and where hostile communities
        pass tips (Hassan 2023: IS's moves are now exposed); rugged terrain hides.
        """
        p, geo = self.p, self.model.geography
        tips = 1.0 + p.hostile_community_gain * (1.0 - cond.stance)
        return p.detection_rate_per_day * (1.0 + p.isr_detection_gain * cond.isr) * tips * (1.0 - geo.ruggedness)

    def detect(self, net: CellNetwork, cond: DailyConditions) -> None:
        """Daily detection of each cell adds to the intelligence bank's file on it."""
        n = net.n
        chance = (cond.detection * cond.presence)[net.area[:n]] * net.visibility()
        detected = net.model.rng.random(n) < chance
        net.intel[:n] = net.intel[:n] * self._intel_keep + detected * INTEL_PER_DETECTION

    def sweep_hideouts(self, net: CellNetwork) -> None:
        """Pre-emptive sweeps of hideout terrain, at a rate set by readiness."""
        rng = self.model.rng
        sweeps = rng.poisson(self.p.sweep_rate_per_day * self.readiness)
        for _ in range(sweeps):
            target = self.iraqi_hideouts[rng.integers(self.iraqi_hideouts.size)]
            in_area = (net.area[: net.n] == target).nonzero()[0]
            chance = self.p.sweep_detection * (1.0 - SWEEP_TERRAIN_PENALTY * self.model.geography.ruggedness[target])
            found = in_area[rng.random(in_area.size) < chance]
            net.intel[found] += INTEL_PER_DETECTION

    def raid_located_cells(self, net: CellNetwork, located: np.ndarray) -> None:
        """Raid located cells, best-known first, as far as today's raid capacity goes."""
        p, rng, geo = self.p, self.model.rng, self.model.geography
        if located.size == 0:
            return
        capacity = rng.poisson(p.raids_per_day * self.readiness)
        if capacity == 0:
            return
        order = located[np.argsort(-net.intel[located], kind="stable")][:capacity]
        success = p.raid_success * self.readiness * (1.0 - RAID_TERRAIN_PENALTY * geo.ruggedness[net.area[order]])
        hits = order[rng.random(order.size) < success]
        net.intel[order] *= TRAIL_KEPT_AFTER_FAILED_RAID
        self.raids += order.size
        for slot in hits:
            self._hit_cell(net, int(slot))

    def _hit_cell(self, net: CellNetwork, slot: int) -> None:
        rng, p = self.model.rng, self.p
        removed = int(rng.binomial(net.members[slot], p.raid_removal_share))
        captured = int(rng.binomial(removed, p.capture_share))
        net.members[slot] -= removed
        net.lose_arms_with_members(slot)
        net.intel[slot] = 0.0
        self.removed_by_raids += removed
        expose_links(net, slot, captured, p.network_exposure_per_capture, p.exposure_intel)


def expose_links(net: CellNetwork, slot: int, captured: int, chance: float, intel: float) -> None:
    """Each captured member may give up one linked cell and, sometimes, the wilaya's leader."""
    if captured == 0:
        return
    rng = net.model.rng
    cell = net.agents[slot]
    links = sorted(cell.links, key=lambda c: c.unique_id)
    talkers = int(rng.binomial(captured, chance))
    for _ in range(talkers if links else 0):
        net.intel[links[rng.integers(len(links))].slot] += intel
    if rng.random() < 1.0 - (1.0 - net.p.leader_exposure_per_capture) ** captured:
        net.leadership.expose(int(net.model.geography.wilaya[net.area[slot]]))
        net.leadership.expose(net.leadership.centre, CENTRE_EXPOSURE_PER_LEAD)
