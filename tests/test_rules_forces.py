"""Iraqi forces, coalition air cover, leadership and community stance (docs/model.md 4.3, 4.10, 4.12, 4.13),
each rule on a frozen state against its formula (the design of the checks: tests/rates.py). A rule is called
as the day calls it: a part's hook with the whole world, or the compiled kernel with the arrays its hook
passes it."""

from __future__ import annotations

import numpy as np
import pytest
from frozen import CENTRE, GEO, area, frozen_model, kill_leader, only_cells, params, post, record
from rates import check_bernoulli, check_binomial, check_count
from scipy import stats

from sim.model import coalition, community, forces, leadership, network
from sim.model.model import counters, monthly
from sim.model.places import PMF_BRANCH

KIRKUK, HAMRIN, MOSUL, ZGHAYTUN = area("kirkuk"), area("hamrin_mountains"), area("mosul"), area("wadi_zghaytun")
ANBAR_EUPHRATES = area("anbar_euphrates")


def locate_all(model) -> None:
    """Every live cell located today, as the day's response leaves them for the strikes and raids."""
    w = model.world
    w.forces.located = np.arange(w.cells.n, dtype=np.int64)
    w.forces.n_located = w.cells.n


def strike_and_raid(model) -> None:
    """The day's strikes and raids on the located cells: the coalition's, then Iraq's (the 'located' phase)."""
    w = model.world
    coalition._strike_located(w)
    forces._strike_and_raid(w)


# ----- 4.10 readiness, presence, detection ---------------------------------------------------------
@pytest.mark.parametrize("budget, elasticity, diversion, readiness", [
    (1.0, 0.6, 0.0, 0.7), (0.65, 0.6, 0.0, 0.7), (0.65, 1.5, 0.4, 0.7), (1.5, 0.6, 0.1, 0.9)])
def test_readiness_follows_the_budget_by_its_elasticity_less_regional_diversion(budget, elasticity, diversion,
                                                                                 readiness):
    model = frozen_model(f"model.relations.security_budget={budget}",
                         f"model.relations.budget_readiness_elasticity={elasticity}",
                         f"model.regional.force_diversion={diversion}", f"model.iraqi_forces.readiness={readiness}")
    expected = min(1.0, readiness * budget ** elasticity) * (1 - diversion)
    assert model.world.forces.readiness[0] == pytest.approx(expected, rel=1e-12)


def test_standing_presence_counts_units_their_neighbours_the_seam_and_the_pmf():
    model = frozen_model("model.iraqi_forces.pmf_strength=2", "model.iraqi_forces.seam_coordination=0.2",
                         "model.iraqi_forces.neighbour_presence_share=0.3")
    p, f = params(model).iraqi_forces, model.world.forces
    strength, pmf = np.zeros(GEO.n_areas), np.zeros(GEO.n_areas)
    for unit in GEO.units:
        weight = unit.strength * (2.0 if unit.branch == PMF_BRANCH else 1.0)
        strength[unit.area] += weight
        pmf[unit.area] += weight if unit.branch == PMF_BRANCH else 0.0
    around = np.array([0.3 * strength[GEO.adjacency[a]].sum() for a in range(GEO.n_areas)])
    pmf_around = np.array([0.3 * pmf[GEO.adjacency[a]].sum() for a in range(GEO.n_areas)])
    seam = np.where(GEO.disputed, 1 - p.seam_presence_gap * (1 - 0.2), 1.0)
    expected = (strength + around) * seam * f.readiness[0] * GEO.in_iraq
    base_presence = f.base_presence[0]
    np.testing.assert_allclose(base_presence, expected, rtol=1e-12)
    assert base_presence[~GEO.in_iraq].sum() == 0 and (base_presence[GEO.in_iraq] > 0).all()
    total = strength + around
    share = np.divide(pmf + pmf_around, total, out=np.zeros(GEO.n_areas), where=total > 0) * GEO.in_iraq
    np.testing.assert_allclose(f.pmf_share[0], share, rtol=1e-12)
    assert share.max() > 0.3


