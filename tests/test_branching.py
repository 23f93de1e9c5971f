"""Scenarios that share a history run it once (sim/runs/branching.py): the outcome of each is the one a run of
that scenario from the start gives, bit for bit, and the days shared end where the scenarios first differ."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.api import load_scenario
from sim.config.schema import Impulse, TimelineChange
from sim.model.world import plan, shared_days
from sim.runs.branching import run_branches, trunk_days
from sim.runs.executors import Block, execute, group_blocks
from sim.runs.replicate import run_replicate

SHORT = ["end=2027-06-30"]
SCENARIOS = ("baseline", "full_exit", "syria_collapse", "worst_case")


@pytest.fixture(scope="module")
def configs():
    return [load_scenario(name, SHORT) for name in SCENARIOS]


def same(a, b) -> bool:
    return (a.counters == b.counters and a.month_starts == b.month_starts
            and all(np.array_equal(a.attacks[k], b.attacks[k]) for k in a.attacks)
            and all(np.array_equal(a.monthly_state[k], b.monthly_state[k]) for k in a.monthly_state))


@pytest.mark.parametrize("index", [0, 3])
def test_each_branch_is_bit_for_bit_the_scenario_run_from_the_start(configs, index):
    branched = run_branches(configs, index)
    alone = [run_replicate(cfg, index) for cfg in configs]
    assert trunk_days(configs, index) > 0
    assert all(same(a, b) for a, b in zip(branched, alone, strict=True))


def test_posterior_draws_branch_too(configs):
    drawn = [dataclasses.replace(cfg, parameters="posterior") for cfg in configs[:2]]
    assert trunk_days(drawn, 2) > 0
    assert all(same(a, b) for a, b in zip(run_branches(drawn, 2), [run_replicate(c, 2) for c in drawn], strict=True))


def test_the_shared_days_end_on_the_branch_date(configs):
    cfg = configs[0]
    branch_day = (np.datetime64(cfg.branch_date) - np.datetime64(cfg.start)).astype(int)
    assert trunk_days(configs, 0) == branch_day


def test_scenarios_branched_later_share_more_days():
    early = [load_scenario(n, [*SHORT, "branch_date=2025-01-01"]) for n in ("baseline", "full_exit")]
    late = [load_scenario(n, [*SHORT, "branch_date=2026-01-01"]) for n in ("baseline", "full_exit")]
    assert trunk_days(early, 0) == (np.datetime64("2025-01-01") - np.datetime64(early[0].start)).astype(int)
    assert trunk_days(late, 0) == (np.datetime64("2026-01-01") - np.datetime64(late[0].start)).astype(int)


def test_runs_that_differ_from_the_start_share_nothing(configs):
    other_start = load_scenario("baseline", [*SHORT, "model.insurgents.initial_fighters_iraq=900"])
    assert trunk_days([configs[0], other_start], 0) == 0
    other_seed = load_scenario("full_exit", [*SHORT, "seed=7"])
    assert trunk_days([configs[0], other_seed], 0) == 0


def test_a_timeline_with_one_more_event_shares_the_days_before_it(configs):
    base = configs[0]
    extra = TimelineChange(date="2023-03-01", label="an extra breakout", impulses=[Impulse("breakout", 50.0)])
    more = dataclasses.replace(base, changes=[*base.changes, extra])
    day = (np.datetime64("2023-03-01") - np.datetime64(base.start)).astype(int)
    plans = [plan(cfg.model, cfg.changes, cfg.start, cfg.end) for cfg in (base, more)]
    assert shared_days(plans) == day
    assert same(run_branches([base, more], 1)[1], run_replicate(more, 1))


def test_the_executors_give_grouped_blocks_the_same_results_as_separate_ones(configs):
    blocks = [Block(k, cfg, (0, 1)) for k, cfg in enumerate(configs[:3])]
    assert len(group_blocks(blocks)) == 1
    got = {}
    execute(blocks, lambda block, pairs: got.__setitem__(block.key, pairs))
    for k, cfg in enumerate(configs[:3]):
        assert [i for i, _ in got[k]] == [0, 1]
        assert all(same(outcome, run_replicate(cfg, i)) for i, outcome in got[k])
