"""Community stance towards IS in each area, and what moves it.

Stance (0: hostile, reports IS's moves; 1: supportive) raises recruitment and
lowers the tips that help Iraqi forces find cells. Hassan (2023) and Bakhtiari
& Taheri (2025) make the communities around IS's old areas hostile, which sets
the low starting values in the geography. Three things move it here:

- reconstruction: with a security budget below 2024's, reconstruction of
  liberated areas suffers and stance erodes slowly (Qashta 2025 names that
  budget among Washington's levers);
- the Popular Mobilization Forces: where they provide much of the presence,
  the grievance of Sunni communities raises stance;
- collateral damage: raids and strikes that harm civilians raise stance in
  the area, a backlash that fades over months (Condra and Shapiro 2012 find
  that civilian casualties caused by counter-insurgents are followed by more
  insurgent violence; Kress and Szechtman 2009 model the same trade-off).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.units import DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.model.model import InsurgencyModel



class Community:
    """Stance per area: the geography's starting value plus drift, grievance and backlash."""

    def __init__(self, model: InsurgencyModel):
        self.model = model
        geo = model.geography
        self.base = geo.community_stance.copy()
        self.drift = np.zeros(geo.n_areas)        # accumulated erosion from budget shortfalls
        self.backlash = np.zeros(geo.n_areas)     # fading rise after collateral damage
        self.grievance = np.zeros(geo.n_areas)
        self.incidents = 0
        self.configure()
        self.stance = self.current()

    def configure(self) -> None:
        p = self.model.params
        shortfall = max(0.0, 1.0 - p.relations.security_budget)
        self._drift_per_day = p.relations.reconstruction_stance_drift_per_year * shortfall / DAYS_PER_YEAR
        self._backlash_keep = np.exp(-1.0 / p.iraqi_forces.backlash_decay_days)
        self._per_incident = p.iraqi_forces.backlash_stance_per_incident
        self.grievance = p.iraqi_forces.pmf_grievance * self.model.forces.pmf_share

    def current(self) -> np.ndarray:
        return np.clip(self.base + self.drift + self.grievance + self.backlash, 0.0, 1.0)

    def settle(self, days: int) -> np.ndarray:
        """Advance drift and backlash by `days` and return the new stance."""
        self.drift += self._drift_per_day * days
        self.backlash *= self._backlash_keep ** days
        self.stance = self.current()
        return self.stance

    def collateral(self, areas: np.ndarray, chance: float) -> None:
        """Each operation in `areas` harms civilians with `chance`; a harmed area turns against the state."""
        if areas.size == 0 or chance <= 0:
            return
        harmed = areas[self.model.streams["community"].random(areas.size) < chance]
        if harmed.size:
            np.add.at(self.backlash, harmed, self._per_incident)
            self.incidents += int(harmed.size)
