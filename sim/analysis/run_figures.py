"""The figures of one run, from its tables and summary: what a run folder holds and the report shows.

One function draws them for a run in memory (`EnsembleResult`) and for a run
read back from its folder (`sim report` on a run made with plots=false), so
the two cannot drift apart.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import maps, plots
from sim.analysis.governorates import area_governorates
from sim.analysis.targets import attack_targets, reference_rate_2024
from sim.config.schema import RunConfig
from sim.model.geography import load_geography

# The figure files of a run folder and what each shows.
RUN_FIGURES = {
    "attack_rate_distribution.png": "the distribution of attacks per month over the horizon",
    "monthly_attacks_fan_chart.png": "attacks per month: median, 50% and 90% bands, observed rates and dated changes",
    "attacks_by_area_map.png": "where attacks happen, by area of operation",
    "attacks_by_governorate_map.png": "attacks by governorate",
}


def run_figures(cfg: RunConfig, replicates: pd.DataFrame, monthly: pd.DataFrame, summary: dict) -> dict[str, Figure]:
    """Every figure of a run, by its file name (RUN_FIGURES)."""
    name = cfg.scenario.name
    return {
        "attack_rate_distribution.png": plots.attack_rate_histogram(
            replicates, f"{name}: attacks per month, {len(replicates)} replicates", reference_rate_2024()),
        "monthly_attacks_fan_chart.png": plots.monthly_fan_chart(
            monthly, f"{name}: claimed-style attacks per month in Iraq", attack_targets(),
            plots.change_markers(cfg.changes, cfg.start), cfg.branch_date),
        "attacks_by_area_map.png": maps.attack_map(summary["by_area"], load_geography(),
                                                   f"{name}: where attacks happen"),
        "attacks_by_governorate_map.png": maps.governorate_choropleth(
            summary["by_area"], load_geography(), area_governorates(), f"{name}: attacks by governorate"),
    }