def test_detection_per_area_multiplies_isr_community_tips_and_open_terrain():
    model = frozen_model("drawdown=kurdistan_residual", "model.iraqi_forces.hostile_community_gain=2")
    p, w = params(model).iraqi_forces, model.world
    stance = np.linspace(0.0, 0.5, GEO.n_areas)
    w.community.stance = stance
    forces._conditions(w)
    isr = w.forces.isr[0]
    expected = (p.detection_rate_per_day * (1 + p.isr_detection_gain * isr) * (1 + 2 * (1 - stance))
                * (1 - GEO.ruggedness))
    np.testing.assert_allclose(w.forces.detection, expected, rtol=1e-12)
    assert len(set(np.round(isr[GEO.in_iraq], 6))) > 3          # coverage differs between areas


def test_cells_are_detected_by_presence_attention_size_and_state_and_files_decay():
    model = frozen_model("model.iraqi_forces.sweep_rate_per_day=0")    # the day's response without sweeps
    p, w = params(model).iraqi_forces, model.world
    n = 600
    areas = np.where(np.arange(n) < 400, KIRKUK, HAMRIN)
    members = np.where(np.arange(n) % 3 == 0, 12, 3)
    active = np.arange(n) % 2 == 0
    net = only_cells(model, areas, members=members, active=active)
    w.forces.detection = np.full(GEO.n_areas, 0.3)
    presence = np.linspace(0.5, 2.5, GEO.n_areas)
    w.forces.presence = presence
    attention = 1 / (1 + np.array([400, 200]) / p.cells_followed_per_area)
    attention_of = np.where(areas == KIRKUK, attention[0], attention[1])
    visibility = np.sqrt(members / params(model).insurgents.mean_cell_size) * np.where(active, 1.0,
                                                                                         p.dormant_exposure)
    chance = 0.3 * presence[areas] * attention_of * visibility
    assert chance.max() < 1
    hits, rounds = np.zeros(n), 500
    for _ in range(rounds):
        net.intel[:n] = 1.0
        forces._response(w)
        detected = net.intel[:n] > 1.0
        np.testing.assert_allclose(net.intel[:n], (1 - p.intel_decay_per_day) + detected)
        hits += detected
    for chosen in (active, ~active):
        check_bernoulli(hits[chosen], np.tile(chance[chosen], rounds), "detections")


def test_sweeps_come_at_their_rate_times_readiness_and_visit_every_iraqi_hideout_alike():
    """The day's response with detection off and files kept whole: what is added is what sweeps found."""
    model = frozen_model("model.iraqi_forces.sweep_rate_per_day=1", "model.iraqi_forces.sweep_detection=1",
                         "model.iraqi_forces.sweep_terrain_penalty=0", "model.iraqi_forces.detection_rate_per_day=0",
                         "model.iraqi_forces.intel_decay_per_day=0")
    w = model.world
    hideouts = np.flatnonzero(GEO.hideout & GEO.in_iraq)
    net = only_cells(model, list(hideouts))
    days = 1200
    for _ in range(days):
        forces._response(w)
    visits = net.intel[: net.n]
    readiness = w.forces.readiness[0]
    check_count(visits.sum(), days * readiness, days * readiness, "sweeps")
    assert stats.chisquare(visits).pvalue > 1e-4


def test_a_sweep_finds_each_cell_of_its_hideout_with_its_chance_less_for_rugged_terrain():
    model = frozen_model("model.iraqi_forces.sweep_rate_per_day=1")
    p, w = params(model).iraqi_forces, model.world
    readiness = w.forces.readiness[0]
    net = only_cells(model, (HAMRIN, 100))
    days = 1200
    for _ in range(days):                                # every sweep goes to the Hamrin mountains
        forces.sweep_hideouts(net, np.array([HAMRIN]), w.places.ruggedness, p.sweep_rate_per_day * readiness,
                              p.sweep_detection, p.sweep_terrain_penalty, w.streams.detection)
    chance = p.sweep_detection * (1 - p.sweep_terrain_penalty * GEO.ruggedness[HAMRIN])
    sweeps = days * readiness                            # Poisson sweeps, each a Binomial(100, chance)
    check_count(net.intel[: net.n].sum(), sweeps * 100 * chance,
                sweeps * (100 * chance * (1 - chance) + (100 * chance) ** 2), "cells found by sweeps")


