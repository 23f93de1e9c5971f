"""Maps of Iraq and eastern Syria: governorates and the border under the areas of operation.

Pure functions from a run's summary (`by_area`: mean attacks per month in each
Iraqi area) to matplotlib Figures, built without pyplot so they can be drawn
in worker threads and without a display. The base map (governorates, each
country's outline, the Iraq–Syria border drawn heavy, latitude and longitude
ticks and a scale bar) is shared by every map, the explorer's included.
Labels are placed so that none overlaps another (sim/analysis/labels.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from sim.analysis.governorates import (Governorate, attacks_by_governorate, load_governorates, outline_segments,
                                       shared_segments)
from sim.analysis.labels import Label, draw_labels, line_boxes, marker_boxes, renderer_of
from sim.analysis.plots import IRAQ_COLOUR
from sim.geography import Geography

IRAQ_FILL, SYRIA_FILL = "#f6f1e7", "#e9e9e9"
# Beyond Iraq and Syria the boundary data draw nothing, neither Turkey, Iran and Jordan nor the Gulf:
# white, hatched, so that no neighbour looks like water and no sea like land.
OUTSIDE_FILL, OUTSIDE_HATCH, OUTSIDE_HATCH_COLOUR = "#ffffff", "////", "#d4d4d4"
OUTSIDE_LABEL = "outside Iraq and Syria (not drawn)"
GOVERNORATE_EDGE, COUNTRY_EDGE, BORDER_COLOUR = "#a89f91", "#4d4d4d", "#1a1a1a"
SYRIA_AREA_COLOUR, BASE_COLOUR, CROSSING_COLOUR = "#7f7f7f", "#1a9850", "#e08214"
CHOROPLETH_COLOURS = "OrRd"
NOT_MODELLED_FILL = "#f4f4f4"
BORDER_WIDTH_PT = 2.6
KM_PER_DEGREE_LATITUDE = 111.32
# Circle area (points squared) of the busiest area on the attack map.
LARGEST_CIRCLE_PT2 = 900.0
SMALLEST_CIRCLE_PT2 = 12.0
AREA_MARGIN_DEG = 0.9
BASE_MARKER_PT2 = 90.0
# A governorate whose label point is off the map is named where it shows, found on a grid of
# LABEL_GRID x LABEL_GRID points, if at least MIN_VISIBLE_SHARE of the map is inside it.
LABEL_GRID, MIN_VISIBLE_SHARE = 40, 0.04
# West, east, south, north (degrees) of the enlarged panel: the hideouts the brief names
# (Wadi al-Shay, Wadi Zghaytun, the Hamrin and Sheikh Younis mountains) lie close together here.
HILLS_BOX = (43.8, 45.35, 34.3, 35.65)
# Panels of the attack map (left, bottom, width, height, as shares of the figure).
ATTACK_MAP_AXES, ATTACK_HILLS_AXES = (0.05, 0.21, 0.52, 0.66), (0.62, 0.21, 0.35, 0.66)
# How far an area's label may move from its circle: rings of 9 pixels, before it is left off.
AREA_LABEL_RINGS = 40
# Governorate names lie under every marker; labels of areas and bases above all.
NAME_STYLE = {"fontsize": 6.5, "color": "#6b6358", "style": "italic", "zorder": 1.2}
AREA_LABEL_STYLE = {"fontsize": 7, "color": "#1a1a1a", "zorder": 7,
                    "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}}
BASE_LABEL_STYLE = {"fontsize": 7, "color": "#0b5a27", "fontweight": "bold", "zorder": 7,
                    "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}}


def short_name(name: str) -> str:
    """The first place in a name, for labels ("Tikrit" for "Tikrit, Samarra and Baiji", "Erbil" for
    "Erbil air base")."""
    return re.split(r",| and | \(| around | border areas| air base| base\b", name)[0].strip()


@lru_cache(maxsize=1)
def borders() -> dict[str, np.ndarray]:
    """Segments of Iraq's outline, Syria's outline and the border they share."""
    govs = load_governorates()
    iraq = outline_segments([g for g in govs if g.country == "iraq"])
    syria = outline_segments([g for g in govs if g.country == "syria"])
    return {"iraq": iraq, "syria": syria, "iraq_syria": shared_segments(iraq, syria)}


def areas_box(geo: Geography, margin: float = AREA_MARGIN_DEG) -> tuple[float, float, float, float]:
    """West, east, south, north (degrees) around every area of operation and coalition base."""
    lon, lat = np.concatenate([geo.lon, geo.base_lon]), np.concatenate([geo.lat, geo.base_lat])
    return lon.min() - margin, lon.max() + margin, lat.min() - margin, lat.max() + margin


def iraq_box(geo: Geography, margin: float = 0.3) -> tuple[float, float, float, float]:
    """West, east, south, north (degrees) around the whole of Iraq and the Syrian areas."""
    outline = borders()["iraq"].reshape(-1, 2)
    west, east, south, north = areas_box(geo, margin)
    return (min(west, outline[:, 0].min() - margin), max(east, outline[:, 0].max() + margin),
            min(south, outline[:, 1].min() - margin), max(north, outline[:, 1].max() + margin))


def default_fill(governorate: Governorate) -> str:
    return IRAQ_FILL if governorate.country == "iraq" else SYRIA_FILL


def draw_base_map(ax, box: tuple[float, float, float, float], fill=default_fill,
                  scale_km: float | None = 100) -> None:
    """Governorates (coloured by `fill(governorate)`), country outlines and the heavy Iraq–Syria border,
    framed to `box` with degree ticks, an aspect true to the middle latitude and a scale bar."""
    govs = load_governorates()
    ax.add_collection(PolyCollection([g.rings[0] for g in govs], facecolors=[fill(g) for g in govs],
                                     edgecolors=GOVERNORATE_EDGE, linewidths=0.5, zorder=0.5))
    lines = borders()
    for country in ("iraq", "syria"):
        ax.add_collection(LineCollection(lines[country], colors=COUNTRY_EDGE, linewidths=1.1, zorder=0.8,
                                         capstyle="round"))
    ax.add_collection(LineCollection(lines["iraq_syria"], colors=BORDER_COLOUR, linewidths=BORDER_WIDTH_PT, zorder=0.9,
                                     capstyle="round"))
    frame(ax, box)
    if scale_km:
        add_scale_bar(ax, box, scale_km)


def frame(ax, box: tuple[float, float, float, float]) -> None:
    """Limits, an aspect that keeps a kilometre the same length both ways at the middle latitude,
    and ticks in degrees."""
    west, east, south, north = box
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / np.cos(np.radians((south + north) / 2)))
    ax.patch.set(facecolor=OUTSIDE_FILL, hatch=OUTSIDE_HATCH, edgecolor=OUTSIDE_HATCH_COLOUR)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°E"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°N"))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude (degrees east)", fontsize=8)
    ax.set_ylabel("latitude (degrees north)", fontsize=8)


def add_scale_bar(ax, box: tuple[float, float, float, float], km: float) -> None:
    """A bar `km` long at the map's middle latitude, in the lower right corner."""
    middle = (box[2] + box[3]) / 2
    degrees = km / (KM_PER_DEGREE_LATITUDE * np.cos(np.radians(middle)))
    bar = AnchoredSizeBar(ax.transData, degrees, f"{km:g} km", loc="lower right", pad=0.4, borderpad=0.6,
                          sep=3, frameon=True, size_vertical=(box[3] - box[2]) / 250,
                          fontproperties={"size": 7})
    bar.patch.set(facecolor="white", alpha=0.8, edgecolor="none")
    bar.set_gid("scale_bar")
    ax.add_artist(bar)


