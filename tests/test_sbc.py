"""Simulation-based calibration: records made by the model at known parameters, fitted as the real one is."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.calibration import sbc
from sim.calibration.abc_smc import base_config, sampled_values
from sim.config.calibrated import CALIBRATED, with_values
from sim.config.errors import ConfigError
from sim.config.posterior import Posterior
from sim.model import InsurgencyModel
from sim.runs.seeds import replicate_streams

SHORT = sbc.SbcSettings(records=6, seed=3, particles=40, generations=2, max_simulations=600, origin="2020-12-31")


def test_true_parameters_are_prior_draws_fixed_by_the_seed():
    theta = sbc.true_parameters(dataclasses.replace(SHORT, records=400))
    assert theta.shape == (400, len(CALIBRATED))
    assert np.array_equal(theta[:6], sbc.true_parameters(SHORT))
    # Each coordinate is normal with the prior's location and scale (Kolmogorov-Smirnov, 1% over all, 400 draws).
    for k, p in enumerate(CALIBRATED):
        z = (theta[:, k] - p.prior_location()) / p.prior_scale()
        assert stats.kstest(z, "norm").pvalue > 0.01 / len(CALIBRATED), p.name


def test_a_synthetic_record_is_the_fitted_figures_of_one_run_at_the_true_parameters():
    theta = sbc.true_parameters(SHORT)[0]
    record = sbc.synthetic_record(SHORT, theta, 0)
    base, real = base_config(SHORT.fit_settings(0))
    assert [s.id for s in record] == [s.id for s in real] and [s.scale for s in record] == [s.scale for s in real]
    # The same run made here from the check's record stream: replicate 0 of the root the seed's child gives.
    root = int(np.random.SeedSequence(3, spawn_key=(sbc.RECORD_STREAM,)).generate_state(1)[0])
    model = InsurgencyModel(with_values(base.model, sampled_values(theta)), base.start, base.end,
                            replicate_streams(root, 0), base.changes)
    day = model.run().attacks["day"]
    claims = next(s for s in record if s.id == "claims_2020")
    assert claims.observed == int((day <= 365).sum())             # every attack of 2020 (a leap year: days 0-365)
    assert [s.observed for s in record] != [s.observed for s in real]


def test_inside_2020_the_records_are_made_at_a_true_factor_between_the_counters_too():
    """A check up to mid-2020 fits Knights and Almeida's quarters, so its truths include the factor between
    their counter and the claims, and its records are the model's attacks in each quarter times that factor."""
    early = dataclasses.replace(SHORT, records=1, origin="2020-06-30")
    assert [p.name for p in early.parameters()][-1] == "reported_per_claim"
    theta = sbc.true_parameters(early)[0]
    assert theta.shape == (len(CALIBRATED) + 1,)
    values = sampled_values(theta, early.parameters())
    record = sbc.synthetic_record(early, theta, 0)
    base, _ = base_config(early.fit_settings(0))
    root = int(np.random.SeedSequence(3, spawn_key=(sbc.RECORD_STREAM,)).generate_state(1)[0])
    model = InsurgencyModel(with_values(base.model, values), base.start, base.end, replicate_streams(root, 0),
                            base.changes)
    day = model.run().attacks["day"]
    q2 = next(s for s in record if s.id == "ctc_attacks_2020_q2")
    assert q2.observed == pytest.approx(int(((day >= 91) & (day <= 181)).sum()) * values["reported_per_claim"])


def _posterior(values: dict[str, list[float]]) -> Posterior:
    table = pd.DataFrame(values)
    table["weight"] = 1.0 / len(table)
    return Posterior(table, {"stopped": "by hand"})


def test_coverage_rows_say_whether_each_interval_holds_the_truth_and_its_rank():
    """Twenty particles at 1..20 around each truth: a truth at 10.5 lies inside the 90% interval with rank 0.5; a
    truth 5 above the largest particle lies outside with rank 1."""
    particles = np.arange(1.0, 21.0)
    theta = np.array([p.prior_location() for p in CALIBRATED])
    truth = sampled_values(theta)
    shifted = {p.name: particles - 10.5 + truth[p.name] for p in CALIBRATED}
    rows = sbc.coverage_rows(0, theta, _posterior(shifted), CALIBRATED)
    assert all(r["inside"] and r["rank"] == pytest.approx(0.5) for r in rows)
    far = {p.name: particles - 25 + truth[p.name] for p in CALIBRATED}
    rows = sbc.coverage_rows(0, theta, _posterior(far), CALIBRATED)
    assert not any(r["inside"] for r in rows) and all(r["rank"] == pytest.approx(1.0) for r in rows)


def test_the_summary_counts_coverage_with_wilson_intervals():
    table = pd.DataFrame({"parameter": ["a"] * 10 + ["b"] * 10,
                          "inside": [True] * 9 + [False] + [True] * 5 + [False] * 5})
    out = sbc.summary(table).set_index("parameter")
    assert out.loc["a", "coverage"] == 0.9 and out.loc["b", "coverage"] == 0.5 and out.loc["all", "coverage"] == 0.7
    # Wilson's interval for 9 of 10 at 95%: (0.596, 0.982) by its closed form.
    z, n, p = 1.959963984540054, 10, 0.9
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert out.loc["a", "coverage 95% interval"] == f"{centre - half:.2f}–{centre + half:.2f}"


def test_bad_settings_are_refused_in_one_paragraph():
    with pytest.raises(ConfigError, match="records=0"):
        sbc.run_sbc(dataclasses.replace(SHORT, records=0))
    with pytest.raises(ConfigError, match="particles=1"):
        sbc.run_sbc(dataclasses.replace(SHORT, particles=1))


# A miss named in docs/validation.md (the simulation-based check): in this short setting the fits' 90%
# intervals held the truth for 79% of pairs, below the 80% asked of them; the documented run, with 200
# particles a fit, holds it for 84%. Strict: the day these short fits cover, the mark must go.
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="fits of 40 particles are too narrow: 79% coverage here (84% with 200 "
                                       "particles in the documented run)")
def test_short_fits_of_synthetic_records_cover_the_truth():
    """Six records of 2020, each fitted with 40 particles for two generations: fits this short stay close to
    the prior, and their 90% intervals must hold the truth for at least 80% of the 84 (record, parameter) pairs
    (at the nominal 90%, fewer than 80% has a chance below 1%). The full check is documented in
    docs/validation.md."""
    table = sbc.run_sbc(SHORT, workers=2)
    assert len(table) == SHORT.records * len(CALIBRATED)
    assert table["inside"].mean() >= 0.8
    assert table["rank"].between(0, 1).all()
