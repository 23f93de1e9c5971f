"""Scenarios that share a history run it once: each continues from a copy of the state on its branch date.

A comparison, an attribution, a "what matters" answer or a sweep of common
random numbers runs replicate i of several scenarios with the same seed. Up to
the first day where their parameters or one-off events differ (in practice the
branch date, after the observed history) every one of them computes exactly
the same thing, so replicate i runs that stretch once, as a trunk, and each
scenario continues from a copy of the trunk's state and random streams. The
outcome is bit for bit the one a run of the scenario from the start gives
(tests/test_branching.py); only the repeated work is saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.config.posterior import Posterior
from sim.config.schema import RunConfig
from sim.model import InsurgencyModel, ReplicateOutcome
from sim.model.world import branch_world, plan, shared_days
from sim.runs.replicate import replicate_model, replicate_params, run_replicate
from sim.runs.seeds import BANK


def trunk_days(cfgs: Sequence[RunConfig], index: int, posterior: Posterior | None = None) -> int:
    """How many days replicate `index` of every config in `cfgs` shares (0 when they share no run)."""
    if len({(c.seed, c.start, c.end) for c in cfgs}) != 1:
        return 0
    return shared_days([plan(replicate_params(c, index, posterior), c.changes, c.start, c.end) for c in cfgs])


def run_branches(cfgs: Sequence[RunConfig], index: int, posterior: Posterior | None = None) -> list[ReplicateOutcome]:
    """Replicate `index` of each config in `cfgs`, running the days they share once."""
    days = trunk_days(cfgs, index, posterior) if len(cfgs) > 1 else 0
    if days == 0:
        return [run_replicate(cfg, index, posterior) for cfg in cfgs]
    trunk = replicate_model(cfgs[0], index, posterior, streams=BANK.streams(0, cfgs[0].seed, index))
    trunk.run_until_day(days)
    outcomes = []
    for k, cfg in enumerate(cfgs, start=1):
        params = replicate_params(cfg, index, posterior)
        generators = BANK.blank(k)
        world = branch_world(trunk.world, plan(params, cfg.changes, cfg.start, cfg.end), generators)
        outcomes.append(InsurgencyModel(params, cfg.start, cfg.end, generators, cfg.changes, world=world).run())
    return outcomes
