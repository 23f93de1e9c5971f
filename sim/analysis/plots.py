"""Figures from tables and summaries. Each function returns a matplotlib Figure.

Figures are built with `matplotlib.figure.Figure` (no pyplot state), so they
can be drawn in worker threads and on machines without a display.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.summary import QUANTILES
from sim.analysis.targets import AttackTarget

IRAQ_COLOUR = "#b2182b"


def attack_rate_histogram(replicates: pd.DataFrame, title: str, reference_rate: float) -> Figure:
    """Distribution over replicates of attacks per month, with median, 90% interval and the 2024 rate."""
    x = replicates["attacks_per_month"].to_numpy()
    fig = Figure(figsize=(7, 4.2), dpi=110)
    ax = fig.subplots()
    bins = min(40, max(8, int(np.sqrt(x.size)) * 2))
    ax.hist(x, bins=bins, color="#4575b4", alpha=0.8, edgecolor="white")
    q05, q50, q95 = np.quantile(x, [QUANTILES["q05"], QUANTILES["q50"], QUANTILES["q95"]])
    ax.axvline(q50, color="black", lw=2, label=f"median {q50:.1f}")
    ax.axvspan(q05, q95, color="grey", alpha=0.15, label=f"90% interval {q05:.1f}–{q95:.1f}")
    ax.axvline(reference_rate, color=IRAQ_COLOUR, ls="--", lw=1.5,
               label=f"claimed in Jan–Aug 2024: {reference_rate:.1f}")
    ax.set_xlabel("attacks per month over the horizon (one value per replicate)")
    ax.set_ylabel("replicates")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class Marker:
    """A dated change drawn on a time axis: a determinant change (a line) or a one-off event (a tick)."""

    date: str
    label: str
    determinant: bool


def change_markers(changes, start: str) -> list[Marker]:
    """Markers for a run's dated changes after its start (the start's own state needs none)."""
    return [Marker(c.date, c.label, bool(c.params)) for c in changes if c.date > start]


def monthly_fan_chart(monthly: pd.DataFrame, title: str, targets: list[AttackTarget],
                      markers: list[Marker] = (), branch_date: str = "") -> Figure:
    """Attacks per month in Iraq: median, 50% and 90% bands over replicates; observed rates marked,
    dated changes drawn (determinant changes as labelled lines, one-off events as ticks) and the
    forecast (after the branch date) shaded."""
    per_month = monthly.groupby(["month", "replicate"])["attacks"].sum().unstack("replicate")
    months = pd.to_datetime(per_month.index + "-15")
    values = per_month.to_numpy(dtype=float)
    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    fig = Figure(figsize=(10, 5.2), dpi=110)
    ax = fig.subplots()
    if branch_date and pd.Timestamp(branch_date) <= months.max():
        ax.axvspan(pd.Timestamp(branch_date), months.max() + pd.Timedelta(days=15), color="#fdae61", alpha=0.12,
                   label=f"forecast, from {branch_date}")
    ax.fill_between(months, q[0], q[4], color="#4575b4", alpha=0.18, label="90% band")
    ax.fill_between(months, q[1], q[3], color="#4575b4", alpha=0.35, label="50% band")
    ax.plot(months, q[2], color="#08306b", lw=2, label="median")
    for t in targets:
        span = pd.to_datetime([t.start, t.end])
        if span[0] >= months.min() - pd.Timedelta(days=20) and span[1] <= months.max() + pd.Timedelta(days=20):
            ax.hlines(t.attacks_per_month, span[0], span[1], colors=IRAQ_COLOUR, lw=3,
                      label=f"observed: {t.attacks} claimed attacks {t.start[:7]} to {t.end[:7]}")
    ax.set_ylabel("attacks per month (Iraq)")
    ax.set_ylim(bottom=0)
    ax.set_title(title, pad=14)
    ax.legend(frameon=False, fontsize=7, loc="upper right")
    n_key = sum(1 for m in markers if m.determinant)
    fig.set_size_inches(10, 5.0 + 0.12 * ((n_key + 1) // 2))
    fig.subplots_adjust(left=0.07, right=0.98, top=0.9)
    _draw_markers(ax, markers, months)
    return fig


def _draw_markers(ax, markers: list[Marker], months: pd.DatetimeIndex) -> None:
    """Determinant changes as numbered dotted lines with a key under the plot; one-off events as ticks.

    Numbers, not labels, sit on the lines: changes weeks apart would print their labels over each other.
    """
    first, last = months.min() - pd.Timedelta(days=15), months.max() + pd.Timedelta(days=15)
    inside = [m for m in markers if first <= pd.Timestamp(m.date) <= last]
    transform = ax.get_xaxis_transform()
    key = []
    for m in inside:
        when = pd.Timestamp(m.date)
        if not m.determinant:
            ax.plot([when], [0.02], marker="^", ms=4, color="#555555", transform=transform, clip_on=False)
            continue
        number = len(key) + 1
        ax.axvline(when, color="#555555", lw=0.8, ls=":", zorder=1)
        ax.text(when, 1.0 + 0.035 * (number % 2), str(number), transform=transform, ha="center", va="bottom",
                fontsize=6.5, color="#333333", clip_on=False)
        key.append(f"{number}  {m.date}  {m.label}")
    if key:
        half = (len(key) + 1) // 2
        columns = ["\n".join(key[:half]), "\n".join(key[half:])]
        for x, text in zip((0.0, 0.5), columns, strict=True):
            ax.annotate(text, xy=(x, 0), xycoords=("axes fraction", "figure fraction"), xytext=(0, 4),
                        textcoords="offset points", va="bottom", ha="left", fontsize=5.5, color="#333333")
        ax.figure.subplots_adjust(bottom=0.14 + 0.021 * half)
        ax.plot([], [], marker="^", ls="none", color="#555555", ms=4, label="one-off event (breakout, leader killed)")


def compare_distributions(rates: dict[str, np.ndarray], reference_rate: float,
                          ylabel: str = "attacks per month over the horizon") -> Figure:
    """Violin plot of attacks per month for several runs side by side."""
    labels = list(rates)
    fig = Figure(figsize=(max(6, 1.6 * len(labels) + 2), 4.5), dpi=110)
    ax = fig.subplots()
    data = [np.asarray(rates[k], dtype=float) for k in labels]
    ax.violinplot(data, showmedians=True, showextrema=False)
    for k, x in enumerate(data, start=1):
        q05, q95 = np.quantile(x, [0.05, 0.95])
        ax.vlines(k, q05, q95, color="black", lw=1)
    ax.axhline(reference_rate, color=IRAQ_COLOUR, ls="--", lw=1.2, label=f"claimed in Jan–Aug 2024: {reference_rate:.1f}")
    ax.set_xticks(range(1, len(labels) + 1), labels, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title("Attack-rate distributions (median line, 90% interval bar)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
