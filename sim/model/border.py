"""The Syria-Iraq border: named crossings and desert routes, used both ways.

A crossing attempt succeeds with the crossing's base permeability, less what
the Iraqi side (a fortified border: more troops, drones, thermal cameras,
Qashta 2025) and the Syrian side each stop. Fighters in Syria try to cross at
a rate set by the share of IS's effort turned to Iraq (sim/model/syria.py);
cells in the Iraqi border areas leave for Syria at a rate set by the share
turned to Syria. Arrivals form cells of their own where they enter (they
come organised, not as strangers joining a local cell), dormant until they
have settled in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.geography import Crossing

if TYPE_CHECKING:
    from sim.model.insurgents import CellNetwork
    from sim.model.model import InsurgencyModel
    from sim.model.syria import SyrianArena


class BorderCrossing(mesa.Agent):
    """A named crossing or open desert route between the Syrian and Iraqi sides."""

    def __init__(self, model: InsurgencyModel, spec: Crossing):
        super().__init__(model)
        self.name = spec.id
        self.iraq_side = spec.iraq_side
        self.syria_side = spec.syria_side
        self.attempt_share = spec.attempt_share
        self.base_permeability = spec.base_permeability
        self.permeability = 0.0
        self.crossed = 0            # fighters who entered Iraq here
        self.left = 0               # fighters who left Iraq here


class Border:
    """All crossings, with the permeability the two sides' posture leaves."""

    def __init__(self, model: InsurgencyModel):
        self.model = model
        self.crossings = [BorderCrossing(model, c) for c in model.geography.crossings]
        shares = np.array([c.attempt_share for c in self.crossings])
        self._attempt_shares = shares / shares.sum()
        # Cells in these areas can slip across into Syria.
        self.border_areas = np.unique([c.iraq_side for c in self.crossings])
        self._is_border_area = np.isin(np.arange(model.geography.n_areas), self.border_areas)
        self._exit_of_area = {int(a): [k for k, c in enumerate(self.crossings) if c.iraq_side == a]
                              for a in self.border_areas}
        self.configure()

    def configure(self) -> None:
        params = self.model.params
        fortification, syrian_control = params.iraqi_forces.border_fortification, params.syria.syrian_border_control
        for c in self.crossings:
            c.permeability = c.base_permeability * (1.0 - fortification) * (1.0 - syrian_control)
        permeability = np.array([c.permeability for c in self.crossings])
        # Thinning: a fighter tries with the attempt rate and gets through with the share-weighted
        # permeability; successes are then spread over the crossings.
        self._success_chance = float(self._attempt_shares @ permeability)
        self._crossing_odds = self._attempt_shares * permeability / max(self._success_chance, 1e-300)
        self.p = params.syria

    def cross_into_iraq(self, syria: SyrianArena, net: CellNetwork) -> int:
        """Fighters in Syria who get across today; they form cells where they enter."""
        rng = self.model.streams["border"]
        rate = self.p.crossing_attempt_rate_per_day * syria.effort_factor * self._success_chance
        successes = int(rng.binomial(max(syria.free_fighters, 0), min(rate, 1.0)))
        if successes == 0:
            return 0
        for crossing, arrivals in zip(self.crossings, rng.multinomial(successes, self._crossing_odds), strict=True):
            if arrivals:
                crossing.crossed += int(arrivals)
                syria.add_fighters(-int(arrivals))
                net.form_cells(crossing.iraq_side, int(arrivals), self.p.arrival_funds_per_member_usd)
        return successes

    def redeploy_to_syria(self, syria: SyrianArena, net: CellNetwork) -> int:
        """Cells in the border areas that leave Iraq today, when effort turns to Syria."""
        rng = self.model.streams["border"]
        syria_effort = 2.0 - syria.effort_factor
        here = np.flatnonzero(self._is_border_area[net.area[: net.n]])
        if here.size == 0:
            return 0
        leaving = here[rng.random(here.size) < self.p.redeployment_rate_per_day * syria_effort]
        moved = 0
        for slot in leaving:
            exits = self._exit_of_area[int(net.area[slot])]
            crossing = self.crossings[exits[rng.integers(len(exits))]]
            if rng.random() < crossing.permeability:
                members = int(net.members[slot])
                crossing.left += members
                syria.add_fighters(members)
                net.members[slot] = 0
                moved += members
        return moved

    @property
    def crossed(self) -> int:
        return sum(c.crossed for c in self.crossings)

    @property
    def left(self) -> int:
        return sum(c.left for c in self.crossings)