# ----- 4.10 Iraqi strikes and raids ------------------------------------------------------------------
def test_iraqi_strikes_hit_located_cells_by_readiness_and_own_isr_and_kill_their_share():
    model = frozen_model("model.iraqi_forces.own_strike_rate_per_day=1", "model.iraqi_forces.own_isr_coverage=0.3",
                         "model.iraqi_forces.substitute_isr_coverage=0.1", "model.coalition.strike_rate_per_day=0",
                         "model.iraqi_forces.raids_per_day=0")
    p, w = params(model).iraqi_forces, model.world
    f = w.forces
    net = only_cells(model, (KIRKUK, 2000), members=10, weapons=15.0)
    chance = f.readiness[0] * 0.4
    struck = removed = 0
    for _ in range(3):
        net.members[: net.n], net.weapons[: net.n], net.intel[: net.n] = 10, 15.0, 3.0
        strikes_before = f.strikes
        locate_all(model)
        strike_and_raid(model)
        hit = net.intel[: net.n] == 0
        assert f.strikes - strikes_before == hit.sum()
        assert (net.weapons[: net.n][hit] <= net.members[: net.n][hit] * 1.5).all()
        struck += int(hit.sum())
        removed += int(10 * net.n - net.members[: net.n].sum())
    check_binomial(struck, 3 * net.n, chance, "Iraqi strikes")
    check_binomial(removed, 10 * struck, p.own_strike_removal_share, "members killed by Iraqi strikes")
    assert (f.strikes, f.removed_by_strikes) == (struck, removed)
    # The areas a strike reports (where collateral damage is drawn) are the struck cells' own.
    net = only_cells(model, [KIRKUK, MOSUL, HAMRIN, MOSUL], members=10)
    areas, count, _ = forces.strike_cells(net, np.array([3, 0, 2]), np.ones(GEO.n_areas), 0.5, 1.5, np.inf,
                                        w.streams.strikes)
    assert count == 3 and areas.tolist() == [MOSUL, KIRKUK, HAMRIN]


def test_raids_come_at_their_capacity_best_known_first_and_succeed_by_readiness_and_terrain():
    """Every captive talks (exposure chance 1) and each raided cell's only link is one listening cell, so
    the file on that cell counts the captives."""
    model = frozen_model("model.iraqi_forces.raids_per_day=8", "model.iraqi_forces.network_exposure_per_capture=1")
    p, w = params(model).iraqi_forces, model.world
    f, readiness = w.forces, w.forces.readiness[0]
    areas = np.array([MOSUL] * 30 + [HAMRIN] * 30)
    net = only_cells(model, [*areas, KIRKUK], members=10)
    listener = int(net.uid[60])
    for slot in range(60):
        network.link(net, int(net.uid[slot]), listener)
    captured, reached, chances, rounds = 0.0, 0, [], 300
    for k in range(rounds):
        net.members[:60] = 10
        intel = np.random.default_rng(k).uniform(2, 10, 60)
        net.intel[:60], net.intel[60] = intel, 0.0
        raids_before = f.raids
        raided_areas = forces.raid_located_cells(f, net, w.leadership, np.arange(60), readiness, w.places.ruggedness,
                                                 w.places.wilaya, record(model, "iraqi_forces"),
                                                 record(model, "insurgents"), w.streams.raids)
        raided = f.raids - raids_before
        touched = net.intel[:60] != intel
        assert touched.sum() == raided == raided_areas.size
        if raided and (~touched).any():             # the best-known cells, and only they
            assert intel[touched].min() >= intel[~touched].max()
        hit = net.intel[:60] == 0
        missed = touched & ~hit
        np.testing.assert_allclose(net.intel[:60][missed], intel[missed] * p.trail_kept_after_failed_raid)
        reached += int(hit.sum())
        chances.extend(p.raid_success * readiness * (1 - p.raid_terrain_penalty * GEO.ruggedness[areas[touched]]))
        captured += net.intel[60] / p.exposure_intel
    check_count(f.raids, rounds * p.raids_per_day * readiness, rounds * p.raids_per_day * readiness, "raids mounted")
    check_bernoulli(reached, np.array(chances), "raids that reach their cell")
    check_binomial(f.removed_by_raids, 10 * reached, p.raid_removal_share, "members removed by raids")
    check_binomial(round(captured), f.removed_by_raids, p.capture_share, "members captured")


