"""The cells' rules (docs/model.md 4.2-4.9), each on a frozen state against its formula.

Deterministic rules are compared with the formula written out here, independently of the code, at
several values of each input (which also checks the direction in each input). Random rules are run
many times on the same state and their counts compared with the formula's by the tests of
tests/rates.py: two-sided at the 1e-4 level, each designed to detect a 20% change of the rule with
probability at least 0.9 (the check refuses a design with less).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from frozen import GEO, area, frozen_model, only_cells
from rates import check_bernoulli, check_binomial, check_count, check_poisson
from scipy import stats

from sim.model import insurgent_behaviour as behaviour
from sim.model.attacks import ATTACK_TYPES, COMPLEX
from sim.model.conditions import refuge_areas

KIRKUK, HAMRIN, MOSUL, ZGHAYTUN = area("kirkuk"), area("hamrin_mountains"), area("mosul"), area("wadi_zghaytun")


def day_of(net, cond):
    return behaviour.CellDay.of(net, cond)


def set_pressure(net, cond, pressure):
    net.intel[: net.n] = np.asarray(pressure) * cond.intel_to_locate


# ----- 4.5 dormant and active ---------------------------------------------------------------
@pytest.mark.parametrize("pressure", [0.0, 0.5])
def test_active_cells_go_dormant_at_the_dormancy_rate_raised_by_pressure(pressure):
    model = frozen_model()
    net, cond, p = only_cells(model, (KIRKUK, 2000)), model.cond, model.params.insurgents
    chance = p.dormancy_rate_per_day * (1 + p.pressure_dormancy_gain * pressure)
    went_dormant, rounds = 0, 60
    for _ in range(rounds):
        net.active[: net.n] = True
        set_pressure(net, cond, pressure)
        behaviour.switch_state(net, day_of(net, cond))
        went_dormant += int((~net.active[: net.n]).sum())
    check_binomial(went_dormant, rounds * net.n, chance, f"going dormant at pressure {pressure}")


def test_dormant_cells_wake_at_their_assessed_chance_unless_tracked_to_the_limit():
    model = frozen_model()
    net, cond, p = only_cells(model, (KIRKUK, 2000), active=False), model.cond, model.params.insurgents
    woke, rounds = 0, 10
    for _ in range(rounds):
        net.active[: net.n] = False
        net.wake_chance[: net.n] = 0.04
        set_pressure(net, cond, 0.9 * p.wake_pressure_limit)
        behaviour.switch_state(net, day_of(net, cond))
        woke += int(net.active[: net.n].sum())
    check_binomial(woke, rounds * net.n, 0.04, "waking below the pressure limit")
    net.active[: net.n] = False
    net.wake_chance[: net.n] = 1.0
    set_pressure(net, cond, p.wake_pressure_limit)          # exactly at the limit: no cell wakes
    behaviour.switch_state(net, day_of(net, cond))
    assert not net.active[: net.n].any()


def test_assessed_chances_follow_leadership_money_propaganda_size_and_arms():
    """Wake = activation * (1 + boost) * led * (unfunded + (1 - unfunded) * money);
    attack = attack_rate * capability * led, with led = leaderless + (1 - leaderless) * coordination."""
    model = frozen_model("model.regional.recruitment_boost=0.5")
    p = model.params.insurgents
    rng = np.random.default_rng(5)
    n = 60
    areas = rng.choice([KIRKUK, MOSUL, HAMRIN], n)
    members = rng.integers(1, 15, n)
    funds = rng.choice([0.0, 500.0, 900.0, 5000.0], n)
    weapons = rng.uniform(0, 25, n)
    net = only_cells(model, areas, members, funds, weapons)
    leadership = net.leadership
    leadership.kill(leadership.post_index("kirkuk"))
    leadership.experience[leadership.centre] = 0.3
    leadership.configure(p)
    behaviour.assess(net, model.cond)
    alive, exp = leadership.alive, leadership.experience
    wilaya = GEO.wilaya[areas]
    coordination = (p.wali_coordination_share * alive[wilaya] * exp[wilaya]
                    + (1 - p.wali_coordination_share) * alive[leadership.centre] * exp[leadership.centre])
    led = p.leaderless_share + (1 - p.leaderless_share) * coordination
    money = funds / (funds + p.funds_half_saturation_usd)
    wake = p.activation_rate_per_day * 1.5 * led * (p.unfunded_share + (1 - p.unfunded_share) * money)
    size = np.sqrt(np.maximum(members, 1) / p.mean_cell_size)
    armed = np.minimum(weapons / np.maximum(members, 1), 1.0)
    funded = np.where(funds >= p.attack_cost_usd, 1.0, p.unfunded_share)
    np.testing.assert_allclose(net.coordination(), coordination, rtol=1e-12)
    np.testing.assert_allclose(behaviour.capability(net), size * armed * funded, rtol=1e-12)
    np.testing.assert_allclose(net.wake_chance[:n], wake, rtol=1e-12)
    np.testing.assert_allclose(net.attack_chance[:n], p.attack_rate_per_day * size * armed * funded * led, rtol=1e-12)


# ----- 4.6 moving to cover ---------------------------------------------------------------------
def test_tracked_cells_move_to_their_refuge_at_the_pressed_rate_keeping_part_of_the_trail():
    model = frozen_model()
    net, cond, p = only_cells(model, [KIRKUK] * 2000 + [HAMRIN] * 500), model.cond, model.params.insurgents
    cond.refuge = np.arange(GEO.n_areas)
    cond.refuge[KIRKUK] = ZGHAYTUN                 # Hamrin is its own refuge: its cells stay put
    moved, rounds, pressure = 0, 20, 0.5
    for _ in range(rounds):
        net.area[: net.n] = [KIRKUK] * 2000 + [HAMRIN] * 500
        set_pressure(net, cond, pressure)
        before = net.intel[: net.n].copy()
        behaviour.move_to_cover(net, cond, day_of(net, cond))
        went = net.area[: net.n] != np.array([KIRKUK] * 2000 + [HAMRIN] * 500)
        assert (net.area[: net.n][went] == ZGHAYTUN).all() and not went[2000:].any()
        np.testing.assert_allclose(net.intel[: net.n], np.where(went, before * p.trail_kept_after_move, before))
        moved += int(went.sum())
    check_binomial(moved, rounds * 2000, p.move_rate_when_pressed * pressure, "moving to cover")


def test_the_refuge_is_the_safest_strictly_safer_iraqi_neighbour():
    """Safety = ruggedness - presence_danger * standing presence - crowding * cells, written out by hand."""
    rng = np.random.default_rng(2)
    for _ in range(20):
        presence = rng.uniform(0, 3, GEO.n_areas)
        cells = rng.integers(0, 15, GEO.n_areas)
        got = refuge_areas(GEO, presence, cells, crowding=0.03, presence_danger=0.1)
        safety = GEO.ruggedness - 0.1 * presence - 0.03 * cells
        for a in range(GEO.n_areas):
            options = [b for b in np.flatnonzero(GEO.adjacency[a]) if GEO.in_iraq[b]]
            best = max(options, key=lambda b: safety[b]) if options else a
            expected = best if options and safety[best] > safety[a] else a
            if not GEO.in_iraq[a] and options:
                expected = best
            assert got[a] == expected, (GEO.area_ids[a], GEO.area_ids[got[a]], GEO.area_ids[expected])


def test_refuges_are_chosen_from_standing_presence_not_surges():
    model = frozen_model()
    model.forces.reaction[:] = 3.0
    model.step()                                    # day 0 is a settlement
    cells_here = np.bincount(model.cells.area[: model.cells.n], minlength=GEO.n_areas)
    p = model.params.insurgents
    # The refuges were chosen at the settlement, before the day's moves: recompute from what moved.
    expected = refuge_areas(GEO, model.forces.base_presence, cells_here, p.hideout_crowding, p.presence_danger)
    surged = refuge_areas(GEO, model.forces.presence(), cells_here, p.hideout_crowding, p.presence_danger)
    assert not np.array_equal(expected, surged)
    moved_between = (model.cond.refuge != expected).sum()
    assert moved_between <= 2          # only where a move that day changed the crowding


# ----- 4.7 recruitment ---------------------------------------------------------------------------
def test_recruitment_rate_per_area_is_the_ceiling_times_propaganda_and_stance():
    model = frozen_model("model.regional.recruitment_boost=0.8")
    p = model.params.insurgents
    np.testing.assert_allclose(model.cond.recruit_rate, p.recruit_rate_per_member_per_day * 1.8 * model.cond.stance)
    assert model.cond.propaganda == pytest.approx(1.8)


def test_active_cells_recruit_poisson_in_members_rate_money_and_days_and_dormant_ones_do_not():
    model = frozen_model()
    funds = np.where(np.arange(2000) % 2 == 0, 3000.0, 12000.0)
    active = np.arange(2000) % 4 < 3
    net, cond = only_cells(model, (KIRKUK, 2000), members=8, funds=funds, active=active), model.cond
    cond.recruit_rate = np.full(GEO.n_areas, 0.004)
    money = funds / (funds + model.params.insurgents.funds_half_saturation_usd)
    gained_active, gained_dormant, rounds = 0, 0, 5
    for _ in range(rounds):
        net.members[: net.n] = 8
        behaviour.recruit(net, cond, behaviour.CellDay.without_draws(net, cond), days=7)
        gained = net.members[: net.n] - 8
        gained_active += int(gained[active].sum())
        gained_dormant += int(gained[~active].sum())
    check_poisson(gained_active, rounds * float((8 * 0.004 * 7 * money * active).sum()), "recruits")
    assert gained_dormant == 0


# ----- 4.4 money ----------------------------------------------------------------------------------
def income(p, population_k):
    return p.income_per_member_usd_per_day * population_k / (population_k + p.income_half_population_k)


def test_cells_earn_by_population_and_pay_upkeep_dormant_ones_half():
    model = frozen_model()
    model.cells.central_reserve_usd = 0.0                # no stipend: only income and upkeep
    p = model.params.insurgents
    areas = [MOSUL, ZGHAYTUN, MOSUL, ZGHAYTUN]
    active = [True, True, False, False]
    net = only_cells(model, areas, members=[4, 5, 6, 7], funds=1e5, active=active)
    behaviour.earn_and_spend(net, model.cond, behaviour.CellDay.without_draws(net, model.cond), days=7)
    upkeep = p.upkeep_per_member_usd_per_day * np.where(active, 1.0, p.dormant_upkeep_share)
    expected = 1e5 + np.array([4, 5, 6, 7]) * 7 * (income(p, GEO.population_k[areas]) - upkeep)
    np.testing.assert_allclose(net.funds[:4], expected, rtol=1e-12)


def test_the_centre_tops_up_cells_short_of_cash_with_a_stipend_that_follows_its_effort():
    model = frozen_model()
    model.syria.iraq_effort = 0.8
    model._refresh_conditions(model.cond)
    p = model.params.insurgents
    stipend = p.central_stipend_usd_per_day * (0.8 / 0.5) ** p.stipend_effort_elasticity
    assert model.cond.central_stipend_usd == pytest.approx(stipend, rel=1e-12)
    target = p.cash_target_days * p.upkeep_per_member_usd_per_day
    funds = np.array([0.0, target * 5 - 50.0, target * 5 + 1.0])
    net = only_cells(model, [MOSUL] * 3, members=5, funds=funds)
    reserve = model.cells.central_reserve_usd = 1e6
    behaviour.earn_and_spend(net, model.cond, behaviour.CellDay.without_draws(net, model.cond), days=7)
    after_income = funds + 5 * 7 * (income(p, GEO.population_k[MOSUL]) - p.upkeep_per_member_usd_per_day)
    paid = np.minimum(stipend * 5 * 7, np.maximum(target * 5 - after_income, 0.0))
    assert paid[0] > 0 and 0 < paid[1] < paid[0] and paid[2] == 0
    np.testing.assert_allclose(net.funds[:3], after_income + paid, rtol=1e-12)
    assert model.cells.central_reserve_usd == pytest.approx(reserve - paid.sum())


def test_stipends_are_scaled_down_together_when_the_reserves_run_short_and_stop_without_a_centre():
    model = frozen_model()
    p = model.params.insurgents
    net = only_cells(model, [MOSUL, KIRKUK], members=[5, 10], funds=0.0)
    model.cells.central_reserve_usd = 100.0
    behaviour.earn_and_spend(net, model.cond, behaviour.CellDay.without_draws(net, model.cond), days=7)
    wanted = model.cond.central_stipend_usd * np.array([5, 10]) * 7
    earned = np.array([5, 10]) * 7 * (income(p, GEO.population_k[[MOSUL, KIRKUK]]) - p.upkeep_per_member_usd_per_day)
    np.testing.assert_allclose(net.funds[:2], np.maximum(earned + wanted * 100.0 / wanted.sum(), 0.0), rtol=1e-9)
    assert model.cells.central_reserve_usd == 0.0
    model.cells.central_reserve_usd = 1e6
    net.leadership.kill(net.leadership.centre)
    net.funds[:2] = 1000.0
    behaviour.earn_and_spend(net, model.cond, behaviour.CellDay.without_draws(net, model.cond), days=7)
    assert model.cells.central_reserve_usd == 1e6
    np.testing.assert_allclose(net.funds[:2], 1000.0 + earned, rtol=1e-12)


def test_members_of_broke_cells_desert_at_the_weekly_desertion_chance():
    model = frozen_model()
    model.cells.central_reserve_usd = 0.0
    p = model.params.insurgents
    net = only_cells(model, (ZGHAYTUN, 2000), members=10, funds=0.0, active=False)
    left, rounds = 0, 4
    for _ in range(rounds):
        net.members[: net.n], net.funds[: net.n] = 10, 0.0
        behaviour.earn_and_spend(net, model.cond, behaviour.CellDay.without_draws(net, model.cond), days=7)
        assert (net.funds[: net.n] == 0).all()
        left += int(10 * net.n - net.members[: net.n].sum())
    check_binomial(left, rounds * 10 * net.n, 1 - (1 - p.desertion_rate_per_day) ** 7, "desertion")
    rich = only_cells(model, (ZGHAYTUN, 50), members=10, funds=1e5, active=False)
    behaviour.earn_and_spend(rich, model.cond, behaviour.CellDay.without_draws(rich, model.cond), days=7)
    assert (rich.members[: rich.n] == 10).all()


# ----- 4.8 arming ---------------------------------------------------------------------------------
def test_cells_buy_up_to_the_standard_one_weapon_a_day_as_far_as_their_cash_goes():
    model = frozen_model()
    p = model.params.insurgents
    price = p.weapon_price_usd
    members = np.array([10, 10, 5, 10, 10])
    weapons = np.array([3.0, 3.0, 3.0, 20.0, 14.5])
    funds = np.array([5 * price + 10, 100 * price, 100 * price, 100 * price, 100 * price])
    net = only_cells(model, [MOSUL] * 5, members, funds, weapons)
    behaviour.arm(net, behaviour.CellDay.without_draws(net, model.cond), days=7)
    # standard 15: short 12 but cash for 5; short 12, capped at 7 a week; standard 7.5, short ceil(4.5) = 5;
    # above the standard: none; short ceil(0.5) = 1.
    bought = np.array([5, 7, 5, 0, 1])
    np.testing.assert_allclose(net.weapons[:5], weapons + bought)
    np.testing.assert_allclose(net.funds[:5], funds - bought * price)


# ----- 4.9 attacks: hazard, deterrence, self-excitation -------------------------------------------
def test_active_cells_attack_at_their_chance_less_deterrence_more_after_their_wilayas_attacks():
    model = frozen_model()
    n = 3000
    areas = np.where(np.arange(n) % 2 == 0, KIRKUK, MOSUL)
    active = np.arange(n) % 3 != 0
    net, cond = only_cells(model, areas, active=active), model.cond
    model.forces.reaction[KIRKUK] = 2.0
    cond = model._update_conditions()
    net.excitation[GEO.wilaya[KIRKUK]] = 1.5
    deterrence = model.params.iraqi_forces.attack_deterrence
    presence = model.forces.base_presence * (1 + model.forces.reaction)
    np.testing.assert_allclose(cond.undeterred, 1 - deterrence * presence / (1 + presence), rtol=1e-12)
    assert cond.undeterred[KIRKUK] < cond.undeterred[MOSUL] < 1
    chance = 0.02 * cond.undeterred[areas] * (1 + net.excitation[GEO.wilaya[areas]])
    hits, rounds = np.zeros(n), 80
    for _ in range(rounds):
        net.attack_chance[:n] = 0.02
        attackers = behaviour.plan_attacks(net, cond, day_of(net, cond))
        assert active[attackers].all()
        hits[attackers] += 1
    for where in (KIRKUK, MOSUL):
        cells = active & (areas == where)
        check_bernoulli(hits[cells], np.tile(chance[cells], rounds), f"attacks in {GEO.area_ids[where]}")


def test_each_attack_raises_its_wilayas_excitation_which_fades_by_the_day():
    model = frozen_model()
    net, p = model.cells, model.params.insurgents
    net.excite(np.array([KIRKUK, ZGHAYTUN, KIRKUK, MOSUL]))        # two wilayas: kirkuk thrice, nineveh once
    expected = np.zeros(len(GEO.wilaya_ids))
    expected[GEO.wilaya[KIRKUK]] = 3 * p.attack_excitation
    expected[GEO.wilaya[MOSUL]] = p.attack_excitation
    np.testing.assert_allclose(net.excitation, expected)
    for _ in range(10):
        net.fade_excitation()
    np.testing.assert_allclose(net.excitation, expected * np.exp(-10 / p.excitation_decay_days), rtol=1e-12)


def test_an_attack_adds_intelligence_on_its_cell_a_surge_where_it_lands_and_excitation_at_home():
    """One day with one certain attack, detection and sweeps off: the daily order of docs/model.md section 2."""
    model = frozen_model("model.iraqi_forces.detection_rate_per_day=0", "model.iraqi_forces.sweep_rate_per_day=0",
                         "model.iraqi_forces.attack_deterrence=0", "model.insurgents.dormancy_rate_per_day=0")
    model.step()                                        # day 0: the settlement
    net = only_cells(model, [HAMRIN, KIRKUK], active=[True, False])
    net.attack_chance[:2] = [1.0, 0.0]
    net.wake_chance[:2] = 0.0
    model.forces.reaction[:] = 0.0
    net.excitation[:] = 0.0
    before = len(model.attacks)                          # the settlement's day may have had attacks of its own
    model.step()
    assert len(model.attacks) == before + 1 and model.attacks.cell[before] == net.uid[0]
    landed = model.attacks.area[before]
    p = model.params.iraqi_forces
    assert net.intel[0] == pytest.approx(p.post_attack_intel * (1 - p.intel_decay_per_day))
    assert net.intel[1] == 0
    surge = np.zeros(GEO.n_areas)
    surge[landed] = p.reaction_boost * np.exp(-1 / p.reaction_decay_days)
    np.testing.assert_allclose(model.forces.reaction, surge, rtol=1e-12)
    excitation = np.zeros(len(GEO.wilaya_ids))
    excitation[GEO.wilaya[HAMRIN]] = model.params.insurgents.attack_excitation
    np.testing.assert_allclose(net.excitation, excitation)
    assert net.funds[0] == 1e5 - model.params.insurgents.attack_cost_usd
    assert net.weapons[0] == 6 * 1.5 - model.params.insurgents.weapons_per_attack


def test_surges_add_up_to_their_limit_and_fade_by_the_day():
    model = frozen_model()
    forces, p = model.forces, model.params.iraqi_forces
    forces.react_to_attacks(np.array([KIRKUK, KIRKUK, MOSUL]))
    assert forces.reaction[KIRKUK] == pytest.approx(2 * p.reaction_boost)
    assert forces.reaction[MOSUL] == pytest.approx(p.reaction_boost)
    forces.react_to_attacks(np.full(20, KIRKUK))
    assert forces.reaction[KIRKUK] == pytest.approx(p.reaction_limit)
    for _ in range(5):
        forces.fade_reactions()
    assert forces.reaction[MOSUL] == pytest.approx(p.reaction_boost * np.exp(-5 / p.reaction_decay_days))
    np.testing.assert_allclose(forces.presence(), forces.base_presence * (1 + forces.reaction))


# ----- 4.9 attacks: placement, direction, type, severity, cost ------------------------------------
def test_hideout_cells_stage_attacks_into_settled_neighbours_by_population_times_stance():
    model = frozen_model()
    planner, share = model.planner, model.params.insurgents.hideout_staging_share
    rng = np.random.default_rng(11)
    home = area("kirkuk_sulaymaniyah_border")
    places = np.array([planner._place(home, rng) for _ in range(6000)])
    check_binomial(int((places == home).sum()), places.size, 1 - share, "attacks at home")
    targets = [b for b in np.flatnonzero(GEO.adjacency[home]) if GEO.in_iraq[b] and not GEO.hideout[b]]
    odds = GEO.population_k[targets] * GEO.community_stance[targets]
    staged = places[places != home]
    counts = np.array([(staged == t).sum() for t in targets])
    assert counts.sum() == staged.size
    assert stats.chisquare(counts, odds / odds.sum() * staged.size).pvalue > 1e-4
    assert (np.array([planner._place(KIRKUK, rng) for _ in range(200)]) == KIRKUK).all()
    stance = GEO.community_stance.copy()
    stance[targets[0]] = 0.0
    planner.restage(stance)
    assert targets[0] not in {planner._place(home, rng) for _ in range(2000)}


def carry_out_many(model, net, rounds):
    slots = np.arange(net.n)
    for _ in range(rounds):
        model.planner.carry_out(net, slots, np.ones(net.n), 0, model.attacks)
    return {name: np.asarray(values) for name, values in model.attacks.arrays().items()}


def test_the_centre_directs_its_share_of_attacks_while_its_post_is_filled():
    model = frozen_model()
    net = only_cells(model, (MOSUL, 1000))
    log = carry_out_many(model, net, 10)
    check_binomial(int(log["directed"].sum()), log["directed"].size,
                   model.params.insurgents.central_direction_share, "directed attacks")
    net.leadership.kill(net.leadership.centre)
    model.attacks.directed.clear()
    assert not carry_out_many(model, net, 1)["directed"].any()


def test_attack_types_follow_their_weights_with_complex_attacks_scaled_by_coordination_size_and_direction():
    model = frozen_model("model.attacks.type_weights=[1,1,1,1,2]", "model.insurgents.central_direction_share=0.15")
    p, ins = model.params.attacks, model.params.insurgents
    leadership = model.cells.leadership
    leadership.experience[:] = 0.5                       # coordination 0.5 everywhere
    leadership.configure(ins)
    members = np.where(np.arange(4000) % 2 == 0, p.complex_min_members, p.complex_min_members - 1)
    net = only_cells(model, [MOSUL] * 4000, members=members)
    log = carry_out_many(model, net, 4)
    able = np.tile(members >= p.complex_min_members, 4)
    assert not (log["type"][~able] == COMPLEX).any()
    for directed, gain in ((False, 1.0), (True, p.directed_complex_gain)):
        cells = able & (log["directed"] == directed)
        complex_weight = 2 * 0.5 * gain
        check_binomial(int((log["type"][cells] == COMPLEX).sum()), int(cells.sum()),
                       complex_weight / (4 + complex_weight), f"complex attacks, directed={directed}")
    plain = log["type"][~able]
    assert stats.chisquare(np.bincount(plain, minlength=len(ATTACK_TYPES))[:COMPLEX]).pvalue > 1e-4


def test_casualties_are_killed_in_the_killed_share_and_severity_floors_capability():
    model = frozen_model()
    planner, p = model.planner, model.params.attacks
    rng = np.random.default_rng(3)
    draws = np.array([planner._severity(1, 1.0, rng) for _ in range(3000)])
    check_binomial(int(draws[:, 0].sum()), int(draws.sum()), p.killed_share, "killed share")
    a = np.array([sum(planner._severity(0, 0.0, np.random.default_rng(k))) for k in range(300)])
    b = np.array([sum(planner._severity(0, 1e-3, np.random.default_rng(k))) for k in range(300)])
    assert np.array_equal(a, b)


def test_severity_rises_with_the_type_mean_and_with_capability_by_the_gain():
    """Mean casualties exp(mu_type + gain * ln(capability) + sd^2 / 2) for types 0 and 4 and two capabilities."""
    model = frozen_model()
    planner, p = model.planner, model.params.attacks
    rng = np.random.default_rng(9)
    for attack_type in (0, COMPLEX):
        for capability in (0.5, 2.0):
            draws = np.array([sum(planner._severity(attack_type, capability, rng)) for _ in range(3000)])
            mean = np.exp(p.severity_log_mean[attack_type] + p.capability_severity_gain * np.log(capability)
                          + p.severity_log_sd ** 2 / 2)
            # Poisson-lognormal variance: mean + mean^2 (exp(sd^2) - 1); tested on the total of the draws.
            variance = draws.size * (mean + mean ** 2 * (np.exp(p.severity_log_sd ** 2) - 1))
            check_count(draws.sum(), draws.size * mean, variance, f"severity of type {attack_type} at {capability}")


def test_an_attack_costs_its_cell_money_and_arms_floored_at_zero():
    model = frozen_model()
    ins = model.params.insurgents
    net = only_cells(model, [MOSUL] * 3, funds=np.array([5000.0, 100.0, 0.0]), weapons=np.array([4.0, 0.5, 0.0]))
    model.planner.carry_out(net, np.arange(3), np.ones(3), 0, model.attacks)
    np.testing.assert_allclose(net.funds[:3], [5000.0 - ins.attack_cost_usd, 0.0, 0.0])
    np.testing.assert_allclose(net.weapons[:3], [4.0 - ins.weapons_per_attack, 0.0, 0.0])


# ----- 4.2 cells: seeding, new cells, regrouping ---------------------------------------------------
def test_starting_cells_have_the_stated_sizes_places_states_cash_and_arms():
    model = frozen_model("model.insurgents.initial_fighters_iraq=12000")
    net, p = model.cells, model.params.insurgents
    n = net.n
    members, areas = net.members[:n], net.area[:n]
    assert members.sum() == 12000 and members.max() <= p.max_cell_size
    # Size: min(max(1, Poisson(mean - 1) + 1), max size); the last cell may be cut to what remains.
    full = members[:-1]
    size_mean = 1 + sum(k * stats.poisson.pmf(k, p.mean_cell_size - 1) for k in range(60)
                        if k + 1 <= p.max_cell_size) + (p.max_cell_size - 1) * stats.poisson.sf(
        p.max_cell_size - 1, p.mean_cell_size - 1)
    size_var = full.var()
    check_count(full.sum(), full.size * size_mean, full.size * size_var, "starting cell sizes")
    check_binomial(int(GEO.hideout[areas].sum()), n, p.hideout_start_share, "cells starting in hideouts")
    assert GEO.in_iraq[areas].all()
    assert (GEO.population_k[areas[~GEO.hideout[areas]]] < p.no_start_cells_above_population_k).all()
    check_binomial(int(net.active[:n].sum()), n, p.initial_active_share, "cells starting active")
    np.testing.assert_allclose(net.funds[:n], members * p.initial_funds_per_member_usd)
    np.testing.assert_allclose(net.weapons[:n], members * p.weapons_per_member)
    hideouts = np.flatnonzero(GEO.hideout & GEO.in_iraq)
    counts = np.array([(areas == h).sum() for h in hideouts])
    assert stats.chisquare(counts).pvalue > 1e-4


def test_starting_links_join_cells_of_one_wilaya_at_the_stated_rate():
    model = frozen_model("model.insurgents.initial_fighters_iraq=12000")
    net, p = model.cells, model.params.insurgents
    agents = net.agents[: net.n]
    links = {frozenset((a.unique_id, b.unique_id)) for a in agents for b in a.links}
    assert all(GEO.wilaya[a.area] == GEO.wilaya[b.area] for a in agents for b in a.links)
    per_wilaya = np.bincount(GEO.wilaya[net.area[: net.n]])
    draws = sum(p.lateral_links_per_cell * c / 2 for c in per_wilaya if c >= 2)
    # A repeated pair counts once: with hundreds of cells per wilaya that is a fraction of a percent.
    check_poisson(len(links), draws, "links at the start")


def test_new_fighters_form_dormant_linked_cells_of_about_the_mean_size():
    model = frozen_model()
    net, p = model.cells, model.params.insurgents
    before = net.n
    net.form_cells(ZGHAYTUN, 20, 700.0)
    new = np.arange(before, net.n)
    assert new.size == int(np.ceil(20 / p.mean_cell_size))
    assert sorted(net.members[new].tolist()) == [5, 5, 5, 5]
    assert not net.active[new].any() and (net.area[new] == ZGHAYTUN).all()
    np.testing.assert_allclose(net.funds[new], net.members[new] * 700.0)
    np.testing.assert_allclose(net.weapons[new], net.members[new] * p.weapons_per_member)
    chain = [net.agents[s] for s in new]
    for a, b in itertools.pairwise(chain):
        assert b in a.links
    assert all(link in chain for cell in chain for link in cell.links)
    assert net.wake_chance[new].sum() == 0 and net.attack_chance[new].sum() == 0
    net.form_cells(ZGHAYTUN, 2, 0.0)
    assert net.members[net.n - 1] == 2


def test_remnants_join_the_smallest_other_cell_of_their_area_which_keeps_its_file_and_state():
    model = frozen_model()
    net = only_cells(model, [KIRKUK, KIRKUK, KIRKUK, MOSUL], members=[2, 9, 5, 1],
                     funds=np.array([100.0, 10.0, 20.0, 30.0]), active=[True, True, False, True])
    net.intel[:4] = [1.0, 0.0, 0.4, 0.0]
    remnant, small_host = net.agents[0], net.agents[2]
    other = net.agents[1]
    net.link(remnant, other)
    behaviour.regroup_small(net)
    net.remove_dead()
    assert remnant not in net.agents[: net.n]
    host = small_host.slot
    assert net.members[host] == 7 and net.funds[host] == pytest.approx(120.0)
    assert net.intel[host] == pytest.approx(0.4) and not net.active[host]
    assert other in small_host.links
    lone = [a for a in net.agents[: net.n] if a.area == MOSUL]
    assert len(lone) == 1 and lone[0].members == 1          # alone in its area: stays as it is


@pytest.mark.parametrize("threshold, expected", [(300, 1), (301, 0)])
def test_the_territorial_indicator_fires_when_one_area_reaches_the_threshold(threshold, expected):
    """300 fighters in Kirkuk, nothing that could change them on the first day (no detection, no sweeps,
    no recruits, cash in hand): the peak is 300, and 'territorial' is 1 from a threshold of 300 down."""
    model = frozen_model(f"model.insurgents.territorial_fighters={threshold}",
                         "model.iraqi_forces.detection_rate_per_day=0", "model.iraqi_forces.sweep_rate_per_day=0",
                         "model.insurgents.recruit_rate_per_member_per_day=0")
    only_cells(model, (KIRKUK, 50), members=6)
    model.step()
    counters = model.counters()
    assert counters["peak_area_fighters"] == int(model.fighters_by_area().max()) == 300
    assert counters["territorial"] == expected
