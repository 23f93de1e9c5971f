"""IS in Syria: a theatre of its own, with fighters, attacks, and a share of IS's effort.

The brief (Qashta 2025) cannot separate Iraq from Syria: the desert border has
always been IS's route for infiltration and repositioning. Here IS in Syria is
an aggregate force (fighters at large, not cells): it recruits where it has
room, loses fighters to coalition and Syrian operations, gains escapees from
prisons and camps (sim/model/detention.py), and carries out attacks in Syria.

Where IS puts its effort moves with opportunity. Its share of effort turned to
Iraq relaxes towards

    target = w * room_iraq / (w * room_iraq + (1 - w) * room_syria)

with `w` the symbolic weight IS gives Iraq (it keeps calling Iraq its symbolic
centre, Qashta 2025), `room_iraq` one minus the security pressure Iraqi forces
put on it, and `room_syria` the Syrian determinant's permissiveness, shared by
the force already there (times K / (K + fighters in Syria), K = `room_fighters`,
over the even split: a force of K fighters finds as much room per head as the
permissiveness says). So a
collapse in Syria can pull effort out of Iraq for a time (after December 2024
IS's activity grew in Syria, Qashta 2025) and a hostile Syria (in the
coalition, with joint operations) pushes it towards Iraq. The share steers
crossings into Iraq and redeployments out of it (sim/model/border.py), the
money the centre sends to Iraq, and the share of IS's Syrian force that
attacks in Syria.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import InsurgencyModel

# Effort split evenly between the two theatres: the reference at which the per-theatre rates are stated.
EVEN_SPLIT = 0.5


class SyrianArena:
    """Free fighters in Syria, their attacks there, and IS's effort split between the two theatres."""

    def __init__(self, model: InsurgencyModel):
        self.model = model
        p = model.params.syria
        self.free_fighters = int(p.free_fighters)
        self.iraq_effort = float(p.iraq_effort_share)
        self.attacks = 0                 # attacks in Syria so far
        self.removed = 0                 # fighters removed in Syria so far
        self.configure()

    def configure(self) -> None:
        self.p = self.model.params.syria

    def effort_target(self, iraq_pressure: float) -> float:
        """Where IS would put its effort, given the room each theatre offers now.

        Syria's room is shared by the force already there: as it grows past `room_fighters`, each more
        fighter finds less, so a collapse pulls effort out of Iraq for a time, until the Syrian force
        has filled the room it opened.
        """
        p = self.p
        room_iraq = p.iraq_symbolic_weight * (1.0 - iraq_pressure)
        crowding = p.room_fighters / (p.room_fighters + max(self.free_fighters, 0))
        room_syria = (1.0 - p.iraq_symbolic_weight) * p.permissiveness * crowding / EVEN_SPLIT
        total = room_iraq + room_syria
        return room_iraq / total if total > 0 else EVEN_SPLIT

    def settle(self, days: int, iraq_pressure: float) -> None:
        """The reservoir's slow change and the drift of effort, over `days` days."""
        rng, p = self.model.streams["syria"], self.p
        growth = rng.poisson(self.free_fighters * p.recruitment_rate_per_day * p.permissiveness * days)
        losses = rng.binomial(self.free_fighters, 1.0 - (1.0 - p.attrition_rate_per_day) ** days)
        self.free_fighters += int(growth) - int(losses)
        self.removed += int(losses)
        keep = np.exp(-days / p.effort_shift_days)
        self.iraq_effort = keep * self.iraq_effort + (1.0 - keep) * self.effort_target(iraq_pressure)

    def fund_centre(self, reserve_usd: float, days: int) -> float:
        """The central reserves after `days`: spent on the other theatres over `reserve_spending_days`
        (Iraq's stipends are drawn by its cells, sim/model/insurgent_behaviour.py), fed by extortion and
        smuggling where IS has room in Syria (the war economy whose collapse Bakhtiari & Taheri 2025
        count among the causes of IS's decline)."""
        ins = self.model.params.insurgents
        elsewhere = reserve_usd * days / ins.reserve_spending_days
        income = self.p.income_per_fighter_usd_per_day * self.free_fighters * self.p.permissiveness * days
        return max(0.0, reserve_usd - elsewhere + income)

    def attack(self, leadership_factor: float) -> int:
        """Today's attacks in Syria, by the fighters whose effort is there, the room they have, and
        the state of IS's central leadership (which sat in Syria: the caliphs killed in 2022-2023 were)."""
        p = self.p
        syria_effort = (1.0 - self.iraq_effort) / EVEN_SPLIT
        rate = (p.attack_rate_per_fighter_per_day * self.free_fighters * syria_effort * p.permissiveness
                * leadership_factor)
        count = int(self.model.streams["syria_attacks"].poisson(rate))
        self.attacks += count
        return count

    @property
    def effort_factor(self) -> float:
        """Effort turned to Iraq relative to an even split (1 when even, 2 at most)."""
        return self.iraq_effort / EVEN_SPLIT

    def add_fighters(self, count: int) -> None:
        self.free_fighters += int(count)
