"""The insurgency model: one replicate, daily steps on real calendar dates.

Composes the parts (cells, Iraqi forces, coalition air cover, the Syrian arena,
attacks) and fixes the order in which they act within a day. All randomness
comes from `self.rng`, the generator the caller builds from the replicate's
seed; nothing here reads a global random state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import mesa
import numpy as np

from sim.config.schema import ModelParams
from sim.model import insurgent_behaviour as behaviour
from sim.model.attacks import AttackLog, AttackPlanner
from sim.model.border import SyrianArena
from sim.model.coalition import CoalitionAirCover
from sim.model.conditions import DailyConditions
from sim.model.forces import IraqiForces
from sim.model.geography import load_geography
from sim.model.insurgents import CellNetwork
from sim.model.snapshot import ModelSnapshot, take_snapshot

DAYS_PER_YEAR = 365.25
# Money, recruits and arms are settled weekly; they change too slowly for the
# daily rhythm to matter, and settling them daily would cost a third of a run.
BOOKKEEPING_DAYS = 7
# Fighters massed in one area that could take and hold ground, 2014-style
# (estimated: the force that took Mosul in June 2014 is usually put at 1,000-1,500).
TERRITORIAL_FIGHTERS = 1000
# Population (thousands) at which an area yields half the extortion income of a city (estimated).
INCOME_HALF_POPULATION_K = 200.0

MONTHLY_STATE = ("fighters_iraq", "cells", "active_cells", "largest_area_fighters",
                 "syria_free_fighters", "detainees", "leaders_alive")


@dataclass
class ReplicateOutcome:
    """What one replicate produced: its attacks and end-of-month states."""

    attacks: dict[str, np.ndarray]
    monthly_state: dict[str, np.ndarray]
    month_starts: list[str]
    counters: dict[str, int]


class InsurgencyModel(mesa.Model):
    """IS cells against Iraqi forces, with coalition air cover and the Syrian border."""

    def __init__(self, params: ModelParams, start: str, end: str, rng: np.random.Generator):
        super().__init__(rng=rng)
        self.params = params
        self.geography = load_geography()
        self.start_date = dt.date.fromisoformat(start)
        self.end_date = dt.date.fromisoformat(end)
        self.n_days = (self.end_date - self.start_date).days + 1
        self._month_of_day, self.month_starts = _calendar(self.start_date, self.n_days)
        geo = self.geography
        self.cells = CellNetwork(self, params.insurgents)
        self.forces = IraqiForces(self, params.iraqi_forces, params.relations, params.regional)
        self.coalition = CoalitionAirCover(self, params.coalition, params.iraqi_forces,
                                           params.relations, params.regional)
        self.syria = SyrianArena(self, params.syria, params.iraqi_forces)
        ins = params.insurgents
        self.planner = AttackPlanner(params.attacks, ins.hideout_staging_share, ins.central_direction_share, geo)
        self.attacks = AttackLog.empty()
        shortfall = max(0.0, 1.0 - params.relations.security_budget)
        self._stance_drift_per_day = params.relations.reconstruction_stance_drift_per_year * shortfall / DAYS_PER_YEAR
        self._month_end = np.append(np.diff(self._month_of_day) != 0, True)
        self.cond = self._initial_conditions()
        self._monthly = {name: np.zeros(len(self.month_starts), dtype=np.int64) for name in MONTHLY_STATE}

    @property
    def day(self) -> int:
        """Index of the day being simulated (0 = start date)."""
        return self.steps - 1

    @property
    def date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=max(self.day, 0))

    def _initial_conditions(self) -> DailyConditions:
        geo, forces, p = self.geography, self.forces, self.params
        income = p.insurgents.income_per_member_usd_per_day * geo.population_k / (
            geo.population_k + INCOME_HALF_POPULATION_K)
        cond = DailyConditions(
            presence=forces.presence(), isr=self.coalition.isr_for_iraq,
            detection=np.zeros(geo.n_areas), stance=geo.community_stance.copy(),
            undeterred=np.ones(geo.n_areas), refuge=np.arange(geo.n_areas),
            net_income_per_member=income - p.insurgents.upkeep_per_member_usd_per_day,
            recruit_rate=np.zeros(geo.n_areas),
            propaganda=1.0 + p.regional.recruitment_boost,
            central_transfer_usd=self.cells.central_reserve_usd / p.insurgents.central_transfer_days,
            intel_to_locate=forces.p.intel_to_locate,
        )
        self._refresh_area_rates(cond)
        return cond

    def _refresh_area_rates(self, cond: DailyConditions) -> None:
        """Rates that depend on stance and ISR, which change rarely (posture phases, budget drift)."""
        cond.recruit_rate = (self.params.insurgents.recruit_rate_per_member_per_day * cond.propaganda) * cond.stance
        cond.detection = self.forces.detection_by_area(cond)
        self._posture_seen = self.coalition.phase_index

    def _update_conditions(self) -> DailyConditions:
        """Refresh what changes from day to day: presence after surges, ISR after posture changes, stance."""
        cond, forces = self.cond, self.forces
        cond.presence = forces.presence()
        cond.undeterred = 1.0 - forces.p.attack_deterrence * cond.presence / (1.0 + cond.presence)
        cond.isr = self.coalition.isr_for_iraq
        drifting = self._stance_drift_per_day > 0 and self.day % BOOKKEEPING_DAYS == 0
        if drifting:
            cond.stance = np.minimum(self.geography.community_stance + self._stance_drift_per_day * self.day, 1.0)
        if drifting or self.coalition.phase_index != self._posture_seen:
            self._refresh_area_rates(cond)
        return cond

    def step(self) -> None:
        """One day: Syria and the border, cells act, forces and coalition respond."""
        net, cond = self.cells, self._update_conditions()
        arrivals = self.syria.step(net)
        cells = behaviour.CellDay.of(net, cond)
        settling = self.day % BOOKKEEPING_DAYS == 0
        if settling:
            self.syria.settle(BOOKKEEPING_DAYS)
            behaviour.earn_and_spend(net, cond, cells, BOOKKEEPING_DAYS)
            behaviour.recruit(net, cond, cells, BOOKKEEPING_DAYS)
            behaviour.arm(net, cells, BOOKKEEPING_DAYS)
            behaviour.assess(net, cond)
            behaviour.choose_refuges(net, cond, self.forces.base_presence)
        behaviour.switch_state(net, cells)
        behaviour.move_to_cover(net, cond, cells)
        attackers = behaviour.plan_attacks(net, cond, cells)
        if attackers.size:
            areas = self.planner.carry_out(net, attackers, behaviour.capability(net)[attackers],
                                           self.day, self.attacks)
            net.intel[attackers] += self.forces.p.post_attack_intel
            self.forces.react_to_attacks(areas)
        self.forces.fade_reactions()
        self.forces.detect(net, cond)
        self.forces.sweep_hideouts(net)
        located = (net.intel[: net.n] >= cond.intel_to_locate).nonzero()[0]
        if located.size:
            self.coalition.strike_located_cells(net, located)
            self.forces.raid_located_cells(net, located[net.members[located] > 0])
        if net.leadership.any_exposed():
            net.leadership.target(self.coalition.leader_kill_chance(
                net.leadership.alive.size, self.geography.wilaya, cond.isr))
        # Members fall only at settlement (desertion) or to strikes and raids on located cells,
        # and rise only at settlement (recruits) or with arrivals from Syria.
        if settling or located.size:
            net.remove_dead()
        if settling or arrivals:
            behaviour.split_large(net)
        if self._month_end[self.day]:
            self._record_month()

    def _record_month(self) -> None:
        net, m = self.cells, self._month_of_day[self.day]
        per_area = np.bincount(net.area[: net.n], weights=net.members[: net.n], minlength=self.geography.n_areas)
        values = {
            "fighters_iraq": net.fighters(),
            "cells": net.n,
            "active_cells": int(net.active[: net.n].sum()),
            "largest_area_fighters": int(per_area.max()),
            "syria_free_fighters": self.syria.free_fighters,
            "detainees": self.syria.detainees,
            "leaders_alive": int(net.leadership.alive.sum()),
        }
        for name, value in values.items():
            self._monthly[name][m] = value

    def run(self) -> ReplicateOutcome:
        """Run every day of the horizon and return the outcome."""
        for _ in range(self.n_days):
            self.step()
        return self.outcome()

    def snapshot(self) -> ModelSnapshot:
        """A read-only copy of the state, for watching a replicate day by day."""
        return take_snapshot(self)

    def counters(self) -> dict[str, int]:
        """Running totals of raids, strikes, breakouts, crossings and leaders killed."""
        forces, coalition, syria, net = self.forces, self.coalition, self.syria, self.cells
        return {
            "raids": forces.raids, "removed_by_raids": forces.removed_by_raids,
            "strikes": coalition.strikes, "removed_by_strikes": coalition.removed_by_strikes,
            "breakouts": syria.breakouts, "escaped": syria.escaped,
            "crossed": sum(c.crossed for c in syria.crossings),
            "leaders_killed": net.leadership.killed,
            "fighters_end": net.fighters(),
        }

    def outcome(self) -> ReplicateOutcome:
        return ReplicateOutcome(self.attacks.arrays(), dict(self._monthly), list(self.month_starts),
                                self.counters())


def _calendar(start: dt.date, n_days: int) -> tuple[np.ndarray, list[str]]:
    """Month index of every day, and the first day of each month as YYYY-MM."""
    days = np.arange(n_days)
    dates = np.datetime64(start.isoformat()) + days.astype("timedelta64[D]")
    months = dates.astype("datetime64[M]")
    first = months[0]
    index = (months - first).astype(np.int64)
    starts = [str(first + np.timedelta64(i, "M")) for i in range(int(index[-1]) + 1)]
    return index, starts
