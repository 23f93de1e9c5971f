"""Simple statistical forecasts of claimed attacks and casualties, the yardsticks the model is scored against.

Both are fitted to the same record the model's fit at that origin sees (plus the
2021 count, which comes before the model's start: it gives the trend a second
point at the first origin, which favours the baselines):

- persistence: the last observed window's rate carries on;
- log-linear trend: log(rate) = a + b * year, fitted by maximum likelihood as a
  negative-binomial regression with each window's length in months as exposure
  (statsmodels), extrapolated to the forecast window.

Each gives a negative-binomial predictive distribution at its point estimate
(plug-in: the uncertainty of a and b is left out, as a simple forecaster would).
With two or three annual counts the dispersion cannot be estimated, and the fit
returns a Poisson; those forecasts are then as narrow as counting noise allows.
Casualties are forecast as the attack forecast times the casualties per attack
of the last window that counted both, with the spread of a heavy-tailed total
(sim/calibration/statistics.py states it).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.analysis.targets import AttackTarget

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class CountForecast:
    """A negative-binomial predictive distribution: mean and size n (variance = mean + mean^2 / n)."""

    name: str
    mean: float
    size: float       # inf for a Poisson

    @property
    def prob(self) -> float:
        """The success probability of scipy's and scoringrules' (n, p) parameterisation."""
        return self.size / (self.size + self.mean) if math.isfinite(self.size) else 1.0

    def _dist(self):
        return stats.poisson(self.mean) if not math.isfinite(self.size) else stats.nbinom(self.size, self.prob)

    def quantiles(self, qs) -> np.ndarray:
        return self._dist().ppf(qs)

    def log_score(self, observed: int) -> float:
        """Minus the log probability of the observed count."""
        return float(-self._dist().logpmf(observed))

    def mid_pit(self, observed: int) -> float:
        """P(X < y) + P(X = y) / 2: the PIT of the observed count at the middle of its step."""
        dist = self._dist()
        return float(dist.cdf(observed - 1) + 0.5 * dist.pmf(observed))

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        if not math.isfinite(self.size):
            return rng.poisson(self.mean, size).astype(float)
        return rng.negative_binomial(self.size, self.prob, size).astype(float)


def months(start: str, end: str) -> float:
    return ((dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1) / DAYS_PER_MONTH


def _midpoint_year(t: AttackTarget) -> float:
    a, b = dt.date.fromisoformat(t.start), dt.date.fromisoformat(t.end)
    mid = a + (b - a) / 2
    return mid.year + (mid.timetuple().tm_yday - 1) / 365.25


def persistence(history: list[AttackTarget], start: str, end: str) -> CountForecast:
    """The last window's rate over the forecast window, with the trend fit's dispersion."""
    last = history[-1]
    mean = last.attacks / last.months * months(start, end)
    return CountForecast("persistence", mean, _dispersion(history))


def trend(history: list[AttackTarget], start: str, end: str) -> CountForecast:
    """Log-linear negative-binomial trend of the rate, extrapolated to the forecast window."""
    a, b, size = _fit(history)
    window_mid = _midpoint_year(AttackTarget("", start, end, 0, None, "", "", ""))
    return CountForecast("log-linear trend", math.exp(a + b * window_mid) * months(start, end), size)


def _fit(history: list[AttackTarget]) -> tuple[float, float, float]:
    """Intercept and slope of log(attacks per month) on the year, and the size n of the NB fit."""
    # Here, not at the top: statsmodels takes about 1.6 s to import, and only this fit needs it.
    import statsmodels.api as sm

    y = np.array([t.attacks for t in history], dtype=float)
    x = sm.add_constant(np.array([_midpoint_year(t) for t in history]))
    exposure = np.array([t.months for t in history])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # two or three points: the dispersion's Hessian is singular
        result = sm.NegativeBinomial(y, x, exposure=exposure).fit(disp=0, maxiter=200)
    a, b, alpha = (float(v) for v in result.params)
    return a, b, (1.0 / alpha if alpha > 1e-6 else math.inf)


def _dispersion(history: list[AttackTarget]) -> float:
    return _fit(history)[2] if len(history) >= 2 else math.inf


def casualties(attack_forecast: CountForecast, casualties_per_attack: float, name: str) -> CountForecast:
    """Casualties as attacks times casualties per attack; the spread of a heavy-tailed total.

    With per-attack casualties lognormal (log-sd 0.85) around the mean c, a total over m attacks has
    variance about m * c^2 * (exp(0.85^2) + 1/c) plus the variance the attack count itself brings.
    """
    c = casualties_per_attack
    mean = attack_forecast.mean * c
    attack_var = attack_forecast.mean + (attack_forecast.mean ** 2 / attack_forecast.size
                                         if math.isfinite(attack_forecast.size) else 0.0)
    variance = attack_forecast.mean * c * c * (math.exp(0.85 ** 2) + 1.0 / c) + c * c * attack_var
    size = mean ** 2 / max(variance - mean, 1e-9)
    return CountForecast(name, mean, size)
