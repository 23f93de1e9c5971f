"""The explorer's pictures: the map of a watched day, its attacks per month, the ensemble against the baseline.

Built on `matplotlib.figure.Figure` (no pyplot state), so page sessions can
draw at the same time from their own threads. The map lies on the same base
map as a run's maps (governorates, the Iraq–Syria border, degree ticks and a
scale bar: sim/analysis/maps.py), with labels that never overlap. Cells and
units are placed around their area's centre on a fixed spiral, not at
random, so the same day always gives the same picture.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.labels import Label
from sim.analysis.maps import (AREA_LABEL_STYLE, BASE_MARKER_PT2, HILLS_BOX, draw_base_map, inside_box, label_map,
                               mark_enlarged, short_name)
from sim.model.geography import Geography
from sim.model.snapshot import ModelSnapshot

COVER_COLOURS = "Greens"
SYRIA_FILL = "#eeeeee"         # areas on the Syrian side: no coalition coverage is drawn there
ACTIVE, DORMANT_FILL, UNIT, CROSSING, BASE_OPEN, BASE_CLOSED = (
    "#b2182b", "#ffffff", "#2166ac", "#e08214", "#1b7837", "#9e9e9e")
SCENARIO_COLOUR, BASELINE_COLOUR, REFERENCE_COLOUR = "#4575b4", "#888888", "#b2182b"
# Layout of markers around an area centre, in degrees of latitude/longitude.
GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))
CELL_SPACING_DEG = 0.06
UNIT_OFFSET = (-0.28, -0.24)       # from the centre, before scaling by the panel's spread
UNIT_STEP = 0.13
MAP_MARGIN_DEG = 0.6
# How far an area's label may move from its circle (rings of 9 pixels) before it is left off.
AREA_LABEL_RINGS = 30
CROSSING_LABEL_STYLE = {"fontsize": 6.5, "color": "#8c510a", "zorder": 6,
                        "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}}
# Room above the tallest bar of the distribution chart for its legend.
LEGEND_HEADROOM = 1.45
# Panel positions in the map figure (left, bottom, width, height, as shares of the figure).
WHOLE_AXES, HILLS_AXES, COLOURBAR_AXES = (0.05, 0.17, 0.5, 0.72), (0.58, 0.17, 0.3, 0.72), (0.92, 0.25, 0.012, 0.55)


def _spiral(count: int) -> np.ndarray:
    """Offsets of `count` markers on a sunflower spiral: evenly spread, deterministic."""
    k = np.arange(count)
    radius = CELL_SPACING_DEG * np.sqrt(k + 1.0)
    return np.column_stack([radius * np.cos(k * GOLDEN_ANGLE), radius * np.sin(k * GOLDEN_ANGLE)])


def _cell_positions(snapshot: ModelSnapshot, geo: Geography, spread: float) -> np.ndarray:
    xy = np.zeros((snapshot.cell_area.size, 2))
    for area in np.unique(snapshot.cell_area):
        slots = np.flatnonzero(snapshot.cell_area == area)
        xy[slots] = np.array([geo.lon[area], geo.lat[area]]) + spread * _spiral(slots.size)
    return xy


def _draw_network(ax, geo: Geography, snapshot: ModelSnapshot) -> list[Label]:
    """The links between areas and the crossings (width: how porous); labels for today's crossers."""
    for i, j in zip(*np.nonzero(np.triu(geo.adjacency)), strict=True):
        ax.plot([geo.lon[i], geo.lon[j]], [geo.lat[i], geo.lat[j]], color="#c8c8c8", lw=1, zorder=1)
    labels = []
    for k, c in enumerate(geo.crossings):
        xs, ys = [geo.lon[c.iraq_side], geo.lon[c.syria_side]], [geo.lat[c.iraq_side], geo.lat[c.syria_side]]
        ax.plot(xs, ys, color=CROSSING, ls="--", lw=1 + 6 * snapshot.crossing_permeability[k], zorder=2)
        if snapshot.crossing_crossed[k]:
            labels.append(Label(float(np.mean(xs)), float(np.mean(ys)), f"{snapshot.crossing_crossed[k]} crossed",
                                CROSSING_LABEL_STYLE, rings=6, centred=True))
    return labels


