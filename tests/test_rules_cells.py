"""The cells' rules (docs/model.md 4.2-4.9), each on a frozen state against its formula.

Deterministic rules are compared with the formula written out here, independently of the code, at
several values of each input (which also checks the direction in each input). Random rules are run
many times on the same state and their counts compared with the formula's by the tests of
tests/rates.py: two-sided at the 1e-4 level, each designed to detect a 20% change of the rule with
probability at least 0.9 (the check refuses a design with less). A rule is called as the day calls it:
a part's hook with the whole world where the hook does nothing else, else the compiled kernel with the
arrays the hook passes it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from frozen import CENTRE, GEO, area, frozen_model, kill_leader, linked_uids, links, only_cells, params, post, record
from rates import check_bernoulli, check_binomial, check_count, check_poisson
from scipy import stats

from sim.model import attacks, cells, forces, leadership, network
from sim.model.attacks import ATTACK_TYPES, COMPLEX, LOG_FIELDS
from sim.model.model import counters, fighters_by_area
from sim.model.places import places

KIRKUK, HAMRIN, MOSUL, ZGHAYTUN = area("kirkuk"), area("hamrin_mountains"), area("mosul"), area("wadi_zghaytun")


def pressed_at(model, pressure) -> np.ndarray:
    """Set the intelligence on every cell to `pressure` times what locates it; the cells' pressure, as the
    day computes it."""
    w = model.world
    net = w.cells
    net.intel[: net.n] = np.asarray(pressure) * params(model).iraqi_forces.intel_to_locate
    return cells.pressure(net, w.forces.intel_to_locate)


def draws(model, stream: str = "cells") -> np.ndarray:
    """One uniform draw per cell from the model's own stream, as the day draws them."""
    w = model.world
    return cells.uniforms(getattr(w.streams, stream), w.cells.n)


# ----- 4.5 dormant and active ---------------------------------------------------------------
@pytest.mark.parametrize("pressure", [0.0, 0.5])
def test_active_cells_go_dormant_at_the_dormancy_rate_raised_by_pressure(pressure):
    model = frozen_model()
    net, p, ins = only_cells(model, (KIRKUK, 2000)), params(model).insurgents, record(model, "insurgents")
    chance = p.dormancy_rate_per_day * (1 + p.pressure_dormancy_gain * pressure)
    went_dormant, rounds = 0, 60
    for _ in range(rounds):
        net.active[: net.n] = True
        cells.switch_state(net, pressed_at(model, pressure), draws(model), ins)
        went_dormant += int((~net.active[: net.n]).sum())
    check_binomial(went_dormant, rounds * net.n, chance, f"going dormant at pressure {pressure}")


def test_dormant_cells_wake_at_their_assessed_chance_unless_tracked_to_the_limit():
    model = frozen_model()
    net, p, ins = only_cells(model, (KIRKUK, 2000), active=False), params(model).insurgents, record(model, "insurgents")
    woke, rounds = 0, 10
    for _ in range(rounds):
        net.active[: net.n] = False
        net.wake_chance[: net.n] = 0.04
        cells.switch_state(net, pressed_at(model, 0.9 * p.wake_pressure_limit), draws(model), ins)
        woke += int(net.active[: net.n].sum())
    check_binomial(woke, rounds * net.n, 0.04, "waking below the pressure limit")
    net.active[: net.n] = False
    net.wake_chance[: net.n] = 1.0
    cells.switch_state(net, pressed_at(model, p.wake_pressure_limit), draws(model), ins)   # at the limit: none wakes
    assert not net.active[: net.n].any()


