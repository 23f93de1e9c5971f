"""Each mechanism against its intent, with fixed seeds and stated tolerances."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from frozen import record
from rates import check_binomial
from scipy import stats

from sim.geography import load_geography
from sim.model import attacks, cells, forces, network
from sim.model.attacks import ATTACK_TYPES
from sim.model.model import CoalitionBase, InsurgentCell
from sim.model.places import places
from sim.runs.ensemble import run_ensemble

from conftest import model_for, pooled, scenario

# Mechanisms are checked without the observed history: the schema's starting state, levels from day 0.
BARE = ("history=none", "start=2024-01-01")
NO_COALITION = "drawdown=complete_exit"
COMPLEX = ATTACK_TYPES.index("complex_attack")


def bare(*overrides: str):
    return scenario("baseline", *BARE, *overrides)


def run_days(model, days: int) -> None:
    for _ in range(days):
        model.step()


def inspected(model, kind) -> list:
    """The model's Mesa agents of one kind, as the state stands now."""
    return [agent for agent in model.agents if isinstance(agent, kind)]


# ----- coalition air cover and detection ------------------------------------------------
def test_without_coalition_cover_fewer_insurgents_are_removed():
    """Fixed seeds, 16 replicates of one year; one-sided Mann-Whitney at the 1% level."""
    covered = bare("end=2024-12-31", "replicates=16")
    exposed = bare("end=2024-12-31", "replicates=16", NO_COALITION)
    removed = [np.array([o.counters["removed_by_raids"] + o.counters["removed_by_strikes"]
                         + o.counters["removed_by_iraqi_strikes"]
                         for o in run_ensemble(c, workers=2, progress=False)]) for c in (covered, exposed)]
    assert stats.mannwhitneyu(removed[0], removed[1], alternative="greater").pvalue < 0.01


def test_the_observed_drawdown_takes_effect_on_its_dates():
    """The history's posture changes: Ain al-Asad and Victoria left on 24 August 2025 (a small unit
    staying at Ain al-Asad), Ain al-Asad handed over on 17 January 2026."""
    model = model_for(scenario("baseline", "end=2026-01-31"))

    def bases():
        return {b.base_id: b.capacity for b in inspected(model, CoalitionBase)}

    days_to = lambda d: (dt.date.fromisoformat(d) - model.start_date).days  # noqa: E731
    run_days(model, days_to("2025-08-23") + 1)
    assert model.date == dt.date(2025, 8, 23)
    assert bases()["victoria"] == 1.0 and bases()["harir"] == 0.0
    model.step()
    assert model.date == dt.date(2025, 8, 24)
    assert bases()["victoria"] == 0.0 and 0 < bases()["ain_al_asad"] < 0.5
    run_days(model, days_to("2026-01-17") - days_to("2025-08-24"))
    assert model.date == dt.date(2026, 1, 17)
    assert bases()["ain_al_asad"] == 0.0 and bases()["erbil"] == 1.0


def test_intelligence_sharing_scales_the_coalition_isr_iraq_receives():
    shared = model_for(bare("relations=cooperative", "end=2024-01-31")).world.forces.isr[0]
    cut = model_for(bare("relations=sanctions", "end=2024-01-31")).world.forces.isr[0]
    assert (cut <= shared).all()
    assert cut.sum() < 0.6 * shared.sum()


# ----- border and Syria --------------------------------------------------------------------
def test_a_sealed_border_lets_no_one_across():
    open_ = bare("syria=collapse", "end=2024-12-31", "replicates=4")
    sealed = bare("syria=collapse", "end=2024-12-31", "replicates=4", "model.iraqi_forces.border_fortification=1")
    assert all(o.counters["crossed"] > 0 for o in run_ensemble(open_, progress=False))
    assert all(o.counters["crossed"] == 0 and o.counters["left_for_syria"] == 0
               for o in run_ensemble(sealed, progress=False))


def test_breakouts_free_detainees_into_the_syrian_reservoir():
    none = bare("end=2024-12-31", "model.syria.breakouts_per_year=0")
    many = bare("end=2024-12-31", "model.syria.breakouts_per_year=40")
    calm, broken = model_for(none).run(), model_for(many).run()
    assert calm.counters["breakouts"] == 0 and calm.monthly_state["detainees"][-1] == none.model.syria.detainees
    assert broken.counters["breakouts"] >= 20          # Poisson(40): below 20 has probability < 1e-3
    assert broken.monthly_state["detainees"][-1] < many.model.syria.detainees - broken.counters["escaped"] + 1
    assert broken.counters["escaped"] > 0


