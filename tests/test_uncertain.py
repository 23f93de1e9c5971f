"""parameters=uncertain: the low-certainty parameters drawn per replicate over their ranges, on top of a posterior
draw, paired between scenarios; and the probability of a contrast's sign over the draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.analysis.contrast import SIGN_CERTAIN, sign_probability
from sim.api import load_scenario, run
from sim.config.calibrated import CALIBRATED
from sim.config.determinants import GROUP_SECTIONS
from sim.config.errors import ConfigError
from sim.config.load import scenario_dir
from sim.config.paths import numeric_field, read
from sim.config.posterior import shipped_posterior
from sim.config.provenance import provenance
from sim.config.resolve import level_values
from sim.config.schema import ModelParams
from sim.config.uncertain import UNCERTAIN, UNCERTAIN_FACTOR, draw_uncertain, uncertain_range
from sim.runs.replicate import draw_index, replicate_params, uncertain_for


def test_the_uncertain_parameters_are_low_certainty_uncalibrated_and_set_by_no_level():
    """A level that set one would overwrite its draw from the branch date; a calibrated one is the posterior's."""
    sources = provenance()["parameters"]
    calibrated = {p.path for p in CALIBRATED}
    root = scenario_dir()
    by_levels = {path for group in GROUP_SECTIONS for level in (root / group).glob("*.yaml")
                 for path in level_values(group, level.stem, root)}
    for path in UNCERTAIN:
        assert sources[path]["certainty"] == "low", path
        assert path not in calibrated and path not in by_levels, path
    assert len(set(UNCERTAIN)) == len(UNCERTAIN)


def test_draws_are_log_uniform_within_the_factor_around_the_point_value_cut_to_the_bounds():
    model = ModelParams()
    rng = np.random.default_rng(11)
    draws = [draw_uncertain(model, rng) for _ in range(2000)]
    for path in UNCERTAIN:
        centre = float(read(model, path))
        lo, hi = uncertain_range(model, path)
        assert lo == pytest.approx(centre / UNCERTAIN_FACTOR) or lo == numeric_field(path).metadata["bounds"][0]
        assert hi == pytest.approx(centre * UNCERTAIN_FACTOR) or hi == numeric_field(path).metadata["bounds"][1]
        position = np.array([(math.log(d[path]) - math.log(lo)) / (math.log(hi) - math.log(lo)) for d in draws])
        assert position.min() >= 0 and position.max() <= 1, path
        # Uniform on [0, 1] in log units: Kolmogorov-Smirnov, 1% over all the parameters together (Bonferroni),
        # 2,000 draws, seed 11.
        assert stats.kstest(position, stats.uniform(0, 1).cdf).pvalue > 0.01 / len(UNCERTAIN), path
    # The weight IS gives Iraq (a share, 0.65) runs to 1, where doubling it would pass its bound.
    assert uncertain_range(model, "syria.iraq_symbolic_weight") == pytest.approx((0.325, 1.0))


def _uncertain(*overrides: str):
    try:
        return load_scenario("baseline", ["parameters=uncertain", *overrides])
    except ConfigError as err:
        pytest.skip(f"the shipped posterior cannot be used at the moment: {err}")


def test_a_replicate_draws_the_posterior_particle_it_would_draw_under_posterior_and_then_the_rest():
    cfg = _uncertain("seed=4")
    posterior = shipped_posterior()
    for index in range(4):
        params = replicate_params(cfg, index)
        particle = draw_index(4, index, posterior.weights)
        for p in (p for p in CALIBRATED if p.path and p.kind == "scale"):
            drawn = posterior.table[p.name].iloc[particle]
            value = read(params, p.path)
            assert value == (round(drawn) if isinstance(value, int) else pytest.approx(drawn)), p.name
        values = uncertain_for(cfg, [index])[0]
        assert {p: read(params, p) for p in UNCERTAIN} == pytest.approx(values)
    assert uncertain_for(cfg, [0]) != uncertain_for(cfg, [1])


def test_replicates_of_one_draw_share_their_parameters_and_scenarios_pair_by_seed():
    cfg = _uncertain("seed=4", "replicates_per_draw=2")
    assert replicate_params(cfg, 0) == replicate_params(cfg, 1) != replicate_params(cfg, 2)
    other = load_scenario("full_exit", ["parameters=uncertain", "seed=4", "replicates_per_draw=2"])
    # The same draws before the branch: a scenario differs only by what it changes on its own dates.
    assert uncertain_for(other, [0, 1, 2, 3]) == uncertain_for(cfg, [0, 1, 2, 3])


def test_the_replicate_table_records_each_replicates_draw():
    cfg = _uncertain("end=2020-02-29")
    result = run(cfg, replicates=3, seed=6)
    table = result.replicates
    assert result.config.seed == 6
    expected = uncertain_for(result.config, [0, 1, 2])
    for path in UNCERTAIN:
        assert table[path].tolist() == pytest.approx([e[path] for e in expected])
    assert "posterior_draw" in table.columns


def test_a_replicates_per_draw_outside_its_range_is_refused():
    with pytest.raises(ConfigError, match="replicates_per_draw"):
        load_scenario("baseline", ["replicates_per_draw=0"])


# ----- the probability of a contrast's sign ---------------------------------------------------------------------

def test_sign_probability_counts_draws_by_their_mean_difference():
    # Four draws of two replicates: means +1, +0.5, -0.25, 0 (a tie counts half): 2.5 of 4 higher.
    d = np.array([1.0, 1.0, 2.0, -1.0, -0.5, 0.0, 0.5, -0.5])
    out = sign_probability(d, 2)
    assert out["draws"] == 4 and out["probability_higher"] == pytest.approx(2.5 / 4)
    assert out["direction"] == "direction undetermined"


@pytest.mark.parametrize("share, direction", [
    (0.9, "higher"), (SIGN_CERTAIN, "higher"), (0.79, "direction undetermined"),
    (0.21, "direction undetermined"), (0.2, "lower"), (0.0, "lower")])
def test_the_direction_is_named_only_at_the_stated_certainty(share, direction):
    draws = 100
    positive = round(share * draws)
    d = np.r_[np.ones(positive), -np.ones(draws - positive)]
    assert sign_probability(d, 1)["direction"] == direction


def test_differences_that_do_not_split_into_whole_draws_are_refused():
    with pytest.raises(ValueError, match="do not split"):
        sign_probability(np.ones(5), 2)
