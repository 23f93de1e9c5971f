"""The explorer's charts: a watched replicate's attacks per month, an ensemble over time against the
baseline, two shelved results side by side with their difference, and what matters most.

Built on `matplotlib.figure.Figure` (no pyplot state), so page sessions can
draw at the same time from their own threads. Each chart is drawn for the width
the page shows it at (sim/explore/pictures.py), with text of at least 12 pixels
there; long keys (the dated changes) are written on the page, not in the
picture. Every chart says in its title what it is of: the choices in words.
"""

from __future__ import annotations

import textwrap

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.plots import Marker
from sim.analysis.targets import attack_targets
from sim.config.determinants import DECLARATIONS
from sim.explore.explain import level_label, period_words
from sim.explore.pictures import MIN_TEXT_PT, TEXT_PT, TITLE_PT, figure
from sim.explore.shelf import ShelfEntry

SCENARIO_COLOUR, BASELINE_COLOUR, REFERENCE_COLOUR, FORECAST_COLOUR = "#2c6fbb", "#6b6b6b", "#b2182b", "#fdae61"
SECOND_COLOUR, WINDOW_COLOUR = "#c15a00", "#5e3c99"
CHANGE_LINE = "#555555"
# Characters of chart text per pixel of width, at the chart's text size (to wrap titles and labels).
CHARS_PER_PX = 1 / 7.2


def _months(month_starts) -> pd.DatetimeIndex:
    return pd.to_datetime([f"{m}-15" for m in month_starts])


def _wrap(text: str, width_px: float) -> str:
    """Text broken into lines that fit `width_px` at the chart's text size (at " + " joins first)."""
    limit = max(16, int(width_px * CHARS_PER_PX))
    parts = text.replace(" + ", " +\u00a0").split(" ")
    return "\n".join(textwrap.wrap(" ".join(parts), limit, break_on_hyphens=False)).replace("\u00a0", " ")


def _time_axis(ax, width_px: int) -> None:
    """Dates along the bottom: as many ticks as the width holds, written concisely (never cut at the edge)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=max(4, width_px // 95))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.tick_params(labelsize=MIN_TEXT_PT)


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


def _legend_below(fig, width_px: int) -> None:
    """The key under the chart, in as many columns as the width holds."""
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", frameon=False, fontsize=MIN_TEXT_PT,
                   ncol=1 if width_px < 560 else 2, handlelength=1.6, columnspacing=1.0)


def monthly_attacks_figure(month_starts: tuple[str, ...], attacks: np.ndarray, months_done: int,
                           reference_rate: float, branch_date: str = "", title: str = "", width_px: int = 640):
    """Attacks per month so far in one replicate, on the whole horizon's time axis."""
    fig = figure(width_px, int(max(300, 0.5 * width_px) + (60 if width_px < 560 else 0)))
    ax = fig.subplots()
    months = _months(month_starts)
    _forecast(ax, branch_date, months[-1])
    ax.bar(months[:months_done], attacks[:months_done], width=24, color=SCENARIO_COLOUR, label="this replicate")
    ax.axhline(reference_rate, color=REFERENCE_COLOUR, ls="--", lw=1.2,
               label=f"claimed in 2024: {reference_rate:.1f} a month")
    ax.set_xlim(months[0] - pd.Timedelta(days=20), months[-1] + pd.Timedelta(days=20))
    ax.set_ylim(0, max(float(attacks.max(initial=0)), reference_rate) * 1.15 + 1)
    ax.set_ylabel("attacks a month (Iraq)", fontsize=TEXT_PT)
    _time_axis(ax, width_px)
    ax.tick_params(axis="y", labelsize=MIN_TEXT_PT)
    if title:
        ax.set_title(_wrap(title, width_px), fontsize=TITLE_PT)
    _legend_below(fig, width_px)
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
    ax.plot(months, q50, color=colour, lw=2, label=f"{label}: median, 50% and 90% bands")
    return q95


def numbered_changes(entry: ShelfEntry) -> list[tuple[int, Marker]]:
    """The determinant changes the time chart draws as numbered lines (one-off events are ticks)."""
    return list(enumerate((m for m in entry.markers if m.determinant and m.date >= chart_start(entry)), start=1))