def fixed_obstacles(ax) -> np.ndarray:
    """Boxes of what labels must not cover beyond markers: the scale bar and any legend inside the axes."""
    renderer = renderer_of(ax.figure)
    boxes = [a.get_window_extent(renderer).extents for a in ax.artists if a.get_gid() == "scale_bar"]
    if ax.get_legend() is not None:
        boxes.append(ax.get_legend().get_window_extent(renderer).extents)
    return np.array(boxes, dtype=float).reshape(-1, 4)


def governorate_labels(box: tuple[float, float, float, float], text=lambda g: g.name, style=None,
                       rings: int = 3, keep=lambda g: True) -> list[Label]:
    """A label for every governorate seen in `box` (and `keep`), centred on its label point or, when that
    lies outside the box, on the middle of its visible part; it may move only a little."""
    by_name = {g.name: g for g in load_governorates()}
    return [Label(lon, lat, text(by_name[name]), style or NAME_STYLE, rings=rings, centred=True)
            for name, lon, lat in governorate_label_points(tuple(box)) if keep(by_name[name])]


@lru_cache(maxsize=16)
def governorate_label_points(box: tuple[float, float, float, float]) -> tuple[tuple[str, float, float], ...]:
    """Name and label point of each governorate seen in `box` (the first polygon of a name that shows);
    cached, since a map's boxes are few and fixed."""
    points, seen = [], set()
    for g in load_governorates():
        if g.name in seen:
            continue
        point = (g.label_lon, g.label_lat) if inside_box(g.label_lon, g.label_lat, box) else visible_middle(g, box)
        if point is not None:
            seen.add(g.name)
            points.append((g.name, *point))
    return tuple(points)


