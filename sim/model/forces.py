"""Iraqi security forces: presence, detection into an intelligence bank, sweeps, raids and strikes.

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

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.geography import UnitSpec

if TYPE_CHECKING:
    from sim.model.conditions import DailyConditions
    from sim.model.insurgents import CellNetwork
    from sim.model.model import InsurgencyModel

# The unit of the intelligence bank: what one detection, by ground forces or a sweep, adds.
INTEL_PER_DETECTION = 1.0
PMF_BRANCH = "popular_mobilization_forces"


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

    def __init__(self, model: InsurgencyModel):
        self.model = model
        geo = model.geography
        self.units = [ForceUnit(model, spec) for spec in geo.units]
        self.reaction = np.zeros(geo.n_areas)
        self.iraqi_hideouts = (geo.hideout & geo.in_iraq).nonzero()[0]
        self.raids = 0
        self.removed_by_raids = 0
        self.strikes = 0
        self.removed_by_strikes = 0
        self.configure()

    def configure(self) -> None:
        """Derived values from the parameters in force (called again after every dated change)."""
        params = self.model.params
        p, relations, geo = params.iraqi_forces, params.relations, self.model.geography
        self.p = p
        budget_factor = relations.security_budget ** relations.budget_readiness_elasticity
        # Sanctions squeeze readiness through the budget; regional crises divert effort.
        self.readiness = min(1.0, p.readiness * budget_factor) * (1.0 - params.regional.force_diversion)
        strength = np.zeros(geo.n_areas)
        pmf = np.zeros(geo.n_areas)
        for unit in self.units:
            weight = unit.strength * (p.pmf_strength if unit.branch == PMF_BRANCH else 1.0)
            strength[unit.area] += weight
            if unit.branch == PMF_BRANCH:
                pmf[unit.area] += weight
        seam = 1.0 - p.seam_presence_gap * (1.0 - p.seam_coordination) * geo.disputed
        spill = p.neighbour_presence_share * (geo.adjacency.astype(float) @ strength)
        pmf_spill = p.neighbour_presence_share * (geo.adjacency.astype(float) @ pmf)
        self.base_presence = (strength + spill) * seam * self.readiness * geo.in_iraq
        self.pmf_share = np.divide(pmf + pmf_spill, strength + spill, out=np.zeros(geo.n_areas),
                                   where=strength + spill > 0) * geo.in_iraq
        self.own_isr = np.clip(p.own_isr_coverage + p.substitute_isr_coverage, 0.0, 1.0) * geo.in_iraq
        self._reaction_keep = np.exp(-1.0 / p.reaction_decay_days)
        self._intel_keep = 1.0 - p.intel_decay_per_day

    def presence(self) -> np.ndarray:
        return self.base_presence * (1.0 + self.reaction)

    def react_to_attacks(self, attack_areas: np.ndarray) -> None:
        """Surge presence where attacks happened, up to what the forces can send."""
        np.add.at(self.reaction, attack_areas, self.p.reaction_boost)
        np.minimum(self.reaction, self.p.reaction_limit, out=self.reaction)

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
        """Daily detection of each cell adds to the intelligence bank's file on it.

        An area's intelligence network follows only so many cells: beyond
        `cells_followed_per_area`, each cell gets proportionally less attention,
        so more cells never make each one easier to find.
        """
        n, area = net.n, net.area[: net.n]
        cells_here = np.bincount(area, minlength=self.model.geography.n_areas)
        attention = 1.0 / (1.0 + cells_here / self.p.cells_followed_per_area)
        chance = (cond.detection * cond.presence * attention)[area] * net.visibility()
        detected = self.model.streams["detection"].random(n) < chance
        net.intel[:n] = net.intel[:n] * self._intel_keep + detected * INTEL_PER_DETECTION

    def sweep_hideouts(self, net: CellNetwork) -> None:
        """Pre-emptive sweeps of hideout terrain, at a rate set by readiness."""
        rng, p = self.model.streams["detection"], self.p
        sweeps = rng.poisson(p.sweep_rate_per_day * self.readiness)
        for _ in range(sweeps):
            target = self.iraqi_hideouts[rng.integers(self.iraqi_hideouts.size)]
            in_area = (net.area[: net.n] == target).nonzero()[0]
            chance = p.sweep_detection * (1.0 - p.sweep_terrain_penalty * self.model.geography.ruggedness[target])
            found = in_area[rng.random(in_area.size) < chance]
            net.intel[found] += INTEL_PER_DETECTION

    def strike_located_cells(self, net: CellNetwork, located: np.ndarray) -> np.ndarray:
        """Iraqi air and drone strikes on located cells, by readiness and own ISR; returns struck areas."""
        rng, p = self.model.streams["strikes"], self.p
        chance = (p.own_strike_rate_per_day * self.readiness) * self.own_isr[net.area[located]]
        hit = located[rng.random(located.size) < chance]
        for slot in hit:
            killed = int(rng.binomial(net.members[slot], p.own_strike_removal_share))
            net.members[slot] -= killed
            net.lose_arms_with_members(slot)
            net.intel[slot] = 0.0
            self.strikes += 1
            self.removed_by_strikes += killed
        return net.area[hit]

    def raid_located_cells(self, net: CellNetwork, located: np.ndarray) -> np.ndarray:
        """Raid located cells, best-known first, as far as today's raid capacity goes; returns raided areas."""
        p, rng, geo = self.p, self.model.streams["raids"], self.model.geography
        if located.size == 0:
            return located
        capacity = rng.poisson(p.raids_per_day * self.readiness)
        if capacity == 0:
            return located[:0]
        order = located[np.argsort(-net.intel[located], kind="stable")][:capacity]
        raided = net.area[order].copy()
        success = p.raid_success * self.readiness * (1.0 - p.raid_terrain_penalty * geo.ruggedness[raided])
        hits = order[rng.random(order.size) < success]
        net.intel[order] *= p.trail_kept_after_failed_raid
        self.raids += order.size
        for slot in hits:
            self._hit_cell(net, int(slot))
        return raided

    def _hit_cell(self, net: CellNetwork, slot: int) -> None:
        rng, p = self.model.streams["raids"], self.p
        removed = int(rng.binomial(net.members[slot], p.raid_removal_share))
        captured = int(rng.binomial(removed, p.capture_share))
        net.members[slot] -= removed
        net.lose_arms_with_members(slot)
        net.intel[slot] = 0.0
        self.removed_by_raids += removed
        expose_links(net, slot, captured, p.network_exposure_per_capture, p.exposure_intel, rng)

    def leader_kill_chance(self, n_posts: int, wilaya_of_area: np.ndarray) -> np.ndarray:
        """Daily chance that Iraq kills an exposed leader: best own ISR over the wilaya's areas."""
        best = np.zeros(n_posts)
        np.maximum.at(best, wilaya_of_area, self.own_isr)
        best[-1] = self.own_isr.max()
        return (self.p.own_leader_strike_rate_per_day * self.readiness) * best


def expose_links(net: CellNetwork, slot: int, captured: int, chance: float, intel: float,
                 rng: np.random.Generator) -> None:
    """Each captured member may give up one linked cell and, sometimes, the wilaya's leader."""
    if captured == 0:
        return
    cell = net.agents[slot]
    links = sorted(cell.links, key=lambda c: c.unique_id)
    talkers = int(rng.binomial(captured, chance))
    for _ in range(talkers if links else 0):
        net.intel[links[rng.integers(len(links))].slot] += intel
    if rng.random() < 1.0 - (1.0 - net.p.leader_exposure_per_capture) ** captured:
        net.leadership.expose(int(net.model.geography.wilaya[net.area[slot]]))
        net.leadership.expose(net.leadership.centre, net.p.centre_exposure_per_lead)
