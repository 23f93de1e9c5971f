"""Iraqi forces, coalition air cover, leadership and community stance (docs/model.md 4.3, 4.10, 4.12, 4.13),
each rule on a frozen state against its formula (the design of the checks: tests/rates.py)."""

from __future__ import annotations

import numpy as np
import pytest
from frozen import GEO, area, frozen_model, only_cells
from rates import check_bernoulli, check_binomial, check_count
from scipy import stats

import sim.model.forces as forces_module
from sim.model.forces import PMF_BRANCH, expose_links

KIRKUK, HAMRIN, MOSUL, ZGHAYTUN = area("kirkuk"), area("hamrin_mountains"), area("mosul"), area("wadi_zghaytun")
ANBAR_EUPHRATES = area("anbar_euphrates")


# ----- 4.10 readiness, presence, detection ---------------------------------------------------------
@pytest.mark.parametrize("budget, elasticity, diversion, readiness", [
    (1.0, 0.6, 0.0, 0.7), (0.65, 0.6, 0.0, 0.7), (0.65, 1.5, 0.4, 0.7), (1.5, 0.6, 0.1, 0.9)])
def test_readiness_follows_the_budget_by_its_elasticity_less_regional_diversion(budget, elasticity, diversion,
                                                                                 readiness):
    model = frozen_model(f"model.relations.security_budget={budget}",
                         f"model.relations.budget_readiness_elasticity={elasticity}",
                         f"model.regional.force_diversion={diversion}", f"model.iraqi_forces.readiness={readiness}")
    expected = min(1.0, readiness * budget ** elasticity) * (1 - diversion)
    assert model.forces.readiness == pytest.approx(expected, rel=1e-12)


def test_standing_presence_counts_units_their_neighbours_the_seam_and_the_pmf():
    model = frozen_model("model.iraqi_forces.pmf_strength=2", "model.iraqi_forces.seam_coordination=0.2",
                         "model.iraqi_forces.neighbour_presence_share=0.3")
    p, forces = model.params.iraqi_forces, model.forces
    strength, pmf = np.zeros(GEO.n_areas), np.zeros(GEO.n_areas)
    for unit in GEO.units:
        weight = unit.strength * (2.0 if unit.branch == PMF_BRANCH else 1.0)
        strength[unit.area] += weight
        pmf[unit.area] += weight if unit.branch == PMF_BRANCH else 0.0
    around = np.array([0.3 * strength[GEO.adjacency[a]].sum() for a in range(GEO.n_areas)])
    pmf_around = np.array([0.3 * pmf[GEO.adjacency[a]].sum() for a in range(GEO.n_areas)])
    seam = np.where(GEO.disputed, 1 - p.seam_presence_gap * (1 - 0.2), 1.0)
    expected = (strength + around) * seam * forces.readiness * GEO.in_iraq
    np.testing.assert_allclose(forces.base_presence, expected, rtol=1e-12)
    assert forces.base_presence[~GEO.in_iraq].sum() == 0 and (forces.base_presence[GEO.in_iraq] > 0).all()
    total = strength + around
    share = np.divide(pmf + pmf_around, total, out=np.zeros(GEO.n_areas), where=total > 0) * GEO.in_iraq
    np.testing.assert_allclose(forces.pmf_share, share, rtol=1e-12)
    assert share.max() > 0.3


def test_detection_per_area_multiplies_isr_community_tips_and_open_terrain():
    model = frozen_model("drawdown=kurdistan_residual", "model.iraqi_forces.hostile_community_gain=2")
    p, cond = model.params.iraqi_forces, model.cond
    cond.stance = np.linspace(0.0, 0.5, GEO.n_areas)
    detection = model.forces.detection_by_area(cond)
    expected = (p.detection_rate_per_day * (1 + p.isr_detection_gain * cond.isr) * (1 + 2 * (1 - cond.stance))
                * (1 - GEO.ruggedness))
    np.testing.assert_allclose(detection, expected, rtol=1e-12)
    assert len(set(np.round(cond.isr[GEO.in_iraq], 6))) > 3          # coverage differs between areas


