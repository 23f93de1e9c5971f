"""Figures from tables and summaries. Each function returns a matplotlib Figure.

Figures are built with `matplotlib.figure.Figure` (no pyplot state), so they
can be drawn in worker threads and on machines without a display. Each says
in its title what it shows, over which window and how many replicates, and
keeps every text inside the canvas and clear of every other text.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.labels import overlaps, renderer_of
from sim.analysis.summary import QUANTILES
from sim.analysis.targets import AttackTarget

IRAQ_COLOUR = "#b2182b"
EVENT_COLOUR = "#555555"
DPI = 110
# The fan chart's layout, in points: the plot's height, a row of change numbers above it, a line of
# the key under it, and the key's font size.
FAN_PLOT_HEIGHT_PT = 270.0
NUMBER_ROW_PT = 9.0
KEY_LINE_PT = 9.5
KEY_FONT_PT = 7.0
# Characters per line of a key column (two columns across the figure's width at KEY_FONT_PT), and the
# spaces that indent a wrapped line under the label rather than the number and date (measured: the
# prefix " 6  2025-08-24  " is 22.75 spaces wide in DejaVu Sans).
KEY_COLUMN_CHARS = 78
KEY_HANGING_SPACES = 23


def reference_label(reference_rate: float) -> str:
    """The legend entry of the 2024 record's rate, the yardstick of every attack-rate figure."""
    return f"claimed in Jan–Aug 2024: {reference_rate:.1f} a month"


def attack_rate_histogram(rates: np.ndarray, title: str, reference_rate: float, window: str) -> Figure:
    """Distribution over replicates of attacks per month in `window`, with median, 90% interval and the
    2024 rate."""
    x = np.asarray(rates, dtype=float)
    fig = Figure(figsize=(7, 4.4), dpi=DPI)
    ax = fig.subplots()
    bins = min(40, max(8, int(np.sqrt(x.size)) * 2))
    ax.hist(x, bins=bins, color="#4575b4", alpha=0.8, edgecolor="white")
    q05, q50, q95 = np.quantile(x, [QUANTILES["q05"], QUANTILES["q50"], QUANTILES["q95"]])
    ax.axvline(q50, color="black", lw=2, label=f"median {q50:.1f}")
    ax.axvspan(q05, q95, color="grey", alpha=0.15, label=f"90% interval {q05:.1f}–{q95:.1f}")
    ax.axvline(reference_rate, color=IRAQ_COLOUR, ls="--", lw=1.5, label=reference_label(reference_rate))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"attacks per month in Iraq, {window} (one value per replicate)")
    ax.set_ylabel("replicates")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class Marker:
    """A dated change drawn on a time axis: a determinant change (a line) or a one-off event (a tick)."""

    date: str
    label: str
    determinant: bool


def change_markers(changes, start: str, branch_label: str = "") -> list[Marker]:
    """Markers for a run's dated changes after its start (the start's own state needs none); the branch's
    change is labelled `branch_label` where given (its own label lists raw parameter names)."""
    return [Marker(c.date, branch_label if branch_label and c.origin == "branch" else c.label, bool(c.params))
            for c in changes if c.date > start]


