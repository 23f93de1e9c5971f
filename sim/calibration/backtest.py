"""Rolling-origin backtests: fit on the record up to an origin, forecast the next window, score it.

For each origin the calibration (sim/calibration/abc_smc.py) fits only the figures
complete by that date; the fitted model then runs the observed history (its dated
events are known conditions, not forecasts) from its start through the next
window, each replicate drawing its parameters from that origin's posterior. The
origins are every year-end of the record whose next year has a count of claims
in Iraq, and every quarter-end inside 2020 whose next quarter Knights and Almeida
counted (the record is quarterly there, and those quarters are the only counts of
2020 complete before its end: role 'interim' in sim/data/targets.yaml). A
quarterly origin's fit estimates the factor between their counter and IS's claims
(`reported_per_claim`) with the rest, and its forecast is the model's attacks
times each draw's factor, in their counter. The forecast of attacks (and
casualties, where the record counts them) is scored against what was observed,
beside two simple forecasts fitted to the same counter's record
(sim/calibration/baselines.py): the 50% and 90% central intervals' coverage, the
CRPS (scoringrules), the log score and the probability integral transform (PIT)
of the observed count.

The last origin, the end of 2024, has no observed window after it in the record:
its forecast of January-August 2025 is published sealed, made from the history
through 2024 and the dated events of 2025, with nothing fitted to any 2025 figure.

Everything is a function of the backtest seed: each origin's calibration and
forecast seeds are children of it keyed by the origin's date (SeedSequence spawn
keys), so the table is reproduced bit for bit, and an origin's rows do not change
when other origins are added.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.targets import AttackTarget, attack_targets, reported_attack_targets, superseded
from sim.calibration import baselines
from sim.calibration.abc_smc import CalibrationSettings, calibrate
from sim.config.errors import ConfigError
from sim.config.load import compose_run_config
from sim.config.posterior import Posterior
from sim.defaults import BASELINE_SCENARIO, DEFAULT_SEED
from sim.runs.ensemble import run_ensemble
from sim.runs.replicate import parameter_draw

QUANTITIES = ("attacks", "casualties")
# Draws from each baseline's distribution for its CRPS (the estimator's error is far below the differences
# scored), from a fixed seed so the table is reproduced exactly.
BASELINE_DRAWS = 20000
BASELINE_SAMPLE_SEED = 2024


CLAIMS = "claims"


@dataclass(frozen=True)
class Origin:
    """Fit on the record complete by `date`; forecast attacks and casualties over the window, as `counter`
    counts them: IS's claims (the model's attacks), or a counter of reported attacks (the model's attacks
    times the fitted factor between the counters)."""

    date: str
    start: str
    end: str
    observed_attacks: int | None
    observed_casualties: int | None
    counter: str = CLAIMS

    @property
    def sealed(self) -> bool:
        return self.observed_attacks is None

    @property
    def claims(self) -> bool:
        return self.counter == CLAIMS


# The sealed forecast: the window after the record fitted, published before its count is looked at.
SEALED = ("2024-12-31", "2025-01-01", "2025-08-31")


def origins() -> tuple[Origin, ...]:
    """In date order: every quarter-end whose next quarter an interim counter counted (its previous quarter
    fitted, the count superseding both not yet complete), every year-end from the first fitted count's year
    whose next year has a count of claims in Iraq (each forecasting that window), then the sealed forecast of
    January-August 2025 from the end of 2024."""
    out = quarterly_origins()
    by_start = {t.start: t for t in attack_targets()}
    first = int(min(t.end for t in attack_targets())[:4])
    for year in range(first, int(SEALED[0][:4])):
        window = by_start.get(f"{year + 1}-01-01")
        if window is not None:
            out.append(Origin(f"{year}-12-31", window.start, window.end, window.attacks, window.casualties))
    return (*sorted(out, key=lambda o: o.date), Origin(*SEALED, None, None))


def quarterly_origins() -> list[Origin]:
    """The end of each interim count's quarter that the same counter's next quarter follows without a gap."""
    figures = reported_attack_targets()
    out = []
    for before, after in itertools.pairwise(figures):
        day_after = (pd.Timestamp(before.end) + pd.Timedelta(days=1)).date().isoformat()
        if (after.counter == before.counter and after.start == day_after
                and not superseded(before, before.end)):
            out.append(Origin(before.end, after.start, after.end, after.attacks, None, after.counter))
    return out


@dataclass(frozen=True)
class BacktestSettings:
    seed: int = field(default=DEFAULT_SEED, metadata={"help": "the backtest's seed (each origin's fit and forecast)"})
    particles: int = field(default=200, metadata={"help": "particles of each origin's fit"})
    # Caps high enough that at the default seed every origin's fit stops by itself (its moves stop being
    # accepted) rather than at a cap: at 12 generations four of seven stopped there, the threshold still falling.
    generations: int = field(default=20, metadata={"help": "most generations of each fit"})
    max_simulations: int = field(default=80000, metadata={"help": "most simulations of each fit"})
    min_epsilon: float = field(default=0.0, metadata={"help": "stop a fit once its distance threshold is this low"})
    replicates: int = field(default=200, metadata={"help": "replicates of each origin's forecast"})
    workers: int = field(default=1, metadata={"help": "worker processes (results do not depend on it)"})

    def check(self) -> None:
        if self.replicates < 2:
            raise ConfigError(f"replicates={self.replicates}; a forecast needs at least 2 replicates.")
        if self.workers < 1:
            raise ConfigError(f"workers={self.workers}; it must be 1 or more.")
        self.calibration(origins()[0]).check()

    def calibration(self, origin: Origin) -> CalibrationSettings:
        return CalibrationSettings(seed=child_seed(self.seed, origin.date, 0), particles=self.particles,
                                   generations=self.generations, min_epsilon=self.min_epsilon,
                                   max_simulations=self.max_simulations,
                                   scenario=BASELINE_SCENARIO, origin=origin.date)


def child_seed(seed: int, origin_date: str, purpose: int) -> int:
    """The seed of one origin's calibration (purpose 0) or forecast ensemble (purpose 1), keyed by the origin's
    date (as the number YYYYMMDD), so that adding an origin leaves the others' seeds as they were."""
    sequence = np.random.SeedSequence(seed, spawn_key=(int(origin_date.replace("-", "")), purpose))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] % (2**63))