def test_cells_are_detected_by_presence_attention_size_and_state_and_files_decay():
    model = frozen_model()
    forces, p, cond = model.forces, model.params.iraqi_forces, model.cond
    n = 600
    areas = np.where(np.arange(n) < 400, KIRKUK, HAMRIN)
    members = np.where(np.arange(n) % 3 == 0, 12, 3)
    active = np.arange(n) % 2 == 0
    net = only_cells(model, areas, members=members, active=active)
    cond.detection = np.full(GEO.n_areas, 0.3)
    cond.presence = np.linspace(0.5, 2.5, GEO.n_areas)
    attention = 1 / (1 + np.array([400, 200]) / p.cells_followed_per_area)
    attention_of = np.where(areas == KIRKUK, attention[0], attention[1])
    visibility = np.sqrt(members / model.params.insurgents.mean_cell_size) * np.where(active, 1.0, p.dormant_exposure)
    chance = 0.3 * cond.presence[areas] * attention_of * visibility
    assert chance.max() < 1
    hits, rounds = np.zeros(n), 500
    for _ in range(rounds):
        net.intel[:n] = 1.0
        forces.detect(net, cond)
        detected = net.intel[:n] > 1.0
        np.testing.assert_allclose(net.intel[:n], (1 - p.intel_decay_per_day) + detected)
        hits += detected
    for cells in (active, ~active):
        check_bernoulli(hits[cells], np.tile(chance[cells], rounds), "detections")


def test_sweeps_come_at_their_rate_times_readiness_and_visit_every_iraqi_hideout_alike():
    model = frozen_model("model.iraqi_forces.sweep_rate_per_day=1", "model.iraqi_forces.sweep_detection=1",
                         "model.iraqi_forces.sweep_terrain_penalty=0")
    hideouts = np.flatnonzero(GEO.hideout & GEO.in_iraq)
    net = only_cells(model, list(hideouts))
    days = 1200
    for _ in range(days):
        model.forces.sweep_hideouts(net)
    visits = net.intel[: net.n]
    check_count(visits.sum(), days * model.forces.readiness, days * model.forces.readiness, "sweeps")
    assert stats.chisquare(visits).pvalue > 1e-4


def test_a_sweep_finds_each_cell_of_its_hideout_with_its_chance_less_for_rugged_terrain():
    model = frozen_model("model.iraqi_forces.sweep_rate_per_day=1")
    p, forces = model.params.iraqi_forces, model.forces
    forces.iraqi_hideouts = np.array([HAMRIN])            # every sweep goes to the Hamrin mountains
    net = only_cells(model, (HAMRIN, 100))
    days = 1200
    for _ in range(days):
        forces.sweep_hideouts(net)
    chance = p.sweep_detection * (1 - p.sweep_terrain_penalty * GEO.ruggedness[HAMRIN])
    sweeps = days * forces.readiness                     # Poisson sweeps, each a Binomial(100, chance)
    check_count(net.intel[: net.n].sum(), sweeps * 100 * chance,
                sweeps * (100 * chance * (1 - chance) + (100 * chance) ** 2), "cells found by sweeps")


# ----- 4.10 Iraqi strikes and raids ------------------------------------------------------------------
def test_iraqi_strikes_hit_located_cells_by_readiness_and_own_isr_and_kill_their_share():
    model = frozen_model("model.iraqi_forces.own_strike_rate_per_day=1", "model.iraqi_forces.own_isr_coverage=0.3",
                         "model.iraqi_forces.substitute_isr_coverage=0.1")
    forces, p = model.forces, model.params.iraqi_forces
    net = only_cells(model, (KIRKUK, 2000), members=10, weapons=15.0)
    chance = forces.readiness * 0.4
    struck = removed = 0
    for _ in range(3):
        net.members[: net.n], net.weapons[: net.n], net.intel[: net.n] = 10, 15.0, 3.0
        areas = forces.strike_located_cells(net, np.arange(net.n))
        hit = net.intel[: net.n] == 0
        assert (areas == KIRKUK).all() and areas.size == hit.sum()
        assert (net.weapons[: net.n][hit] <= net.members[: net.n][hit] * 1.5).all()
        struck += int(hit.sum())
        removed += int(10 * net.n - net.members[: net.n].sum())
    check_binomial(struck, 3 * net.n, chance, "Iraqi strikes")
    check_binomial(removed, 10 * struck, p.own_strike_removal_share, "members killed by Iraqi strikes")
    assert (forces.strikes, forces.removed_by_strikes) == (struck, removed)


