"""Coalition air cover: open bases, ISR coverage, strikes.

The posture in force (which bases are open, at what share of their 2024
capacity, and how much over-the-horizon ISR reaches Iraq from the Gulf) is
an ordinary determinant parameter, `coalition.bases` and
`coalition.over_the_horizon_isr`: the drawdown is a sequence of dated changes
to it (sim/model/timeline.py), such as the move out of Ain al-Asad in August
2025. Coverage of an area falls linearly with distance from each open base.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model.insurgents import CellNetwork
    from sim.model.model import InsurgencyModel


class CoalitionBase(mesa.Agent):
    """A base from which the coalition flies ISR and strikes; capacity 0 when closed."""

    def __init__(self, model: InsurgencyModel, base_id: str, name: str, distance_km: np.ndarray):
        super().__init__(model)
        self.base_id = base_id
        self.name = name
        self.distance_km = distance_km
        self.capacity = 0.0


class CoalitionAirCover:
    """The coalition's posture and what it gives Iraqi forces."""

    def __init__(self, model: InsurgencyModel):
        self.model = model
        geo = model.geography
        distance = geo.base_distance_km()
        self.bases = [CoalitionBase(model, b, name, distance[i])
                      for i, (b, name) in enumerate(zip(geo.base_ids, geo.base_names, strict=True))]
        self.strikes = 0
        self.removed_by_strikes = 0
        self.configure()

    def configure(self) -> None:
        """Coverage from the posture in force (called again after every dated change)."""
        params, geo = self.model.params, self.model.geography
        self.p = p = params.coalition
        self._sharing = params.relations.intelligence_sharing
        weight = np.zeros(geo.n_areas)
        for base in self.bases:
            base.capacity = float(p.bases.get(base.base_id, 0.0))
            weight += base.capacity * np.clip(1.0 - base.distance_km / p.isr_radius_km, 0.0, 1.0)
        available = 1.0 - params.regional.coalition_diversion
        self.cover = np.clip(weight + p.over_the_horizon_isr, 0.0, 1.0) * available * geo.in_iraq
        self.isr_for_iraq = np.clip(self.cover * self._sharing + self.model.forces.own_isr, 0.0, 1.0)

    @property
    def posture_label(self) -> str:
        """The open bases in words, for viewers."""
        open_bases = [f"{b.name.split(' (')[0]} {b.capacity:.0%}" for b in self.bases if b.capacity > 0]
        return ", ".join(open_bases) or "no coalition base in Iraq"

    def strike_located_cells(self, net: CellNetwork, located: np.ndarray) -> np.ndarray:
        """Strikes on located cells under coalition coverage; returns the struck cells' areas."""
        rng = self.model.streams["strikes"]
        # Targets come from the shared intelligence picture: strikes need the exchange too.
        chance = (self.p.strike_rate_per_day * self._sharing) * self.cover[net.area[located]]
        hit = located[rng.random(located.size) < chance]
        for slot in hit:
            killed = int(rng.binomial(net.members[slot], self.p.strike_removal_share))
            net.members[slot] -= killed
            net.lose_arms_with_members(slot)
            net.intel[slot] = 0.0
            self.strikes += 1
            self.removed_by_strikes += killed
        return net.area[hit]

    def leader_kill_chance(self, n_posts: int, wilaya_of_area: np.ndarray) -> np.ndarray:
        """Daily chance of killing an exposed leader: best coalition coverage over the wilaya's areas.

        The centre (last post) is reached through the best coverage anywhere.
        """
        best = np.zeros(n_posts)
        np.maximum.at(best, wilaya_of_area, self.cover)
        best[-1] = self.cover.max()
        return self.p.leader_strike_rate_per_day * best
