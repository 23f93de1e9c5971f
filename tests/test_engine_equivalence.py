"""The compiled engine against the engine it replaced (numpy rules on Python objects, commit 4ad44ef).

tests/baseline/engine_reference.csv holds that engine's figures for 2,000 replicates of the baseline
(`python benchmarks/engine_reference.py --commit 4ad44ef --replicates 2000 --seed 20240101 --out
tests/baseline/engine_reference.csv`, figures by tests/engine_figures.py), and
tests/baseline/engine_reference_config.yaml the config it ran (that version's `config_yaml` of its baseline).
Today's engine runs that same config, with every mechanism added since switched off by its parameters
(`SWITCHED_OFF`): the comparison is of engines at the same rules and parameters. Two checks:

- the same seeds give the same replicates: the first replicates of the reference, re-run here, match it
  exactly (the rewrite kept every rule and every draw);
- the distributions agree: 2,000 replicates of another seed are compared with the reference figure by
  figure, with Welch's two-sample test of the means (a governorate's share of all attacks as a ratio of
  sums, its standard error by the delta method over replicates). Each test is run at the 1% level divided
  by the number of figures (Bonferroni), and the design is refused unless each test has at least 0.9 power
  against a 10% shift of its figure, computed from the two samples' spread.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.config.load import to_run_config
from sim.config.paths import with_params

from engine_figures import POWER, SHIFT, comparison, figures

REFERENCE = Path(__file__).parent / "baseline" / "engine_reference.csv"
REFERENCE_CONFIG = Path(__file__).parent / "baseline" / "engine_reference_config.yaml"
# Mechanisms added since the pinned engine, and the parameter values at which each does nothing or keeps the
# pinned engine's rule.
SWITCHED_OFF = {"insurgents.tempo_floor": 1.0, "insurgents.initial_tempo": 1.0, "syria.effort_substitution": 1.0,
                "attacks.mass_casualty_share": 0.0, "insurgents.excitation_shared": False,
                "insurgents.inflow_per_year": 0.0, "coalition.strike_capacity_per_month": 1e12}
REFERENCE_SEED = 20240101
OTHER_SEED = 20240102


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE)


@pytest.fixture(scope="module")
def pinned_config():
    """The pinned engine's baseline config, read by today's schema, with the later mechanisms switched off."""
    cfg = to_run_config(OmegaConf.load(REFERENCE_CONFIG))
    return dataclasses.replace(cfg, model=with_params(cfg.model, SWITCHED_OFF))


def test_the_first_replicates_of_the_reference_are_reproduced_exactly(reference, pinned_config):
    again = figures(REFERENCE_SEED, 3, workers=1, cfg=pinned_config)
    pd.testing.assert_frame_equal(again, reference.head(3).reset_index(drop=True), check_dtype=False)


@pytest.mark.slow
def test_the_distributions_agree_with_the_pinned_engine(reference, pinned_config):
    table, level = comparison(reference, figures(OTHER_SEED, len(reference), workers=2, cfg=pinned_config))
    weak = table.loc[table["power"] < POWER, ["figure", "power"]].to_numpy().tolist()
    assert not weak, f"too little power against a {SHIFT:.0%} shift at {len(reference)} replicates: {weak}"
    differ = table.loc[table["p_value"] < level, ["figure", "p_value"]].to_numpy().tolist()
    assert not differ, f"figures whose distributions differ from the pinned engine's (p < {level:.1e}): {differ}"