def test_assessed_chances_follow_leadership_money_propaganda_size_and_arms():
    """Wake = activation * (1 + boost) * led * (unfunded + (1 - unfunded) * money);
    attack = attack_rate * capability * led * tempo, with led = leaderless + (1 - leaderless) * coordination
    and tempo the share of its full tempo IS's centre allows."""
    model = frozen_model("model.regional.recruitment_boost=0.5")
    p, ins, w = params(model).insurgents, record(model, "insurgents"), model.world
    rng = np.random.default_rng(5)
    n = 60
    areas = rng.choice([KIRKUK, MOSUL, HAMRIN], n)
    members = rng.integers(1, 15, n)
    funds = rng.choice([0.0, 500.0, 900.0, 5000.0], n)
    weapons = rng.uniform(0, 25, n)
    net = only_cells(model, areas, members, funds, weapons)
    leaders = w.leadership
    kill_leader(model, post("kirkuk"))
    leaders.experience[CENTRE] = 0.3
    leadership._conditions(w)                           # coordination as the day's conditions set it
    tempo = 0.7
    cells.assess(net, leaders.area_coordination, net.propaganda[0], tempo, ins)
    alive, exp = leaders.alive, leaders.experience
    wilaya = GEO.wilaya[areas]
    coordination = (p.wali_coordination_share * alive[wilaya] * exp[wilaya]
                    + (1 - p.wali_coordination_share) * alive[CENTRE] * exp[CENTRE])
    led = p.leaderless_share + (1 - p.leaderless_share) * coordination
    money = funds / (funds + p.funds_half_saturation_usd)
    wake = p.activation_rate_per_day * 1.5 * led * (p.unfunded_share + (1 - p.unfunded_share) * money)
    size = np.sqrt(np.maximum(members, 1) / p.mean_cell_size)
    armed = np.minimum(weapons / np.maximum(members, 1), 1.0)
    funded = np.where(funds >= p.attack_cost_usd, 1.0, p.unfunded_share)
    np.testing.assert_allclose(leaders.area_coordination[areas], coordination, rtol=1e-12)
    np.testing.assert_allclose(cells.capability(net, np.arange(n), ins), size * armed * funded, rtol=1e-12)
    np.testing.assert_allclose(net.wake_chance[:n], wake, rtol=1e-12)
    np.testing.assert_allclose(net.attack_chance[:n], p.attack_rate_per_day * size * armed * funded * led * tempo,
                               rtol=1e-12)


# ----- 4.6 moving to cover ---------------------------------------------------------------------
def test_tracked_cells_move_to_their_refuge_at_the_pressed_rate_keeping_part_of_the_trail():
    model = frozen_model()
    home = np.array([KIRKUK] * 2000 + [HAMRIN] * 500)
    net, p, ins = only_cells(model, home), params(model).insurgents, record(model, "insurgents")
    refuge = np.arange(GEO.n_areas)
    refuge[KIRKUK] = ZGHAYTUN                      # Hamrin is its own refuge: its cells stay put
    moved, rounds, pressure = 0, 20, 0.5
    for _ in range(rounds):
        net.area[: net.n] = home
        pressed = pressed_at(model, pressure)
        before = net.intel[: net.n].copy()
        cells.move_to_cover(net, pressed, draws(model), refuge, ins)
        went = net.area[: net.n] != home
        assert (net.area[: net.n][went] == ZGHAYTUN).all() and not went[2000:].any()
        np.testing.assert_allclose(net.intel[: net.n], np.where(went, before * p.trail_kept_after_move, before))
        moved += int(went.sum())
    check_binomial(moved, rounds * 2000, p.move_rate_when_pressed * pressure, "moving to cover")


def test_the_refuge_is_the_safest_strictly_safer_iraqi_neighbour():
    """Safety = ruggedness - presence_danger * standing presence - crowding * cells, written out by hand."""
    rng = np.random.default_rng(2)
    for _ in range(20):
        presence = rng.uniform(0, 3, GEO.n_areas)
        cells_here = rng.integers(0, 15, GEO.n_areas).astype(float)
        got = cells.refuge_areas(places(), presence, cells_here, 0.03, 0.1)
        safety = GEO.ruggedness - 0.1 * presence - 0.03 * cells_here
        for a in range(GEO.n_areas):
            options = [b for b in np.flatnonzero(GEO.adjacency[a]) if GEO.in_iraq[b]]
            best = max(options, key=lambda b: safety[b]) if options else a
            expected = best if options and safety[best] > safety[a] else a
            if not GEO.in_iraq[a] and options:
                expected = best
            assert got[a] == expected, (GEO.area_ids[a], GEO.area_ids[got[a]], GEO.area_ids[expected])


