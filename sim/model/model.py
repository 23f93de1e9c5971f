"""The insurgency model: one replicate, daily steps on real calendar dates.

Composes the parts (cells, Iraqi forces, coalition air cover, the Syrian arena,
the border, detention, communities, attacks) and fixes the order in which they
act within a day. Parameters can change on dates (sim/model/timeline.py): each
part derives what it needs from `model.params` in its `configure`, which runs
again after every change. All randomness comes from `streams`, one numpy
Generator per mechanism built by the caller from the replicate's seed
(sim/runs/seeds.py); nothing here reads a global random state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import mesa
import numpy as np

from sim.config.schema import Impulse, ModelParams, TimelineChange
from sim.model import insurgent_behaviour as behaviour
from sim.model.attacks import AttackLog, AttackPlanner
from sim.model.border import Border
from sim.model.coalition import CoalitionAirCover
from sim.model.community import Community
from sim.model.conditions import DailyConditions
from sim.model.detention import Detention
from sim.model.forces import IraqiForces
from sim.model.geography import load_geography
from sim.model.insurgents import CellNetwork
from sim.model.snapshot import ModelSnapshot, take_snapshot
from sim.model.syria import SyrianArena
from sim.config.paths import with_params
from sim.model.timeline import DatedChange, Schedule, place, starting_params
from sim.units import DAYS_PER_WEEK

# Money, recruits, arms, community stance and the Syrian reservoir are settled weekly: they change
# too slowly for the daily rhythm to matter, and settling them daily would cost a third of a run.
BOOKKEEPING_DAYS = DAYS_PER_WEEK

# What the model records at the end of each month. States are read as they stand; flows are the
# change of a running total over the month.
MONTHLY_STATE: dict[str, Callable[[InsurgencyModel], float]] = {
    "fighters_iraq": lambda m: m.cells.fighters(),
    "cells": lambda m: m.cells.n,
    "active_cells": lambda m: int(m.cells.active[: m.cells.n].sum()),
    "largest_area_fighters": lambda m: int(m.fighters_by_area().max()),
    "leaders_alive": lambda m: int(m.cells.leadership.alive.sum()),
    "syria_free_fighters": lambda m: m.syria.free_fighters,
    "detainees": lambda m: m.detention.syria_prisons,
    "camp_population": lambda m: m.detention.camps,
    "iraq_prison_detainees": lambda m: m.detention.iraq_prisons,
    "iraq_effort_share": lambda m: round(m.syria.iraq_effort, 6),
}
MONTHLY_FLOWS: dict[str, Callable[[InsurgencyModel], int]] = {
    "attacks_syria": lambda m: m.syria.attacks,
    "removed_iraq": lambda m: m.removed_in_iraq(),
    "crossed_into_iraq": lambda m: m.border.crossed,
    "left_iraq": lambda m: m.border.left,
}
MONTHLY_OUTPUTS = (*MONTHLY_STATE, *MONTHLY_FLOWS)


@dataclass
class ReplicateOutcome:
    """What one replicate produced: its attacks, end-of-month records and running totals."""

    attacks: dict[str, np.ndarray]
    monthly_state: dict[str, np.ndarray]
    month_starts: list[str]
    counters: dict[str, int]


class InsurgencyModel(mesa.Model):
    """IS cells against Iraqi forces, with coalition air cover, the Syrian arena and the border."""

    def __init__(self, params: ModelParams, start: str, end: str, streams: Mapping[str, np.random.Generator],
                 changes: Sequence[TimelineChange] = ()):
        super().__init__(rng=streams["start"])
        self.streams = streams
        self.geography = load_geography()
        self.start_date = dt.date.fromisoformat(start)
        self.end_date = dt.date.fromisoformat(end)
        self.n_days = (self.end_date - self.start_date).days + 1
        self._month_of_day, self.month_starts = _calendar(self.start_date, self.n_days)
        self._month_end = np.append(np.diff(self._month_of_day) != 0, True)
        placed = place(changes, self.start_date)
        self.params = starting_params(params, placed)
        self.schedule = Schedule(placed, self._apply_change)
        # Order matters: each part may read those built before it.
        self.forces = IraqiForces(self)
        self.coalition = CoalitionAirCover(self)
        self.community = Community(self)
        self.cells = CellNetwork(self)
        self.syria = SyrianArena(self)
        self.border = Border(self)
        self.detention = Detention(self)
        self.planner = AttackPlanner(self)
        self.attacks = AttackLog.empty()
        self.cond = self._initial_conditions()
        self._monthly = {name: np.zeros(len(self.month_starts)) for name in MONTHLY_OUTPUTS}
        self._flows_seen = {name: 0 for name in MONTHLY_FLOWS}
        self._peak_area_fighters = 0
        for impulse in self.schedule.first_day_impulses():
            self.apply_impulse(impulse)
        self.schedule.start(self)

    @property
    def day(self) -> int:
        """Index of the day being simulated (0 = start date)."""
        return self.steps - 1

    @property
    def date(self) -> dt.date:
        return self.start_date + dt.timedelta(days=max(self.day, 0))

    # ----- dated changes -----------------------------------------------------------------
    def _apply_change(self, change: DatedChange) -> None:
        """A dated change: new parameters for every part, then its one-off events."""
        if change.params:
            self.params = with_params(self.params, change.params)
            self._configure()
        for impulse in change.impulses:
            self.apply_impulse(impulse)

    def _configure(self) -> None:
        for part in (self.forces, self.coalition, self.community, self.cells, self.syria, self.border,
                     self.detention, self.planner):
            part.configure()
        self._refresh_conditions(self.cond)

    def apply_impulse(self, impulse: Impulse) -> None:
        """A one-off change of the state (the kinds are listed in sim/config/schema.py, `Impulse`)."""
        amount, kind = impulse.amount, impulse.kind
        if kind == "breakout":
            self.detention.breakout(int(amount), self.syria)
        elif kind == "detainee_transfer":
            self.detention.transfer_to_iraq(int(amount))
        elif kind == "camp_transfer":
            self.detention.leave_camps(int(amount))
        elif kind == "leader_killed":
            self.cells.leadership.kill(self.cells.leadership.post_index(impulse.target))
        elif kind == "reserves":
            self.cells.central_reserve_usd = max(0.0, self.cells.central_reserve_usd + amount)
        elif kind == "arrivals":
            self.cells.form_cells(self.geography.index(impulse.target), int(amount), 0.0)
            behaviour.split_large(self.cells)
        else:
            raise ValueError(f"unknown impulse kind '{kind}'")

    # ----- the day's conditions ------------------------------------------------------------
    def _initial_conditions(self) -> DailyConditions:
        geo = self.geography
        cond = DailyConditions(
            presence=self.forces.presence(), isr=self.coalition.isr_for_iraq,
            detection=np.zeros(geo.n_areas), stance=self.community.stance.copy(),
            undeterred=np.ones(geo.n_areas), refuge=np.arange(geo.n_areas),
            net_income_per_member=np.zeros(geo.n_areas), recruit_rate=np.zeros(geo.n_areas),
            propaganda=1.0, central_stipend_usd=0.0, intel_to_locate=1.0, iraq_pressure=0.0)
        self._refresh_conditions(cond)
        return cond

    def _refresh_conditions(self, cond: DailyConditions) -> None:
        """What depends on parameters, stance, posture and effort, which change weekly or on dates."""
        p, geo = self.params, self.geography
        ins, forces = p.insurgents, self.forces
        cond.isr = self.coalition.isr_for_iraq
        income = ins.income_per_member_usd_per_day * geo.population_k / (geo.population_k + ins.income_half_population_k)
        cond.net_income_per_member = income - ins.upkeep_per_member_usd_per_day
        cond.propaganda = 1.0 + p.regional.recruitment_boost
        cond.central_stipend_usd = ins.central_stipend_usd_per_day * self.syria.effort_factor ** ins.stipend_effort_elasticity
        cond.intel_to_locate = forces.p.intel_to_locate
        cond.recruit_rate = (ins.recruit_rate_per_member_per_day * cond.propaganda) * cond.stance
        cond.detection = forces.detection_by_area(cond)
        mean_isr = float(cond.isr[geo.in_iraq].mean())
        gain = forces.p.isr_detection_gain
        cond.iraq_pressure = forces.readiness * (1.0 + gain * mean_isr) / (1.0 + gain)

    def _update_conditions(self) -> DailyConditions:
        """Refresh what changes from day to day: presence after surges and the deterrence it brings."""
        cond, forces = self.cond, self.forces
        cond.presence = forces.presence()
        cond.undeterred = 1.0 - forces.p.attack_deterrence * cond.presence / (1.0 + cond.presence)
        return cond

    # ----- one day -------------------------------------------------------------------------
    def step(self) -> None:
        """One day: Syria and the border, cells act, forces and coalition respond."""
        net, cond = self.cells, self._update_conditions()
        settling = self.day % BOOKKEEPING_DAYS == 0
        if settling:
            self._settle(cond)
        self.detention.step(self.syria, net)
        self.syria.attack(net.leadership.centre_factor(self.params.insurgents.leaderless_share))
        arrivals = self.border.cross_into_iraq(self.syria, net)
        departures = self.border.redeploy_to_syria(self.syria, net)
        cells = behaviour.CellDay.of(net, cond)
        behaviour.switch_state(net, cells)
        behaviour.move_to_cover(net, cond, cells)
        attackers = behaviour.plan_attacks(net, cond, cells)
        net.fade_excitation()
        if attackers.size:
            areas = self.planner.carry_out(net, attackers, behaviour.capability(net)[attackers],
                                           self.day, self.attacks)
            net.intel[attackers] += self.forces.p.post_attack_intel
            self.forces.react_to_attacks(areas)
            net.excite(net.area[attackers])
        self.forces.fade_reactions()
        self.forces.detect(net, cond)
        self.forces.sweep_hideouts(net)
        located = (net.intel[: net.n] >= cond.intel_to_locate).nonzero()[0]
        if located.size:
            self._hit_located(net, located)
        if net.leadership.any_exposed():
            self._target_leaders(net)
        # Members fall only at settlement (desertion), to strikes and raids on located cells, and
        # when cells leave for Syria; they rise at settlement (recruits) or with new cells.
        if settling:
            behaviour.regroup_small(net)
        if settling or located.size or departures:
            net.remove_dead()
        if settling or arrivals:
            behaviour.split_large(net)
        self._peak_area_fighters = max(self._peak_area_fighters, int(self.fighters_by_area().max()))
        if self._month_end[self.day]:
            self._record_month()

    def _settle(self, cond: DailyConditions) -> None:
        """The weekly settlement: the slow quantities, for the week ahead."""
        net = self.cells
        self.syria.settle(BOOKKEEPING_DAYS, cond.iraq_pressure)
        net.central_reserve_usd = self.syria.fund_centre(net.central_reserve_usd, BOOKKEEPING_DAYS)
        self.detention.settle(BOOKKEEPING_DAYS, self.syria)
        net.leadership.season(BOOKKEEPING_DAYS)
        cond.stance = self.community.settle(BOOKKEEPING_DAYS)
        self.planner.restage(cond.stance)
        self._refresh_conditions(cond)
        cells = behaviour.CellDay.without_draws(net, cond)
        behaviour.earn_and_spend(net, cond, cells, BOOKKEEPING_DAYS)
        behaviour.recruit(net, cond, cells, BOOKKEEPING_DAYS)
        behaviour.arm(net, cells, BOOKKEEPING_DAYS)
        behaviour.assess(net, cond)
        behaviour.choose_refuges(net, cond, self.forces.base_presence)

    def _hit_located(self, net: CellNetwork, located: np.ndarray) -> None:
        """Located cells: coalition strikes, then Iraqi strikes, then raids on those still located.

        A strike or raid resets the file on the cell it hits, so a cell is hit once a day at most.
        Strikes anywhere, and raids in settled areas, may harm civilians, and the backlash raises
        stance there.
        """
        p, geo, community = self.params, self.geography, self.community
        struck = self.coalition.strike_located_cells(net, located)
        community.collateral(struck, p.coalition.strike_collateral_chance)
        located = self._still_located(net, located)
        struck = self.forces.strike_located_cells(net, located)
        community.collateral(struck, p.iraqi_forces.own_strike_collateral_chance)
        raided = self.forces.raid_located_cells(net, self._still_located(net, located))
        community.collateral(raided[~geo.hideout[raided]], p.iraqi_forces.raid_collateral_chance)

    def _still_located(self, net: CellNetwork, slots: np.ndarray) -> np.ndarray:
        return slots[(net.members[slots] > 0) & (net.intel[slots] >= self.cond.intel_to_locate)]

    def _target_leaders(self, net: CellNetwork) -> None:
        leadership, wilaya = net.leadership, self.geography.wilaya
        coalition = self.coalition.leader_kill_chance(leadership.alive.size, wilaya)
        iraq = self.forces.leader_kill_chance(leadership.alive.size, wilaya)
        leadership.target(1.0 - (1.0 - coalition) * (1.0 - iraq))

    # ----- records -------------------------------------------------------------------------
    def fighters_by_area(self) -> np.ndarray:
        net = self.cells
        return np.bincount(net.area[: net.n], weights=net.members[: net.n], minlength=self.geography.n_areas)

    def removed_in_iraq(self) -> int:
        """IS members killed or captured in Iraq so far, by raids and by coalition and Iraqi strikes."""
        return self.forces.removed_by_raids + self.forces.removed_by_strikes + self.coalition.removed_by_strikes

    def _record_month(self) -> None:
        m = self._month_of_day[self.day]
        for name, read in MONTHLY_STATE.items():
            self._monthly[name][m] = read(self)
        for name, read in MONTHLY_FLOWS.items():
            total = read(self)
            self._monthly[name][m] = total - self._flows_seen[name]
            self._flows_seen[name] = total

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
        forces, coalition, detention, net = self.forces, self.coalition, self.detention, self.cells
        return {
            "raids": forces.raids, "removed_by_raids": forces.removed_by_raids,
            "strikes": coalition.strikes, "removed_by_strikes": coalition.removed_by_strikes,
            "iraqi_strikes": forces.strikes, "removed_by_iraqi_strikes": forces.removed_by_strikes,
            "breakouts": detention.breakouts, "escaped": detention.escaped,
            "iraqi_prison_escapes": detention.prison_escapes,
            "crossed": self.border.crossed, "left_for_syria": self.border.left,
            "attacks_syria": self.syria.attacks,
            "leaders_killed": net.leadership.killed,
            "collateral_incidents": self.community.incidents,
            "fighters_end": net.fighters(),
            "peak_area_fighters": self._peak_area_fighters,
            "territorial": int(self._peak_area_fighters >= self.params.insurgents.territorial_fighters),
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
