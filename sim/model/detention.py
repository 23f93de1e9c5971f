"""IS members held: prisons in north-east Syria, the al-Hol and Roj camps, and Iraqi prisons.

The brief (Qashta 2025): prisons and camps in north-east Syria hold tens of
thousands, some near the Iraqi border, and a breakout (as attempted at
Ghweiran/al-Sina'a in January 2022) would feed fighters into Iraq. Hassan
(2023): IS fails to recruit, hence its attempts to free detained members.
Breakouts in Syria free detainees into IS's Syrian force; the camps leak
recruits to it at a rate set by their guards; transfers move detainees from
Syria to Iraqi prisons (5,704 in January-February 2026), which hold them more
securely but not perfectly: an escape from an Iraqi prison puts fighters in
Iraq directly. Dated transfers and known breakouts are one-off events of the
history (sim/model/timeline.py); the rates here cover what is not dated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.units import DAYS_PER_YEAR, THOUSAND

if TYPE_CHECKING:
    from sim.model.insurgents import CellNetwork
    from sim.model.model import InsurgencyModel
    from sim.model.syria import SyrianArena



class Detention:
    """Who is held where, and how they get out."""

    def __init__(self, model: InsurgencyModel):
        self.model = model
        params = model.params
        self.syria_prisons = int(params.syria.detainees)
        self.camps = int(params.syria.camp_population)
        self.iraq_prisons = int(params.iraqi_forces.prison_detainees)
        # Iraq's prisons for IS convicts sit near Baghdad and in the south; escapees surface near Baghdad.
        self.escape_area = model.geography.index("baghdad_belt")
        self.breakouts = 0
        self.escaped = 0                 # freed from north-east Syrian prisons
        self.prison_escapes = 0          # freed from Iraqi prisons
        self.camp_recruits = 0
        self.configure()

    def configure(self) -> None:
        self.p = self.model.params.syria
        self.iraq_p = self.model.params.iraqi_forces

    def step(self, syria: SyrianArena, net: CellNetwork) -> None:
        """Today's chance of a breakout in Syria and of an escape from an Iraqi prison."""
        rng, p = self.model.streams["detention"], self.p
        if self.syria_prisons > 0 and rng.random() < p.breakouts_per_year / DAYS_PER_YEAR:
            share = min(1.0, rng.exponential(p.breakout_escape_share))
            self.breakout(int(rng.binomial(self.syria_prisons, share)), syria)
        if self.iraq_prisons > 0 and rng.random() < self.iraq_p.prison_breaks_per_year / DAYS_PER_YEAR:
            share = min(1.0, rng.exponential(self.iraq_p.prison_break_escape_share))
            freed = int(rng.binomial(self.iraq_prisons, share))
            self.iraq_prisons -= freed
            self.prison_escapes += freed
            if freed:
                net.form_cells(self.escape_area, freed, 0.0)

    def settle(self, days: int, syria: SyrianArena) -> None:
        """Recruits smuggled out of the camps over `days` days."""
        p = self.p
        rate = p.camp_recruits_per_thousand_per_year * (self.camps / THOUSAND) * (1.0 - p.camp_security)
        recruits = min(int(self.model.streams["detention"].poisson(rate * days / DAYS_PER_YEAR)), self.camps)
        self.camps -= recruits
        self.camp_recruits += recruits
        syria.add_fighters(recruits)

    def breakout(self, freed: int, syria: SyrianArena) -> None:
        """Free detainees from the north-east Syrian prisons into IS's Syrian force."""
        freed = max(0, min(int(freed), self.syria_prisons))
        self.syria_prisons -= freed
        syria.add_fighters(freed)
        self.breakouts += 1
        self.escaped += freed

    def transfer_to_iraq(self, count: int) -> None:
        moved = max(0, min(int(count), self.syria_prisons))
        self.syria_prisons -= moved
        self.iraq_prisons += moved

    def leave_camps(self, count: int) -> None:
        """Residents repatriated or moved out of the camps (no longer a pool IS can draw on there)."""
        self.camps = max(0, self.camps - int(count))