def monthly_fan_chart(monthly: pd.DataFrame, title: str, targets: list[AttackTarget],
                      markers: list[Marker] = (), branch_date: str = "") -> Figure:
    """Attacks per month in Iraq: median, 50% and 90% bands over replicates; observed rates marked,
    dated changes drawn (determinant changes as numbered lines with a key under the plot, one-off events
    as ticks) and the forecast (after the branch date) shaded."""
    per_month = monthly.groupby(["month", "replicate"])["attacks"].sum().unstack("replicate")
    months = pd.to_datetime(per_month.index + "-15")
    q = np.quantile(per_month.to_numpy(dtype=float), [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    fig = Figure(figsize=(10, 5.2), dpi=DPI)
    ax = fig.subplots()
    first, last = months.min() - pd.Timedelta(days=15), months.max() + pd.Timedelta(days=15)
    if branch_date and pd.Timestamp(branch_date) <= months.max():
        ax.axvspan(pd.Timestamp(branch_date), last, color="#fdae61", alpha=0.12, label=f"forecast, from {branch_date}")
    ax.fill_between(months, q[0], q[4], color="#4575b4", alpha=0.18, label="90% band")
    ax.fill_between(months, q[1], q[3], color="#4575b4", alpha=0.35, label="50% band")
    ax.plot(months, q[2], color="#08306b", lw=2, label="median")
    for t in targets:
        span = pd.to_datetime([t.start, t.end])
        if span[0] >= months.min() - pd.Timedelta(days=20) and span[1] <= months.max() + pd.Timedelta(days=20):
            ax.hlines(t.attacks_per_month, span[0], span[1], colors=IRAQ_COLOUR, lw=3,
                      label=f"observed: {t.attacks} claimed attacks {t.start[:7]} to {t.end[:7]}")
    inside = [m for m in markers if first <= pd.Timestamp(m.date) <= last]
    changes = [m for m in inside if m.determinant]
    _draw_events(ax, [m for m in inside if not m.determinant])
    for m in changes:
        ax.axvline(pd.Timestamp(m.date), color=EVENT_COLOUR, lw=0.8, ls=":", zorder=1)
    if changes:
        ax.plot([], [], color=EVENT_COLOUR, lw=0.8, ls=":", label="dated change (numbered; key below)")
    ax.set_xlim(first, last)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("month")
    ax.set_ylabel("attacks per month (Iraq)")
    ax.legend(frameon=False, fontsize=7, loc="upper right")
    _lay_out_fan_chart(fig, ax, title, changes)
    return fig


def _draw_events(ax, events: list[Marker]) -> None:
    """One-off events (a prison break, a leader killed) as ticks on the time axis, with their legend entry."""
    if not events:
        return
    ax.plot([pd.Timestamp(m.date) for m in events], [0.02] * len(events), ls="none", marker="^", ms=4,
            color=EVENT_COLOUR, transform=ax.get_xaxis_transform(), clip_on=False)
    ax.plot([], [], ls="none", marker="^", ms=4, color=EVENT_COLOUR,
            label="one-off event (prison break, leader killed, transfer)")


def _lay_out_fan_chart(fig: Figure, ax, title: str, changes: list[Marker]) -> None:
    """Size the figure around a plot of fixed height: the title, rows of change numbers that never touch
    each other, the plot, then the key of the changes in two columns under it."""
    left, right = 0.07, 0.98
    fig.subplots_adjust(left=left, right=right)
    rows = _number_rows(fig, ax, changes)
    n_rows = max(rows, default=-1) + 1
    key = [_key_entry(k + 1, m) for k, m in enumerate(changes)]
    half = (len(key) + 1) // 2
    columns = [key[:half], key[half:]]
    key_lines = max((sum(entry.count("\n") + 1 for entry in column) for column in columns), default=0)
    title_pt = 13.0 * (title.count("\n") + 1) + 10
    top_pt = title_pt + NUMBER_ROW_PT * n_rows + 6
    bottom_pt = 38.0 + (KEY_LINE_PT * key_lines + 10 if key_lines else 0)
    height_pt = top_pt + FAN_PLOT_HEIGHT_PT + bottom_pt
    fig.set_size_inches(10, height_pt / 72)
    fig.subplots_adjust(bottom=bottom_pt / height_pt, top=1 - top_pt / height_pt)
    transform = ax.get_xaxis_transform()
    for k, (m, row) in enumerate(zip(changes, rows, strict=True)):
        ax.annotate(str(k + 1), (date2num(pd.Timestamp(m.date)), 1.0), xycoords=transform, xytext=(0, 2 + NUMBER_ROW_PT * row),
                    textcoords="offset points", ha="center", va="bottom", fontsize=6.5, color="#333333",
                    annotation_clip=False)
    ax.set_title(title, fontsize=10, pad=NUMBER_ROW_PT * n_rows + 6)
    key_top = (6 + KEY_LINE_PT * key_lines) / height_pt
    for x, column in zip((left, 0.5 + 0.01), columns, strict=True):
        if column:
            fig.text(x, key_top, "\n".join(column), ha="left", va="top", fontsize=KEY_FONT_PT, color="#333333",
                     linespacing=1.25)


def _number_rows(fig: Figure, ax, changes: list[Marker]) -> list[int]:
    """For each change in date order, the lowest row above the plot where its number meets no other."""
    renderer = renderer_of(fig)
    to_pixels = ax.transData.transform
    taken: list[np.ndarray] = []
    rows = []
    for k, m in enumerate(changes):
        x = to_pixels((date2num(pd.Timestamp(m.date)), 0))[0]
        probe = fig.text(0, 0, str(k + 1), fontsize=6.5)
        width = probe.get_window_extent(renderer).width
        probe.remove()
        box = np.array([x - width / 2 - 1.5, 0, x + width / 2 + 1.5, 1])
        row = 0
        while any(r == row and bool(overlaps(box, other.reshape(1, 4))[0]) for r, other in zip(rows, taken,
                                                                                             strict=True)):
            row += 1
        rows.append(row)
        taken.append(box)
    return rows


def _key_entry(number: int, marker: Marker) -> str:
    """'3  2024-12-08  fall of the Assad government', wrapped to a column with a hanging indent."""
    return textwrap.fill(f"{number:>2}  {marker.date}  {marker.label}", width=KEY_COLUMN_CHARS,
                         subsequent_indent=" " * KEY_HANGING_SPACES, break_on_hyphens=False)


def compare_distributions(rates: dict[str, np.ndarray], reference_rate: float, window: str = "",
                          ylabel: str = "") -> Figure:
    """Violin plot of attacks per month for several runs side by side, over one window."""
    labels = list(rates)
    fig = Figure(figsize=(max(6, 1.6 * len(labels) + 2), 4.8), dpi=DPI)
    ax = fig.subplots()
    data = [np.asarray(rates[k], dtype=float) for k in labels]
    ax.violinplot(data, showmedians=True, showextrema=False)
    for k, x in enumerate(data, start=1):
        q05, q95 = np.quantile(x, [0.05, 0.95])
        ax.vlines(k, q05, q95, color="black", lw=1)
    ax.axhline(reference_rate, color=IRAQ_COLOUR, ls="--", lw=1.2, label=reference_label(reference_rate))
    ax.set_xticks(range(1, len(labels) + 1), [textwrap.fill(k, 28) for k in labels], rotation=20, ha="right",
                  fontsize=8)
    ax.set_xlabel("run")
    ax.set_ylabel(ylabel or f"attacks per month\n{window}")
    counts = sorted({x.size for x in data})
    shown = f", {counts[0]} replicates each" if len(counts) == 1 else ""
    ax.set_title(f"Attacks per month{', ' + window if window else ''}{shown}\n(median line, 90% interval bar)",
                 fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
