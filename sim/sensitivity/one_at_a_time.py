"""One-at-a-time sensitivity of the forecast attack rate (the first full forecast year) to the estimated parameters.

Each factor is moved to the low and then the high end of its range with every
other parameter at its point estimate; every setting runs the same replicate
seeds (common random numbers), so the change between the two ends is measured
replicate by replicate and its standard error is that of a paired difference.
Ranges: the posterior's 90% interval for the calibrated parameters; for other
influential estimated parameters, which the record does not constrain, the
plausible range the schema declares (`uncertainty`). The global analysis
(interactions, variance shares) is `sim sensitivity` (sim/sensitivity/indices.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.tables import window_counts
from sim.api import load_scenario, run
from sim.config.calibrated import CALIBRATED
from sim.config.paths import numeric_field, read
from sim.config.posterior import Posterior
from sim.config.schema import ModelParams
from sim.defaults import COMPARISON_WINDOW

# Influential estimated parameters outside the calibration; each declares its plausible range.
UNCALIBRATED = ("insurgents.activation_rate_per_day", "insurgents.dormancy_rate_per_day",
                "iraqi_forces.isr_detection_gain", "iraqi_forces.raids_per_day", "iraqi_forces.intel_to_locate",
                "syria.crossing_attempt_rate_per_day", "insurgents.income_per_member_usd_per_day")
YEAR = COMPARISON_WINDOW[0][:4]


@dataclass(frozen=True)
class Factor:
    """A parameter moved alone, the two ends it is moved to, and where that range comes from."""

    name: str
    path: str
    low: float
    high: float
    basis: str

    def override(self, model: ModelParams, value: float) -> str:
        """The command-line override that puts this factor at `value`."""
        current = read(model, self.path)
        if isinstance(current, list):                     # the severity shift
            return f"model.{self.path}=[{','.join(f'{v + value:.6g}' for v in current)}]"
        if isinstance(current, int):
            return f"model.{self.path}={round(value)}"
        return f"model.{self.path}={value:.6g}"


def factors(model: ModelParams, posterior: Posterior) -> list[Factor]:
    """The calibrated parameters over their posterior 90% intervals, then UNCALIBRATED over their declared
    plausible ranges around `model`'s values."""
    out = []
    for p in (p for p in CALIBRATED if p.kind != "observation"):
        lo, _, hi = posterior.quantiles(p.name)
        out.append(Factor(p.name, p.path, lo, hi, "posterior 90% interval"))
    for path in UNCALIBRATED:
        point = float(read(model, path))
        factor = numeric_field(path).metadata["uncertainty"]
        out.append(Factor(path.split(".")[1], path, point / factor, point * factor,
                          f"point estimate ÷/× {factor:g}"))
    return out


def attack_rate(scenario: str, overrides: list[str], replicates: int, seed: int, workers: int) -> np.ndarray:
    """Attacks per month in YEAR, one value per replicate."""
    cfg = load_scenario(scenario, [*overrides, f"end={YEAR}-12-31", "plots=false"])
    result = run(cfg, replicates=replicates, seed=seed, workers=workers)
    counts = window_counts(result.events, result.indices, f"{YEAR}-01-01", f"{YEAR}-12-31")
    return counts["attacks"].to_numpy(dtype=float) / 12


def one_at_a_time(scenario: str, posterior: Posterior, replicates: int, seed: int, workers: int) -> pd.DataFrame:
    """For each factor: the YEAR attack rate at the low and high ends, and the paired change."""
    model = load_scenario(scenario).model
    baseline = attack_rate(scenario, [], replicates, seed, workers)
    rows = []
    for f in factors(model, posterior):
        low = attack_rate(scenario, [f.override(model, f.low)], replicates, seed, workers)
        high = attack_rate(scenario, [f.override(model, f.high)], replicates, seed, workers)
        change = high - low
        rows.append({"parameter": f.name, "range": f.basis, "low": f.low, "high": f.high,
                     "rate_at_low": low.mean(), "rate_at_high": high.mean(), "change": change.mean(),
                     "change_se": change.std(ddof=1) / math.sqrt(change.size),
                     "baseline_rate": baseline.mean()})
    table = pd.DataFrame(rows)
    return table.reindex(table["change"].abs().sort_values(ascending=False).index).reset_index(drop=True)