def _changes(ax, entry: ShelfEntry) -> None:
    transform = ax.get_xaxis_transform()
    for number, m in numbered_changes(entry):
        when = pd.Timestamp(m.date)
        ax.axvline(when, color=CHANGE_LINE, lw=0.7, ls=":", zorder=1)
        ax.text(when, 1.01 + 0.06 * (number % 2), str(number), transform=transform, ha="center", va="bottom",
                fontsize=MIN_TEXT_PT, color="#333333", clip_on=False)
    events = [pd.Timestamp(m.date) for m in entry.markers if not m.determinant and m.date >= chart_start(entry)]
    ax.plot(events, [0.015] * len(events), ls="none", marker="^", ms=4, color=CHANGE_LINE, transform=transform,
            clip_on=False, label="one-off event (breakout, leader killed)" if events else None)


def _reading_window(ax, window: tuple[str, str]) -> None:
    ax.axvspan(pd.Timestamp(window[0]), pd.Timestamp(window[1]), facecolor="none", edgecolor=WINDOW_COLOUR, lw=1.2,
               ls="--", label=f"read {period_words(*window)}", zorder=0.5)


def over_time_figure(entry: ShelfEntry, width_px: int = 640, window: tuple[str, str] | None = None):
    """Attacks per month over time for the choices and the baseline, with the dated changes numbered and
    the period the answer is read over outlined."""
    fig = figure(width_px, int(max(330, 0.55 * width_px) + (150 if width_px < 560 else 60)))
    ax = fig.subplots()
    shown = np.array([m >= chart_start(entry)[:7] for m in entry.months])
    months = _months(entry.months)[shown]
    _forecast(ax, entry.branch_date, months[-1])
    tops = [_bands(ax, entry.baseline, shown, BASELINE_COLOUR, "baseline")] if entry.baseline is not None else []
    tops.append(_bands(ax, entry, shown, SCENARIO_COLOUR, "your choices"))
    _observed(ax, months)
    ax.axhline(entry.reference_rate, color=REFERENCE_COLOUR, ls="--", lw=1,
               label=f"claimed in 2024: {entry.reference_rate:.1f} a month")
    _reading_window(ax, window or entry.window)
    _changes(ax, entry)
    ax.set_xlim(months[0] - pd.Timedelta(days=20), months[-1] + pd.Timedelta(days=20))
    ax.set_ylim(0, max(float(np.max(tops)), entry.reference_rate) * 1.15 + 0.5)
    ax.set_ylabel("attacks a month (Iraq)", fontsize=TEXT_PT)
    _time_axis(ax, width_px)
    ax.tick_params(axis="y", labelsize=MIN_TEXT_PT)
    against = "against the baseline" if entry.baseline is not None else "(the baseline itself)"
    fig.suptitle(_wrap(f"{entry.name}: {entry.replicates} runs {against}", width_px), fontsize=TITLE_PT)
    _legend_below(fig, width_px)
    return fig


def _monthly_difference(a: ShelfEntry, b: ShelfEntry, in_a: np.ndarray, in_b: np.ndarray):
    """B - A per month of the months shown (`in_a`, `in_b`), with its 95% interval's half-width: replicate by
    replicate when the two share their random numbers, else as two independent samples (Welch)."""
    xa, xb = a.attacks[:, in_a], b.attacks[:, in_b]
    if a.pairs_with(b):
        d = xb - xa
        n = d.shape[0]
        half = stats.t.ppf(0.975, max(n - 1, 1)) * d.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(d.shape[1])
        return d.mean(axis=0), half
    na, nb = xa.shape[0], xb.shape[0]
    se = np.sqrt(xa.var(axis=0, ddof=1) / na + xb.var(axis=0, ddof=1) / nb) if min(na, nb) > 1 else 0.0
    return xb.mean(axis=0) - xa.mean(axis=0), stats.t.ppf(0.975, max(min(na, nb) - 1, 1)) * se


