"""The Syrian arena, the border and detention (docs/model.md 4.11, 4.14), each rule on a frozen state
against its formula (the design of the checks: tests/rates.py). A rule is called as the day calls it: a
part's hook with the whole world, or the compiled kernel with the arrays its hook passes it."""

from __future__ import annotations

import numpy as np
import pytest
from frozen import CENTRE, GEO, area, frozen_model, kill_leader, only_cells, params, record
from rates import check_binomial, check_count, check_poisson
from scipy import stats

from sim.model import border, detention, leadership, network, syria

AL_QAIM, JAZIRA, KIRKUK = area("al_qaim"), area("jazira_desert"), area("kirkuk")


def cross(model) -> int:
    """Today's crossings into Iraq, with what the border's daily hook passes the rule."""
    w = model.world
    return border.cross_into_iraq(w.border, w.syria, w.cells, record(model, "syria"), 0, w.places.crossing_iraq_side,
                                  w.cells.mean_cell_size, params(model).insurgents.weapons_per_member,
                                  w.streams.border)


# ----- 4.11 the effort split -----------------------------------------------------------------
@pytest.mark.parametrize("pressure, fighters, permissiveness, weight", [
    (0.5, 1800, 0.5, 0.65), (0.2, 1800, 0.5, 0.65), (0.5, 8000, 0.5, 0.65), (0.5, 1800, 1.0, 0.65),
    (0.5, 1800, 0.5, 0.3), (1.0, 1800, 0.0, 0.65)])
def test_the_effort_target_follows_the_room_in_each_theatre(pressure, fighters, permissiveness, weight):
    """Target = s * room_iraq / (room_iraq + room_syria) + (1 - s) * 1/2, s the theatres' substitution."""
    model = frozen_model(f"model.syria.permissiveness={permissiveness}", f"model.syria.iraq_symbolic_weight={weight}")
    arena, p = model.world.syria, params(model).syria
    arena.free_fighters = fighters
    room_iraq = weight * (1 - pressure)
    room_syria = (1 - weight) * permissiveness * p.room_fighters / (p.room_fighters + fighters) / 0.5
    by_room = room_iraq / (room_iraq + room_syria) if room_iraq + room_syria > 0 else 0.5
    expected = p.effort_substitution * by_room + (1 - p.effort_substitution) * 0.5
    assert syria.effort_target(arena, record(model, "syria"), pressure) == pytest.approx(expected, rel=1e-12)


def test_iraqi_pressure_is_readiness_times_the_isr_multiplier_over_iraq():
    model = frozen_model("drawdown=kurdistan_residual")
    f = model.world.forces
    gain = params(model).iraqi_forces.isr_detection_gain
    mean_isr = f.isr[0][GEO.in_iraq].mean()
    assert f.iraq_pressure[0] == pytest.approx(f.readiness[0] * (1 + gain * mean_isr) / (1 + gain))


def test_the_syrian_force_grows_where_it_has_room_loses_to_attrition_and_effort_relaxes_to_its_target():
    model = frozen_model("model.syria.permissiveness=0.8", "model.syria.recruitment_rate_per_day=0.003")
    w, p, rules = model.world, params(model).syria, record(model, "syria")
    arena = w.syria
    grown = lost = 0
    rounds = 300
    for k in range(rounds):
        arena.free_fighters, arena.iraq_effort, removed_before = 2000, 0.3, arena.removed
        syria.settle_reservoir(arena, rules, 0.4, 0, w.streams.syria)
        losses = arena.removed - removed_before
        lost += losses
        grown += arena.free_fighters - 2000 + losses
        if k == 0:
            keep = np.exp(-7 / p.effort_shift_days)
            assert arena.iraq_effort == pytest.approx(keep * 0.3 + (1 - keep) * syria.effort_target(arena, rules, 0.4),
                                                      rel=1e-12)
    check_poisson(grown, rounds * 2000 * 0.003 * 0.8 * 7, "recruits in Syria")
    check_binomial(lost, rounds * 2000, 1 - (1 - p.attrition_rate_per_day) ** 7, "attrition in Syria")