def visible_middle(governorate: Governorate, box: tuple[float, float, float, float],
                   samples: int = LABEL_GRID) -> tuple[float, float] | None:
    """The point of a grid over `box` inside the governorate that is nearest the middle of all such points;
    None when too little of it shows to be named."""
    west, east, south, north = box
    lon, lat = np.meshgrid(np.linspace(west, east, samples), np.linspace(south, north, samples))
    grid = np.column_stack([lon.ravel(), lat.ravel()])
    hits = grid[Path(governorate.rings[0]).contains_points(grid)]
    if len(hits) < MIN_VISIBLE_SHARE * len(grid):
        return None
    nearest = hits[np.argmin(((hits - np.median(hits, axis=0)) ** 2).sum(axis=1))]
    return float(nearest[0]), float(nearest[1])


def circle_sizes(rate: np.ndarray) -> np.ndarray:
    """Marker areas proportional to the rate, the busiest area LARGEST_CIRCLE_PT2."""
    return SMALLEST_CIRCLE_PT2 + (LARGEST_CIRCLE_PT2 - SMALLEST_CIRCLE_PT2) * rate / max(rate.max(), 1e-9)


def reference_rates(largest: float) -> list[float]:
    """Two or three round rates for the circle-size key, up to the largest."""
    if largest <= 0:
        return []
    top = float(f"{largest:.1g}")
    top = top if top <= largest else top / 2
    return sorted({float(f"{top * share:.1g}") for share in (0.25, 0.5, 1.0)})


def inside_box(lon, lat, box: tuple[float, float, float, float]) -> np.ndarray:
    west, east, south, north = box
    lon, lat = np.asarray(lon), np.asarray(lat)
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def mark_enlarged(ax, box: tuple[float, float, float, float]) -> None:
    """The dotted outline, on the whole map, of the panel drawn enlarged beside it."""
    west, east, south, north = box
    ax.add_patch(Rectangle((west, south), east - west, north - south, fill=False, ec="black", lw=0.8, ls=":",
                           zorder=4))


def attack_map(by_area: dict[str, dict[str, float]], geo: Geography, title: str, window: str = "") -> Figure:
    """The areas of operation on the governorates, circles sized by mean attacks per month in `window`, with
    the border crossings and the coalition bases of 2024; the hills between Kirkuk and Diyala enlarged beside."""
    fig = Figure(figsize=(12.5, 7.6), dpi=110)
    whole, hills = fig.add_axes(ATTACK_MAP_AXES), fig.add_axes(ATTACK_HILLS_AXES)
    rate = np.array([by_area.get(a, {}).get("attacks_per_month", 0.0) for a in geo.area_ids])
    sizes = np.where(geo.in_iraq, circle_sizes(rate), 30.0)
    in_hills = inside_box(geo.lon, geo.lat, HILLS_BOX)
    unlabelled = []
    for ax, box, labelled, scale_km in ((whole, areas_box(geo), ~in_hills, 100), (hills, HILLS_BOX, in_hills, 20)):
        draw_base_map(ax, box, scale_km=scale_km)
        _draw_attack_markers(ax, geo, sizes)
        unlabelled += _label_attack_panel(ax, box, geo, rate, sizes, labelled)
    mark_enlarged(whole, HILLS_BOX)
    whole.set_title("Areas of operation in Iraq and eastern Syria", fontsize=9)
    hills.set_title("The hills between Kirkuk and Diyala (dotted box), enlarged", fontsize=9)
    fig.suptitle(title, fontsize=11)
    _circle_key(fig, rate[geo.in_iraq].max(initial=0.0), window)
    _symbol_key(fig)
    note_unlabelled(fig, unlabelled, 0.2)
    return fig


