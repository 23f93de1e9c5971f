"""Self-excitation measured: an exponential-kernel Hawkes process fitted by maximum likelihood.

    intensity_r(t) = background_r(t) + sum over replicate r's earlier events i: alpha * beta * exp(-beta (t - t_i))

`alpha` is the branching ratio (the expected number of events one event triggers;
the share of events attributable to earlier ones, in a stationary process) and
1 / beta the time scale in days. Lewis et al. (2012) fitted self-exciting models
to violence in Iraq and attribute roughly 37-50% of events to earlier events, with
effects lasting two to six weeks; docs/validation.md sets the model's fitted
values beside theirs.

The background. Any rise and fall of the rate that the background cannot follow
is read as excitation (a busy stretch is explained by events setting off
events). The model's replicates differ in level, and their levels part further
year by year (each draws its own history of fighters); within a year the rate
drifts with the dated events of the history, which fall on the same days in
every replicate. So the background is piecewise constant by calendar quarter,

    log background_r(quarter q) = level(r, year of q) + shape(q),

a level per replicate and year, and a shape within each year (its first quarter
0) common to all replicates. Why not a rate per replicate and quarter: at the
model's rates (a few events a week, each raising the rate by a few per cent for
some weeks) most of what tells excitation from chance is how counts vary over
months, and a free rate for every replicate and quarter takes that away. Fitted
so, Hawkes sequences with a branching ratio of 0.4, a two-week time scale and
0.1 immigrants a day (20 replicates of two years) gave 0.05 on average; a trend
within each replicate's year takes away much of it too. What this background
cannot follow, a replicate's own change within a year (cells waking, a cell
destroyed), is read as excitation: `sim validate stylised` also fits the model
with its excitation switched off to show how much that is.

Pooling. Replicates are independent draws of one process: their
log-likelihoods add, each keeps its own levels, and all share alpha, beta and
the shape. The pooled estimate is the maximum of that sum, so each replicate
counts by the information its events carry.

Bias. Even a level per replicate and year biases the maximum-likelihood
estimate towards less excitation, and towards shorter time scales: each level
soaks up part of the clustering of its own events, the more so the fewer events
a replicate has in a year. `bias_corrected` estimates the bias by parametric
bootstrap (simulate from the fit, refit) and removes it. Checked on sequences of
the model's size (tests/test_hawkes.py, about 70 events per replicate and year):
0.3 was estimated 0.20 by maximum likelihood and 0.30 corrected, scattering by
0.04 between sets, about twice the bootstrap's own standard error; the time scale
(three weeks) 15 days uncorrected, 29 corrected, so the two bracket it. With
fewer events per replicate and year part of the bias remains.

Pure functions of event times; scipy does the optimisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit
from scipy import optimize

# Time scales are searched between half a day (the model records days; events of one day are spread
# within it) and two months (slower excitation cannot be told from quarterly changes of the background).
MIN_TIME_SCALE_DAYS = 0.5
MAX_TIME_SCALE_DAYS = 60.0
# A branching ratio of 1 or more is explosive; the search stops just short of it.
MAX_BRANCHING_RATIO = 0.99
# The log of a background rate is kept above this (a replicate's year without events has its rate
# there, in effect 0, rather than at minus infinity).
MIN_LOG_BACKGROUND = -30.0
# Starting points of the search (branching ratio, time scale in days); the best end point is kept.
STARTS = ((0.05, 5.0), (0.3, 20.0))
# Simulated sets for the bootstrap: at the model's size an estimate's standard error is about 0.02, so ten
# sets give its bias to about 0.007.
BOOTSTRAP_SETS = 10


@dataclass(frozen=True)
class Segments:
    """The window cut into the segments of the background (calendar quarters), each in a year."""

    edges: np.ndarray     # days from the window's start: each segment's start, then the window's end
    year: np.ndarray      # index of each segment's year, from 0

    @property
    def horizon(self) -> float:
        """The window's length in days."""
        return float(self.edges[-1])

    @property
    def days(self) -> np.ndarray:
        """Each segment's length in days."""
        return np.diff(self.edges)


def quarters(start: str, end: str) -> Segments:
    """Calendar quarters from `start` to `end` (both dates included; a partial quarter at either end)."""
    first, last = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    starts = [first, *(q for q in pd.date_range(first, last, freq="QS") if first < q < last)]
    edges = np.array([(s - first).days for s in starts] + [(last - first).days], dtype=float)
    return Segments(edges, np.array([s.year - first.year for s in starts]))


@dataclass(frozen=True)
class HawkesFit:
    branching_ratio: float                 # alpha
    time_scale_days: float                 # 1 / beta
    background_per_day: np.ndarray         # (replicates, segments)
    log_likelihood: float
    events: int
    converged: bool


def event_times(days: np.ndarray) -> np.ndarray:
    """Event times in days, sorted; events of one day spread evenly within it (the model records days)."""
    days = np.sort(np.asarray(days, dtype=float))
    out = days.copy()
    start = 0
    for k in range(1, days.size + 1):
        if k == days.size or days[k] != days[start]:
            n = k - start
            out[start:k] = days[start] + (np.arange(n) + 0.5) / n
            start = k
    return out