@pytest.mark.parametrize("fighters", [0, 2000])
def test_the_inflow_joins_the_syrian_force_whatever_its_size(fighters):
    """Recruits who come whatever the force (the foreign fighters of 2012-2014): Poisson at the stated
    yearly rate over a week, added to the recruitment in proportion to the force, even with no force at all."""
    model = frozen_model("model.syria.permissiveness=0.8", "model.syria.inflow_per_year=5000",
                         "model.syria.attrition_rate_per_day=0")
    w, p, rules = model.world, params(model).syria, record(model, "syria")
    grown, rounds = 0, 300
    for _ in range(rounds):
        w.syria.free_fighters = fighters
        syria.settle_reservoir(w.syria, rules, 0.4, 0, w.streams.syria)
        grown += w.syria.free_fighters - fighters
    per_week = 5000 * 7 / 365.25 + fighters * p.recruitment_rate_per_day * 0.8 * 7
    check_poisson(grown, rounds * per_week, "recruits in Syria with an inflow")


def test_the_reserves_are_spent_on_other_theatres_and_fed_by_income_in_syria():
    model = frozen_model("model.syria.permissiveness=0.7")
    arena, ins, p = model.world.syria, params(model).insurgents, params(model).syria
    rules, spending_days = record(model, "syria"), ins.reserve_spending_days
    arena.free_fighters = 3000
    expected = 4e6 - 4e6 * 7 / spending_days + p.income_per_fighter_usd_per_day * 3000 * 0.7 * 7
    assert syria.fund_centre(arena, rules, 4e6, spending_days) == pytest.approx(expected, rel=1e-12)
    arena.free_fighters = 0
    assert syria.fund_centre(arena, rules, 100.0, spending_days) == pytest.approx(100.0 * (1 - 7 / spending_days))
    assert syria.fund_centre(arena, rules, 0.0, spending_days) == 0.0


@pytest.mark.parametrize("effort, centre_alive", [(0.5, True), (0.2, True), (0.5, False)])
def test_attacks_in_syria_are_poisson_in_fighters_effort_room_and_the_centre(effort, centre_alive):
    model = frozen_model()
    w, ins, p = model.world, params(model).insurgents, params(model).syria
    if not centre_alive:
        kill_leader(model, CENTRE)
    w.syria.free_fighters, w.syria.iraq_effort = 20000, effort
    factor = leadership.centre_factor(w.leadership, ins.leaderless_share)
    assert factor == pytest.approx(1.0 if centre_alive else ins.leaderless_share)
    days = 800
    for _ in range(days):
        syria._attack(w)
    rate = p.attack_rate_per_fighter_per_day * 20000 * (1 - effort) / 0.5 * p.permissiveness * factor
    check_poisson(w.syria.attacks, days * rate, "attacks in Syria")


# ----- 4.11 the border ----------------------------------------------------------------------
@pytest.mark.parametrize("fortification, syrian_control", [(0.7, 0.5), (0.7, 0.1), (0.3, 0.5)])
def test_crossing_permeability_is_what_both_sides_of_the_border_leave(fortification, syrian_control):
    model = frozen_model(f"model.iraqi_forces.border_fortification={fortification}",
                         f"model.syria.syrian_border_control={syrian_control}")
    permeability = model.world.border.permeability[0]
    assert len(permeability) == len(GEO.crossings)
    for k, crossing in enumerate(GEO.crossings):
        assert permeability[k] == pytest.approx(
            crossing.base_permeability * (1 - fortification) * (1 - syrian_control), rel=1e-12)


@pytest.mark.parametrize("effort, syrian_control", [(0.5, 0.5), (0.8, 0.5), (0.5, 0.1)])
def test_fighters_cross_into_iraq_by_effort_and_both_sides_border_control(effort, syrian_control):
    model = frozen_model("model.syria.crossing_attempt_rate_per_day=0.02",
                         f"model.syria.syrian_border_control={syrian_control}")
    w, p = model.world, params(model).syria
    shares = np.array([c.attempt_share for c in GEO.crossings])
    shares = shares / shares.sum()
    permeability = np.array([c.base_permeability for c in GEO.crossings]) * (
        1 - params(model).iraqi_forces.border_fortification) * (1 - syrian_control)
    success = float(shares @ permeability)
    days = 200
    fighters_in_iraq = network.fighters(w.cells)
    for _ in range(days):
        w.syria.free_fighters, w.syria.iraq_effort = 3000, effort
        cross(model)
    crossed = w.border.crossed
    check_binomial(int(crossed.sum()), days * 3000, p.crossing_attempt_rate_per_day * (effort / 0.5) * success,
                   "fighters crossing into Iraq")
    assert network.fighters(w.cells) == fighters_in_iraq + crossed.sum()
    odds = shares * permeability
    assert stats.chisquare(crossed, odds / odds.sum() * crossed.sum()).pvalue > 1e-4