def compare_figure(a: ShelfEntry, b: ShelfEntry, width_px: int = 640):
    """Two shelved results over time, overlaid, and below them B minus A month by month with its interval."""
    narrow = width_px < 560
    fig = figure(width_px, int(max(480, 0.85 * width_px) + (170 if narrow else 70)))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    start = min(chart_start(a), chart_start(b))[:7]
    common = [m for m in a.months if m >= start and m in set(b.months)]
    in_a, in_b = np.isin(a.months, common), np.isin(b.months, common)
    months = _months(common)
    _bands(top, a, in_a, BASELINE_COLOUR, f"A: {a.number}")
    _bands(top, b, in_b, SECOND_COLOUR, f"B: {b.number}")
    top.set_ylabel("attacks a month", fontsize=TEXT_PT)
    mean, half = _monthly_difference(a, b, in_a, in_b)
    bottom.fill_between(months, mean - half, mean + half, color=SECOND_COLOUR, alpha=0.25, lw=0,
                        label="B minus A: 95% interval")
    bottom.plot(months, mean, color=SECOND_COLOUR, lw=1.8, label="B minus A, on average")
    bottom.axhline(0, color="black", lw=0.8)
    _reading_window(bottom, a.window)
    bottom.set_ylabel("B minus A", fontsize=TEXT_PT)
    bottom.set_xlim(months[0] - pd.Timedelta(days=20), months[-1] + pd.Timedelta(days=20))
    for ax in (top, bottom):
        ax.tick_params(axis="y", labelsize=MIN_TEXT_PT)
    _time_axis(bottom, width_px)
    fig.suptitle(_wrap(f"A: {a.number}. {a.name}; B: {b.number}. {b.name}", width_px), fontsize=TITLE_PT)
    handles = [h for ax in (top, bottom) for h in ax.get_legend_handles_labels()[0]]
    labels = [t for ax in (top, bottom) for t in ax.get_legend_handles_labels()[1]]
    fig.legend(handles, labels, loc="outside lower center", frameon=False, fontsize=MIN_TEXT_PT,
               ncol=1 if narrow else 2, handlelength=1.6)
    return fig


def importance_figure(result, width_px: int = 740):
    """Each determinant's levels as bars: the change in attacks a month against the current choices, with
    95% intervals; the determinant that matters most on top, the current level marked."""
    label_chars = max(18, int(width_px * 0.45 * CHARS_PER_PX))
    rows = []
    for top in result.ranking():
        group = [e for e in result.effects if e.group == top.group]
        rows.append((textwrap.fill(DECLARATIONS[top.group].title, label_chars), None))
        rows += [(textwrap.fill(level_label(e.group, e.level), label_chars), e)
                 for e in sorted(group, key=lambda e: -e.difference)]
    lines = sum(text.count("\n") + 1 for text, _ in rows)
    fig = figure(width_px, int(20 * lines + 6 * len(rows) + 170))
    ax = fig.subplots()
    heights = np.array([text.count("\n") + 1.4 for text, _ in rows])
    y = -(np.cumsum(heights) - heights / 2)
    for yk, (_, e) in zip(y, rows, strict=True):
        if e is not None:
            _importance_bar(ax, yk, e)
    ax.set_yticks(y, [text for text, _ in rows], fontsize=MIN_TEXT_PT)
    for label, (_, e) in zip(ax.get_yticklabels(), rows, strict=True):
        if e is None:
            label.set_fontweight("bold")
    ax.set_ylim(y[-1] - heights[-1] / 2, 0)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(_wrap(f"change in attacks a month {period_words(*result.window)}, against your choices "
                        "(bar: estimate; line: 95% interval)", width_px * 0.6), fontsize=MIN_TEXT_PT)
    ax.tick_params(axis="x", labelsize=MIN_TEXT_PT)
    fig.suptitle(_wrap(f"What matters most, against: {result.name}", width_px), fontsize=TITLE_PT)
    return fig


def _importance_bar(ax, y: float, e) -> None:
    if e.contrast is None:
        word = "your choice" if e.is_current else "no change"
        ax.plot([0], [y], marker="o", color=SCENARIO_COLOUR if e.is_current else BASELINE_COLOUR, ms=5)
        ax.annotate(word, (0, y), xytext=(6, 0), textcoords="offset points", va="center", fontsize=MIN_TEXT_PT,
                    color="#444444")
        return
    c = e.contrast
    colour = REFERENCE_COLOUR if c.difference > 0 else SCENARIO_COLOUR
    ax.barh(y, c.difference, height=0.8, color=colour, alpha=0.7 if c.clear else 0.3)
    ax.plot([c.low, c.high], [y, y], color="black", lw=1.2)