def test_refuges_are_chosen_from_standing_presence_not_surges():
    model = frozen_model()
    w, p = model.world, params(model).insurgents
    w.forces.reaction[:] = 3.0
    model.step()                                    # day 0 is a settlement
    net = w.cells
    cells_here = np.bincount(net.area[: net.n], minlength=GEO.n_areas).astype(float)
    # The refuges were chosen at the settlement, before the day's moves: recompute from what moved.
    expected = cells.refuge_areas(w.places, w.forces.base_presence[0], cells_here, p.hideout_crowding,
                                  p.presence_danger)
    surged = cells.refuge_areas(w.places, w.forces.presence, cells_here, p.hideout_crowding, p.presence_danger)
    assert not np.array_equal(expected, surged)
    moved_between = (net.refuge != expected).sum()
    assert moved_between <= 2          # only where a move that day changed the crowding


# ----- 4.7 recruitment ---------------------------------------------------------------------------
def test_recruitment_rate_per_area_is_the_ceiling_times_propaganda_and_stance():
    model = frozen_model("model.regional.recruitment_boost=0.8")
    net, p = model.world.cells, params(model).insurgents
    np.testing.assert_allclose(net.recruit_rate, p.recruit_rate_per_member_per_day * 1.8 * model.world.community.stance)
    assert net.propaganda[0] == pytest.approx(1.8)


def test_active_cells_recruit_poisson_in_members_rate_money_and_days_and_dormant_ones_do_not():
    model = frozen_model()
    funds = np.where(np.arange(2000) % 2 == 0, 3000.0, 12000.0)
    active = np.arange(2000) % 4 < 3
    net = only_cells(model, (KIRKUK, 2000), members=8, funds=funds, active=active)
    rate = np.full(GEO.n_areas, 0.004)
    money = funds / (funds + params(model).insurgents.funds_half_saturation_usd)
    gained_active, gained_dormant, rounds = 0, 0, 5
    for _ in range(rounds):
        net.members[: net.n] = 8
        cells.recruit(net, rate, record(model, "insurgents"), model.world.streams.cells)
        gained = net.members[: net.n] - 8
        gained_active += int(gained[active].sum())
        gained_dormant += int(gained[~active].sum())
    check_poisson(gained_active, rounds * float((8 * 0.004 * 7 * money * active).sum()), "recruits")
    assert gained_dormant == 0


# ----- 4.4 money ----------------------------------------------------------------------------------
def income(p, population_k):
    return p.income_per_member_usd_per_day * population_k / (population_k + p.income_half_population_k)


def earn_and_spend(model) -> None:
    """A week's money for the cells in place, with what the weekly settlement passes the rule."""
    w = model.world
    net, leaders = w.cells, w.leadership
    cells.earn_and_spend(net, net.net_income[0], net.central_stipend_usd, bool(leaders.alive[CENTRE]),
                         record(model, "insurgents"), net.desertion_week[0], w.streams.cells)


def test_cells_earn_by_population_and_pay_upkeep_dormant_ones_half():
    model = frozen_model()
    model.world.cells.central_reserve_usd = 0.0          # no stipend: only income and upkeep
    p = params(model).insurgents
    areas = [MOSUL, ZGHAYTUN, MOSUL, ZGHAYTUN]
    active = [True, True, False, False]
    net = only_cells(model, areas, members=[4, 5, 6, 7], funds=1e5, active=active)
    earn_and_spend(model)
    upkeep = p.upkeep_per_member_usd_per_day * np.where(active, 1.0, p.dormant_upkeep_share)
    expected = 1e5 + np.array([4, 5, 6, 7]) * 7 * (income(p, GEO.population_k[areas]) - upkeep)
    np.testing.assert_allclose(net.funds[:4], expected, rtol=1e-12)


