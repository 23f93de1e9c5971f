"""Coalition air cover: bases open on calendar dates, ISR coverage, strikes.

The drawdown level is a list of posture phases (which bases are open, at what
share of their 2024 capacity, and how much over-the-horizon ISR reaches Iraq
from the Gulf). Phase changes are Mesa events scheduled on their dates, so
the withdrawal from Ain al-Asad happens on the day the scenario says.
Coverage of an area falls linearly with distance from each open base.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.schema import CoalitionParams, IraqiForceParams, RegionalParams, RelationsParams

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
    """The coalition's posture over time and what it gives Iraqi forces."""

    def __init__(self, model: InsurgencyModel, params: CoalitionParams, forces: IraqiForceParams,
                 relations: RelationsParams, regional: RegionalParams):
        self.model = model
        self.p = params
        geo = model.geography
        distance = geo.base_distance_km()
        self.bases = [CoalitionBase(model, b, name, distance[i])
                      for i, (b, name) in enumerate(zip(geo.base_ids, geo.base_names, strict=True))]
        self._sharing = relations.intelligence_sharing
        self._available = 1.0 - regional.coalition_diversion
        self._own_isr = (forces.own_isr_coverage + forces.substitute_isr_coverage) * geo.in_iraq
        self.phase_index = -1
        self._due_phases: list[int] = []
        self.cover = np.zeros(geo.n_areas)
        self.isr_for_iraq = np.zeros(geo.n_areas)
        self.strikes = 0
        self.removed_by_strikes = 0
        self._schedule_phases(model.start_date)

    def _schedule_phases(self, start: dt.date) -> None:
        for i, phase in enumerate(self.p.phases):
            day = (dt.date.fromisoformat(phase.start) - start).days
            if day <= 0:
                self._apply_phase(i)
            else:
                # Mesa's step that advances time from d to d + 1 simulates day d; an event
                # at d + 0.5 fires inside that advance, before the step's own work, so the
                # new posture is in force for the whole of its first day.
                self._due_phases.append(i)
                self.model.schedule_event(self._next_phase, at=day + 0.5)

    def _next_phase(self) -> None:
        self._apply_phase(self._due_phases.pop(0))

    def _apply_phase(self, index: int) -> None:
        phase = self.p.phases[index]
        self.phase_index = index
        weight = np.zeros(len(self.bases[0].distance_km))
        for base in self.bases:
            base.capacity = float(phase.bases.get(base.base_id, 0.0))
            weight += base.capacity * np.clip(1.0 - base.distance_km / self.p.isr_radius_km, 0.0, 1.0)
        geo = self.model.geography
        cover = np.clip(weight + phase.over_the_horizon_isr, 0.0, 1.0) * self._available * geo.in_iraq
        self.cover = cover
        self.isr_for_iraq = np.clip(cover * self._sharing + self._own_isr, 0.0, 1.0)

    @property
    def phase_label(self) -> str:
        return self.p.phases[self.phase_index].label if self.phase_index >= 0 else ""

    def strike_located_cells(self, net: CellNetwork, located: np.ndarray) -> None:
        """Strikes on located cells under coalition coverage; struck cells lose most members."""
        rng = self.model.rng
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

    def leader_kill_chance(self, n_posts: int, wilaya_of_area: np.ndarray, isr: np.ndarray) -> np.ndarray:
        """Daily chance of killing an exposed leader: best ISR over the wilaya's areas.

        The centre (last post) is reached through the best coverage anywhere.
        """
        best = np.zeros(n_posts)
        np.maximum.at(best, wilaya_of_area, isr)
        best[-1] = isr.max()
        return self.p.leader_strike_rate_per_day * best
