"""Every figure a run, a comparison or a report draws, checked for what a reader needs to publish it.

Each figure comes from a real short run of a scenario with overrides (a long name) and is measured
as drawn (tests/figure_checks.py): its title names the run, the window and the replicate count; its
axes are labelled; every kind of marker has a legend entry; nothing leaves the canvas; no two texts
meet, nor two legend items.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.ticker import MaxNLocator

from sim.analysis import maps
from sim.analysis.labels import line_boxes, overlap_matrix, renderer_of
from sim.analysis.plots import compare_distributions
from sim.analysis.targets import reference_rate_2024
from sim.analysis.windows import Window, window_rates
from sim.api import run
from sim.report.figures import exceedance_curves, paired_differences_figure

from conftest import scenario
from figure_checks import check_publishable, legend_labels, rendered

OVERRIDES = ["syria=collapse", "relations=sanctions", "model.insurgents.attack_rate_per_day=0.02", "replicates=4",
             "end=2027-12-31", "progress=false"]
NAME = "full_exit + syria=collapse + relations=sanctions + model.insurgents.attack_rate_per_day=0.02 + end=2027-12-31"
FORECAST = "forecast, 2026-08-01 to 2027-12-31"


@pytest.fixture(scope="module")
def result():
    return run(scenario("full_exit", *OVERRIDES))


@pytest.fixture(scope="module")
def figures(result):
    return result.figures()


def axis_labels(fig) -> list[tuple[str, str]]:
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes]


def test_the_runs_name_carries_every_override(result):
    assert result.summary["name"] == NAME
    assert "Security collapse" in result.summary["description"]


def test_the_histogram_of_the_forecast(figures):
    fig = figures["attack_rate_distribution.png"]
    check_publishable(fig, (NAME.split(" + ")[0], FORECAST, "4 replicates"))
    [(xlabel, ylabel)] = axis_labels(fig)
    assert FORECAST in xlabel and ylabel == "replicates"
    rendered(fig)
    locator = fig.axes[0].yaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator) and locator._integer          # a count of replicates has no fractions
    ticks = [t for t in fig.axes[0].get_yticks() if t >= 0]
    assert all(float(t).is_integer() for t in ticks)
    assert any("Jan–Aug 2024" in label for label in legend_labels(fig))


def test_the_fan_chart_of_the_whole_run(figures):
    fig = figures["monthly_attacks_fan_chart.png"]
    check_publishable(fig, ("2020-01-01 to 2027-12-31", "forecast from 2026-08-01", "4 replicates"))
    [(xlabel, ylabel)] = axis_labels(fig)
    assert xlabel and ylabel
    labels = legend_labels(fig)
    assert any(label.startswith("one-off event") for label in labels)
    assert any(label.startswith("dated change") for label in labels)
    assert not any("claimed-style" in t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    key = [t.get_text() for t in fig.texts]
    assert any("branch: full_exit + syria=collapse + relations=sanctions" in text for text in key)
    assert not any("coalition.over_the_horizon_isr" in text for text in key)     # words, not raw parameter names


def test_the_area_map_of_the_forecast(figures):
    fig = figures["attacks_by_area_map.png"]
    check_publishable(fig, (FORECAST, "4 replicates"))
    assert all(x and y for x, y in axis_labels(fig))
    labels = legend_labels(fig)
    assert maps.OUTSIDE_LABEL in labels and any(label.endswith("a month") for label in labels)
    assert any(FORECAST in leg.get_title().get_text() for leg in fig.legends)


def test_no_area_label_crosses_the_iraq_syria_border(figures):
    fig = figures["attacks_by_area_map.png"]
    renderer = renderer_of(fig)
    rendered(fig)
    for ax in fig.axes:
        border = line_boxes(ax, maps.borders()["iraq_syria"], maps.BORDER_WIDTH_PT * fig.dpi / 72)
        border = border[(border[:, 2] >= ax.bbox.x0) & (border[:, 0] <= ax.bbox.x1)
                        & (border[:, 3] >= ax.bbox.y0) & (border[:, 1] <= ax.bbox.y1)]
        labels = [t for t in ax.texts if "a month" in t.get_text() or "(Syria)" in t.get_text()]
        assert labels
        boxes = np.array([t.get_window_extent(renderer).extents for t in labels])
        crossing = overlap_matrix(boxes, border, margin=-1.0).any(axis=1) if len(border) else np.zeros(len(boxes))
        assert not crossing.any(), [t.get_text() for t, c in zip(labels, crossing, strict=True) if c]


def test_lands_outside_iraq_and_syria_are_not_coloured_like_water(figures):
    for name in ("attacks_by_area_map.png", "attacks_by_governorate_map.png"):
        ax = figures[name].axes[0]
        assert ax.patch.get_hatch() == maps.OUTSIDE_HATCH and ax.patch.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_the_governorate_map_of_the_forecast(figures):
    fig = figures["attacks_by_governorate_map.png"]
    check_publishable(fig, (FORECAST, "4 replicates"))
    assert all(x and y for x, y in axis_labels(fig)[:1])
    assert maps.OUTSIDE_LABEL in legend_labels(fig)


def test_the_comparison_violins_over_one_window(result):
    rates = window_rates(result.monthly, Window("2027-01-01", "2027-12-31"))["attacks_per_month"].to_numpy()
    fig = compare_distributions({NAME: rates, "baseline/2026-12-01_10-00-00": rates + 1}, reference_rate_2024(),
                                "2027, 2027-01-01 to 2027-12-31")
    check_publishable(fig, ("2027-01-01 to 2027-12-31", "4 replicates each"))
    [(xlabel, ylabel)] = axis_labels(fig)
    assert xlabel and "2027-01-01 to 2027-12-31" in ylabel.replace("\n", " ")


def test_the_exceedance_curves_and_the_paired_differences_of_the_report():
    rng = np.random.default_rng(1)
    long_label = "worst_case + syria=collapse + relations=sanctions/2026-12-01_10-00-00"
    rates = {"baseline/2026-12-01_10-00-00": rng.gamma(4, 1, 50), long_label: rng.gamma(6, 1, 50)}
    window = "forecast, 2026-08-01 to 2028-12-31"
    exceedance = exceedance_curves(rates, reference_rate_2024(), window)
    check_publishable(exceedance, (window, "50 replicates"))
    paired = paired_differences_figure({long_label: rates[long_label] - rates["baseline/2026-12-01_10-00-00"]},
                                       "baseline/2026-12-01_10-00-00", window)
    check_publishable(paired, (window, "50 replicates"))
    assert all(x and y for x, y in axis_labels(paired))