def test_the_centre_tops_up_cells_short_of_cash_with_a_stipend_that_follows_its_effort():
    model = frozen_model()
    w, p = model.world, params(model).insurgents
    w.syria.iraq_effort = 0.8
    cells._conditions(w)
    stipend = p.central_stipend_usd_per_day * (0.8 / 0.5) ** p.stipend_effort_elasticity
    assert w.cells.central_stipend_usd == pytest.approx(stipend, rel=1e-12)
    target = p.cash_target_days * p.upkeep_per_member_usd_per_day
    funds = np.array([0.0, target * 5 - 50.0, target * 5 + 1.0])
    net = only_cells(model, [MOSUL] * 3, members=5, funds=funds)
    reserve = net.central_reserve_usd = 1e6
    earn_and_spend(model)
    after_income = funds + 5 * 7 * (income(p, GEO.population_k[MOSUL]) - p.upkeep_per_member_usd_per_day)
    paid = np.minimum(stipend * 5 * 7, np.maximum(target * 5 - after_income, 0.0))
    assert paid[0] > 0 and 0 < paid[1] < paid[0] and paid[2] == 0
    np.testing.assert_allclose(net.funds[:3], after_income + paid, rtol=1e-12)
    assert net.central_reserve_usd == pytest.approx(reserve - paid.sum())


def test_stipends_are_scaled_down_together_when_the_reserves_run_short_and_stop_without_a_centre():
    model = frozen_model()
    p = params(model).insurgents
    net = only_cells(model, [MOSUL, KIRKUK], members=[5, 10], funds=0.0)
    net.central_reserve_usd = 100.0
    earn_and_spend(model)
    wanted = net.central_stipend_usd * np.array([5, 10]) * 7
    earned = np.array([5, 10]) * 7 * (income(p, GEO.population_k[[MOSUL, KIRKUK]]) - p.upkeep_per_member_usd_per_day)
    np.testing.assert_allclose(net.funds[:2], np.maximum(earned + wanted * 100.0 / wanted.sum(), 0.0), rtol=1e-9)
    assert net.central_reserve_usd == 0.0
    net.central_reserve_usd = 1e6
    kill_leader(model, CENTRE)
    net.funds[:2] = 1000.0
    earn_and_spend(model)
    assert net.central_reserve_usd == 1e6
    np.testing.assert_allclose(net.funds[:2], 1000.0 + earned, rtol=1e-12)


def test_members_of_broke_cells_desert_at_the_weekly_desertion_chance():
    model = frozen_model()
    model.world.cells.central_reserve_usd = 0.0
    p = params(model).insurgents
    net = only_cells(model, (ZGHAYTUN, 2000), members=10, funds=0.0, active=False)
    left, rounds = 0, 4
    for _ in range(rounds):
        net.members[: net.n], net.funds[: net.n] = 10, 0.0
        earn_and_spend(model)
        assert (net.funds[: net.n] == 0).all()
        left += int(10 * net.n - net.members[: net.n].sum())
    check_binomial(left, rounds * 10 * net.n, 1 - (1 - p.desertion_rate_per_day) ** 7, "desertion")
    rich = only_cells(model, (ZGHAYTUN, 50), members=10, funds=1e5, active=False)
    earn_and_spend(model)
    assert (rich.members[: rich.n] == 10).all()


# ----- 4.8 arming ---------------------------------------------------------------------------------
def test_cells_buy_up_to_the_standard_one_weapon_a_day_as_far_as_their_cash_goes():
    model = frozen_model()
    price = params(model).insurgents.weapon_price_usd
    members = np.array([10, 10, 5, 10, 10])
    weapons = np.array([3.0, 3.0, 3.0, 20.0, 14.5])
    funds = np.array([5 * price + 10, 100 * price, 100 * price, 100 * price, 100 * price])
    net = only_cells(model, [MOSUL] * 5, members, funds, weapons)
    cells.arm(net, record(model, "insurgents"))
    # standard 15: short 12 but cash for 5; short 12, capped at 7 a week; standard 7.5, short ceil(4.5) = 5;
    # above the standard: none; short ceil(0.5) = 1.
    bought = np.array([5, 7, 5, 0, 1])
    np.testing.assert_allclose(net.weapons[:5], weapons + bought)
    np.testing.assert_allclose(net.funds[:5], funds - bought * price)


