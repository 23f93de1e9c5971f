"""Attribution of a difference between scenarios: the Shapley arithmetic against games with known values,
the players two scenarios differ in, and a short attribution run end to end with common random numbers."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from sim.analysis import tables
from sim.api import run
from sim.attribution.combinations import (
    ABSENT,
    PRESENT,
    AttributionSettings,
    find_players,
    plan,
    run_attribution,
    what_runs,
)
from sim.attribution.record import load_attribution
from sim.attribution.shapley import attribute, dividends, shapley_values
from sim.config.errors import ConfigError
from sim.sweeps.dataset import read_dataset
from sim.sweeps.engine import Execution

from conftest import scenario

SHORT = ["history=none", "end=2022-04-30"]
WINDOW = "2022-02-01:2022-04-30"


def glove_game() -> np.ndarray:
    """Two left gloves (players 0, 1) and one right glove (player 2); a pair is worth 1.
    Textbook Shapley values: 1/6, 1/6, 2/3."""
    values = np.zeros(8)
    for mask in range(8):
        values[mask] = min((mask & 1) + (mask >> 1 & 1), mask >> 2 & 1)
    return values


def shapley_by_orderings(values: np.ndarray, k: int) -> np.ndarray:
    """The definition itself: each player's marginal contribution averaged over every order of arrival."""
    phi = np.zeros(k)
    for order in itertools.permutations(range(k)):
        mask = 0
        for player in order:
            phi[player] += values[mask | 1 << player] - values[mask]
            mask |= 1 << player
    return phi / math.factorial(k)


def test_the_glove_game_has_its_textbook_values():
    assert shapley_values(glove_game()) == pytest.approx([1 / 6, 1 / 6, 2 / 3])


def test_a_unanimity_game_has_one_dividend_shared_equally():
    values = np.zeros(16)
    values[15] = 3.0                   # worth 3 only when all four act together
    d = dividends(values)
    assert d[15] == pytest.approx(3.0) and np.allclose(d[:15], 0.0)
    assert shapley_values(values) == pytest.approx([0.75] * 4)


def test_shapley_values_agree_with_the_definition_over_orderings_on_random_games():
    rng = np.random.default_rng(3)
    for k in (1, 2, 4, 5):
        values = rng.normal(size=2 ** k)
        phi = shapley_values(values)
        assert phi == pytest.approx(shapley_by_orderings(values, k))
        assert phi.sum() == pytest.approx(values[-1] - values[0])          # efficiency
        assert dividends(values).sum() == pytest.approx(values[-1])        # the dividends rebuild v(N)


def test_the_attribution_splits_the_difference_and_shows_the_interactions():
    rng = np.random.default_rng(5)
    replicates = glove_game() + rng.normal(scale=0.1, size=(40, 8))
    result = attribute(replicates, ["left 1", "left 2", "right"], seed=1)
    shares = result.shares.set_index("player")
    assert shares["shapley"].sum() == pytest.approx(result.difference[0])
    # each glove alone is worth nothing; everything the right glove gets comes from interactions
    assert shares.loc["right", "alone"] == pytest.approx(0.0, abs=0.1)
    assert shares.loc["right", "from_interactions"] == pytest.approx(2 / 3, abs=0.1)
    assert shares.loc["right", "shapley_low"] < shares.loc["right", "shapley"] < shares.loc["right", "shapley_high"]
    pairs = result.interactions.set_index("players")["interaction"]
    assert pairs["left 1 + right"] == pytest.approx(1.0, abs=0.1)
    assert pairs["left 1 + left 2"] == pytest.approx(0, abs=0.1)
    assert result.orders["total"].sum() + shares["alone"].sum() == pytest.approx(result.difference[0])


def test_identical_replicates_give_intervals_of_no_width():
    result = attribute(np.tile(glove_game(), (5, 1)), ["a", "b", "c"], seed=1)
    assert (result.shares["shapley_high"] - result.shares["shapley_low"]).abs().max() == pytest.approx(0.0)


def test_the_players_are_the_groups_and_dated_changes_that_differ():
    baseline, worst = (scenario(name, "history=none", "end=2027-12-31") for name in ("baseline", "worst_case"))
    assert [p.name for p in find_players(baseline, worst)] == ["drawdown", "syria", "relations", "regional",
                                                                "insurgents", "iraqi_forces"]
    settings = AttributionSettings(replicates=2, window="2027-01-01:2027-12-31")
    dated = plan("agreed_exit", "syria_collapse_2027", settings, ["history=none"])
    assert [(p.setting_a, p.setting_b) for p in dated.players] == [(PRESENT, ABSENT), (ABSENT, PRESENT)]
    assert [p.name.split()[0] for p in dated.players] == ["2026-09-30", "2027-03-01"]
    # the first combination is A itself; the last holds B's change and not A's, and is B apart from its name
    first = scenario("agreed_exit", "history=none", "end=2027-12-31", "replicates=2")
    assert what_runs(dated.configs[0]) == what_runs(first)
    assert [c.date for c in dated.configs[-1].changes if c.origin == "scenario"] == ["2027-03-01"]
    assert [c.date for c in dated.configs[1].changes if c.origin == "scenario"] == []


def test_scenarios_that_do_not_differ_are_refused():
    with pytest.raises(ConfigError, match="no difference to attribute"):
        plan("full_exit", "full_exit", AttributionSettings(replicates=2), ["history=none"])
    with pytest.raises(ConfigError, match="outcome=fighters"):
        AttributionSettings(outcome="fighters").check()


@pytest.fixture(scope="module")
def attribution_dir(tmp_path_factory) -> Path:
    settings = AttributionSettings(replicates=4, window=WINDOW, seed=11)
    return run_attribution("baseline", "iraq_alone", settings, Execution(out=str(tmp_path_factory.mktemp("a") / "x")),
                           SHORT, progress=False)


def test_an_attribution_run_pairs_every_combination_with_the_scenarios_own_runs(attribution_dir):
    """The first combination is baseline and the last iraq_alone, replicate for replicate: every combination
    ran with the one seed (common random numbers)."""
    rec = load_attribution(attribution_dir)
    assert [p["name"] for p in rec.summary["players"]] == ["drawdown", "iraqi_forces"]
    start, _, end = WINDOW.partition(":")
    own = {}
    for name in ("baseline", "iraq_alone"):
        result = run(scenario(name, *SHORT, "replicates=4", "seed=11"))
        inside = tables.window_counts(result.events, list(range(4)), start, end)
        own[name] = inside["attacks"].to_numpy() / tables.horizon_months(start, end)
    reps = read_dataset(attribution_dir)
    assert reps.query("point == 0")["window_attacks_per_month"].to_numpy() == pytest.approx(own["baseline"], rel=1e-12)
    assert reps.query("point == 3")["window_attacks_per_month"].to_numpy() == pytest.approx(own["iraq_alone"],
                                                                                            rel=1e-12)
    assert rec.summary["difference"]["mean"] == pytest.approx((own["iraq_alone"] - own["baseline"]).mean())
    assert rec.shares["shapley"].sum() == pytest.approx(rec.summary["difference"]["mean"])
    assert {"attribution.csv", "interactions.csv", "combinations.csv", "attribution.json",
            "attribution.png"} <= set(rec.manifest["files"])


def test_a_changed_attribution_file_is_refused(attribution_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(attribution_dir, copy)
    (copy / "attribution.csv").write_text("player,shapley\nx,1\n")
    with pytest.raises(ConfigError, match="differs from the attribution's manifest"):
        load_attribution(copy)