def _draw_attack_markers(ax, geo: Geography, sizes: np.ndarray) -> None:
    for c in geo.crossings:
        ax.plot([geo.lon[c.iraq_side], geo.lon[c.syria_side]], [geo.lat[c.iraq_side], geo.lat[c.syria_side]],
                color=CROSSING_COLOUR, lw=1.4, ls="--", zorder=1.5)
    iraq = geo.in_iraq
    ax.scatter(geo.lon[iraq], geo.lat[iraq], s=sizes[iraq], c=IRAQ_COLOUR, alpha=0.55, edgecolors="black",
               linewidths=0.6, zorder=2)
    ax.scatter(geo.lon[~iraq], geo.lat[~iraq], s=sizes[~iraq], marker="D", c="white", edgecolors=SYRIA_AREA_COLOUR,
               linewidths=1.2, zorder=2)
    ax.scatter(geo.base_lon, geo.base_lat, marker="^", s=BASE_MARKER_PT2, c=BASE_COLOUR, edgecolors="black",
               linewidths=0.6, zorder=3)


def _label_attack_panel(ax, box, geo: Geography, rate: np.ndarray, sizes: np.ndarray,
                        labelled: np.ndarray) -> list[str]:
    """Label the `labelled` areas, the bases and the governorates in one panel; the areas left off."""
    radius_px = np.sqrt(sizes) / 2 * ax.figure.dpi / 72
    areas = [Label(geo.lon[k], geo.lat[k],
                   short_name(geo.area_names[k]) + (f"\n{rate[k]:.2f} a month" if geo.in_iraq[k] else "\n(Syria)"),
                   AREA_LABEL_STYLE, clearance_px=radius_px[k] + 2, rings=AREA_LABEL_RINGS)
             for k in np.argsort(-rate, kind="stable") if labelled[k]]
    drawn = label_map(ax, box, geo, areas, sizes)
    return [lb.text.split("\n")[0] for lb, text in zip(areas, drawn, strict=False) if text is None]


def label_map(ax, box, geo: Geography, labels: list[Label], area_sizes) -> list:
    """Place `labels` first, then the names of the coalition bases and of the governorates in `box`, so
    that none overlaps another, an area's marker (of `area_sizes`, points squared), a base, the scale bar or
    the Iraq–Syria border."""
    obstacles = np.vstack([marker_boxes(ax, geo.lon, geo.lat, area_sizes),
                           marker_boxes(ax, geo.base_lon, geo.base_lat, BASE_MARKER_PT2), fixed_obstacles(ax),
                           line_boxes(ax, borders()["iraq_syria"], BORDER_WIDTH_PT * ax.figure.dpi / 72)])
    bases = [Label(lon, lat, short_name(name), BASE_LABEL_STYLE, clearance_px=8.0, rings=8)
             for lon, lat, name in zip(geo.base_lon, geo.base_lat, geo.base_names, strict=True)
             if inside_box(lon, lat, box)]
    return draw_labels(ax, [*labels, *bases, *governorate_labels(box)], obstacles, clear_leaders=True)


def note_unlabelled(fig: Figure, names: list[str], height: float) -> None:
    """Name, under the map at `height` (a share of the figure), any place whose label found no free spot
    (none does on the shipped maps)."""
    if names:
        fig.text(0.5, height, "Not labelled for lack of room: " + ", ".join(names), ha="center", fontsize=7)


def _circle_key(fig: Figure, largest: float, window: str) -> None:
    """Circles of two or three round rates, each in a slot as tall and wide as the largest, so that no
    circle meets another or its text."""
    rates = reference_rates(largest)
    if not rates:
        return
    diameters = np.sqrt(circle_sizes(np.array([*rates, largest]))[:-1])
    handles = [Line2D([], [], marker="o", ls="none", markersize=d, markerfacecolor=IRAQ_COLOUR, alpha=0.55,
                      markeredgecolor="black", label=f"{r:g} attack{'' if r == 1 else 's'} a month")
               for r, d in zip(rates, diameters, strict=True)]
    font = 8
    slot = float(diameters.max()) / font + 0.4           # in font sizes, as legends measure their handles
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.04, 0.01), ncol=len(handles), fontsize=font,
               frameon=False, handlelength=slot, handleheight=slot, columnspacing=1.6, handletextpad=0.4,
               title=f"circle area: mean attacks per month in the area{', ' + window if window else ''}",
               title_fontsize=font, alignment="left")