# ----- 4.9 attacks: hazard, deterrence, self-excitation -------------------------------------------
@pytest.mark.parametrize("shared", [True, False])
def test_active_cells_attack_at_their_chance_less_deterrence_more_after_their_wilayas_attacks(shared):
    """Shared, a wilaya's excitation (triggered attacks a day) is divided among its active cells and added to
    each one's chance; otherwise it multiplies every active cell's chance."""
    model = frozen_model()
    w = model.world
    n = 3000
    areas = np.where(np.arange(n) % 2 == 0, KIRKUK, MOSUL)
    active = np.arange(n) % 3 != 0
    net = only_cells(model, areas, active=active)
    w.forces.reaction[KIRKUK] = 2.0
    forces._presence(w)
    net.excitation[GEO.wilaya[KIRKUK]] = 1.5
    deterrence = params(model).iraqi_forces.attack_deterrence
    presence = w.forces.base_presence[0] * (1 + w.forces.reaction)
    undeterred = w.forces.undeterred
    np.testing.assert_allclose(undeterred, 1 - deterrence * presence / (1 + presence), rtol=1e-12)
    assert undeterred[KIRKUK] < undeterred[MOSUL] < 1
    excitation = net.excitation[GEO.wilaya[areas]]
    if shared:
        active_here = np.array([np.sum(active & (areas == a)) for a in areas])   # two areas, in two wilayas
        chance = (0.02 + excitation / active_here) * undeterred[areas]
    else:
        chance = 0.02 * undeterred[areas] * (1 + excitation)
    hits, rounds, attackers = np.zeros(n), 80, np.empty(n, np.int64)
    for _ in range(rounds):
        net.attack_chance[:n] = 0.02
        count = cells.plan_attacks(net, draws(model, "attacks"), undeterred, w.places.wilaya, attackers, shared)
        assert active[attackers[:count]].all()
        hits[attackers[:count]] += 1
    for where in (KIRKUK, MOSUL):
        chosen = active & (areas == where)
        check_bernoulli(hits[chosen], np.tile(chance[chosen], rounds), f"attacks in {GEO.area_ids[where]}")


def attacking(model, slots) -> None:
    """Make the cells in `slots` today's attackers, as the cells' daily rule leaves them."""
    net = model.world.cells
    slots = np.asarray(slots, dtype=np.int64)
    if net.attackers.size < slots.size:
        net.attackers = np.empty(slots.size, np.int64)
    net.attackers[: slots.size] = slots
    net.n_attackers = slots.size
    net.capability = np.ones(slots.size)


def test_each_attack_raises_its_wilayas_excitation_which_fades_by_the_day():
    """Each attack adds attack_excitation * (1 - exp(-1/decay)) to its wilaya: summed over the days after it,
    the fading excitation triggers attack_excitation attacks in expectation (the branching ratio)."""
    model = frozen_model()
    w, p = model.world, params(model).insurgents
    gain = p.attack_excitation * (1 - np.exp(-1 / p.excitation_decay_days))
    net = only_cells(model, [KIRKUK, ZGHAYTUN, KIRKUK, MOSUL])   # two wilayas: kirkuk thrice, nineveh once
    attacking(model, np.arange(4))
    cells._excite(w)
    expected = np.zeros(len(GEO.wilaya_ids))
    expected[GEO.wilaya[KIRKUK]] = 3 * gain
    expected[GEO.wilaya[MOSUL]] = gain
    # The days' sum of the fading rise from one attack is the branching ratio.
    assert sum(gain * np.exp(-d / p.excitation_decay_days) for d in range(10_000)) == pytest.approx(p.attack_excitation)
    np.testing.assert_allclose(net.excitation, expected)
    for _ in range(10):
        cells._act(w)                                     # each day ends with the fading
    np.testing.assert_allclose(net.excitation, expected * np.exp(-10 / p.excitation_decay_days), rtol=1e-12)


