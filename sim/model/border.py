"""The Syrian arena and the border: a reservoir of fighters, detainees, breakouts, crossings.

The brief (Qashta 2025): the long desert border has always been IS's route for
infiltration; prisons and camps in north-east Syria hold tens of thousands, and
a breakout (as attempted at Ghweiran/al-Sina'a in January 2022) would feed
fighters into Iraq. A crossing attempt succeeds with the crossing's base
permeability, less what the Iraqi and the Syrian side each stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.schema import IraqiForceParams, SyriaParams
from sim.model.geography import Crossing

if TYPE_CHECKING:
    from sim.model.insurgents import CellNetwork
    from sim.model.model import InsurgencyModel

DAYS_PER_YEAR = 365.25


class BorderCrossing(mesa.Agent):
    """A named crossing or open desert route between the Syrian and Iraqi sides."""

    def __init__(self, model: InsurgencyModel, spec: Crossing, fortification: float, syrian_control: float):
        super().__init__(model)
        self.name = spec.id
        self.iraq_side = spec.iraq_side
        self.syria_side = spec.syria_side
        self.attempt_share = spec.attempt_share
        self.permeability = spec.base_permeability * (1.0 - fortification) * (1.0 - syrian_control)
        self.crossed = 0


class SyrianArena:
    """Free fighters and detainees in Syria, and the flow across the border into Iraq."""

    def __init__(self, model: InsurgencyModel, params: SyriaParams, forces: IraqiForceParams):
        self.model = model
        self.p = params
        self.free_fighters = int(params.free_fighters)
        self.detainees = int(params.detainees)
        self.crossings = [BorderCrossing(model, c, forces.border_fortification, params.syrian_border_control)
                          for c in model.geography.crossings]
        shares = np.array([c.attempt_share for c in self.crossings])
        self._attempt_shares = shares / shares.sum()
        permeability = np.array([c.permeability for c in self.crossings])
        # Thinning: a fighter tries with the attempt rate and gets through with the
        # share-weighted permeability; successes are then spread over the crossings.
        self._success_chance = float(self._attempt_shares @ permeability)
        self._crossing_odds = self._attempt_shares * permeability / max(self._success_chance, 1e-300)
        self.breakouts = 0
        self.escaped = 0

    def settle(self, days: int) -> None:
        """The reservoir's slow change: recruitment in Syria, losses to coalition and Syrian operations."""
        rng, p = self.model.rng, self.p
        growth = rng.poisson(self.free_fighters * p.recruitment_rate_per_day * days)
        losses = rng.binomial(self.free_fighters, 1.0 - (1.0 - p.attrition_rate_per_day) ** days)
        self.free_fighters += growth - losses

    def step(self, net: CellNetwork) -> int:
        """Breakouts, then crossings into Iraq; returns how many crossed today."""
        rng, p = self.model.rng, self.p
        if self.detainees > 0 and rng.random() < p.breakouts_per_year / DAYS_PER_YEAR:
            freed = int(rng.binomial(self.detainees, min(1.0, rng.exponential(p.breakout_escape_share))))
            self.detainees -= freed
            self.free_fighters += freed
            self.breakouts += 1
            self.escaped += freed
        successes = rng.binomial(self.free_fighters, p.crossing_attempt_rate_per_day * self._success_chance)
        if successes == 0:
            return 0
        crossed = rng.multinomial(successes, self._crossing_odds)
        for crossing, arrivals in zip(self.crossings, crossed, strict=True):
            if arrivals:
                crossing.crossed += int(arrivals)
                self.free_fighters -= int(arrivals)
                join_or_form_cell(net, crossing.iraq_side, int(arrivals), p.arrival_funds_per_member_usd)
        return int(successes)


def join_or_form_cell(net: CellNetwork, area: int, arrivals: int, funds_per_member: float) -> None:
    """Arrivals join the smallest cell in their area of entry, or form a new dormant cell."""
    here = (net.area[: net.n] == area).nonzero()[0]
    weapons, funds = arrivals * net.p.weapons_per_member, arrivals * funds_per_member
    if here.size:
        slot = here[np.argmin(net.members[here])]
        net.members[slot] += arrivals
        net.weapons[slot] += weapons
        net.funds[slot] += funds
    else:
        net.add_cell(area, arrivals, funds, weapons, active=False)