def test_raids_come_at_their_capacity_best_known_first_and_succeed_by_readiness_and_terrain():
    model = frozen_model("model.iraqi_forces.raids_per_day=8")
    forces, p = model.forces, model.params.iraqi_forces
    areas = [MOSUL] * 30 + [HAMRIN] * 30
    net = only_cells(model, areas, members=10)
    captured = []
    original = forces_module.expose_links
    forces_module.expose_links = lambda net, slot, n, *rest: captured.append(n)
    try:
        reached, tried, chances, rounds = 0, 0, [], 300
        raids_before = 0
        for _ in range(rounds):
            net.members[: net.n] = 10
            intel = np.random.default_rng(len(chances)).uniform(2, 10, net.n)
            net.intel[: net.n] = intel
            forces.raid_located_cells(net, np.arange(net.n))
            raided = forces.raids - raids_before
            raids_before = forces.raids
            touched = net.intel[: net.n] != intel
            assert touched.sum() == raided
            if raided:                              # the best-known cells, and only they
                assert intel[touched].min() >= intel[~touched].max() if (~touched).any() else True
            hit = net.intel[: net.n] == 0
            np.testing.assert_allclose(net.intel[: net.n][touched & ~hit],
                                       intel[touched & ~hit] * p.trail_kept_after_failed_raid)
            reached += int(hit.sum())
            tried += int(raided)
            chances.extend(p.raid_success * forces.readiness * (1 - p.raid_terrain_penalty
                                                                * GEO.ruggedness[np.array(areas)[touched]]))
    finally:
        forces_module.expose_links = original
    check_count(forces.raids, rounds * p.raids_per_day * forces.readiness,
                rounds * p.raids_per_day * forces.readiness, "raids mounted")
    check_bernoulli(reached, np.array(chances), "raids that reach their cell")
    check_binomial(forces.removed_by_raids, 10 * reached, p.raid_removal_share, "members removed by raids")
    check_binomial(sum(captured), forces.removed_by_raids, p.capture_share, "members captured")


def test_captured_members_give_up_linked_cells_and_sometimes_their_leaders():
    model = frozen_model()
    p = model.params
    net = only_cells(model, [KIRKUK] * 4)
    for other in net.agents[1:4]:
        net.link(net.agents[0], other)
    rng = np.random.default_rng(4)
    leadership = net.leadership
    wilaya, centre = int(GEO.wilaya[KIRKUK]), leadership.centre
    exposed, rounds, captured = 0, 3000, 3
    for _ in range(rounds):
        leadership.exposure[:] = 0.0
        expose_links(net, 0, captured, 0.25, 1.5, rng)
        if leadership.exposure[wilaya]:
            exposed += 1
            assert leadership.exposure[wilaya] == 1.0
            assert leadership.exposure[centre] == pytest.approx(p.insurgents.centre_exposure_per_lead)
    told = net.intel[1:4].sum() / 1.5
    check_binomial(round(told), rounds * captured, 0.25, "links given up")
    check_binomial(exposed, rounds, 1 - (1 - p.insurgents.leader_exposure_per_capture) ** captured,
                   "leaders exposed by captures")
    leadership.kill(wilaya)
    leadership.exposure[:] = 0.0
    for _ in range(50):
        expose_links(net, 0, 10, 0.0, 1.5, rng)
    assert leadership.exposure[wilaya] == 0          # a vacant post cannot be exposed