def _draw_areas(ax, geo: Geography, snapshot: ModelSnapshot, size: float, labelled: np.ndarray):
    """Area circles coloured by coalition coverage; their labels, to be placed once everything is drawn."""
    colours = np.where(geo.in_iraq, snapshot.coalition_cover, np.nan)
    cmap = matplotlib.colormaps[COVER_COLOURS].with_extremes(bad=SYRIA_FILL)
    patches = ax.scatter(geo.lon, geo.lat, s=size, c=colours, cmap=cmap, vmin=0.0, vmax=1.0,
                         alpha=0.45, edgecolors="#555555", linewidths=0.6, zorder=3, plotnonfinite=True)
    clearance = np.sqrt(size) / 2 * ax.figure.dpi / 72
    labels = [Label(geo.lon[k], geo.lat[k], short_name(geo.area_names[k]), AREA_LABEL_STYLE, clearance_px=clearance,
                    rings=AREA_LABEL_RINGS) for k in np.flatnonzero(labelled)]
    return patches, labels


def _draw_agents(ax, geo: Geography, snapshot: ModelSnapshot, spread: float) -> None:
    xy = _cell_positions(snapshot, geo, spread)
    size = 6 + 3 * snapshot.cell_members
    for active, face in ((False, DORMANT_FILL), (True, ACTIVE)):
        pick = snapshot.cell_active == active
        ax.scatter(xy[pick, 0], xy[pick, 1], s=size[pick], c=face, edgecolors=ACTIVE, linewidths=0.7, zorder=5)
    for area in np.unique(snapshot.unit_area):
        units = np.flatnonzero(snapshot.unit_area == area)
        x = geo.lon[area] + spread * (UNIT_OFFSET[0] + UNIT_STEP * np.arange(units.size))
        y = np.full(units.size, geo.lat[area] + spread * UNIT_OFFSET[1])
        ax.scatter(x, y, marker="s", s=14 * snapshot.unit_strength[units], c=UNIT, edgecolors="white",
                   linewidths=0.5, zorder=4)
    open_ = snapshot.base_capacity > 0
    ax.scatter(geo.base_lon[open_], geo.base_lat[open_], marker="^", s=BASE_MARKER_PT2, c=BASE_OPEN, edgecolors="black",
               linewidths=0.5, zorder=6)
    ax.scatter(geo.base_lon[~open_], geo.base_lat[~open_], marker="^", s=BASE_MARKER_PT2, facecolors="none",
               edgecolors=BASE_CLOSED, linewidths=1.2, zorder=6)