def test_arrivals_form_cells_on_the_iraqi_side_of_their_crossing_with_the_funds_they_bring():
    model = frozen_model("model.syria.crossing_attempt_rate_per_day=0.05")
    w = model.world
    net = w.cells
    before = net.n
    w.syria.free_fighters = 3000
    arrived = cross(model)
    assert arrived > 0 and w.syria.free_fighters == 3000 - arrived
    new = np.arange(before, net.n)
    assert set(net.area[new]) <= {c.iraq_side for c in GEO.crossings}
    np.testing.assert_allclose(net.funds[new], net.members[new] * params(model).syria.arrival_funds_per_member_usd)
    assert not net.active[new].any()


@pytest.mark.parametrize("effort", [0.5, 0.8])
def test_cells_near_the_border_redeploy_to_syria_by_effort_and_permeability(effort):
    model = frozen_model("model.syria.redeployment_rate_per_day=0.5")
    w, p = model.world, params(model).syria
    areas = [AL_QAIM] * 300 + [JAZIRA] * 300 + [KIRKUK] * 300
    net = only_cells(model, areas, members=5)
    w.syria.iraq_effort = effort
    permeability = w.border.permeability[0]
    passing = {a: np.mean([permeability[k] for k, c in enumerate(GEO.crossings) if c.iraq_side == a])
               for a in (AL_QAIM, JAZIRA)}
    rounds = 100
    for _ in range(rounds):
        net.members[: net.n] = 5
        border.redeploy_to_syria(w.border, w.syria, net, record(model, "syria"), 0, w.places, w.streams.border)
        assert (net.members[600:900] == 5).all()          # Kirkuk is not on the border
    left = w.border.left.sum() / 5
    chance = p.redeployment_rate_per_day * (2 - effort / 0.5)
    expected = rounds * 300 * chance * (passing[AL_QAIM] + passing[JAZIRA])
    variance = rounds * 300 * sum(chance * q * (1 - chance * q) for q in passing.values())
    check_count(left, expected, variance, "cells redeployed to Syria")


# ----- 4.14 detention ------------------------------------------------------------------------
def test_breakouts_come_at_their_yearly_rate_and_free_an_exponential_share_of_the_detainees():
    model = frozen_model("model.syria.breakouts_per_year=40", "model.iraqi_forces.prison_breaks_per_year=0")
    w, p = model.world, params(model).syria
    held = w.detention
    days = 8000
    for _ in range(days):
        held.syria_prisons = 9000
        detention._prisons(w)
    check_binomial(held.breakouts, days, 40 / 365.25, "breakouts")
    mean_share = p.breakout_escape_share * (1 - np.exp(-1 / p.breakout_escape_share))   # E[min(1, Exp)]
    mean = held.breakouts * 9000 * mean_share
    variance = held.breakouts * (9000 ** 2 * p.breakout_escape_share ** 2 + 9000 * mean_share)
    check_count(held.escaped, mean, variance, "detainees freed by breakouts")
    assert w.syria.free_fighters == p.free_fighters + held.escaped


def test_camps_leak_recruits_to_the_syrian_force_by_size_and_guards():
    model = frozen_model("model.syria.camp_recruits_per_thousand_per_year=200", "model.syria.camp_security=0.6")
    w = model.world
    held = w.detention
    rounds = 60
    for _ in range(rounds):
        held.camps = 43000
        detention._week(w)
    check_poisson(held.camp_recruits, rounds * 200 * 43 * 0.4 * 7 / 365.25, "camp recruits")
    assert w.syria.free_fighters == params(model).syria.free_fighters + held.camp_recruits


def test_escapes_from_iraqi_prisons_come_at_their_rate_and_form_cells_in_the_baghdad_belt():
    model = frozen_model("model.iraqi_forces.prison_breaks_per_year=40", "model.syria.breakouts_per_year=0",
                         "model.iraqi_forces.prison_break_escape_share=0.001")
    w = model.world
    held, net = w.detention, w.cells
    days, cells_before, escapes = 8000, net.n, 0
    for _ in range(days):
        before = held.iraq_prisons = 20000
        detention._prisons(w)
        escapes += held.iraq_prisons < before
    check_binomial(escapes, days, 40 / 365.25, "escapes from Iraqi prisons (those that free anyone)")
    new = np.arange(cells_before, net.n)
    assert (net.area[new] == area("baghdad_belt")).all() and net.members[new].sum() == held.prison_escapes
    assert held.breakouts == 0 and (net.funds[new] == 0).all()