# ----- insurgent cells -------------------------------------------------------------------
def test_decapitation_cuts_complex_attacks():
    """Complex attacks need coordination; with leaders gone (and slow to replace) their share falls.

    Complex attacks are made common here (weight 4 of 8) so the effect can be measured; one-sided
    Fisher exact test at the 0.1% level on pooled attacks of 12 one-year replicates each.
    """
    common = ["end=2024-12-31", "replicates=12", "model.attacks.type_weights=[1,1,1,1,4]",
              "model.attacks.complex_min_members=1"]
    intact = run_ensemble(bare(*common), workers=2, progress=False)
    decapitated = run_ensemble(bare(*common, "model.insurgents.leadership_intact=0",
                                        "model.insurgents.leader_replacement_days=3650"), workers=2, progress=False)
    t_intact, t_decap = pooled(intact, "type"), pooled(decapitated, "type")
    table = [[(t_intact == COMPLEX).sum(), (t_intact != COMPLEX).sum()],
             [(t_decap == COMPLEX).sum(), (t_decap != COMPLEX).sum()]]
    assert stats.fisher_exact(table, alternative="greater").pvalue < 1e-3
    assert (t_decap == COMPLEX).mean() < 0.5 * (t_intact == COMPLEX).mean()


def test_dormant_cells_do_not_attack():
    cfg = bare("end=2024-06-30", "model.insurgents.initial_active_share=0",
               "model.insurgents.activation_rate_per_day=0")
    assert model_for(cfg).run().attacks["day"].size == 0


def test_centrally_directed_attacks_are_the_declared_share_below_fifteen_percent():
    """Al-Batakoshi (2025): fewer than 15% of operations are directed by the centre. With no leader
    strikes the centre stays in post, so every attack is directed with chance 0.10: a two-sided binomial
    test at the 1e-4 level on the pooled attacks of 8 one-year replicates, designed to detect a halving
    (or a rise by half) with probability at least 0.9."""
    cfg = bare("end=2024-12-31", "replicates=8", "model.coalition.leader_strike_rate_per_day=0",
               "model.iraqi_forces.own_leader_strike_rate_per_day=0")
    directed = pooled(run_ensemble(cfg, workers=2, progress=False), "directed")
    assert directed.mean() < 0.15
    check_binomial(int(directed.sum()), directed.size, cfg.model.insurgents.central_direction_share,
                   "directed attacks", change=0.5)


def test_network_exposure_gives_intelligence_on_linked_cells():
    model = model_for(bare("end=2024-01-31", "model.iraqi_forces.network_exposure_per_capture=1",
                           "model.iraqi_forces.exposure_intel=1.5"))
    w = model.world
    net = w.cells
    cell = next(c for c in inspected(model, InsurgentCell) if len(c.links) >= 2)
    linked = [network.slot_of(net, uid) for uid in cell.links]
    before = net.intel[linked].sum()
    forces.expose_links(net, w.leadership, cell.slot, 10, record(model, "iraqi_forces"), record(model, "insurgents"),
                        int(w.places.wilaya[cell.area]), np.random.default_rng(1))
    # Each of the 10 captured talks (chance 1) and gives up one linked cell: 10 x 1.5 intel in all.
    assert net.intel[linked].sum() - before == pytest.approx(15.0)


def test_recruitment_scales_with_the_rate_set_by_community_stance():
    """Recruits are Poisson(members * rate * days): doubling the rate doubles the mean (5% tolerance)."""
    model = model_for(bare("end=2024-01-31"))
    net = model.world.cells
    net.active[: net.n] = True
    net.funds[: net.n] = 1e9                       # money factor ~1: isolate the stance-driven rate
    base_members = net.members[: net.n].copy()
    totals = []
    for scale in (1.0, 2.0):
        rate = np.full(model.geography.n_areas, 0.002 * scale)
        gained = 0
        for _ in range(300):
            net.members[: net.n] = base_members
            cells.recruit(net, rate, record(model, "insurgents"), model.world.streams.cells)
            gained += int(net.members[: net.n].sum() - base_members.sum())
        totals.append(gained)
    expected = 300 * 7 * 0.002 * base_members.sum()
    assert totals[0] == pytest.approx(expected, rel=0.05)
    assert totals[1] / totals[0] == pytest.approx(2.0, rel=0.05)


def test_hideout_crowding_spreads_cells_over_refuges():
    geo = load_geography()
    presence = np.zeros(geo.n_areas)
    empty = np.zeros(geo.n_areas)
    hamrin, younis = geo.index("hamrin_mountains"), geo.index("sheikh_younis_mountains")
    diyala = geo.index("diyala")
    crowding, presence_danger = 0.03, 0.1
    assert cells.refuge_areas(places(), presence, empty, crowding, presence_danger)[diyala] == hamrin
    crowded = empty.copy()
    crowded[hamrin] = 20
    assert cells.refuge_areas(places(), presence, crowded, crowding, presence_danger)[diyala] == younis


def test_large_cells_split_into_linked_cells():
    cfg = bare("end=2024-01-31")
    net = model_for(cfg).world.cells
    n_before = net.n
    net.members[0] = 20
    network.split_large(net, cfg.model.insurgents.max_cell_size)
    assert net.n == n_before + 1
    assert net.members[0] == net.members[net.n - 1] == 10
    assert net.uid[net.n - 1] in network.links_of(net, net.uid[0])