def _legend(fig: Figure) -> None:
    def marker(shape, face, edge, label, size=7):
        return Line2D([], [], marker=shape, ls="none", markerfacecolor=face, markeredgecolor=edge,
                      markersize=size, label=label)
    handles = [
        marker("o", ACTIVE, ACTIVE, "active insurgent cell (size: members)"),
        marker("o", DORMANT_FILL, ACTIVE, "dormant insurgent cell"),
        marker("s", UNIT, UNIT, "Iraqi force unit (size: strength)"),
        marker("^", BASE_OPEN, "black", "coalition base, open", 8),
        marker("^", "none", BASE_CLOSED, "coalition base, closed", 8),
        Line2D([], [], color=CROSSING, ls="--", label="border crossing (width: how porous)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)


def map_figure(snapshot: ModelSnapshot, geo: Geography, total_days: int) -> Figure:
    """The areas of operation on one day: cells, units, coalition coverage, bases and crossings.

    The hills between Kirkuk and Diyala, where most cells hide, are drawn again enlarged.
    """
    fig = Figure(figsize=(11.0, 5.6), dpi=80)
    whole, hills = fig.add_axes(WHOLE_AXES), fig.add_axes(HILLS_AXES)
    full_box = (geo.lon.min() - MAP_MARGIN_DEG, geo.lon.max() + MAP_MARGIN_DEG,
                geo.lat.min() - MAP_MARGIN_DEG, geo.lat.max() + MAP_MARGIN_DEG)
    in_hills = inside_box(geo.lon, geo.lat, HILLS_BOX)
    for ax, box, size, spread, labelled, scale_km in ((whole, full_box, 450, 1.0, ~in_hills, 100),
                                                      (hills, HILLS_BOX, 1500, 0.45, in_hills, 20)):
        draw_base_map(ax, box, scale_km=scale_km)
        crossers = _draw_network(ax, geo, snapshot)
        patches, names = _draw_areas(ax, geo, snapshot, size, labelled)
        _draw_agents(ax, geo, snapshot, spread)
        label_map(ax, box, geo, [*names, *crossers], size)
    mark_enlarged(whole, HILLS_BOX)
    hills.set_ylabel("")             # the whole map's axis label says it; here it would touch that map
    whole.set_title("Areas of operation in Iraq and eastern Syria", fontsize=9)
    hills.set_title("The hills between Kirkuk and Diyala (dotted box), enlarged", fontsize=9)
    _legend(fig)
    bar = fig.colorbar(patches, cax=fig.add_axes(COLOURBAR_AXES))
    bar.set_label("coalition surveillance coverage of the area\n(0 = none, 1 = full)", fontsize=8)
    day = f"day {snapshot.days_simulated} of {total_days}" if snapshot.days_simulated else "start, day 0"
    fig.suptitle(f"{snapshot.date.day} {snapshot.date:%B %Y} ({day}); coalition posture: {snapshot.posture}",
                 fontsize=11)
    return fig


def monthly_attacks_figure(month_starts: tuple[str, ...], attacks: np.ndarray, months_done: int,
                           reference_rate: float) -> Figure:
    """Attacks per month so far in one replicate, on the whole horizon's time axis."""
    fig = Figure(figsize=(8.2, 3.0), dpi=90)
    ax = fig.subplots()
    months = pd.to_datetime([f"{m}-15" for m in month_starts])
    ax.bar(months[:months_done], attacks[:months_done], width=24, color=SCENARIO_COLOUR)
    ax.axhline(reference_rate, color=REFERENCE_COLOUR, ls="--", lw=1.2,
               label=f"claimed in Iraq, January–August 2024: {reference_rate:.1f} per month")
    ax.set_xlim(months[0] - pd.Timedelta(days=20), months[-1] + pd.Timedelta(days=20))
    ax.set_ylim(0, max(float(attacks.max(initial=0)), reference_rate) * 1.25 + 1)
    ax.set_ylabel("attacks per month\n(Iraq, this replicate)")
    ax.set_xlabel("month")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def comparison_figure(rates: dict[str, np.ndarray], reference_rate: float) -> Figure:
    """Attack-rate distributions over replicates, the scenario first and the baseline second."""
    fig = Figure(figsize=(8.2, 4.0), dpi=90)
    ax = fig.subplots()
    values = np.concatenate(list(rates.values()))
    bins = np.linspace(min(values.min(), reference_rate) * 0.9, max(values.max(), reference_rate) * 1.05, 25)
    for (label, x), colour in zip(rates.items(), (SCENARIO_COLOUR, BASELINE_COLOUR), strict=False):
        q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
        ax.hist(x, bins=bins, color=colour, alpha=0.5, edgecolor="white",
                label=f"{label}: median {q50:.1f}, 90% of replicates {q05:.1f}–{q95:.1f}")
        ax.axvline(q50, color=colour, lw=2)
    ax.axvline(reference_rate, color=REFERENCE_COLOUR, ls="--", lw=1.5,
               label=f"claimed in Iraq, January–August 2024: {reference_rate:.1f}")
    ax.set_xlabel("attacks per month over the horizon (one value per replicate)")
    ax.set_ylabel("replicates (count)")
    ax.set_title("How many attacks a month? Scenario against baseline (solid lines: medians)", fontsize=10)
    ax.set_ylim(top=ax.get_ylim()[1] * LEGEND_HEADROOM)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
