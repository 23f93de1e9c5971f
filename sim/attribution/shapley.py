"""Shapley attribution of a difference between two scenarios to the things in which they differ.

Scenario B differs from scenario A in k things (players): determinant groups
set to another level at the branch, and dated changes one has and the other
lacks. A combination S is A with the players in S switched to B's setting; its
value v(S) is the outcome's mean over replicates. v(no player) is A, v(every
player) is B.

The arithmetic is exact, over all 2^k combinations (k is at most 8 here):

- the Harsanyi dividend of a combination T, d(T) = sum over S in T of
  (-1)^(|T|-|S|) v(S) (the Möbius transform of v), is what T's players add
  together beyond what their smaller combinations add: d({i}) is player i's
  effect alone (switched by itself from A), d({i, j}) the pair's interaction,
  and so on. The dividends sum to v(B) - v(A).
- the Shapley value of player i, phi_i = sum over T holding i of d(T) / |T|,
  shares every interaction equally among its players, so the values sum to
  v(B) - v(A) too (efficiency). phi_i - d({i}) is what i gets from
  interactions: the attribution shows it beside the effect alone, so a large
  interaction is never hidden inside one number.

A maintained Shapley library (shapiq) computes the same numbers but would make
scikit-learn, requests and networkx core dependencies for these few lines of
arithmetic; the formulas are checked against games with known values in the
tests.

Both transforms are linear in v, so they are computed for each replicate
(every combination of a replicate is run with the same seed: common random
numbers) and averaged. Intervals are percentile bootstrap intervals over
replicates (scipy.stats.bootstrap): a resample takes a replicate's whole row of
combinations, which keeps the pairing.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000
# Interactions drawn in the figure, largest first; the table holds them all.
INTERACTIONS_SHOWN = 10


def combination_players(mask: int, players: list[str]) -> list[str]:
    """The players switched on in combination `mask` (bit i is player i)."""
    return [name for i, name in enumerate(players) if mask >> i & 1]


def dividends(values: np.ndarray) -> np.ndarray:
    """The Harsanyi dividends of every combination from the values of every combination (last axis,
    indexed by bit mask): the fast Möbius transform, one pass per player."""
    d = np.array(values, dtype=float, copy=True)
    masks = np.arange(d.shape[-1])
    for i in range(player_count(d.shape[-1])):
        on = masks[(masks >> i & 1) == 1]
        d[..., on] -= d[..., on ^ (1 << i)]
    return d


def shapley_weights(k: int) -> np.ndarray:
    """The matrix W with phi = dividends @ W: W[T, i] = 1/|T| where player i is in T, else 0."""
    masks = np.arange(2 ** k)
    member = (masks[:, None] >> np.arange(k)[None, :] & 1).astype(float)
    size = member.sum(axis=1, keepdims=True)
    return np.divide(member, size, out=np.zeros_like(member), where=size > 0)


def shapley_values(values: np.ndarray) -> np.ndarray:
    """Each player's Shapley value from the values of every combination (last axis, by bit mask)."""
    return dividends(values) @ shapley_weights(player_count(values.shape[-1]))


def player_count(combinations: int) -> int:
    """K from 2^k combinations, or a ValueError when the count is not a power of 2."""
    k = int(combinations).bit_length() - 1
    if combinations < 2 or 2 ** k != combinations:
        raise ValueError(f"{combinations} combinations: expected 2^k for k >= 1 players")
    return k


@dataclass
class Attribution:
    """What the attribution says: per player, per interaction, per combination; means with intervals."""

    players: list[str]
    value_a: float
    value_b: float
    shares: pd.DataFrame          # player: alone, shapley, from_interactions, each with its interval
    interactions: pd.DataFrame    # every combination of two or more players: its dividend with its interval
    combinations: pd.DataFrame    # every combination: its players and the outcome's mean with its interval
    orders: pd.DataFrame          # interactions summed by order (pairs, triples, ...), each with its interval
    difference: tuple[float, float, float]   # v(B) - v(A): mean, low, high
    replicates: int
    confidence: float


