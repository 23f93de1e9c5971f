"""The report's figures: its own (exceedance curves, paired differences between runs) and the runs' own.

The report's own take the per-replicate rates the report computes from the
runs' monthly tables; a run's own figures are embedded as its folder holds
them, hash-checked, or drawn from its tables where it has none.
"""

from __future__ import annotations

import base64
import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.plots import IRAQ_COLOUR, reference_label
from sim.analysis.run_figures import RUN_FIGURES, run_figures
from sim.files import figure_png
from sim.runs.run_tables import RunTables, checked_file


def exceedance_curves(rates: dict[str, np.ndarray], reference_rate: float, window: str) -> Figure:
    """P(attack rate in the window > x) against x for each run, with the 2024 rate marked."""
    fig = Figure(figsize=(7.5, 4.3), dpi=110)
    ax = fig.subplots()
    for label, values in rates.items():
        x = np.sort(np.asarray(values, dtype=float))
        share_above = 1.0 - np.arange(1, x.size + 1) / x.size
        ax.step(x, share_above, where="post", label=label, lw=1.6)
    ax.axvline(reference_rate, color=IRAQ_COLOUR, ls="--", lw=1.2, label=reference_label(reference_rate))
    ax.set_xlabel(f"attacks per month, {window}")
    ax.set_ylabel("share of replicates above")
    ax.set_ylim(0, 1.02)
    counts = sorted({np.asarray(v).size for v in rates.values()})
    shown = f", {counts[0]} replicates each" if len(counts) == 1 else ""
    ax.set_title(f"Exceedance: how likely each attack rate is to be exceeded\n{window}{shown}", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def paired_differences_figure(differences: dict[str, np.ndarray], against: str, window: str) -> Figure:
    """Each run minus the first, replicate by replicate: the spread of the differences and their mean."""
    labels = list(differences)
    fig = Figure(figsize=(7.5, 0.6 * len(labels) + 2.4), dpi=110)
    ax = fig.subplots()
    data = [np.asarray(differences[k], dtype=float) for k in labels]
    ax.boxplot(data, orientation="horizontal", tick_labels=[textwrap.fill(k, 26) for k in labels], showmeans=True,
               widths=0.5, meanprops={"marker": "D", "markerfacecolor": "black", "markeredgecolor": "black",
                                      "markersize": 4})
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(textwrap.fill(f"run minus {against}: attacks per month", 80))
    ax.set_ylabel("run")
    ax.set_title(f"Paired differences (common random numbers), {len(data[0])} replicates\n{window}\n"
                 "box: 25–75% of the replicates, line: median, whiskers: 1.5 × the box", fontsize=9)
    ax.legend(handles=[Line2D([], [], ls="none", marker="D", color="black", markersize=4, label="mean"),
                       Line2D([], [], ls="none", marker="o", markerfacecolor="none", markeredgecolor="black",
                              label="replicate beyond the whiskers")], fontsize=8, frameon=False, loc="best")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return fig


def png_uri(data: bytes) -> str:
    """A PNG as a data URI, for an <img> that needs no file beside the report."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def run_figure_pngs(run: RunTables) -> dict[str, bytes]:
    """The run's own figures as its folder holds them (hash-checked), drawn from its tables where it has none."""
    listed = run.record.manifest["files"]
    pngs = {name: checked_file(run.record, name).read_bytes() for name in RUN_FIGURES if name in listed}
    missing = [name for name in RUN_FIGURES if name not in listed]
    if missing:
        drawn = run_figures(run.record.config, run.monthly, run.area_months, run.summary)
        pngs.update({name: figure_png(drawn[name]) for name in missing})
    return {name: pngs[name] for name in RUN_FIGURES}