@dataclass
class OriginResult:
    origin: Origin
    posterior: Posterior
    forecast: pd.DataFrame            # replicate, attacks, casualties in the window


def forecast_ensemble(origin: Origin, posterior: Posterior, seed: int, replicates: int, workers: int) -> pd.DataFrame:
    """Attacks and casualties in the origin's window, one row per replicate of the fitted model."""
    cfg = compose_run_config(BASELINE_SCENARIO, [f"end={origin.end}", f"replicates={replicates}", f"seed={seed}",
                                                 "progress=false", "plots=false"])
    cfg = dataclasses.replace(cfg, workers=workers)
    outcomes = run_ensemble(cfg, posterior=posterior)
    first = (pd.Timestamp(origin.start) - pd.Timestamp(cfg.start)).days
    last = (pd.Timestamp(origin.end) - pd.Timestamp(cfg.start)).days
    factors = counter_factors(origin, cfg, posterior)
    rows = []
    for i, out in enumerate(outcomes):
        inside = (out.attacks["day"] >= first) & (out.attacks["day"] <= last)
        rows.append({"replicate": i, "attacks": int(np.rint(inside.sum() * factors[i])),
                     "casualties": int(out.attacks["killed"][inside].sum() + out.attacks["wounded"][inside].sum())})
    return pd.DataFrame(rows)


