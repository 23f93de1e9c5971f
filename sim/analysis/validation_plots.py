"""Figures of docs/validation.md: fit to the record, the backtest and the sealed 2025 forecast,
stylised facts, the posterior and the sensitivity. Each function takes tables and returns a matplotlib Figure."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy import stats

from sim.analysis.plots import IRAQ_COLOUR
from sim.analysis.stylised import ccdf
from sim.config.calibrated import CALIBRATED

MODE_COLOURS = {"point": "#969696", "posterior": "#4575b4", "uncertain": "#d73027"}


def _histograms(ax, samples: dict[str, np.ndarray], bins: int = 30) -> None:
    edges = np.histogram_bin_edges(np.concatenate(list(samples.values())), bins=bins)
    for mode, x in samples.items():
        lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95])
        ax.hist(x, bins=edges, color=MODE_COLOURS[mode], alpha=0.5,
                label=f"{mode}: median {mid:.0f}, 90% {lo:.0f}–{hi:.0f}")


def target_fit(simulated: dict[str, pd.DataFrame], stats) -> Figure:
    """One panel per fitted figure: simulated distributions (point, posterior) against the observed value
    (and the half-width the fit allows it, shaded)."""
    columns = 4
    rows = (len(stats) + columns - 1) // columns
    fig = Figure(figsize=(4.0 * columns, 2.9 * rows), dpi=100)
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax, s in zip(axes, stats, strict=False):
        _histograms(ax, {mode: table[s.id].to_numpy() for mode, table in simulated.items()})
        ax.axvspan(s.observed - s.scale, s.observed + s.scale, color=IRAQ_COLOUR, alpha=0.12,
                   label=f"observed ± scale ({s.scale:.0f})")
        ax.axvline(s.observed, color=IRAQ_COLOUR, lw=2, ls="--", label=f"observed {s.observed:g}")
        ax.set_title(f"{s.id}\n{s.start} to {s.end}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(frameon=False, fontsize=6)
    for ax in axes[len(stats):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


FORECASTER_COLOURS = {"model": "#4575b4", "persistence": "#969696", "log-linear trend": "#e08214"}


def backtest_intervals(table: pd.DataFrame) -> Figure:
    """A row per quantity and a column per origin: each forecaster's median, 50% and 90% intervals, and the
    observed count. An origin with no observed attacks after it is the sealed forecast; a quantity the
    record does not count in a window has no observed line."""
    origins = list(dict.fromkeys(table["origin"]))
    quantities = list(dict.fromkeys(table["quantity"]))
    fig = Figure(figsize=(4.2 * len(origins), 2.6 * len(quantities)), dpi=100)
    axes = np.atleast_2d(fig.subplots(len(quantities), len(origins), squeeze=False))
    for (i, quantity), (j, origin) in itertools.product(enumerate(quantities), enumerate(origins)):
        ax = axes[i, j]
        rows = table[(table["origin"] == origin) & (table["quantity"] == quantity)].reset_index(drop=True)
        if rows.empty:
            ax.set_axis_off()
            continue
        for y, row in rows.iterrows():
            colour = FORECASTER_COLOURS.get(row["forecaster"], "black")
            ax.hlines(y, row["q05"], row["q95"], color=colour, lw=1.5)
            ax.hlines(y, row["q25"], row["q75"], color=colour, lw=5)
            ax.plot(row["median"], y, "o", color="white", mec=colour, ms=6)
        observed = rows["observed"].iloc[0]
        if pd.notna(observed):
            ax.axvline(observed, color=IRAQ_COLOUR, lw=2, ls="--", label=f"observed {observed:g}")
            ax.legend(frameon=False, fontsize=7, loc="lower right")
        ax.set_yticks(range(len(rows)), rows["forecaster"], fontsize=8)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        sealed = table[(table["origin"] == origin) & (table["quantity"] == "attacks")]["observed"].isna().all()
        note = " (sealed)" if sealed else "" if pd.notna(observed) else " (not in the record)"
        window = rows["window"].iloc[0]
        counter = rows["counter"].iloc[0] if "counter" in rows else "claims"
        counted = f"claimed {quantity}" if counter == "claims" else f"{quantity} reported ({counter.split(' (')[0]})"
        ax.set_title(f"from {origin}: {counted},\n{window}{note}", fontsize=9)
        ax.set_xlim(left=0)
        ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig


def scenario_differences(table: pd.DataFrame, title: str) -> Figure:
    """Each scenario's paired difference from the baseline, with its 95% interval."""
    rows = table[table["scenario"] != table["scenario"].iloc[0]].iloc[::-1].reset_index(drop=True)
    fig = Figure(figsize=(8, 0.42 * len(rows) + 1.6), dpi=100)
    ax = fig.subplots()
    lows = [float(ci.split(" to ")[0]) for ci in rows["95% CI"]]
    highs = [float(ci.split(" to ")[1]) for ci in rows["95% CI"]]
    for y, (d, lo, hi) in enumerate(zip(rows["difference from baseline"], lows, highs, strict=True)):
        colour = IRAQ_COLOUR if lo > 0 else "#4575b4" if hi < 0 else "#969696"
        ax.hlines(y, lo, hi, color=colour, lw=2)
        ax.plot(d, y, "o", color=colour)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(rows)), rows["scenario"], fontsize=8)
    ax.set_xlabel("difference from the baseline, attacks per month (95% interval)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def stylised_facts(monthly: pd.DataFrame, knox: pd.DataFrame, casualties: np.ndarray) -> Figure:
    """Overdispersion, space–time clustering by time window, and the casualty tail against Poisson."""
    fig = Figure(figsize=(13, 4), dpi=100)
    a, b, c = fig.subplots(1, 3)
    counts = monthly.groupby(["replicate", "month"])["attacks"].sum().groupby("replicate")
    mean, var = counts.mean(), counts.var()
    a.scatter(mean, var, s=14, color="#4575b4", alpha=0.7, label="one replicate")
    # Log axes: the variance runs to many times the mean, and a linear scale would crowd the means together.
    shown = (mean > 0) & (var > 0)
    low = float(min(mean[shown].min(), var[shown].min())) / 1.5 if shown.any() else 0.1
    top = float(max(mean.max(), var.max())) * 1.5
    a.plot([low, top], [low, top], color="black", lw=1, ls="--", label="Poisson: variance = mean")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlabel("mean attacks per month")
    a.set_ylabel("variance of attacks per month")
    a.set_title("overdispersion of monthly counts", fontsize=10)
    a.legend(frameon=False, fontsize=7)
    b.fill_between(knox["window_days"], knox["no_interaction_low"], knox["no_interaction_high"], color="#969696",
                   alpha=0.3, label="dates shuffled: 90% range")
    b.plot(knox["window_days"], knox["knox_ratio"], marker="o", color="#4575b4", label="simulated attacks")
    b.axhline(1.0, color="black", lw=1, ls="--", label="no space–time interaction")
    b.set_xlabel("time window (days), same area")
    b.set_ylabel("Knox ratio (observed / expected close pairs)")
    b.set_title("space–time clustering", fontsize=10)
    b.legend(frameon=False, fontsize=7)
    x, share = ccdf(casualties)
    keep = x > 0
    c.loglog(x[keep], share[keep], marker=".", ls="none", color="#4575b4", label="simulated attacks")
    grid = np.arange(1, int(x.max()) + 1)
    poisson_share = stats.poisson.sf(grid - 1, casualties.mean())
    shown = poisson_share > 0.5 / casualties.size
    c.loglog(grid[shown], poisson_share[shown], color="black", lw=1, ls="--", label="Poisson, same mean")
    c.set_xlabel("casualties per attack")
    c.set_ylabel("share of attacks at or above")
    c.set_title("heavy right tail of casualties per attack", fontsize=10)
    c.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def posterior_marginals(posterior: pd.DataFrame, weights: np.ndarray) -> Figure:
    """Prior density against the weighted posterior histogram, one panel per calibrated quantity."""
    columns = 3
    rows = (len(CALIBRATED) + columns - 1) // columns
    fig = Figure(figsize=(3.8 * columns, 3.0 * rows), dpi=100)
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax, p in zip(axes, CALIBRATED, strict=False):
        values = posterior[p.name].to_numpy()
        z = stats.norm(p.prior_location(), p.prior_scale())
        if p.kind in ("scale", "observation"):
            grid = np.exp(np.linspace(z.ppf(0.005), z.ppf(0.995), 200))
            density = z.pdf(np.log(grid)) / grid
        elif p.kind == "share":
            grid = np.linspace(0.002, 0.998, 200)
            density = z.pdf(np.log(grid / (1 - grid))) / (grid * (1 - grid))
        else:
            grid = np.linspace(z.ppf(0.005), z.ppf(0.995), 200)
            density = z.pdf(grid)
        ax.hist(values, bins=20, weights=weights, density=True, color="#4575b4", alpha=0.6, label="posterior")
        ax.plot(grid, density, color="black", lw=1.2, label="prior")
        ax.set_title(p.name, fontsize=9)
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
        ax.legend(frameon=False, fontsize=7)
    for ax in axes[len(CALIBRATED):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def tornado(table: pd.DataFrame, title: str) -> Figure:
    """Attack rate at the low and high end of each factor's range, largest change on top."""
    rows = table.iloc[::-1]
    fig = Figure(figsize=(8, 0.45 * len(rows) + 1.5), dpi=100)
    ax = fig.subplots()
    y = np.arange(len(rows))
    base = float(rows["baseline_rate"].iloc[0])
    ax.barh(y, rows["rate_at_low"] - base, left=base, color="#91bfdb", label="low end of range")
    ax.barh(y, rows["rate_at_high"] - base, left=base, color="#fc8d59", alpha=0.8, label="high end of range")
    ax.axvline(base, color="black", lw=1)
    ax.set_yticks(y, rows["parameter"], fontsize=8)
    ax.set_xlabel("mean attacks per month in 2026")
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


RECORD_SERIES = {
    "car_bombs": ("attacks", "car bombs counted in a month (press; one kind of IS attack)", "^"),
    "car_bombs_window_mean": ("attacks", "car bombs a month, averaged over the window counted", ""),
    "ibc_civilian_deaths": ("casualties", "civilian deaths, every perpetrator (Iraq Body Count)", "o"),
    "unami_civilian_casualties": ("casualties", "civilians killed and injured (UNAMI; Anbar left out from 2014)",
                                  "s"),
}


def retrodiction_fan(fan: pd.DataFrame, record: pd.DataFrame, falls: dict[str, str], title: str) -> Figure:
    """Monthly attacks and casualties over the replicates (median, 50% and 90% bands) beside the record's
    monthly series on a log scale (their levels count other things; their shapes and turns compare), and
    the share of replicates with territorial control by each month; the months cities fell to IS marked."""
    months = pd.to_datetime(fan["month"] + "-15")
    observed = pd.to_datetime(record["month"] + "-15")
    fig = Figure(figsize=(12, 8.4), dpi=100)
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[3, 3, 1.3])
    for ax, quantity in zip(axes[:2], ("attacks", "casualties"), strict=True):
        ax.fill_between(months, fan[f"{quantity}_q05"], fan[f"{quantity}_q95"], color="#4575b4", alpha=0.18,
                        label="model: 90% band")
        ax.fill_between(months, fan[f"{quantity}_q25"], fan[f"{quantity}_q75"], color="#4575b4", alpha=0.35,
                        label="model: 50% band")
        ax.plot(months, fan[f"{quantity}_q50"], color="#08306b", lw=2, label=f"model: median {quantity}")
        for column, (panel, label, marker) in RECORD_SERIES.items():
            if panel != quantity:
                continue
            colour = "#e08214" if column.startswith("unami") else IRAQ_COLOUR
            if marker:
                ax.plot(observed, record[column], marker=marker, ms=3.5, lw=1, color=colour, label=f"record: {label}")
            else:
                ax.step(observed, record[column], where="mid", lw=2.5, alpha=0.6, color=colour,
                        label=f"record: {label}")
        ax.set_yscale("log", nonpositive="clip")
        ax.set_ylabel(f"{quantity} per month\n(log scale)")
    axes[2].step(months, 100 * fan["territorial_share"], where="mid", color="#08306b",
                 label="model: replicates with territorial control by then")
    axes[2].set_ylim(0, 100)
    axes[2].set_ylabel("replicates (%)")
    for ax in axes:
        for k, (place, month) in enumerate(sorted(falls.items(), key=lambda item: item[1])):
            ax.axvline(pd.Timestamp(month + "-01"), color="black", lw=1, ls=("--", ":")[k % 2],
                       label=f"{place} falls to IS ({month})" if ax is axes[2] else None)
        ax.tick_params(labelsize=8)
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[2].set_xlabel("month")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def sbc_ranks(table: pd.DataFrame, title: str) -> Figure:
    """Each parameter's true-value ranks among its fits' particles (uniform when the fit is honest), and the
    coverage of the 90% intervals per parameter against 0.9."""
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ranks, coverage = fig.subplots(1, 2, width_ratios=(1, 1.4))
    ranks.hist(table["rank"], bins=10, range=(0, 1), color="#4575b4", alpha=0.8)
    ranks.axhline(len(table) / 10, color="black", lw=1, ls="--", label="uniform")
    ranks.set(xlabel="rank of the true value among the particles", ylabel="(record, parameter) pairs")
    ranks.legend(frameon=False)
    share = table.groupby("parameter", sort=False)["inside"].mean()
    coverage.barh(share.index, share.to_numpy(), color="#969696")
    coverage.axvline(0.9, color="black", lw=1, ls="--")
    coverage.set(xlim=(0, 1), xlabel="share of records whose 90% interval holds the truth")
    coverage.invert_yaxis()
    fig.suptitle(title, fontsize=10)
    return fig


def governorate_intervals(table: pd.DataFrame, title: str) -> Figure:
    """Per governorate: the record's incidents over its weeks against the predictive records' 90% interval and
    median (sim/analysis/spatial.py), and the record's share of its incidents against the model's share."""
    fig = Figure(figsize=(11, 0.55 * len(table) + 2.8), layout="constrained")
    counts, shares = fig.subplots(1, 2, sharey=True)
    rows = np.arange(len(table))
    counts.hlines(rows, table["predictive_q05"], table["predictive_q95"], color="#4575b4", lw=6, alpha=0.45,
                  label="model: 90% predictive interval")
    counts.plot(table["predictive_median"], rows, "|", color="#08306b", ms=14, mew=2, label="model: median")
    counts.plot(table["observed"], rows, "o", color=IRAQ_COLOUR, ms=7, label="record (Joel Wing)")
    counts.set(xlabel="incidents over the record's weeks", yticks=rows, yticklabels=table["governorate"])
    counts.invert_yaxis()
    shares.hlines(rows, 100 * table["model_share_q05"], 100 * table["model_share_q95"], color="#4575b4", lw=6,
                  alpha=0.45, label="model: 90% of replicates")
    shares.plot(100 * table["model_share_median"], rows, "|", color="#08306b", ms=14, mew=2, label="model: median")
    shares.plot(100 * table["observed_share"], rows, "o", color=IRAQ_COLOUR, ms=7, label="record")
    shares.set(xlabel="share of the incidents (%)")
    counts.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (counts, shares):
        ax.grid(axis="x", alpha=0.3)
        ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3)
    fig.suptitle(title, fontsize=9)
    return fig