def attribute(values: np.ndarray, players: list[str], seed: int, confidence: float = CONFIDENCE) -> Attribution:
    """The attribution from a replicates x 2^k array of the outcome (column = combination's bit mask)."""
    values = np.asarray(values, dtype=float)
    k = len(players)
    if values.ndim != 2 or values.shape[1] != 2 ** k:
        raise ValueError(f"values must be replicates x {2 ** k} combinations for {k} players, not {values.shape}")
    d = dividends(values)
    phi = d @ shapley_weights(k)
    singles = d[:, [1 << i for i in range(k)]]
    sizes = np.array([bin(m).count("1") for m in range(2 ** k)])
    by_order = np.stack([d[:, sizes == order].sum(axis=1) for order in range(2, k + 1)], axis=1) if k > 1 \
        else np.zeros((values.shape[0], 0))
    columns = np.hstack([values, d, phi, phi - singles, by_order, values[:, [-1]] - values[:, [0]]])
    mean, low, high = mean_interval(columns, seed, confidence)
    n = 2 ** k
    parts = {"value": slice(0, n), "dividend": slice(n, 2 * n), "shapley": slice(2 * n, 2 * n + k),
             "interaction": slice(2 * n + k, 2 * n + 2 * k), "order": slice(2 * n + 2 * k, 2 * n + 2 * k + k - 1)}

    def part(name: str, index=slice(None)) -> dict[str, np.ndarray]:
        return {"": mean[parts[name]][index], "_low": low[parts[name]][index], "_high": high[parts[name]][index]}

    single_index = [1 << i for i in range(k)]
    shares = pd.DataFrame({"player": players,
                           **{f"alone{s}": v for s, v in part("dividend", single_index).items()},
                           **{f"shapley{s}": v for s, v in part("shapley").items()},
                           **{f"from_interactions{s}": v for s, v in part("interaction").items()}})
    masks = np.arange(n)
    combos = pd.DataFrame({"combination": masks, "players": [" + ".join(combination_players(m, players)) or "none"
                                                              for m in masks], "size": sizes,
                           **{f"mean{s}": v for s, v in part("value").items()},
                           **{f"dividend{s}": v for s, v in part("dividend").items()}})
    interactions = (combos[combos["size"] >= 2].drop(columns=["mean", "mean_low", "mean_high"])
                    .rename(columns={"dividend": "interaction", "dividend_low": "interaction_low",
                                     "dividend_high": "interaction_high"}).reset_index(drop=True))
    orders = pd.DataFrame({"order": range(2, k + 1), "combinations": [int((sizes == o).sum()) for o in range(2, k + 1)],
                           **{f"total{s}": v for s, v in part("order").items()}})
    return Attribution(players, float(mean[0]), float(mean[n - 1]), shares, interactions, combos, orders,
                       (float(mean[-1]), float(low[-1]), float(high[-1])), values.shape[0], confidence)


def mean_interval(columns: np.ndarray, seed: int, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each column's mean over replicates (rows) and its percentile bootstrap interval (NaN with one replicate)."""
    mean = columns.mean(axis=0)
    if columns.shape[0] < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan
    result = stats.bootstrap((columns,), np.mean, axis=0, vectorized=True, paired=False,
                             confidence_level=confidence, n_resamples=BOOTSTRAP_RESAMPLES, method="percentile",
                             rng=np.random.default_rng(seed))
    return mean, result.confidence_interval.low, result.confidence_interval.high


def attribution_figure(result: Attribution, title: str, outcome_label: str) -> Figure:
    """Each player's effect alone and its Shapley value; the interactions by order; the largest pairs.

    Every interaction is in the middle panel (the orders sum to the difference less the effects
    alone), so the bars on the left never hide how much the players act together.
    """
    fig = Figure(figsize=(14, 0.45 * max(len(result.players), 5) + 2.4), dpi=110)
    left, middle, right = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.3, 0.9, 1.1]})
    s = result.shares.iloc[::-1]
    y = np.arange(len(s))
    for offset, column, colour, label in ((0.18, "alone", "#fdae61", "switched alone from A"),
                                          (-0.18, "shapley", "#4575b4", "Shapley value (interactions shared)")):
        left.barh(y + offset, s[column], height=0.34, xerr=_error_bars(s, column), color=colour, capsize=3,
                  label=label)
    left.set_yticks(y, [textwrap.fill(p, 24) for p in s["player"]], fontsize=8)
    left.axvline(0, color="black", lw=0.8)
    low, high = result.difference[1:]
    left.set_xlabel(outcome_label)
    left.set_title(f"B - A = {result.difference[0]:+.2f} ({result.confidence:.0%}: {low:+.2f} to {high:+.2f})",
                   fontsize=9)
    left.legend(frameon=False, fontsize=7, loc="best")
    names = {2: "pairs", 3: "triples"}
    _bars(middle, result.orders, "total", [f"{names.get(o, f'order {o}')} ({n})" for o, n in
                                           zip(result.orders["order"], result.orders["combinations"], strict=True)],
          "interactions summed by order", outcome_label)
    pairs = result.interactions[result.interactions["size"] == 2]
    pairs = pairs.reindex(pairs["interaction"].abs().sort_values(ascending=False).index).head(INTERACTIONS_SHOWN)
    _bars(right, pairs, "interaction", [p.replace(" + ", " ×\n") for p in pairs["players"]],
          f"largest pairs ({len(pairs)} of {int((result.interactions['size'] == 2).sum())})", outcome_label)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _bars(ax, table: pd.DataFrame, column: str, labels: list[str], title: str, outcome_label: str) -> None:
    if table.empty:
        ax.text(0.5, 0.5, "one player: no interactions", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    table, labels = table.iloc[::-1], labels[::-1]
    y = np.arange(len(table))
    colours = np.where(table[column] >= 0, "#d73027", "#1a9850")
    ax.barh(y, table[column], xerr=_error_bars(table, column), color=colours, capsize=3)
    ax.set_yticks(y, labels, fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(outcome_label)
    ax.set_title(title, fontsize=9)


def _error_bars(table: pd.DataFrame, column: str) -> np.ndarray | None:
    low, high = table[f"{column}_low"].to_numpy(), table[f"{column}_high"].to_numpy()
    if np.isnan(low).any():
        return None
    mid = table[column].to_numpy()
    return np.vstack([np.maximum(mid - low, 0), np.maximum(high - mid, 0)])