def test_captured_members_give_up_linked_cells_and_sometimes_their_leaders():
    model = frozen_model()
    p, w = params(model), model.world
    net = only_cells(model, [KIRKUK] * 4)
    for slot in range(1, 4):
        network.link(net, int(net.uid[0]), int(net.uid[slot]))
    rng = np.random.default_rng(4)
    leaders = w.leadership
    rules = (record(model, "iraqi_forces"), record(model, "insurgents"))
    wilaya = int(GEO.wilaya[KIRKUK])
    exposed, rounds, captured = 0, 3000, 3
    for _ in range(rounds):
        leaders.exposure[:] = 0.0
        forces.expose_links(net, leaders, 0, captured, *rules, wilaya, rng)
        if leaders.exposure[wilaya]:
            exposed += 1
            assert leaders.exposure[wilaya] == 1.0
            assert leaders.exposure[CENTRE] == pytest.approx(p.insurgents.centre_exposure_per_lead)
    told = net.intel[1:4].sum() / p.iraqi_forces.exposure_intel
    check_binomial(round(told), rounds * captured, p.iraqi_forces.network_exposure_per_capture, "links given up")
    check_binomial(exposed, rounds, 1 - (1 - p.insurgents.leader_exposure_per_capture) ** captured,
                   "leaders exposed by captures")
    kill_leader(model, wilaya)
    leaders.exposure[:] = 0.0
    for _ in range(50):
        forces.expose_links(net, leaders, 0, 10, *rules, wilaya, rng)
    assert leaders.exposure[wilaya] == 0          # a vacant post cannot be exposed


# ----- 4.12 coalition ----------------------------------------------------------------------------
def test_coalition_cover_falls_with_distance_from_each_open_base_and_iraq_gets_its_shared_part():
    model = frozen_model("model.coalition.bases={ain_al_asad: 0, erbil: 0.3, victoria: 0.4, harir: 0}",
                         "model.coalition.over_the_horizon_isr=0.1",
                         "model.regional.coalition_diversion=0.2", "model.relations.intelligence_sharing=0.6",
                         "model.coalition.isr_radius_km=400")
    w, p = model.world, params(model).iraqi_forces
    distance = GEO.base_distance_km()
    capacity = {"erbil": 0.3, "victoria": 0.4}
    weight = sum(capacity.get(b, 0.0) * np.clip(1 - distance[i] / 400, 0, 1) for i, b in enumerate(GEO.base_ids))
    cover = np.minimum(weight + 0.1, 1.0) * 0.8 * GEO.in_iraq
    np.testing.assert_allclose(w.coalition.cover[0], cover, rtol=1e-12)
    own = min(p.own_isr_coverage + p.substitute_isr_coverage, 1.0) * GEO.in_iraq
    np.testing.assert_allclose(w.forces.isr[0], np.minimum(cover * 0.6 + own, 1.0), rtol=1e-12)
    assert 0 < cover[GEO.in_iraq].min() < cover.max() < 0.8


@pytest.mark.parametrize("sharing", [1.0, 0.4])
def test_coalition_strikes_on_located_cells_scale_with_cover_and_intelligence_sharing(sharing):
    model = frozen_model("model.coalition.strike_rate_per_day=1", f"model.relations.intelligence_sharing={sharing}",
                         "model.coalition.bases={ain_al_asad: 0, erbil: 0.8, victoria: 0, harir: 0}",
                         "model.coalition.strike_capacity_per_month=1e12")
    w, p = model.world, params(model).coalition
    cover = w.coalition.cover[0]
    areas = np.array([MOSUL] * 1000 + [ANBAR_EUPHRATES] * 1000)
    net = only_cells(model, areas, members=10)
    chance = sharing * cover[areas]
    assert 0 < cover[ANBAR_EUPHRATES] < cover[MOSUL]
    hits, rounds = np.zeros(net.n), 8
    for _ in range(rounds):
        net.members[: net.n], net.intel[: net.n] = 10, 5.0
        locate_all(model)
        coalition._strike_located(w)
        hits += net.intel[: net.n] == 0
    for where in (MOSUL, ANBAR_EUPHRATES):
        check_bernoulli(hits[areas == where], np.tile(chance[areas == where], rounds), "coalition strikes")
    check_binomial(w.coalition.removed_by_strikes, 10 * int(hits.sum()), p.strike_removal_share, "killed by strikes")