# ----- 4.12 coalition ----------------------------------------------------------------------------
def test_coalition_cover_falls_with_distance_from_each_open_base_and_iraq_gets_its_shared_part():
    model = frozen_model("model.coalition.bases={ain_al_asad: 0, erbil: 0.3, victoria: 0.4, harir: 0}",
                         "model.coalition.over_the_horizon_isr=0.1",
                         "model.regional.coalition_diversion=0.2", "model.relations.intelligence_sharing=0.6",
                         "model.coalition.isr_radius_km=400")
    coalition = model.coalition
    distance = GEO.base_distance_km()
    capacity = {"erbil": 0.3, "victoria": 0.4}
    weight = sum(capacity.get(b, 0.0) * np.clip(1 - distance[i] / 400, 0, 1) for i, b in enumerate(GEO.base_ids))
    cover = np.minimum(weight + 0.1, 1.0) * 0.8 * GEO.in_iraq
    np.testing.assert_allclose(coalition.cover, cover, rtol=1e-12)
    own = model.params.iraqi_forces.own_isr_coverage * GEO.in_iraq
    np.testing.assert_allclose(coalition.isr_for_iraq, np.minimum(cover * 0.6 + own, 1.0), rtol=1e-12)
    np.testing.assert_allclose(model.cond.isr, coalition.isr_for_iraq)
    assert 0 < cover[GEO.in_iraq].min() < cover.max() < 0.8


@pytest.mark.parametrize("sharing", [1.0, 0.4])
def test_coalition_strikes_on_located_cells_scale_with_cover_and_intelligence_sharing(sharing):
    model = frozen_model("model.coalition.strike_rate_per_day=1", f"model.relations.intelligence_sharing={sharing}",
                         "model.coalition.bases={ain_al_asad: 0, erbil: 0.8, victoria: 0, harir: 0}")
    coalition, p = model.coalition, model.params.coalition
    areas = np.array([MOSUL] * 1000 + [ANBAR_EUPHRATES] * 1000)
    net = only_cells(model, areas, members=10)
    chance = sharing * coalition.cover[areas]
    assert 0 < coalition.cover[ANBAR_EUPHRATES] < coalition.cover[MOSUL]
    hits, rounds = np.zeros(net.n), 8
    for _ in range(rounds):
        net.members[: net.n], net.intel[: net.n] = 10, 5.0
        coalition.strike_located_cells(net, np.arange(net.n))
        hits += net.intel[: net.n] == 0
    for where in (MOSUL, ANBAR_EUPHRATES):
        check_bernoulli(hits[areas == where], np.tile(chance[areas == where], rounds), "coalition strikes")
    check_binomial(coalition.removed_by_strikes, 10 * int(hits.sum()), p.strike_removal_share, "killed by strikes")


def test_exposed_leaders_are_killed_by_coalition_and_iraqi_strikes_at_their_combined_chance():
    """Coalition = rate * best cover over the wilaya's areas (over Iraq for the centre);
    Iraq = own rate * readiness * best own ISR; together 1 - (1 - coalition) (1 - Iraq)."""
    model = frozen_model("model.coalition.bases={ain_al_asad: 0, erbil: 0.5, victoria: 0, harir: 0}",
                         "model.coalition.leader_strike_rate_per_day=0.5",
                         "model.iraqi_forces.own_leader_strike_rate_per_day=0.5")
    leadership, p = model.cells.leadership, model.params
    posts = leadership.alive.size
    best_cover, best_own = np.zeros(posts), np.zeros(posts)
    for a in range(GEO.n_areas):
        best_cover[GEO.wilaya[a]] = max(best_cover[GEO.wilaya[a]], model.coalition.cover[a])
        best_own[GEO.wilaya[a]] = max(best_own[GEO.wilaya[a]], model.forces.own_isr[a])
    best_cover[-1], best_own[-1] = model.coalition.cover.max(), model.forces.own_isr.max()
    coalition = 0.5 * best_cover
    iraq = 0.5 * model.forces.readiness * best_own
    np.testing.assert_allclose(model.coalition.leader_kill_chance(posts, GEO.wilaya), coalition, rtol=1e-12)
    np.testing.assert_allclose(model.forces.leader_kill_chance(posts, GEO.wilaya), iraq, rtol=1e-12)
    assert coalition[-1] > 0 and iraq[-1] > 0            # the centre is reached from anywhere in Iraq
    chance = 1 - (1 - coalition) * (1 - iraq)
    assert len(set(np.round(chance, 6))) >= 3
    kills, rounds = np.zeros(posts), 500
    for _ in range(rounds):
        leadership.alive[:] = True
        leadership.exposure[:] = 1.0
        leadership.exposure[0] = 0.9                 # not yet exposed enough: never targeted
        model._target_leaders(model.cells)
        kills += ~leadership.alive
    assert kills[0] == 0
    # A sum of binomials, one per post, tested as one count.
    check_count(kills[1:].sum(), rounds * chance[1:].sum(), rounds * (chance * (1 - chance))[1:].sum(),
                "leaders killed")
    assert p.coalition.leader_strike_rate_per_day == 0.5


