"""A sweep's points compared: a summary table and figures, pure functions of its replicate table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.plots import compare_distributions
from sim.analysis.summary import QUANTILES


def point_summary(reps: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """One row per point: its axis values, the window attack rate's quantiles, P(exceeding 2024), fighters."""
    rows = []
    for point, group in reps.groupby("point", sort=True):
        rate = group["window_attacks_per_month"].to_numpy()
        row = {"point": int(point), **{a: group[a].iloc[0] for a in axes}, "replicates": len(group)}
        row.update({f"attacks_per_month_{q}": float(np.quantile(rate, p)) for q, p in QUANTILES.items()})
        row["attacks_per_month_mean"] = float(rate.mean())
        row["p_exceeds_2024_rate"] = float(group["exceeds_2024_rate"].mean())
        row["casualties_per_month_q50"] = float(group["window_casualties_per_month"].median())
        row["fighters_end_q50"] = float(group["fighters_end"].median())
        rows.append(row)
    return pd.DataFrame(rows)


def heat_table(reps: pd.DataFrame, row_axis: str, column_axis: str, value: str) -> pd.DataFrame:
    """Median window attack rate (value='median') or P(exceeding 2024) (value='exceedance') over two axes,
    pooling the replicates of any other axes."""
    grouped = reps.groupby([row_axis, column_axis], sort=False)
    stat = (grouped["window_attacks_per_month"].median() if value == "median"
            else grouped["exceeds_2024_rate"].mean())
    table = stat.unstack(column_axis)
    rows = list(dict.fromkeys(reps[row_axis]))
    columns = list(dict.fromkeys(reps[column_axis]))
    return table.reindex(index=rows, columns=columns)


def heat_map(table: pd.DataFrame, title: str, colourbar: str, fmt: str) -> Figure:
    fig = Figure(figsize=(1.6 * table.shape[1] + 3, 0.8 * table.shape[0] + 2.2), dpi=110)
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(dtype=float), cmap="OrRd", aspect="auto")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(table.shape[0]), [str(r) for r in table.index], fontsize=8)
    ax.set_xlabel(table.columns.name)
    ax.set_ylabel(table.index.name)
    values = table.to_numpy(dtype=float)
    middle = np.nanmin(values) + 0.6 * (np.nanmax(values) - np.nanmin(values))
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, format(v, fmt), ha="center", va="center", fontsize=8, color="white" if v > middle else "black")
    fig.colorbar(image, ax=ax, label=colourbar)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def sweep_figures(reps: pd.DataFrame, summary: pd.DataFrame, axes: list[str], spec, reference_rate: float) -> dict:
    """The distribution per point, and heat maps over the first two axes when there are two or more."""
    window = f"{spec.window.start} to {spec.window.end}"
    labels = {int(r.point): ", ".join(f"{a}={getattr(r, a)}" for a in axes) for r in summary.itertuples()}
    rates = {labels[p]: g["window_attacks_per_month"].to_numpy() for p, g in reps.groupby("point", sort=True)}
    figures = {"attack_rate_by_point.png": compare_distributions(
        rates, reference_rate, ylabel=f"attacks per month, {window}")}
    if len(axes) >= 2:
        pooled = f" (pooled over {', '.join(axes[2:])})" if len(axes) > 2 else ""
        figures["heatmap_median_attack_rate.png"] = heat_map(
            heat_table(reps, axes[0], axes[1], "median"),
            f"{spec.name}: median attacks per month, {window}{pooled}", "attacks per month", ".2f")
        figures["heatmap_exceedance_2024.png"] = heat_map(
            heat_table(reps, axes[0], axes[1], "exceedance"),
            f"{spec.name}: P(attack rate {window} > 2024's {reference_rate:.1f}/month){pooled}",
            "share of replicates", ".2f")
    return figures