def test_removing_cells_keeps_each_survivors_identity_and_drops_the_links_of_the_removed():
    model = model_for(bare("end=2024-01-31"))
    net = model.world.cells
    before = {c.uid: c for c in inspected(model, InsurgentCell)}
    removed = {int(net.uid[s]) for s in (0, 3, 5)}
    assert any(before[uid].links for uid in removed)
    net.members[[0, 3, 5]] = 0
    network.remove_dead(net)
    after = {c.uid: c for c in inspected(model, InsurgentCell)}
    assert set(after) == set(before) - removed and len(after) == net.n
    for uid, cell in after.items():
        assert net.uid[cell.slot] == uid
        assert (cell.area, cell.members, cell.active) == (before[uid].area, before[uid].members, before[uid].active)
        assert set(cell.links) == set(before[uid].links) - removed


# ----- attacks ------------------------------------------------------------------------------
def test_severity_mean_matches_the_lognormal_poisson_rule_and_grows_with_capability():
    """E[casualties] = exp(mu + sd^2 / 2) * capability^gain for a Poisson-lognormal severity."""
    cfg = bare("end=2024-01-31", "model.attacks.mass_casualty_share=0")
    model, p = model_for(cfg), cfg.model.attacks
    rng = np.random.default_rng(7)
    for capability in (0.5, 2.0):
        draws = np.array([sum(attacks.severity(0, capability, record(model, "attacks"), rng)) for _ in range(40000)])
        expected = np.exp(p.severity_log_mean[0] + p.severity_log_sd ** 2 / 2) * capability ** p.capability_severity_gain
        assert draws.mean() == pytest.approx(expected, rel=0.04)


def test_attacks_reach_a_hundred_casualties_at_the_share_times_the_power_law_tail():
    """Any attack type may be a mass-casualty bombing: the chance of at least x casualties is the share times
    (x / minimum)^-tail, plus the lognormal's own (negligible) tail. 400,000 draws: a two-sided binomial test
    at the 0.1% level."""
    cfg = bare("end=2024-01-31", "model.attacks.mass_casualty_share=0.01")
    model, p = model_for(cfg), cfg.model.attacks
    rng = np.random.default_rng(17)
    n, x = 400_000, 95
    hits = sum(sum(attacks.severity(0, 1.0, record(model, "attacks"), rng)) >= x for _ in range(n))
    expected = p.mass_casualty_share * (x / p.mass_casualty_minimum) ** -p.mass_casualty_tail
    assert stats.binomtest(int(hits), n, expected).pvalue > 0.001


def test_casualties_per_attack_are_heavy_tailed():
    """More mass far above the mean than a Poisson count with the same mean would have."""
    outcomes = run_ensemble(bare("end=2024-12-31", "replicates=8"), workers=2, progress=False)
    casualties = pooled(outcomes, "killed") + pooled(outcomes, "wounded")
    mean = casualties.mean()
    tail = (casualties >= 4 * mean).mean()
    assert tail > 10 * stats.poisson.sf(np.ceil(4 * mean) - 1, mean)
    assert casualties.var() > 2 * mean


def test_hideout_cells_strike_in_settled_neighbours():
    geo = load_geography()
    w = model_for(bare("end=2024-01-31")).world
    attacks._restage(w)                                  # the weekly staging, from the stance now
    rng = np.random.default_rng(3)
    landed = {attacks.place(w.attacks, geo.index("wadi_al_shay"), 1.0, rng) for _ in range(200)}
    assert landed and all(not geo.hideout[a] and geo.in_iraq[a] for a in landed)
    assert landed <= set(np.flatnonzero(geo.adjacency[geo.index("wadi_al_shay")]))


# ----- Iraqi forces ------------------------------------------------------------------------
def test_regional_diversion_and_sanctions_lower_readiness_and_raids():
    base = bare("regional=calm", "relations=strained", "end=2024-12-31", "replicates=8")
    strained = bare("regional=regional_war", "relations=sanctions", "end=2024-12-31", "replicates=8")
    assert model_for(strained).world.forces.readiness[0] < 0.6 * model_for(base).world.forces.readiness[0]
    raids = [np.array([o.counters["raids"] for o in run_ensemble(c, workers=2, progress=False)])
             for c in (base, strained)]
    assert stats.mannwhitneyu(raids[0], raids[1], alternative="greater").pvalue < 0.01


def test_a_mass_arrival_is_split_into_cells_of_allowed_size():
    cfg = bare("end=2024-01-31")
    net = model_for(cfg).world.cells
    total_before = network.fighters(net)
    net.members[0] += 200
    network.split_large(net, cfg.model.insurgents.max_cell_size)
    assert (net.members[: net.n] <= cfg.model.insurgents.max_cell_size).all()
    assert network.fighters(net) == total_before + 200
