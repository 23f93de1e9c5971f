"""The main rates of the integrated model pinned to their formulas, in the fast tier.

Six replicates of the bare baseline (no history, schema defaults, 2024-2025) run as they are,
with every random rule watched: before the rule acts, the chance of each event is computed here
from the state, by the formula of docs/model.md written out independently of the code; after it,
the events are counted. Summed over the run, each count is a sum of independent trials (or a
Poisson count) whose mean and variance the formulas give, and tests/rates.py tests it two-sided at
the 1e-4 level with at least 0.9 power against a 20% change of the rule. The expected values are
not copied from any output: a rule that doubles, halves or loses an input moves its count away
from its formula by many standard deviations. The deterministic rules the random ones read (each
cell's assessed chances to wake and to attack) are compared exactly at every settlement.

The compiled day cannot be watched from inside, so the watched replicates run their days from Python,
phase by phase in the order of sim/model/day.py, calling the parts' own hooks; a watcher reads the state
before its hook and counts after it. One hook is restated here, the forces' daily response, because
its detections and its sweeps add to the same files: the restatement calls the same rules in the same
order so that the detections can be counted between them. That the watched run is the model's own, bit
for bit, is checked against the compiled run of the same replicate.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from frozen import GEO, params, record
from rates import check_count

from sim.model import border, cells, coalition, forces, syria
from sim.model import day as days
from sim.model.parts import PARTS
from sim.runs.replicate import replicate_model
from sim.units import DAYS_PER_WEEK, DAYS_PER_YEAR

from conftest import scenario

REPLICATES = 6
CONFIG = ("history=none", "start=2024-01-01", "end=2025-12-31", "seed=8")
# The phases of the day after the morning's (the morning, appointments and dated changes included, runs
# compiled): the weekly settlement's on its days only.
WEEKLY = ("outside_week", "leaders_week", "stance_week", "conditions", "cells_week")
DAILY = ("prisons", "syria", "border", "cells", "attacks", "response", "located", "leaders", "housekeeping")
assert ("due", "presence", *WEEKLY, *DAILY) == days.PHASES, "the watched day no longer follows the model's"


class Tally:
    """Observed events, and the mean and variance the formulas predict, per rule."""

    def __init__(self):
        self.observed, self.mean, self.variance = defaultdict(float), defaultdict(float), defaultdict(float)
        self.exact_checks = 0
        self.same_as_compiled: list[bool] = []

    def trials(self, rule: str, happened, chances) -> None:
        chances = np.minimum(np.asarray(chances, dtype=float), 1.0)
        self.observed[rule] += float(np.sum(happened))
        self.mean[rule] += float(chances.sum())
        self.variance[rule] += float((chances * (1 - chances)).sum())

    def poisson(self, rule: str, count, mean) -> None:
        self.observed[rule] += float(count)
        self.mean[rule] += float(mean)
        self.variance[rule] += float(mean)


class WatchedReplicate:
    """One replicate's days run phase by phase, each random rule's hook replaced by a watcher of it."""

    def __init__(self, model, tally: Tally):
        self.model, self.w, self.tally = model, model.world, tally
        self.presence = np.zeros(GEO.n_areas)
        watchers = {forces._presence: self.presence_today, cells._week: self.settle_cells, cells._act: self.cells_act,
                    forces._response: self.respond, coalition._strike_located: self.coalition_strikes,
                    forces._strike_and_raid: self.iraqi_strikes, border._cross: self.cross, syria._attack: self.attack}
        self.hooks = {phase: [watchers.pop(part.hooks[phase], part.hooks[phase]) for part in PARTS
                              if phase in part.hooks] for phase in ("presence", *WEEKLY, *DAILY)}
        assert not watchers, f"hooks no longer in the day: {list(watchers)}"

    @property
    def p(self):
        return params(self.model)

    @property
    def r(self) -> int:
        return int(self.w.clock.regime)

    def run(self) -> None:
        w, clock = self.w, self.w.clock
        while clock.day < clock.n_days:
            days._morning(w)
            phases = ("presence", *WEEKLY, *DAILY) if clock.day % DAYS_PER_WEEK == 0 else ("presence", *DAILY)
            for phase in phases:
                for hook in self.hooks[phase]:
                    hook(w)
            if clock.month_end[clock.day]:
                days.record_month(w, clock.month_of_day[clock.day])
            clock.day += 1

    # ----- watchers --------------------------------------------------------------------------------
    def presence_today(self, w) -> None:
        forces._presence(w)
        f = w.forces
        self.presence = f.base_presence[self.r] * (1 + f.reaction)

    def cells_act(self, w) -> None:
        """Switching, moving to cover and planning attacks (docs/model.md 4.5, 4.6, 4.9)."""
        net, p = w.cells, self.p
        ins, n = p.insurgents, net.n
        pressure = np.minimum(net.intel[:n] / p.iraqi_forces.intel_to_locate, 1.0)
        active, home, refuge = net.active[:n].copy(), net.area[:n].copy(), net.refuge.copy()
        dormant = ins.dormancy_rate_per_day * (1 + ins.pressure_dormancy_gain * pressure)
        wake = np.where(pressure < ins.wake_pressure_limit, net.wake_chance[:n], 0.0)
        attack_chance, excitation = net.attack_chance[:n].copy(), net.excitation.copy()
        cells._act(w)
        now_active, area = net.active[:n], net.area[:n]
        flipped = active != now_active
        self.tally.trials("going dormant", flipped[active], dormant[active])
        self.tally.trials("waking", flipped[~active], wake[~active])
        moving = ins.move_rate_when_pressed * pressure * (refuge[home] != home)
        self.tally.trials("moving to cover", area != home, moving)
        undeterred = 1 - p.iraqi_forces.attack_deterrence * self.presence / (1 + self.presence)
        wilaya = GEO.wilaya[area]
        if ins.excitation_shared:       # the wilaya's excitation divided among its active cells, added to each
            active_here = np.bincount(wilaya[now_active], minlength=excitation.size)
            chance = (attack_chance + excitation[wilaya] / np.maximum(active_here[wilaya], 1)) * undeterred[area]
        else:
            chance = attack_chance * undeterred[area] * (1 + excitation[wilaya])
        self.tally.trials("attacks", net.n_attackers, chance[now_active])

    def settle_cells(self, w) -> None:
        """The cells' week: recruits counted, then every cell's assessed chances checked exactly.

        Arming comes after recruiting and spends what it buys, so the money recruiting saw is the money now
        plus what the new arms cost; a cell left broke by the week's money recruits nobody and loses members
        to desertion instead, so it is left out of the recruits' count (its expected recruits are 0)."""
        net, p = w.cells, self.p
        ins, n = p.insurgents, net.n
        members, weapons, active, home = (net.members[:n].copy(), net.weapons[:n].copy(), net.active[:n].copy(),
                                          net.area[:n].copy())
        cells._week(w)
        funds = net.funds[:n] + (net.weapons[:n] - weapons) * ins.weapon_price_usd
        money = funds / (funds + ins.funds_half_saturation_usd)
        mean = (members * DAYS_PER_WEEK * ins.recruit_rate_per_member_per_day * (1 + p.regional.recruitment_boost)
                * w.community.stance[home] * money * active)
        solvent = funds > 0
        # Newcomers join a cell drawn at random: those landing on solvent cells are a Poisson share of them.
        newcomers = ins.inflow_per_year * DAYS_PER_WEEK / DAYS_PER_YEAR * solvent.sum() / max(n, 1)
        self.tally.poisson("recruits", int((net.members[:n] - members)[solvent].sum()), mean.sum() + newcomers)
        self.check_assessment(w)

    def check_assessment(self, w) -> None:
        net, p = w.cells, self.p
        ins, n, leaders = p.insurgents, net.n, w.leadership
        led_posts = leaders.alive * leaders.experience
        coordination = (ins.wali_coordination_share * led_posts[GEO.wilaya[net.area[:n]]]
                        + (1 - ins.wali_coordination_share) * led_posts[leaders.centre])
        led = ins.leaderless_share + (1 - ins.leaderless_share) * coordination
        funds, members = net.funds[:n], net.members[:n]
        money = funds / (funds + ins.funds_half_saturation_usd)
        wake = (ins.activation_rate_per_day * (1 + p.regional.recruitment_boost) * led
                * (ins.unfunded_share + (1 - ins.unfunded_share) * money))
        capability = (np.sqrt(np.maximum(members, 1) / ins.mean_cell_size)
                      * np.minimum(net.weapons[:n] / np.maximum(members, 1), 1.0)
                      * np.where(funds >= ins.attack_cost_usd, 1.0, ins.unfunded_share))
        np.testing.assert_allclose(net.wake_chance[:n], wake, rtol=1e-9)
        np.testing.assert_allclose(net.attack_chance[:n], ins.attack_rate_per_day * capability * led * w.strategy.tempo,
                                   rtol=1e-9)
        self.tally.exact_checks += 1

    def respond(self, w) -> None:
        """The forces' daily response as sim/model/forces.py runs it (surges fade; detection; sweeps; the
        located cells listed), with the detections counted before the sweeps add to the same files."""
        f, net, p, r = w.forces, w.cells, self.p, self.r
        fp, rules = p.iraqi_forces, record(self.model, "iraqi_forces")
        f.reaction[:] *= f.reaction_keep[r]
        n = net.n
        area, members, active = net.area[:n].copy(), net.members[:n].copy(), net.active[:n].copy()
        isr = np.minimum(w.coalition.cover[r] * p.relations.intelligence_sharing + f.own_isr[r], 1.0)
        per_area = (fp.detection_rate_per_day * (1 + fp.isr_detection_gain * isr)
                    * (1 + fp.hostile_community_gain * (1 - w.community.stance)) * (1 - GEO.ruggedness)
                    * self.presence / (1 + np.bincount(area, minlength=GEO.n_areas) / fp.cells_followed_per_area))
        visibility = (np.sqrt(np.maximum(members, 1) / p.insurgents.mean_cell_size)
                      * np.where(active, 1.0, fp.dormant_exposure))
        before = net.intel[:n].copy()
        forces.detect(net, f.detection, f.presence, forces.visibility(net, net.size_factor, rules["dormant_exposure"]),
                      rules["cells_followed_per_area"], f.intel_keep[r], w.streams.detection)
        detected = net.intel[:n] - before * (1 - fp.intel_decay_per_day) > 0.5
        self.tally.trials("detections", detected, per_area[area] * visibility)
        forces.sweep_hideouts(net, w.places.iraqi_hideouts, w.places.ruggedness,
                              rules["sweep_rate_per_day"] * f.readiness[r], rules["sweep_detection"],
                              rules["sweep_terrain_penalty"], w.streams.detection)
        if f.located.size < net.n:
            f.located = np.empty(net.area.size, np.int64)
        f.n_located = forces.locate(net, f.intel_to_locate, f.located)

    def coalition_strikes(self, w) -> None:
        f, net, p = w.forces, w.cells, self.p
        located = f.located[: f.n_located].copy()
        chance = p.coalition.strike_rate_per_day * p.relations.intelligence_sharing * w.coalition.cover[self.r]
        before = w.coalition.strikes
        coalition._strike_located(w)
        self.tally.trials("coalition strikes", w.coalition.strikes - before, chance[net.area[located]])

    def iraqi_strikes(self, w) -> None:
        """Iraq strikes the located cells the coalition left (still holding members and a full file)."""
        f, net, r = w.forces, w.cells, self.r
        located = f.located[: f.n_located].copy()
        left = located[(net.members[located] > 0) & (net.intel[located] >= f.intel_to_locate)]
        chance = self.p.iraqi_forces.own_strike_rate_per_day * f.readiness[r] * f.own_isr[r]
        before = f.strikes
        forces._strike_and_raid(w)
        self.tally.trials("Iraqi strikes", f.strikes - before, chance[net.area[left]])

    def cross(self, w) -> None:
        p = self.p
        shares = np.array([c.attempt_share for c in GEO.crossings])
        permeability = (np.array([c.base_permeability for c in GEO.crossings])
                        * (1 - p.iraqi_forces.border_fortification) * (1 - p.syria.syrian_border_control))
        chance = (p.syria.crossing_attempt_rate_per_day * w.syria.iraq_effort / 0.5
                  * (shares @ permeability / shares.sum()))
        fighters = max(w.syria.free_fighters, 0)
        before = int(w.border.crossed.sum())
        border._cross(w)
        self.tally.trials("fighters crossing", int(w.border.crossed.sum()) - before, np.full(fighters, chance))

    def attack(self, w) -> None:
        p, leaders, arena = self.p, w.leadership, w.syria
        share = p.insurgents.leaderless_share
        centre = share + (1 - share) * leaders.alive[leaders.centre] * leaders.experience[leaders.centre]
        mean = (p.syria.attack_rate_per_fighter_per_day * arena.free_fighters * (1 - arena.iraq_effort) / 0.5
                * p.syria.permissiveness)
        before = arena.attacks
        syria._attack(w)
        self.tally.poisson("attacks in Syria", arena.attacks - before, mean * centre)