def _symbol_key(fig: Figure) -> None:
    handles = [
        Line2D([], [], marker="D", ls="none", markerfacecolor="white", markeredgecolor=SYRIA_AREA_COLOUR,
               markersize=6, label="area in Syria (attacks there are not counted)"),
        Line2D([], [], marker="^", ls="none", markerfacecolor=BASE_COLOUR, markeredgecolor="black", markersize=8,
               label="coalition base (2024)"),
        Line2D([], [], color=CROSSING_COLOUR, ls="--", label="border crossing or desert route"),
        Line2D([], [], color=BORDER_COLOUR, lw=BORDER_WIDTH_PT, label="Iraq–Syria border"),
        Line2D([], [], color=GOVERNORATE_EDGE, lw=1, label="governorate boundary"),
        Line2D([], [], color="black", ls=":", lw=0.8, label="panel enlarged on the right"),
        outside_patch(),
    ]
    fig.legend(handles=handles, loc="lower right", bbox_to_anchor=(0.98, 0.01), ncol=2, fontsize=8, frameon=False,
               labelspacing=0.9, columnspacing=1.6)


def outside_patch() -> Patch:
    """The legend entry of what lies beyond Iraq and Syria."""
    return Patch(facecolor=OUTSIDE_FILL, hatch=OUTSIDE_HATCH, edgecolor=OUTSIDE_HATCH_COLOUR, label=OUTSIDE_LABEL)


def governorate_choropleth(by_area: dict[str, dict[str, float]], geo: Geography, area_governorate: dict[str, str],
                           title: str, window: str = "") -> Figure:
    """Mean attacks per month in `window` totalled by governorate, shading each governorate that holds an area of
    operation; governorates without one are left blank (the model says nothing about them)."""
    totals = attacks_by_governorate(by_area, area_governorate)
    norm = Normalize(0.0, max(max(totals.values(), default=0.0), 1e-9))
    cmap = matplotlib.colormaps[CHOROPLETH_COLOURS]

    def fill(g: Governorate) -> str:
        if g.country != "iraq":
            return SYRIA_FILL
        return matplotlib.colors.to_hex(cmap(norm(totals[g.name]))) if g.name in totals else NOT_MODELLED_FILL

    fig = Figure(figsize=(8.6, 8.2), dpi=110)
    ax = fig.add_axes((0.08, 0.13, 0.78, 0.79))
    box = iraq_box(geo)
    draw_base_map(ax, box, fill, scale_km=200)
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm, cmap), cax=fig.add_axes((0.89, 0.3, 0.02, 0.45)))
    bar.set_label(f"mean attacks per month in the governorate{', ' + window if window else ''}", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    fig.legend(handles=[Patch(facecolor=NOT_MODELLED_FILL, edgecolor=GOVERNORATE_EDGE,
                              label="no area of operation in the model"),
                        Patch(facecolor=SYRIA_FILL, edgecolor=GOVERNORATE_EDGE,
                              label="Syria (attacks there are not counted)"),
                        Line2D([], [], color=BORDER_COLOUR, lw=BORDER_WIDTH_PT, label="Iraq–Syria border"),
                        outside_patch()],
               loc="lower center", ncol=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.005))
    ax.set_title(title, fontsize=10)
    value_style = {**AREA_LABEL_STYLE, "fontsize": 7.5}
    valued = governorate_labels(box, lambda g: f"{g.name}\n{totals[g.name]:.2f} a month", value_style, rings=6,
                                keep=lambda g: g.name in totals)
    others = governorate_labels(box, keep=lambda g: g.name not in totals)
    drawn = draw_labels(ax, [*valued, *others], fixed_obstacles(ax))
    note_unlabelled(fig, [lb.text.split("\n")[0] for lb, text in zip(valued, drawn, strict=False) if text is None],
                    0.04)
    return fig