def counter_factors(origin: Origin, cfg, posterior: Posterior) -> np.ndarray:
    """Per replicate, the origin's counter's attacks per attack IS would claim: 1 for claims, else the factor
    `reported_per_claim` of the posterior particle the replicate draws."""
    if origin.claims:
        return np.ones(cfg.replicates)
    column = posterior.table["reported_per_claim"].to_numpy()
    return np.array([column[parameter_draw(cfg, i, posterior.weights)[0]] for i in range(cfg.replicates)])


def run_origin(settings: BacktestSettings, k: int, progress: bool = False) -> OriginResult:
    origin = origins()[k]
    posterior = calibrate(settings.calibration(origin), progress=progress)
    forecast = forecast_ensemble(origin, posterior, child_seed(settings.seed, origin.date, 1), settings.replicates,
                                 settings.workers)
    return OriginResult(origin, posterior, forecast)


# ----- scores ----------------------------------------------------------------------------
def record_before(origin: Origin) -> list[AttackTarget]:
    """The counts of attacks in Iraq by the origin's counter complete by the origin: for claims, one counter
    per year (the targets); for a counter of reported attacks, its own counts (those before the model starts
    included)."""
    if origin.claims:
        return [t for t in attack_targets(roles=("target", "context")) if t.end <= origin.date]
    return [t for t in reported_attack_targets(roles=("context", "interim"))
            if t.counter == origin.counter and t.end <= origin.date]


def casualties_per_attack(origin: Origin) -> tuple[float, str] | None:
    """The casualties per attack of the last window of claims before the origin that counted both; None where
    no such window came before the origin, or the origin's counter counts no casualties (the baselines then
    forecast attacks only)."""
    if not origin.claims:
        return None
    counted = [t for t in attack_targets(roles=("target", "check")) if t.casualties and t.end <= origin.date]
    if not counted:
        return None
    last = counted[-1]
    return last.casualties / last.attacks, f"{last.id} ({last.counter})"


def baseline_forecasts(origin: Origin) -> dict[str, dict[str, baselines.CountForecast]]:
    """Persistence and trend forecasts of attacks and casualties for the origin's window (the trend from two
    counts of the record up, so not at the first origin)."""
    history = record_before(origin)
    per_attack = casualties_per_attack(origin)
    out = {}
    for make in (baselines.persistence, baselines.trend)[: 1 if len(history) < 2 else 2]:
        attacks = make(history, origin.start, origin.end)
        out[attacks.name] = {"attacks": attacks}
        if per_attack is not None:
            out[attacks.name]["casualties"] = baselines.casualties(attacks, per_attack[0], attacks.name)
    return out


def moment_fit(sample: np.ndarray, name: str = "model") -> baselines.CountForecast:
    """The negative binomial with the ensemble's mean and variance (a Poisson when not over-dispersed):
    the model's predictive distribution for the log score, which needs a probability for every count."""
    mean, var = float(sample.mean()), float(sample.var(ddof=1))
    return baselines.CountForecast(name, max(mean, 1e-9), mean ** 2 / (var - mean) if var > mean else math.inf)


def crps(observed: float, sample: np.ndarray) -> float:
    """CRPS of an ensemble (scoringrules' estimator)."""
    # Here, not at the top: scoringrules takes 3 to 5 s to import, and only the scoring needs it.
    import scoringrules as sr

    return float(sr.crps_ensemble(float(observed), np.asarray(sample, dtype=float)))


