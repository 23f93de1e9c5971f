"""The seed contract of sim/runs/seeds.py: streams derive exactly as documented, never overlap across
root seeds, replicates or mechanisms, and a scenario change leaves unrelated mechanisms' chance alone."""

from __future__ import annotations

import numpy as np

from sim.runs.seeds import MECHANISMS, mechanism_sequence, replicate_sequence, replicate_streams

from conftest import scenario


def first_draws(generator: np.random.Generator, n: int = 8) -> tuple[int, ...]:
    return tuple(generator.integers(0, 2**62, n).tolist())


def test_mechanism_streams_are_the_documented_children_of_the_replicate_sequence():
    for root, index in ((0, 0), (20240101, 7), (2**40 + 3, 123)):
        children = replicate_sequence(root, index).spawn(len(MECHANISMS))
        streams = replicate_streams(root, index)
        for m, name in enumerate(MECHANISMS):
            assert first_draws(streams[name]) == first_draws(np.random.default_rng(children[m]))
            assert mechanism_sequence(root, index, name).spawn_key == (index, m)


def test_no_two_streams_share_their_numbers_across_roots_replicates_and_mechanisms():
    """Adjacent roots and replicates (root + i schemes make seed s, replicate 1 equal seed s + 1, replicate 0)."""
    seen = {}
    for root in (41, 42, 43):
        for index in range(4):
            for name, generator in replicate_streams(root, index).items():
                draws = first_draws(generator)
                assert draws not in seen, (root, index, name, seen.get(draws))
                seen[draws] = (root, index, name)


def test_replicates_of_one_ensemble_differ():
    cfg = scenario("baseline", "end=2022-06-30", "history=none")
    from sim.runs.replicate import run_replicate

    days = [tuple(run_replicate(cfg, i).attacks["day"].tolist()) for i in range(4)]
    assert len(set(days)) == 4


def test_a_change_in_iraq_leaves_the_syrian_arena_chance_untouched():
    """Relations with Washington do not act on Syria: its reservoir follows the same path in both runs."""
    from sim.runs.replicate import run_replicate

    a = run_replicate(scenario("baseline", "end=2022-12-31", "history=none"), 2)
    b = run_replicate(scenario("baseline", "end=2022-12-31", "history=none", "relations=sanctions"), 2)
    assert a.attacks["day"].tolist() != b.attacks["day"].tolist()
    assert a.monthly_state["detainees"].tolist() == b.monthly_state["detainees"].tolist()


def test_adjacent_root_seeds_never_share_a_replicates_streams():
    """The `root + i` scheme this contract rules out makes replicate i + 1 of seed s replicate i of seed s + 1."""
    first = {first_draws(replicate_streams(1000, i)["attacks"]) for i in range(40)}
    second = {first_draws(replicate_streams(1001, i)["attacks"]) for i in range(40)}
    assert len(first) == len(second) == 40 and not first & second


def test_the_streams_of_one_replicate_are_uncorrelated():
    """Every pair of the thirteen mechanism streams: 20,000 uniforms each, Pearson correlation below
    4.4 standard errors (two-sided 1e-5 per pair, so about 1e-3 for the 78 pairs together); a shared or
    overlapping stream gives a correlation of 1."""
    n = 20_000
    draws = np.array([g.random(n) for g in replicate_streams(7, 3).values()])
    correlation = np.corrcoef(draws)
    off_diagonal = correlation[~np.eye(len(MECHANISMS), dtype=bool)]
    assert np.abs(off_diagonal).max() < 4.4 / np.sqrt(n)