def test_coalition_strikes_are_limited_by_the_sorties_flown_and_take_the_best_known_cells_first():
    """With every located cell chosen, one day's strikes are the month's sorties (the budget starts full),
    the cells struck are the best-known ones, and the budget refills at capacity / (365.25 / 12) a day up
    to one month's worth."""
    capacity = 12.0
    model = frozen_model("model.coalition.strike_rate_per_day=1",
                         f"model.coalition.strike_capacity_per_month={capacity}",
                         "model.coalition.bases={ain_al_asad: 1, erbil: 1, victoria: 1, harir: 1}")
    w = model.world
    net = only_cells(model, (MOSUL, 40), members=10)
    assert w.coalition.cover[0][MOSUL] == 1.0
    intel = np.random.default_rng(11).uniform(2, 10, 40)
    net.intel[:40] = intel
    locate_all(model)
    coalition._strike_located(w)
    struck = net.intel[:40] == 0
    assert w.coalition.strikes == struck.sum() == capacity
    assert intel[struck].min() > intel[~struck].max()
    assert w.coalition.sorties == 0.0                          # a full budget, all spent
    w.forces.n_located = 0                                    # no located cell: the budget refills ...
    for _ in range(10):
        coalition._strike_located(w)
    assert w.coalition.sorties == pytest.approx(10 * capacity * 12 / 365.25)
    for _ in range(60):                                       # ... up to one month's sorties
        coalition._strike_located(w)
    assert w.coalition.sorties == pytest.approx(capacity)


def test_exposed_leaders_are_killed_by_coalition_and_iraqi_strikes_at_their_combined_chance():
    """Coalition = rate * best cover over the wilaya's areas (over Iraq for the centre);
    Iraq = own rate * readiness * best own ISR; together 1 - (1 - coalition) (1 - Iraq)."""
    model = frozen_model("model.coalition.bases={ain_al_asad: 0, erbil: 0.5, victoria: 0, harir: 0}",
                         "model.coalition.leader_strike_rate_per_day=0.5",
                         "model.iraqi_forces.own_leader_strike_rate_per_day=0.5")
    w, p = model.world, params(model)
    leaders = w.leadership
    cover, own_isr = w.coalition.cover[0], w.forces.own_isr[0]
    posts = leaders.alive.size
    best_cover, best_own = np.zeros(posts), np.zeros(posts)
    for a in range(GEO.n_areas):
        best_cover[GEO.wilaya[a]] = max(best_cover[GEO.wilaya[a]], cover[a])
        best_own[GEO.wilaya[a]] = max(best_own[GEO.wilaya[a]], own_isr[a])
    best_cover[-1], best_own[-1] = cover.max(), own_isr.max()
    np.testing.assert_allclose(leadership.best_cover_by_post(cover, w.places.wilaya, posts), best_cover, rtol=1e-12)
    np.testing.assert_allclose(leadership.best_cover_by_post(own_isr, w.places.wilaya, posts), best_own, rtol=1e-12)
    coalition_chance = 0.5 * best_cover
    iraq = 0.5 * w.forces.readiness[0] * best_own
    assert coalition_chance[-1] > 0 and iraq[-1] > 0     # the centre is reached from anywhere in Iraq
    chance = 1 - (1 - coalition_chance) * (1 - iraq)
    assert len(set(np.round(chance, 6))) >= 3
    kills, rounds = np.zeros(posts), 500
    for _ in range(rounds):
        leaders.alive[:] = True
        leaders.exposure[:] = 1.0
        leaders.exposure[0] = 0.9                    # not yet exposed enough: never targeted
        leadership._strike_exposed(w)
        kills += ~leaders.alive
    assert kills[0] == 0
    # A sum of binomials, one per post, tested as one count.
    check_count(kills[1:].sum(), rounds * chance[1:].sum(), rounds * (chance * (1 - chance))[1:].sum(),
                "leaders killed")
    assert p.coalition.leader_strike_rate_per_day == 0.5


