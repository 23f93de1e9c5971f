"""The figures of one run, from its tables and summary: what a run folder holds and the report shows.

One function draws them for a run in memory (`EnsembleResult`) and for a run
read back from its folder (`sim report` on a run made with plots=false), so
the two cannot drift apart. Every title names the run (its scenario and
overrides), the window shown and the replicate count.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import maps, plots
from sim.analysis.governorates import area_governorates
from sim.analysis.run_name import label_from_summary, wrapped
from sim.analysis.summary import by_area as area_rates
from sim.analysis.targets import attack_targets, reference_rate_2024
from sim.analysis.windows import FORECAST, headline_window, window_rates
from sim.config.schema import RunConfig
from sim.geography import load_geography

# The figure files of a run folder and what each shows.
RUN_FIGURES = {
    "attack_rate_distribution.png": "the distribution of attacks per month over the forecast",
    "monthly_attacks_fan_chart.png": "attacks per month: median, 50% and 90% bands, observed rates and dated changes",
    "attacks_by_area_map.png": "where attacks happen in the forecast, by area of operation",
    "attacks_by_governorate_map.png": "attacks in the forecast by governorate",
}
# Characters of a run's name per title line.
TITLE_WIDTH = 90


def figure_title(name: str, what: str, window: str, replicates: int) -> str:
    """The run's name, then what is shown, over which window, from how many replicates, on the next line."""
    return f"{wrapped(name, TITLE_WIDTH)}\n{what}, {window}, {replicates} replicates"

def run_figures(cfg: RunConfig, monthly: pd.DataFrame, area_months: pd.DataFrame, summary: dict) -> dict[str, Figure]:
    """Every figure of a run, by its file name (RUN_FIGURES), from its attacks per replicate and month, its
    attacks by month and area summed over replicates, and its summary (which gives only the run's name, so
    a record summarised before names and windows were stored is drawn the same)."""
    name, count = label_from_summary(summary).name, int(monthly["replicate"].nunique())
    headline = headline_window(cfg.start, cfg.end, cfg.branch_date)
    by_area = area_rates(area_months, headline.window, count)
    return {
        "attack_rate_distribution.png": plots.attack_rate_histogram(
            window_rates(monthly, headline.window)["attacks_per_month"].to_numpy(),
            figure_title(name, "attacks per month in Iraq", headline.heading, count), reference_rate_2024(),
            headline.heading),
        "monthly_attacks_fan_chart.png": plots.monthly_fan_chart(
            monthly, figure_title(name, "attacks per month in Iraq, as IS would claim them",
                                  f"{cfg.start} to {cfg.end}" + (f" (forecast from {headline.window.start})"
                                                                 if headline.name == FORECAST else ""), count),
            attack_targets(), plots.change_markers(cfg.changes, cfg.start, f"branch: {name}"), cfg.branch_date),
        "attacks_by_area_map.png": maps.attack_map(
            by_area, load_geography(), figure_title(name, "where attacks happen", headline.heading, count),
            headline.heading),
        "attacks_by_governorate_map.png": maps.governorate_choropleth(
            by_area, load_geography(), area_governorates(),
            figure_title(name, "attacks by governorate", headline.heading, count), headline.heading),
    }
