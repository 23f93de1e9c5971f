"""The explorer's charts: a watched replicate's attacks per month, an ensemble over time against the
baseline, and what matters most.

Built on `matplotlib.figure.Figure` (no pyplot state), so page sessions can
draw at the same time from their own threads. Figures are small in inches and
dense in pixels, so their text reads at the size the page shows them; long
keys (the dated changes) are written on the page, not in the picture. Every
chart says in its title what it is of: the choices in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.plots import Marker
from sim.analysis.targets import attack_targets
from sim.explore.explain import DETERMINANTS as DETERMINANT_TEXT
from sim.explore.explain import level_label, period_words, wrapped
from sim.explore.shelf import ShelfEntry

SCENARIO_COLOUR, BASELINE_COLOUR, REFERENCE_COLOUR, FORECAST_COLOUR = "#2c6fbb", "#7f7f7f", "#b2182b", "#fdae61"
CHART_INCHES, CHART_DPI, IMPORTANCE_INCHES = 6.4, 100, 7.4
CHANGE_LINE = "#555555"


def _months(month_starts) -> pd.DatetimeIndex:
    return pd.to_datetime([f"{m}-15" for m in month_starts])


def _forecast(ax, branch_date: str, last: pd.Timestamp) -> None:
    if branch_date and pd.Timestamp(branch_date) <= last:
        ax.axvspan(pd.Timestamp(branch_date), last + pd.Timedelta(days=15), color=FORECAST_COLOUR, alpha=0.12,
                   label=f"your choices apply (from {branch_date})")


def _observed(ax, months: pd.DatetimeIndex) -> None:
    """The claimed-attack record, one segment per counted window inside the chart."""
    for k, t in enumerate(attack_targets(roles=("target", "check"))):
        span = pd.to_datetime([t.start, t.end])
        if span[0] >= months.min() - pd.Timedelta(days=20) and span[1] <= months.max() + pd.Timedelta(days=20):
            ax.hlines(t.attacks_per_month, span[0], span[1], colors=REFERENCE_COLOUR, lw=2.5,
                      label="claimed by IS (the observed record)" if k == 0 else None)


def monthly_attacks_figure(month_starts: tuple[str, ...], attacks: np.ndarray, months_done: int,
                           reference_rate: float, branch_date: str = "", title: str = "") -> Figure:
    """Attacks per month so far in one replicate, on the whole horizon's time axis."""
    fig = Figure(figsize=(CHART_INCHES, 3.2), dpi=CHART_DPI)
    ax = fig.subplots()
    months = _months(month_starts)
    _forecast(ax, branch_date, months[-1])
    ax.bar(months[:months_done], attacks[:months_done], width=24, color=SCENARIO_COLOUR, label="this replicate")
    ax.axhline(reference_rate, color=REFERENCE_COLOUR, ls="--", lw=1.2,
               label=f"claimed in 2024: {reference_rate:.1f} a month")
    ax.set_xlim(months[0] - pd.Timedelta(days=20), months[-1] + pd.Timedelta(days=20))
    ax.set_ylim(0, max(float(attacks.max(initial=0)), reference_rate) * 1.45 + 1)
    ax.set_ylabel("attacks per month\n(Iraq)", fontsize=9)
    ax.tick_params(labelsize=8.5)
    ax.legend(frameon=False, fontsize=8, loc="upper left", ncol=2)
    if title:
        ax.set_title(wrapped(title), fontsize=9.5)
    fig.tight_layout()
    return fig


def chart_start(entry: ShelfEntry) -> str:
    """The first day the time chart shows: 1 January of the year before the branch, so that the forecast
    is not dwarfed by the busier first years of the history (the runs themselves start earlier)."""
    if not entry.branch_date:
        return entry.start
    return max(entry.start, f"{int(entry.branch_date[:4]) - 1}-01-01")