def same_outcome(a, b) -> bool:
    return (all(np.array_equal(a.attacks[k], b.attacks[k]) for k in a.attacks)
            and all(np.array_equal(a.monthly_state[k], b.monthly_state[k]) for k in a.monthly_state)
            and a.counters == b.counters)


@pytest.fixture(scope="module")
def tally() -> Tally:
    result = Tally()
    cfg = scenario("baseline", *CONFIG)
    for index in range(REPLICATES):
        model = replicate_model(cfg, index)
        WatchedReplicate(model, result).run()
        result.same_as_compiled.append(same_outcome(model.outcome(), replicate_model(cfg, index).run()))
    return result


def test_the_watched_replicates_are_the_models_own_bit_for_bit(tally):
    assert tally.same_as_compiled == [True] * REPLICATES


# The rules whose events the run is long enough to test with the stated power (the check refuses one
# that is not). Rarer rules (coalition and Iraqi strikes, recruits, crossings: 30 to 300 events here)
# are tested with that power on frozen states with their rates raised (tests/test_rules_*.py); here
# they are held within five standard deviations of their formula, which a doubling or halving of the
# rule leaves with probability below 0.1 at 30 expected events, and far below at more.
POWERED = ["attacks", "going dormant", "waking", "detections", "moving to cover", "attacks in Syria"]


@pytest.mark.parametrize("rule", POWERED)
def test_the_integrated_model_runs_each_main_rule_at_its_formulas_rate(tally, rule):
    check_count(tally.observed[rule], tally.mean[rule], tally.variance[rule], rule)


@pytest.mark.parametrize("rule", ["coalition strikes", "Iraqi strikes", "recruits", "fighters crossing"])
def test_rarer_rules_stay_within_five_standard_deviations_of_their_formula(tally, rule):
    z = (tally.observed[rule] - tally.mean[rule]) / np.sqrt(tally.variance[rule])
    assert tally.mean[rule] > 25 and abs(z) < 5, (rule, tally.observed[rule], tally.mean[rule])


def test_every_settlement_assessed_the_chances_its_formulas_give(tally):
    weeks = (np.datetime64("2025-12-31") - np.datetime64("2024-01-01")).astype(int) // 7 + 1
    assert tally.exact_checks == REPLICATES * weeks
