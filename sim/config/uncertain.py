"""The parameters that neither the record nor a source pins down and that still move the forecast, drawn per
replicate under `parameters=uncertain`.

A contrast between scenarios made at one parameter set carries only the chance
events' noise: its interval says nothing of what is not known about the model.
The calibration gives the fitted parameters their posterior; the rest come from
sources, and the ones whose sources are weakest (certainty 'low' in
sim/data/parameter_sources.yaml) are known only within a factor of two. The
Morris screen of the 2027 attack rate (docs/validation.md section 8) ranks
several of them above the drawdown and Syria determinant groups, so a contrast
that holds them at their point values claims more than is known. Under
`parameters=uncertain` each replicate draws a posterior particle (as under
`parameters=posterior`) and then each parameter below log-uniformly over its
stated range, the point value divided or multiplied by the factor its
certainty gives. Replicates of two scenarios with the same seed draw the same
values, so contrasts stay paired.

Log-uniform, because the ranges are factors: a value half the point value is
as plausible as one twice it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.config.paths import numeric_field, read, with_params
from sim.config.schema import ModelParams

# The factor within which a value is believed to lie, by the certainty its source gives it
# (sim/data/parameter_sources.yaml): the width of every range sensitivity analyses and this module draw from.
CERTAINTY_FACTORS = {"low": 2.0, "medium": 1.5, "high": 1.25}

# Low-certainty parameters that the Morris screen of docs/validation.md section 8 ranks above the drawdown
# and Syria determinant groups (μ* of the 2027 attack rate above theirs), in the screen's order. Calibrated
# parameters are not here: the posterior draws them.
UNCERTAIN: tuple[str, ...] = (
    "insurgents.trail_kept_after_move",
    "insurgents.upkeep_per_member_usd_per_day",
    "iraqi_forces.raid_removal_share",
    "iraqi_forces.neighbour_presence_share",
    "insurgents.dormant_upkeep_share",
    "iraqi_forces.intel_to_locate",
    "iraqi_forces.raids_per_day",
    "iraqi_forces.reaction_decay_days",
    "insurgents.desertion_rate_per_day",
    "iraqi_forces.intel_decay_per_day",
)
UNCERTAIN_FACTOR = CERTAINTY_FACTORS["low"]


def uncertain_range(model: ModelParams, path: str) -> tuple[float, float]:
    """The range a parameter is drawn over: its value in `model` divided and multiplied by the factor, cut to
    the schema's bounds (a share at 0.65 runs to 1, not to 1.3)."""
    centre = float(read(model, path))
    lo, hi = numeric_field(path).metadata["bounds"]
    return max(centre / UNCERTAIN_FACTOR, lo), min(centre * UNCERTAIN_FACTOR, hi)


def draw_uncertain(model: ModelParams, rng: np.random.Generator) -> dict[str, float]:
    """One value of each uncertain parameter, log-uniform over its range; drawn in the order of UNCERTAIN."""
    values = {}
    for path in UNCERTAIN:
        lo, hi = uncertain_range(model, path)
        values[path] = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return values


def with_uncertain(model: ModelParams, values: dict[str, float]) -> ModelParams:
    """`model` with drawn values of the uncertain parameters (a count rounded)."""
    typed: dict[str, Any] = {p: round(v) if isinstance(read(model, p), int) else float(v)
                             for p, v in values.items()}
    return with_params(model, typed)