def _bands(ax, entry: ShelfEntry, shown: np.ndarray, colour: str, label: str) -> np.ndarray:
    """Median, 50% and 90% bands over replicates of the months `shown`; returns the 95th percentiles."""
    months = _months(entry.months)[shown]
    q05, q25, q50, q75, q95 = np.quantile(entry.attacks[:, shown], [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(months, q05, q95, color=colour, alpha=0.15, lw=0)
    ax.fill_between(months, q25, q75, color=colour, alpha=0.3, lw=0)
    ax.plot(months, q50, color=colour, lw=2, label=f"{label} (line: median; bands: 50%, 90%)")
    return q95


def numbered_changes(entry: ShelfEntry) -> list[tuple[int, Marker]]:
    """The determinant changes the time chart draws as numbered lines (one-off events are ticks)."""
    return list(enumerate((m for m in entry.markers if m.determinant and m.date >= chart_start(entry)), start=1))


def _changes(ax, entry: ShelfEntry) -> None:
    transform = ax.get_xaxis_transform()
    for number, m in numbered_changes(entry):
        when = pd.Timestamp(m.date)
        ax.axvline(when, color=CHANGE_LINE, lw=0.7, ls=":", zorder=1)
        ax.text(when, 1.01 + 0.045 * (number % 2), str(number), transform=transform, ha="center", va="bottom",
                fontsize=7.5, color="#333333", clip_on=False)
    events = [pd.Timestamp(m.date) for m in entry.markers if not m.determinant and m.date >= chart_start(entry)]
    ax.plot(events, [0.015] * len(events), ls="none", marker="^", ms=4, color=CHANGE_LINE, transform=transform,
            clip_on=False, label="one-off event (breakout, leader killed)" if events else None)


def over_time_figure(entry: ShelfEntry) -> Figure:
    """Attacks per month over time for the choices and the baseline, with the dated changes numbered."""
    fig = Figure(figsize=(CHART_INCHES, 4.6), dpi=CHART_DPI)
    ax = fig.add_axes((0.1, 0.27, 0.87, 0.6))
    shown = np.array([m >= chart_start(entry)[:7] for m in entry.months])
    months = _months(entry.months)[shown]
    _forecast(ax, entry.branch_date, months[-1])
    tops = [_bands(ax, entry.baseline, shown, BASELINE_COLOUR, "baseline")] if entry.baseline is not None else []
    tops.append(_bands(ax, entry, shown, SCENARIO_COLOUR, "your choices"))
    _observed(ax, months)
    ax.axhline(entry.reference_rate, color=REFERENCE_COLOUR, ls="--", lw=1,
               label=f"claimed in 2024: {entry.reference_rate:.1f} a month")
    _changes(ax, entry)
    ax.set_xlim(months[0] - pd.Timedelta(days=20), months[-1] + pd.Timedelta(days=20))
    ax.set_ylim(0, max(float(np.max(tops)), entry.reference_rate) * 1.15 + 0.5)
    ax.set_ylabel("attacks per month (Iraq)", fontsize=9)
    ax.tick_params(labelsize=8.5)
    against = "against the baseline" if entry.baseline is not None else "(the baseline itself)"
    fig.suptitle(wrapped(f"{entry.name}: {entry.replicates} replicates {against}"), fontsize=10, y=0.985)
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.45, -0.09), ncol=2,
              columnspacing=1.0, handlelength=1.6)
    return fig


def importance_figure(result) -> Figure:
    """Each determinant's levels as bars: the change in attacks a month against the current choices, with
    95% intervals; the determinant that matters most on top, the current level marked."""
    rows = []
    for top in result.ranking():
        group = [e for e in result.effects if e.group == top.group]
        rows.append((DETERMINANT_TEXT[top.group].title, None))
        rows += [(level_label(e.group, e.level), e) for e in sorted(group, key=lambda e: -e.difference)]
    fig = Figure(figsize=(IMPORTANCE_INCHES, 0.24 * len(rows) + 1.4), dpi=CHART_DPI)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    for yk, (_, e) in zip(y, rows, strict=True):
        if e is not None:
            _importance_bar(ax, yk, e)
    ax.set_yticks(y, [text for text, _ in rows], fontsize=8)
    for label, (_, e) in zip(ax.get_yticklabels(), rows, strict=True):
        if e is None:
            label.set_fontweight("bold")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"change in attacks a month {period_words(*result.window)}, against your choices\n"
                  "(bar: estimate; line: 95% interval)", fontsize=8.5)
    ax.tick_params(axis="x", labelsize=8.5)
    fig.suptitle(wrapped(f"What matters most, against: {result.name}", 60), fontsize=10)
    fig.tight_layout()
    return fig


def _importance_bar(ax, y: float, e) -> None:
    if e.contrast is None:
        word = "your choice" if e.is_current else "no change from your choice"
        ax.plot([0], [y], marker="o", color=SCENARIO_COLOUR if e.is_current else BASELINE_COLOUR, ms=5)
        ax.annotate(word, (0, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=7.5,
                    color="#444444")
        return
    c = e.contrast
    colour = REFERENCE_COLOUR if c.difference > 0 else SCENARIO_COLOUR
    ax.barh(y, c.difference, height=0.6, color=colour, alpha=0.7 if c.clear else 0.3)
    ax.plot([c.low, c.high], [y, y], color="black", lw=1.2)