def test_an_attack_adds_intelligence_on_its_cell_a_surge_where_it_lands_and_excitation_at_home():
    """One day with one certain attack, detection and sweeps off: the daily order of docs/model.md section 2."""
    model = frozen_model("model.iraqi_forces.detection_rate_per_day=0", "model.iraqi_forces.sweep_rate_per_day=0",
                         "model.iraqi_forces.attack_deterrence=0", "model.insurgents.dormancy_rate_per_day=0")
    w = model.world
    model.step()                                        # day 0: the settlement
    net = only_cells(model, [HAMRIN, KIRKUK], active=[True, False])
    net.attack_chance[:2] = [1.0, 0.0]
    net.wake_chance[:2] = 0.0
    w.forces.reaction[:] = 0.0
    net.excitation[:] = 0.0
    before = len(model.attacks)                          # the settlement's day may have had attacks of its own
    model.step()
    log = model.attacks
    assert len(log) == before + 1 and log.cell[before] == net.uid[0]
    landed = log.area[before]
    p = params(model).iraqi_forces
    assert net.intel[0] == pytest.approx(p.post_attack_intel * (1 - p.intel_decay_per_day))
    assert net.intel[1] == 0
    surge = np.zeros(GEO.n_areas)
    surge[landed] = p.reaction_boost * np.exp(-1 / p.reaction_decay_days)
    np.testing.assert_allclose(w.forces.reaction, surge, rtol=1e-12)
    excitation = np.zeros(len(GEO.wilaya_ids))
    ins = params(model).insurgents
    excitation[GEO.wilaya[HAMRIN]] = ins.attack_excitation * (1 - np.exp(-1 / ins.excitation_decay_days))
    np.testing.assert_allclose(net.excitation, excitation)
    assert net.funds[0] == 1e5 - params(model).insurgents.attack_cost_usd
    assert net.weapons[0] == 6 * 1.5 - params(model).insurgents.weapons_per_attack


def test_surges_add_up_to_their_limit_and_fade_by_the_day():
    model = frozen_model()
    w, p = model.world, params(model).iraqi_forces
    reaction = w.forces.reaction

    def attacks_land_in(areas):
        w.cells.n_attackers = 0
        w.attacks.today_areas[: len(areas)] = areas
        w.attacks.n_today = len(areas)
        forces._after_attacks(w)

    attacks_land_in([KIRKUK, KIRKUK, MOSUL])
    assert reaction[KIRKUK] == pytest.approx(2 * p.reaction_boost)
    assert reaction[MOSUL] == pytest.approx(p.reaction_boost)
    attacks_land_in([KIRKUK] * 20)
    assert reaction[KIRKUK] == pytest.approx(p.reaction_limit)
    for _ in range(5):
        forces._response(w)                             # each day's response starts with the fading
    assert reaction[MOSUL] == pytest.approx(p.reaction_boost * np.exp(-5 / p.reaction_decay_days))
    forces._presence(w)
    np.testing.assert_allclose(w.forces.presence, w.forces.base_presence[0] * (1 + reaction))


# ----- 4.9 attacks: placement, direction, type, severity, cost ------------------------------------
def test_hideout_cells_stage_attacks_into_settled_neighbours_by_population_times_stance():
    model = frozen_model()
    w, share = model.world, params(model).insurgents.hideout_staging_share
    attacks._restage(w)                                  # the weekly staging, from the stance at the start
    rng = np.random.default_rng(11)
    home = area("kirkuk_sulaymaniyah_border")
    placed = np.array([attacks.place(w.attacks, home, share, rng) for _ in range(6000)])
    check_binomial(int((placed == home).sum()), placed.size, 1 - share, "attacks at home")
    targets = [b for b in np.flatnonzero(GEO.adjacency[home]) if GEO.in_iraq[b] and not GEO.hideout[b]]
    odds = GEO.population_k[targets] * GEO.community_stance[targets]
    staged = placed[placed != home]
    counts = np.array([(staged == t).sum() for t in targets])
    assert counts.sum() == staged.size
    assert stats.chisquare(counts, odds / odds.sum() * staged.size).pvalue > 1e-4
    assert (np.array([attacks.place(w.attacks, KIRKUK, share, rng) for _ in range(200)]) == KIRKUK).all()
    stance = GEO.community_stance.copy()
    stance[targets[0]] = 0.0
    attacks.restage(w.attacks, w.places, stance)
    assert targets[0] not in {attacks.place(w.attacks, home, share, rng) for _ in range(2000)}


def carry_out_many(model, rounds):
    """Every cell attacks `rounds` times, as the day carries attacks out; the attacks so logged."""
    w = model.world
    attacking(model, np.arange(w.cells.n))
    first = int(w.attacks.logged)
    for _ in range(rounds):
        attacks._attack(w)
    log = model.attacks
    return {name: getattr(log, name)[first:] for name in LOG_FIELDS}