# ----- 4.3 leadership ---------------------------------------------------------------------------
def test_a_killed_leader_is_replaced_after_an_exponential_delay_of_at_least_a_day_by_a_novice():
    model = frozen_model()
    w, p = model.world, params(model).insurgents
    leaders = w.leadership
    diyala = post("diyala")
    delays = []
    for _ in range(800):
        leaders.alive[diyala] = True
        kill_leader(model, diyala)
        delays.append(leaders.replacement_due[diyala] - w.clock.now)
        assert leaders.exposure[diyala] == 0 and not leaders.alive[diyala]
    delays = np.array(delays)
    theta = p.leader_replacement_days
    assert delays.min() >= 1.0
    check_count(delays.sum(), delays.size * (1 + theta * np.exp(-1 / theta)), delays.size * theta ** 2,
                "replacement delays")
    due = leaders.replacement_due[diyala]
    while w.clock.day + 1 < due:                     # a day's work runs at Mesa's time day + 1
        model.step()
    assert not leaders.alive[diyala]
    model.step()
    seasoned = p.successor_experience + (1 - p.successor_experience) * (1 - np.exp(-7 / p.leader_seasoning_days))
    assert leaders.alive[diyala]
    assert leaders.experience[diyala] == pytest.approx(seasoned if model.day % 7 == 0 else p.successor_experience)


def test_leaders_season_towards_full_experience_and_coordination_follows_them():
    model = frozen_model()
    w, p = model.world, params(model).insurgents
    leaders = w.leadership
    leaders.experience[:] = 0.3
    leaders.alive[post("anbar")] = False
    leadership._week(w)                              # a week's seasoning
    gain = 1 - np.exp(-7 / p.leader_seasoning_days)
    expected = np.where(leaders.alive, 0.3 + 0.7 * gain, 0.3)
    np.testing.assert_allclose(leaders.experience, expected, rtol=1e-12)
    led = leaders.alive * expected
    coordination = p.wali_coordination_share * led[GEO.wilaya] + (1 - p.wali_coordination_share) * led[-1]
    np.testing.assert_allclose(leaders.area_coordination, coordination, rtol=1e-12)
    assert leadership.centre_factor(leaders, 0.4) == pytest.approx(0.4 + 0.6 * expected[-1])
    kill_leader(model, CENTRE)
    assert leadership.centre_factor(leaders, 0.4) == pytest.approx(0.4)


# ----- 4.13 community stance ------------------------------------------------------------------------
def test_stance_drifts_with_the_budget_shortfall_rises_with_pmf_grievance_and_backlash_fades():
    model = frozen_model("model.relations.security_budget=0.7", "model.iraqi_forces.pmf_grievance=0.2")
    w, p = model.world, params(model)
    pmf_share = w.forces.pmf_share[0]
    drift_per_day = p.relations.reconstruction_stance_drift_per_year * 0.3 / 365.25
    w.community.backlash[KIRKUK] = 0.1
    for _ in range(4):
        community._week(w)
    backlash = np.zeros(GEO.n_areas)
    backlash[KIRKUK] = 0.1 * np.exp(-28 / p.iraqi_forces.backlash_decay_days)
    np.testing.assert_allclose(w.community.backlash, backlash, rtol=1e-12)
    expected = np.clip(GEO.community_stance + 28 * drift_per_day + 0.2 * pmf_share + backlash, 0, 1)
    assert (0.2 * pmf_share).max() > 0.05                 # the grievance shows
    np.testing.assert_allclose(w.community.stance, expected, rtol=1e-12)
    full = frozen_model("model.relations.security_budget=1.2")
    community._week(full.world)
    assert (full.world.community.drift == 0).all()    # a budget above 2024's does not lower stance


def test_estrangement_raises_the_stance_of_every_area_in_iraq_and_of_none_in_syria():
    """The same world settled with and without estrangement: Iraq's areas 0.25 higher (none reaches 1),
    Syria's unchanged."""
    without, with_ = frozen_model().world, frozen_model("model.relations.community_estrangement=0.25").world
    community._week(without)
    community._week(with_)
    assert without.community.stance.max() < 0.75
    np.testing.assert_allclose(with_.community.stance - without.community.stance, 0.25 * GEO.in_iraq, atol=1e-12)


def test_operations_harm_civilians_with_their_chance_and_each_incident_adds_backlash():
    model = frozen_model()
    w, per_incident = model.world, params(model).iraqi_forces.backlash_stance_per_incident
    areas = np.array([KIRKUK] * 6000 + [MOSUL] * 6000)
    community.collateral(w.community, areas, 0.08, 0, w.streams.community)
    check_binomial(w.community.incidents, areas.size, 0.08, "collateral incidents")
    assert w.community.backlash.sum() == pytest.approx(w.community.incidents * per_incident)
    assert set(np.flatnonzero(w.community.backlash)) == {KIRKUK, MOSUL}