@dataclass(frozen=True)
class _Events:
    """Every replicate's events laid end to end, with what the likelihood needs of each."""

    times: np.ndarray          # event times, sorted within each replicate
    gaps: np.ndarray           # time since the replicate's previous event (inf for its first)
    cell: np.ndarray           # index of the event's (replicate, segment) background rate
    cell_days: np.ndarray      # length of each (replicate, segment), in days
    horizon: float


def _events(sequences: list[np.ndarray], segments: Segments) -> _Events:
    edges = segments.edges
    if edges.ndim != 1 or edges.size < 2 or edges[0] != 0.0 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"segment edges must rise strictly from 0 to the horizon, got {edges.tolist()}")
    times, gaps, cells = [], [], []
    for r, sequence in enumerate(sequences):
        t = np.sort(np.asarray(sequence, dtype=float))
        if t.size and (t[0] < 0 or t[-1] >= segments.horizon):
            raise ValueError(f"replicate {r} has events outside [0, {segments.horizon}) days")
        times.append(t)
        gaps.append(np.diff(t, prepend=-np.inf))
        cells.append(r * segments.days.size + np.searchsorted(edges, t, side="right") - 1)
    return _Events(np.concatenate(times), np.concatenate(gaps), np.concatenate(cells).astype(np.int64),
                   np.tile(segments.days, len(sequences)), segments.horizon)


def _design(replicates: int, segments: Segments) -> np.ndarray:
    """Log background of each (replicate, segment), row r * segments + s, as a sum of parameters: the level of
    (replicate, year), then the shape of each segment that is not its year's first."""
    count, years = segments.days.size, int(segments.year.max()) + 1
    row = np.arange(replicates * count)
    replicate, segment = row // count, row % count
    first_of_year = np.r_[True, segments.year[1:] != segments.year[:-1]]
    shaped = np.flatnonzero(~first_of_year)
    levels = np.zeros((row.size, replicates * years))
    levels[row, replicate * years + segments.year[segment]] = 1.0
    shapes = (segment[:, None] == shaped[None, :]).astype(float)
    return np.hstack([levels, shapes])