# ----- 4.3 leadership ---------------------------------------------------------------------------
def test_a_killed_leader_is_replaced_after_an_exponential_delay_of_at_least_a_day_by_a_novice():
    model = frozen_model()
    leadership, p = model.cells.leadership, model.params.insurgents
    post = leadership.post_index("diyala")
    delays = []
    for _ in range(800):
        leadership.alive[post] = True
        leadership.kill(post)
        delays.append(leadership.replacement_due[post] - model.time)
        assert leadership.exposure[post] == 0 and not leadership.alive[post]
    delays = np.array(delays)
    theta = p.leader_replacement_days
    assert delays.min() >= 1.0
    check_count(delays.sum(), delays.size * (1 + theta * np.exp(-1 / theta)), delays.size * theta ** 2,
                "replacement delays")
    due = leadership.replacement_due[post]
    while model.time < due - 1:
        model.step()
    assert not leadership.alive[post]
    model.step()
    seasoned = p.successor_experience + (1 - p.successor_experience) * (1 - np.exp(-7 / p.leader_seasoning_days))
    assert leadership.alive[post]
    assert leadership.experience[post] == pytest.approx(seasoned if model.day % 7 == 0 else p.successor_experience)


def test_leaders_season_towards_full_experience_and_coordination_follows_them():
    model = frozen_model()
    leadership, p = model.cells.leadership, model.params.insurgents
    leadership.experience[:] = 0.3
    leadership.alive[leadership.post_index("anbar")] = False
    leadership.season(7)
    gain = 1 - np.exp(-7 / p.leader_seasoning_days)
    expected = np.where(leadership.alive, 0.3 + 0.7 * gain, 0.3)
    np.testing.assert_allclose(leadership.experience, expected, rtol=1e-12)
    led = leadership.alive * expected
    coordination = p.wali_coordination_share * led[GEO.wilaya] + (1 - p.wali_coordination_share) * led[-1]
    np.testing.assert_allclose(leadership.area_coordination, coordination, rtol=1e-12)
    assert leadership.centre_factor(0.4) == pytest.approx(0.4 + 0.6 * expected[-1])
    leadership.kill(leadership.centre)
    assert leadership.centre_factor(0.4) == pytest.approx(0.4)


# ----- 4.13 community stance ------------------------------------------------------------------------
def test_stance_drifts_with_the_budget_shortfall_rises_with_pmf_grievance_and_backlash_fades():
    model = frozen_model("model.relations.security_budget=0.7", "model.iraqi_forces.pmf_grievance=0.2")
    community, p = model.community, model.params
    drift_per_day = p.relations.reconstruction_stance_drift_per_year * 0.3 / 365.25
    np.testing.assert_allclose(community.grievance, 0.2 * model.forces.pmf_share)
    community.backlash[KIRKUK] = 0.1
    for _ in range(4):
        stance = community.settle(7)
    backlash = np.zeros(GEO.n_areas)
    backlash[KIRKUK] = 0.1 * np.exp(-28 / p.iraqi_forces.backlash_decay_days)
    np.testing.assert_allclose(community.backlash, backlash, rtol=1e-12)
    expected = np.clip(GEO.community_stance + 28 * drift_per_day + 0.2 * model.forces.pmf_share + backlash, 0, 1)
    np.testing.assert_allclose(stance, expected, rtol=1e-12)
    full = frozen_model("model.relations.security_budget=1.2")
    full.community.settle(7)
    assert (full.community.drift == 0).all()          # a budget above 2024's does not lower stance