def score_rows(result: OriginResult) -> list[dict]:
    """One row per forecaster and quantity: observed, median, intervals, coverage, CRPS and log score.

    CRPS comes from scoringrules' ensemble estimator: on the model's replicates, and on a large seeded
    sample of each baseline's distribution (scoringrules' closed forms overflow for counts in the
    hundreds). The log score is minus the log probability of the observed count (scipy's log-pmf, for
    the same reason), the model's from the negative binomial with its ensemble's mean and variance.
    """
    origin = result.origin
    observed = {"attacks": origin.observed_attacks, "casualties": origin.observed_casualties}
    rows = []
    for quantity in QUANTITIES:
        sample = result.forecast[quantity].to_numpy(dtype=float)
        q = np.quantile(sample, [0.05, 0.25, 0.5, 0.75, 0.95])
        obs = observed[quantity]
        scored = obs is not None
        rows.append(_row(origin, quantity, "model", obs, q, crps(obs, sample) if scored else None,
                         moment_fit(sample).log_score(obs) if scored else None,
                         mid_pit(obs, sample) if scored else None))
        if not scored:
            continue
        for name, forecasts in baseline_forecasts(origin).items():
            if quantity not in forecasts:
                continue
            f = forecasts[quantity]
            draws = f.sample(BASELINE_DRAWS, np.random.default_rng(BASELINE_SAMPLE_SEED))
            rows.append(_row(origin, quantity, name, obs, f.quantiles([0.05, 0.25, 0.5, 0.75, 0.95]),
                             crps(obs, draws), f.log_score(obs), f.mid_pit(obs)))
    return rows


def mid_pit(observed: int, sample: np.ndarray) -> float:
    """The PIT of a count under an ensemble, taken at the middle of the observed count's step:
    P(X < y) + P(X = y) / 2. Over many forecasts it is uniform when they are calibrated (Czado, Gneiting &
    Held 2009 use its randomised form; the middle has no randomness, and the same mean)."""
    sample = np.asarray(sample)
    return float((sample < observed).mean() + 0.5 * (sample == observed).mean())


def _row(origin: Origin, quantity: str, forecaster: str, observed, q, crps, logs, pit) -> dict:
    inside = (lambda lo, hi: bool(lo <= observed <= hi)) if observed is not None else (lambda lo, hi: None)
    return {"origin": origin.date, "window": f"{origin.start} to {origin.end}", "counter": origin.counter,
            "quantity": quantity,
            "forecaster": forecaster, "observed": observed, "median": float(q[2]),
            "q25": float(q[1]), "q75": float(q[3]), "q05": float(q[0]), "q95": float(q[4]),
            "in_50": inside(q[1], q[3]), "in_90": inside(q[0], q[4]), "crps": crps, "log_score": logs,
            "pit": pit}


def score_table(results: list[OriginResult]) -> pd.DataFrame:
    rows = [row for result in results for row in score_rows(result)]
    return pd.DataFrame(rows)


def _ratio(model: pd.DataFrame, trend: pd.DataFrame, origins) -> float | None:
    return float(model.loc[origins, "crps"].mean() / trend.loc[origins, "crps"].mean()) if len(origins) else None


def summary(table: pd.DataFrame) -> dict:
    """What the backtest says over its origins, per quantity: the model's mean CRPS against the trend's over
    the origins both scored (over all of them, and over each counter's), its 90% intervals' coverage, its PIT values and their Kolmogorov-Smirnov test
    against the uniform (with so few origins a weak test: it finds only gross miscalibration)."""
    out = {}
    for quantity, rows in table[table["observed"].notna()].groupby("quantity", sort=False):
        model = rows[rows["forecaster"] == "model"].set_index("origin")
        trend = rows[rows["forecaster"] == "log-linear trend"].set_index("origin")
        both = model.index.intersection(trend.index)
        pits = model["pit"].astype(float).to_numpy()
        out[quantity] = {
            "origins_scored": int(len(model)),
            "crps_ratio_to_trend": _ratio(model, trend, both),
            "origins_compared_with_trend": [str(o) for o in both],
            # The CRPS is in each counter's own units, so a mean over counters weighs the larger counts more:
            # the ratio for each counter's origins alone says whether one counter carries the whole result.
            "crps_ratio_to_trend_by_counter": {
                str(counter): _ratio(model, trend, both.intersection(model.index[model["counter"] == counter]))
                for counter in dict.fromkeys(model["counter"])} if "counter" in model else {},
            "in_90": int(model["in_90"].astype(bool).sum()),
            "pit": [round(float(v), 3) for v in pits],
            "pit_ks_p_value": float(stats.kstest(pits, "uniform").pvalue) if len(pits) else None,
        }
    return out