RATES = {"coalition strikes": "model.coalition.strike_rate_per_day",
         "Iraqi strikes": "model.iraqi_forces.own_strike_rate_per_day",
         "raids": "model.iraqi_forces.raids_per_day"}
ON = {"coalition strikes": 0.3, "Iraqi strikes": 0.5, "raids": 100}
COLLATERAL = {"coalition strikes": "model.coalition.strike_collateral_chance",
              "Iraqi strikes": "model.iraqi_forces.own_strike_collateral_chance",
              "raids": "model.iraqi_forces.raid_collateral_chance"}


def only(operation: str) -> list[str]:
    """One kind of operation at a time, harming civilians surely; the other kinds neither happen nor harm."""
    return [f"{RATES[kind]}={ON[kind] if kind == operation else 0}" for kind in RATES] + [
        f"{COLLATERAL[kind]}={int(kind == operation)}" for kind in COLLATERAL]


@pytest.mark.parametrize("operation", list(RATES))
def test_collateral_chances_by_operation_and_raids_in_hideouts_harm_no_one(operation):
    """Coalition strikes at the coalition's chance, Iraqi strikes at Iraq's, raids only outside hideouts: with
    the operation's own chance 1 and the others' 0, incidents are exactly its operations outside hideouts."""
    model = frozen_model(*only(operation))
    w = model.world
    net = only_cells(model, [MOSUL] * 40 + [HAMRIN] * 40, members=10)
    net.intel[: net.n] = 5.0
    locate_all(model)
    strike_and_raid(model)
    operations = {"coalition strikes": w.coalition.strikes, "Iraqi strikes": w.forces.strikes,
                  "raids": w.forces.raids}
    assert operations[operation] > 0 and sum(operations.values()) == operations[operation]
    if operation == "raids":                          # a raided cell's file is cut or emptied: it changed
        in_mosul = int((net.intel[:40] != 5.0).sum())
        assert 0 < in_mosul < w.forces.raids          # the raids in the Hamrin mountains are left out
        assert w.community.incidents == in_mosul
    else:
        assert w.community.incidents == operations[operation]


@pytest.mark.parametrize("striker", ["coalition", "iraq"])
def test_cells_struck_today_are_not_raided_the_same_day(striker):
    """Every located cell in Mosul is struck, by the coalition (full cover) or by Iraq (full readiness and
    own ISR, no coalition strike): none is left for the raids."""
    if striker == "coalition":
        model = frozen_model("model.coalition.strike_rate_per_day=1", "model.iraqi_forces.raids_per_day=50",
                             "model.coalition.strike_capacity_per_month=1e12")
    else:
        model = frozen_model("model.coalition.strike_rate_per_day=0", "model.iraqi_forces.own_strike_rate_per_day=1",
                             "model.iraqi_forces.readiness=1", "model.iraqi_forces.own_isr_coverage=1",
                             "model.iraqi_forces.raids_per_day=50")
    w = model.world
    net = only_cells(model, (MOSUL, 30), members=10)
    assert w.coalition.cover[0][MOSUL] == 1.0
    net.intel[: net.n] = 5.0
    locate_all(model)
    strike_and_raid(model)
    assert w.coalition.strikes + w.forces.strikes == 30 and w.forces.raids == 0


def test_monthly_removals_count_raids_and_both_kinds_of_strike():
    """docs/model.md section 9: removed_iraq is what raids, Iraqi strikes and coalition strikes removed."""
    model = frozen_model("model.coalition.strike_rate_per_day=0.5", "model.iraqi_forces.own_strike_rate_per_day=0.5",
                         "model.iraqi_forces.detection_rate_per_day=0.2", "model.iraqi_forces.raids_per_day=2")
    for _ in range(91):                              # January to March 2024
        model.step()
    totals = counters(model.world)
    parts = [totals["removed_by_raids"], totals["removed_by_strikes"], totals["removed_by_iraqi_strikes"]]
    assert all(part > 0 for part in parts)
    assert monthly(model.world)["removed_iraq"][:3].sum() == sum(parts)