def test_the_centre_directs_its_share_of_attacks_while_its_post_is_filled():
    model = frozen_model()
    only_cells(model, (MOSUL, 1000))
    log = carry_out_many(model, 10)
    check_binomial(int(log["directed"].sum()), log["directed"].size,
                   params(model).insurgents.central_direction_share, "directed attacks")
    kill_leader(model, CENTRE)
    assert not carry_out_many(model, 1)["directed"].any()


def test_attack_types_follow_their_weights_with_complex_attacks_scaled_by_coordination_size_and_direction():
    model = frozen_model("model.attacks.type_weights=[1,1,1,1,2]", "model.insurgents.central_direction_share=0.15")
    p, w = params(model).attacks, model.world
    w.leadership.experience[:] = 0.5                     # coordination 0.5 everywhere
    leadership._conditions(w)
    members = np.where(np.arange(4000) % 2 == 0, p.complex_min_members, p.complex_min_members - 1)
    only_cells(model, [MOSUL] * 4000, members=members)
    log = carry_out_many(model, 4)
    able = np.tile(members >= p.complex_min_members, 4)
    assert not (log["type"][~able] == COMPLEX).any()
    for directed, gain in ((False, 1.0), (True, p.directed_complex_gain)):
        chosen = able & (log["directed"] == directed)
        complex_weight = 2 * 0.5 * gain
        check_binomial(int((log["type"][chosen] == COMPLEX).sum()), int(chosen.sum()),
                       complex_weight / (4 + complex_weight), f"complex attacks, directed={directed}")
    plain = log["type"][~able]
    assert stats.chisquare(np.bincount(plain, minlength=len(ATTACK_TYPES))[:COMPLEX]).pvalue > 1e-4


def test_casualties_are_killed_in_the_killed_share_and_severity_floors_capability():
    model = frozen_model()
    p, rules = params(model).attacks, record(model, "attacks")
    rng = np.random.default_rng(3)
    casualties = np.array([attacks.severity(1, 1.0, rules, rng) for _ in range(3000)])
    check_binomial(int(casualties[:, 0].sum()), int(casualties.sum()), p.killed_share, "killed share")
    a = np.array([sum(attacks.severity(0, 0.0, rules, np.random.default_rng(k))) for k in range(300)])
    b = np.array([sum(attacks.severity(0, 1e-3, rules, np.random.default_rng(k))) for k in range(300)])
    assert np.array_equal(a, b)


def test_severity_rises_with_the_type_mean_and_with_capability_by_the_gain():
    """Mean casualties exp(mu_type + gain * ln(capability) + sd^2 / 2) for types 0 and 4 and two capabilities."""
    model = frozen_model("model.attacks.mass_casualty_share=0")
    p, rules = params(model).attacks, record(model, "attacks")
    rng = np.random.default_rng(9)
    for attack_type in (0, COMPLEX):
        for capability in (0.5, 2.0):
            casualties = np.array([sum(attacks.severity(attack_type, capability, rules, rng)) for _ in range(3000)])
            mean = np.exp(p.severity_log_mean[attack_type] + p.capability_severity_gain * np.log(capability)
                          + p.severity_log_sd ** 2 / 2)
            # Poisson-lognormal variance: mean + mean^2 (exp(sd^2) - 1); tested on the total of the draws.
            variance = casualties.size * (mean + mean ** 2 * (np.exp(p.severity_log_sd ** 2) - 1))
            check_count(casualties.sum(), casualties.size * mean, variance,
                        f"severity of type {attack_type} at {capability}")


def test_an_attack_costs_its_cell_money_and_arms_floored_at_zero():
    model = frozen_model()
    ins = params(model).insurgents
    net = only_cells(model, [MOSUL] * 3, funds=np.array([5000.0, 100.0, 0.0]), weapons=np.array([4.0, 0.5, 0.0]))
    carry_out_many(model, 1)
    np.testing.assert_allclose(net.funds[:3], [5000.0 - ins.attack_cost_usd, 0.0, 0.0])
    np.testing.assert_allclose(net.weapons[:3], [4.0 - ins.weapons_per_attack, 0.0, 0.0])