@njit(cache=True)
def _excitation_recursions(decay: np.ndarray, gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.zeros(decay.size), np.zeros(decay.size)
    previous_a = previous_b = 0.0
    for i in range(decay.size):
        if decay[i] == 0.0:
            previous_a = previous_b = 0.0
        else:
            previous_a, previous_b = (decay[i] * (1.0 + previous_a),
                                      decay[i] * (gaps[i] * (1.0 + previous_a) + previous_b))
        a[i], b[i] = previous_a, previous_b
    return a, b


def _excitation_sums(events: _Events, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """A_i = sum over j < i of exp(-beta gap_ij) and B_i = sum of gap_ij exp(-beta gap_ij), j in i's replicate,
    by the usual recursions (B gives the derivative in beta; a replicate's first event starts them afresh)."""
    return _excitation_recursions(np.exp(-beta * events.gaps), np.where(np.isfinite(events.gaps), events.gaps, 0.0))


def _log_likelihood(events: _Events, design: np.ndarray, theta: np.ndarray, alpha: float,
                   beta: float) -> tuple[float, np.ndarray]:
    """The log-likelihood of all replicates, and its gradient in (theta, alpha, beta)."""
    a, b = _excitation_sums(events, beta)
    background = np.exp(design @ theta)
    intensity = background[events.cell] + alpha * beta * a
    left = events.horizon - events.times
    tail = np.exp(-beta * left)
    value = float(np.log(intensity).sum()) - float(background @ events.cell_days) - alpha * float((1.0 - tail).sum())
    per_cell = background * (np.bincount(events.cell, 1.0 / intensity, minlength=background.size) - events.cell_days)
    d_alpha = float((beta * a / intensity).sum()) - float((1.0 - tail).sum())
    d_beta = alpha * float(((a - beta * b) / intensity).sum()) - alpha * float((left * tail).sum())
    return value, np.concatenate([design.T @ per_cell, [d_alpha, d_beta]])


def _start(events: _Events, replicates: int, segments: Segments, alpha: float) -> np.ndarray:
    """Levels from each replicate's events in each year, as if a share alpha of them were set off; shape 0."""
    years = int(segments.year.max()) + 1
    cell_year = np.tile(segments.year, replicates) + np.repeat(np.arange(replicates) * years, segments.days.size)
    counts = np.bincount(cell_year[events.cell], minlength=replicates * years)
    days = np.bincount(cell_year, events.cell_days, minlength=replicates * years)
    levels = np.log((1.0 - alpha) * (counts + 0.5) / days)
    return np.concatenate([levels, np.zeros(int(np.sum(segments.year[1:] == segments.year[:-1])))])


def fit(sequences: list[np.ndarray], segments: Segments, start: HawkesFit | None = None) -> HawkesFit:
    """The pooled maximum-likelihood fit: alpha, beta and the shape common to all sequences, a level per
    sequence and year. Each sequence is one replicate's event times in days from the window's start.

    Without `start` the search begins from each of STARTS and keeps the best; with it (the fit that
    simulated the sequences, in the bootstrap) it begins there alone.
    """
    events = _events(sequences, segments)
    design = _design(len(sequences), segments)

    def negative(z: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, beta = z[-2], math.exp(-z[-1])
        value, gradient = _log_likelihood(events, design, z[:-2], alpha, beta)
        gradient[-1] *= -beta                  # from beta to the log of the time scale
        return -value, -gradient

    if start is None:
        origins = [np.r_[_start(events, len(sequences), segments, alpha), alpha, math.log(days)]
                   for alpha, days in STARTS]
    else:
        theta = np.linalg.lstsq(design, np.log(np.maximum(start.background_per_day.ravel(), 1e-12)), rcond=None)[0]
        origins = [np.r_[np.maximum(theta, MIN_LOG_BACKGROUND), start.branching_ratio,
                         math.log(start.time_scale_days)]]
    bounds = ([(MIN_LOG_BACKGROUND, None)] * design.shape[1]
              + [(0.0, MAX_BRANCHING_RATIO), (math.log(MIN_TIME_SCALE_DAYS), math.log(MAX_TIME_SCALE_DAYS))])
    best = min((optimize.minimize(negative, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                                  options={"maxiter": 5000}) for z0 in origins), key=lambda result: result.fun)
    background = np.exp(design @ best.x[:-2]).reshape(len(sequences), -1)
    return HawkesFit(float(best.x[-2]), math.exp(best.x[-1]), background, -float(best.fun),
                     int(events.times.size), bool(best.success))


def simulate(immigrants: np.ndarray, alpha: float, beta: float, horizon: float,
             rng: np.random.Generator) -> np.ndarray:
    """A Hawkes sequence by its branching construction: every event, starting from the immigrants (the
    background's events), has a Poisson(alpha) number of offspring, each after an exponential delay of mean
    1 / beta; offspring past the horizon are dropped."""
    generation = np.asarray(immigrants, dtype=float)
    every = [generation]
    while generation.size:
        children = rng.poisson(alpha, generation.size)
        generation = np.repeat(generation, children) + rng.exponential(1.0 / beta, int(children.sum()))
        generation = generation[generation < horizon]
        every.append(generation)
    return np.sort(np.concatenate(every))


def background_events(rates_per_day: np.ndarray, segments: Segments, rng: np.random.Generator) -> np.ndarray:
    """Event times of a Poisson process whose rate is constant within each segment."""
    counts = rng.poisson(rates_per_day * segments.days)
    starts = np.repeat(segments.edges[:-1], counts)
    return np.sort(starts + rng.random(starts.size) * np.repeat(segments.days, counts))


@dataclass(frozen=True)
class CorrectedFit:
    """A fit with its bias removed by parametric bootstrap, and the bootstrap's standard errors."""

    branching_ratio: float
    branching_ratio_se: float
    time_scale_days: float
    time_scale_se_days: float
    fitted: HawkesFit                  # the maximum-likelihood fit, bias and all
    sets: int

    @property
    def time_scale_determined(self) -> bool:
        """False when the correction takes the time scale to a bound of the search: with little excitation
        the simulated sets' time scales scatter and say nothing about the bias."""
        return MIN_TIME_SCALE_DAYS < self.time_scale_days < MAX_TIME_SCALE_DAYS


def bias_corrected(fitted: HawkesFit, segments: Segments, rng: np.random.Generator,
                   sets: int = BOOTSTRAP_SETS) -> CorrectedFit:
    """Simulate `sets` sets of replicates from the fit (its backgrounds, alpha and beta), fit each, and
    move the estimate by the mean difference between the simulated sets' estimates and the fit they came
    from (Efron's bias correction; the time scale on a log scale, where its error is more nearly even).

    The bias is estimated where the fit is, not where the truth is; since it grows with the excitation, the
    correction falls short when the fit is far below the truth, and it overshoots for the time scale
    (the module's docstring gives the figures). The standard errors are the simulated estimates' spread.
    """
    alpha, beta = fitted.branching_ratio, 1.0 / fitted.time_scale_days
    refits = [fit([simulate(background_events(rates, segments, rng), alpha, beta, segments.horizon, rng)
                   for rates in fitted.background_per_day], segments, start=fitted) for _ in range(sets)]
    alphas = np.array([f.branching_ratio for f in refits])
    log_scales = np.log([f.time_scale_days for f in refits])
    corrected_alpha = min(max(2.0 * alpha - float(alphas.mean()), 0.0), MAX_BRANCHING_RATIO)
    corrected_scale = min(max(math.exp(2.0 * math.log(fitted.time_scale_days) - float(log_scales.mean())),
                              MIN_TIME_SCALE_DAYS), MAX_TIME_SCALE_DAYS)
    return CorrectedFit(corrected_alpha, float(alphas.std(ddof=1)), corrected_scale,
                        corrected_scale * float(log_scales.std(ddof=1)), fitted, sets)