def test_operations_harm_civilians_with_their_chance_and_each_incident_adds_backlash():
    model = frozen_model()
    community, per_incident = model.community, model.params.iraqi_forces.backlash_stance_per_incident
    areas = np.array([KIRKUK] * 6000 + [MOSUL] * 6000)
    community.collateral(areas, 0.08)
    check_binomial(community.incidents, areas.size, 0.08, "collateral incidents")
    assert community.backlash.sum() == pytest.approx(community.incidents * per_incident)
    assert set(np.flatnonzero(community.backlash)) == {KIRKUK, MOSUL}


def test_collateral_chances_by_operation_and_raids_in_hideouts_harm_no_one():
    """Coalition strikes at the coalition's chance, Iraqi strikes at Iraq's, raids only outside hideouts."""
    model = frozen_model("model.iraqi_forces.raids_per_day=100", "model.coalition.strike_rate_per_day=0.3",
                         "model.iraqi_forces.own_strike_rate_per_day=0.5")
    p = model.params
    net = only_cells(model, [MOSUL] * 40 + [HAMRIN] * 40, members=10)
    calls = []
    model.community.collateral = lambda areas, chance: calls.append((np.asarray(areas).copy(), chance))
    net.intel[: net.n] = 5.0
    model._hit_located(net, np.arange(net.n))
    chances = [chance for _, chance in calls]
    assert chances == [p.coalition.strike_collateral_chance, p.iraqi_forces.own_strike_collateral_chance,
                       p.iraqi_forces.raid_collateral_chance]
    raided_areas = calls[2][0]
    assert raided_areas.size and not GEO.hideout[raided_areas].any()
    assert model.forces.raids > raided_areas.size          # the raids in the Hamrin mountains are left out


@pytest.mark.parametrize("striker", ["coalition", "iraq"])
def test_cells_struck_today_are_not_raided_the_same_day(striker):
    """Every located cell in Mosul is struck, by the coalition (full cover) or by Iraq (full readiness and
    own ISR, no coalition strike): none is left for the raids."""
    if striker == "coalition":
        model = frozen_model("model.coalition.strike_rate_per_day=1", "model.iraqi_forces.raids_per_day=50")
    else:
        model = frozen_model("model.coalition.strike_rate_per_day=0", "model.iraqi_forces.own_strike_rate_per_day=1",
                             "model.iraqi_forces.readiness=1", "model.iraqi_forces.own_isr_coverage=1",
                             "model.iraqi_forces.raids_per_day=50")
    net = only_cells(model, (MOSUL, 30), members=10)
    assert model.coalition.cover[MOSUL] == 1.0
    net.intel[: net.n] = 5.0
    model._hit_located(net, np.arange(net.n))
    assert model.coalition.strikes + model.forces.strikes == 30 and model.forces.raids == 0


def test_monthly_removals_count_raids_and_both_kinds_of_strike():
    """docs/model.md section 9: removed_iraq is what raids, Iraqi strikes and coalition strikes removed."""
    model = frozen_model("model.coalition.strike_rate_per_day=0.5", "model.iraqi_forces.own_strike_rate_per_day=0.5",
                         "model.iraqi_forces.detection_rate_per_day=0.2", "model.iraqi_forces.raids_per_day=2")
    for _ in range(91):                              # January to March 2024
        model.step()
    counters = model.counters()
    parts = [counters["removed_by_raids"], counters["removed_by_strikes"], counters["removed_by_iraqi_strikes"]]
    assert all(part > 0 for part in parts)
    assert model._monthly["removed_iraq"][:3].sum() == sum(parts)