# ----- 4.2 cells: seeding, new cells, regrouping ---------------------------------------------------
def test_starting_cells_have_the_stated_sizes_places_states_cash_and_arms():
    model = frozen_model("model.insurgents.initial_fighters_iraq=12000")
    net, p = model.world.cells, params(model).insurgents
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
    net, p = model.world.cells, params(model).insurgents
    area_of = dict(zip(net.uid[: net.n].tolist(), net.area[: net.n].tolist(), strict=True))
    pairs = links(net)
    assert all(len(pair) == 2 and set(pair) <= set(area_of) for pair in pairs)
    assert all(len({GEO.wilaya[area_of[uid]] for uid in pair}) == 1 for pair in pairs)
    per_wilaya = np.bincount(GEO.wilaya[net.area[: net.n]])
    expected = sum(p.lateral_links_per_cell * c / 2 for c in per_wilaya if c >= 2)
    # A repeated pair counts once: with hundreds of cells per wilaya that is a fraction of a percent.
    check_poisson(len(pairs), expected, "links at the start")


def test_new_fighters_form_dormant_linked_cells_of_about_the_mean_size():
    model = frozen_model()
    net, p = model.world.cells, params(model).insurgents
    before = net.n
    network.form_cells(net, ZGHAYTUN, 20, 700.0, net.mean_cell_size, p.weapons_per_member)
    new = np.arange(before, net.n)
    assert new.size == int(np.ceil(20 / p.mean_cell_size))
    assert sorted(net.members[new].tolist()) == [5, 5, 5, 5]
    assert not net.active[new].any() and (net.area[new] == ZGHAYTUN).all()
    np.testing.assert_allclose(net.funds[new], net.members[new] * 700.0)
    np.testing.assert_allclose(net.weapons[new], net.members[new] * p.weapons_per_member)
    chain = [int(u) for u in net.uid[new]]
    for a, b in itertools.pairwise(chain):
        assert b in linked_uids(net, a)
    assert all(linked_uids(net, uid) <= set(chain) for uid in chain)
    assert net.wake_chance[new].sum() == 0 and net.attack_chance[new].sum() == 0
    network.form_cells(net, ZGHAYTUN, 2, 0.0, net.mean_cell_size, p.weapons_per_member)
    assert net.members[net.n - 1] == 2


def test_remnants_join_the_smallest_other_cell_of_their_area_which_keeps_its_file_and_state():
    model = frozen_model()
    net = only_cells(model, [KIRKUK, KIRKUK, KIRKUK, MOSUL], members=[2, 9, 5, 1],
                     funds=np.array([100.0, 10.0, 20.0, 30.0]), active=[True, True, False, True])
    net.intel[:4] = [1.0, 0.0, 0.4, 0.0]
    remnant, other, small_host = (int(u) for u in net.uid[:3])
    network.link(net, remnant, other)
    assert model.world.clock.day % 7 == 0               # a settlement day: remnants regroup at housekeeping
    cells._housekeeping(model.world)
    assert network.slot_of(net, remnant) == -1
    host = network.slot_of(net, small_host)
    assert net.members[host] == 7 and net.funds[host] == pytest.approx(120.0)
    assert net.intel[host] == pytest.approx(0.4) and not net.active[host]
    assert other in linked_uids(net, small_host)
    lone = [s for s in range(net.n) if net.area[s] == MOSUL]
    assert len(lone) == 1 and net.members[lone[0]] == 1   # alone in its area: stays as it is


@pytest.mark.parametrize("threshold, expected", [(300, 1), (301, 0)])
def test_the_territorial_indicator_fires_when_one_area_reaches_the_threshold(threshold, expected):
    """300 fighters in Kirkuk, nothing that could change them on the first day (no detection, no sweeps,
    no recruits or newcomers, cash in hand): the peak is 300, and 'territorial' is 1 from a threshold of 300
    down."""
    model = frozen_model(f"model.insurgents.territorial_fighters={threshold}",
                         "model.iraqi_forces.detection_rate_per_day=0", "model.iraqi_forces.sweep_rate_per_day=0",
                         "model.insurgents.recruit_rate_per_member_per_day=0", "model.insurgents.inflow_per_year=0")
    only_cells(model, (KIRKUK, 50), members=6)
    model.step()
    totals = counters(model.world)
    assert totals["peak_area_fighters"] == int(fighters_by_area(model.world).max()) == 300
    assert totals["territorial"] == expected
