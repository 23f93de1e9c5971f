"""The watched day on a map of Iraq: governorates, the border, rivers, cities, bases, cells, units and attacks.

Two pictures: the whole of Iraq with the Syrian areas next door, and the hills
between Kirkuk and Diyala enlarged, where most cells hide. Both lie on the
base map every run's maps use (governorates, country outlines, the Iraq–Syria
border drawn heavy: sim/analysis/maps.py), with the Tigris and the Euphrates
and the main cities from `sim/explore/data/places.yaml` (simplified, sourced
polylines: the boundary data hold no rivers). Labels never overlap one another
or a marker (sim/analysis/labels.py). Areas are labelled with the names the
event list uses (`narrate.map_name`). Cells, units and attacks are placed
around their area's centre on a fixed spiral, so the same day always gives the
same picture. Figures are small in inches and dense in pixels, so that their
text is readable at the size the page shows them; the key is written on the
page, not in the picture.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import matplotlib
import numpy as np
import yaml
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim.analysis.labels import Label, marker_boxes
from sim.analysis.maps import (HILLS_BOX, draw_base_map, fixed_obstacles, governorate_labels, inside_box,
                               iraq_box, mark_enlarged)
from sim.explore.explain import wrapped
from sim.explore.map_labels import PlacedLabel, draw_first_fitting, draw_near_labels
from sim.explore.narrate import map_name
from sim.explore.pictures import MIN_TEXT_PT, TITLE_PT, figure
from sim.geography import Geography
from sim.model.snapshot import ModelSnapshot

COVER_COLOURS = "Greens"
SYRIA_FILL = "#eeeeee"         # areas on the Syrian side: no coalition coverage is drawn there
ACTIVE, DORMANT_FILL, UNIT, CROSSING, BASE_OPEN, BASE_CLOSED = (
    "#b2182b", "#ffffff", "#2166ac", "#e08214", "#1b7837", "#9e9e9e")
ATTACK, RIVER, CITY = "#67001f", "#3b83bd", "#333333"
# Layout of markers around an area centre, in degrees of latitude/longitude.
GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))
CELL_SPACING_DEG = 0.06
UNIT_OFFSET = (-0.28, -0.24)       # from the centre, before scaling by the panel's spread
UNIT_STEP = 0.13
ATTACK_OFFSET = (0.22, 0.2)
# Markers are sized for a map REFERENCE_WIDTH_PX wide and scale with the map's width (areas by width);
# text does not: every label is at least MIN_TEXT_PT (12.5 pixels on the page, sim/explore/pictures.py).
REFERENCE_WIDTH_PX = 640
BOXED = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}
AREA_STYLE = {"fontsize": MIN_TEXT_PT + 0.5, "color": "#111111", "zorder": 7, "bbox": BOXED}
BASE_STYLE = {"fontsize": MIN_TEXT_PT, "color": "#0b5a27", "fontweight": "bold", "zorder": 7, "bbox": BOXED}
CITY_STYLE = {"fontsize": MIN_TEXT_PT, "color": CITY, "zorder": 6.5, "bbox": BOXED}
RIVER_STYLE = {"fontsize": MIN_TEXT_PT, "color": RIVER, "style": "italic", "zorder": 6.5}
CROSSING_STYLE = {"fontsize": MIN_TEXT_PT, "color": "#8c510a", "zorder": 6, "bbox": BOXED}
GOVERNORATE_STYLE = {"fontsize": MIN_TEXT_PT, "color": "#6b6155", "style": "italic", "zorder": 1.2}
# The governorates where the model's areas lie, named before rivers and smaller towns.
MAJOR_GOVERNORATES = ("Anbar", "Nineveh", "Salah al-Din", "Kirkuk", "Diyala", "Baghdad", "Erbil")
# Cities named before the areas of operation: what a reader looks for first (Mosul and Kirkuk are areas).
MAJOR_CITIES = ("Baghdad", "Basra")
# Maps narrower than this share of REFERENCE_WIDTH_PX name the capital before the areas.
NARROW_SCALE = 0.8
# Where along a river's visible course its name is tried, in order (shares of its points).
RIVER_LABEL_AT = (0.5, 0.35, 0.65, 0.2, 0.8)
# Around a governorate's label point, where its name is tried next when the point is taken (degrees).
REGION_NUDGES = ((0, 0), (0, -0.35), (0, 0.35), (-0.45, 0), (0.45, 0), (-0.4, -0.4), (0.4, -0.4))
# How far (rings of 9 pixels) a label may move from its circle; the leader rule (sim/explore/map_labels.py)
# shortens it to the rings whose leader stays short at the map's scale.
AREA_RINGS, NEAR_RINGS = 30, 2
BASE_PT2, CITY_PT2, ATTACK_PT2 = 110.0, 14.0, 90.0


@dataclass(frozen=True)
class Panel:
    """One of the two pictures: its box (west, east, south, north), circle size, marker spread, scale bar."""

    box: tuple[float, float, float, float]
    area_pt2: float
    spread: float
    scale_km: float
    height_ratio: float                    # height over width
    outlines_enlarged: bool = False        # the enlarged panel's box is outlined here, its areas named there


@dataclass(frozen=True)
class Places:
    rivers: dict[str, np.ndarray]          # name -> (points, 2) longitude, latitude
    cities: tuple[tuple[float, float, str], ...]


@lru_cache(maxsize=1)
def places() -> Places:
    """The rivers and cities shipped with the explorer (sim/explore/data/places.yaml)."""
    data = yaml.safe_load(resources.files("sim.explore").joinpath("data/places.yaml").read_text(encoding="utf-8"))
    rivers = {r["name"]: np.array([p[:2] for p in r["points"]], dtype=float) for r in data["rivers"]}
    return Places(rivers, tuple((float(c[0]), float(c[1]), str(c[2])) for c in data["cities"]))


def cities_shown(geo: Geography) -> list[tuple[float, float, str]]:
    """Cities to mark: those no area of operation is named after (the area's label names those)."""
    named = {map_name(geo, k) for k in range(geo.n_areas)}
    return [c for c in places().cities if c[2] not in named]


def base_name(name: str) -> str:
    """A coalition base's label: its name without the parenthesis ("Erbil base" for "Erbil air base")."""
    return name.split(" (")[0].replace(" air base", " base")


def spiral(count: int) -> np.ndarray:
    """Offsets of `count` markers on a sunflower spiral: evenly spread, deterministic."""
    k = np.arange(count)
    radius = CELL_SPACING_DEG * np.sqrt(k + 1.0)
    return np.column_stack([radius * np.cos(k * GOLDEN_ANGLE), radius * np.sin(k * GOLDEN_ANGLE)])


def around_areas(areas: np.ndarray, geo: Geography, spread: float, offset=(0.0, 0.0)) -> np.ndarray:
    """Positions for markers belonging to `areas` (one area index each), on a spiral around each area."""
    xy = np.zeros((areas.size, 2))
    for area in np.unique(areas):
        slots = np.flatnonzero(areas == area)
        centre = np.array([geo.lon[area] + spread * offset[0], geo.lat[area] + spread * offset[1]])
        xy[slots] = centre + spread * spiral(slots.size)
    return xy


def _draw_rivers(ax, box) -> list[list[Label]]:
    """The rivers, and for each that shows in the box the points along it where its name may go, the
    middle of its visible course first."""
    labels = []
    for name, line in places().rivers.items():
        ax.add_collection(LineCollection([line], colors=RIVER, linewidths=1.6, zorder=0.85, capstyle="round"))
        seen = line[inside_box(line[:, 0], line[:, 1], box)]
        if len(seen) >= 2:
            picks = [seen[min(len(seen) - 1, int(f * len(seen)))] for f in RIVER_LABEL_AT]
            labels.append([Label(float(lon), float(lat), name, RIVER_STYLE, clearance_px=3, rings=6)
                           for lon, lat in picks])
    return labels


def _draw_network(ax, geo: Geography, snapshot: ModelSnapshot) -> list[Label]:
    """The links between areas and the crossings (width: how porous); labels for today's crossers."""
    for i, j in zip(*np.nonzero(np.triu(geo.adjacency)), strict=True):
        ax.plot([geo.lon[i], geo.lon[j]], [geo.lat[i], geo.lat[j]], color="#c8c8c8", lw=0.8, zorder=1)
    labels = []
    for k, c in enumerate(geo.crossings):
        xs, ys = [geo.lon[c.iraq_side], geo.lon[c.syria_side]], [geo.lat[c.iraq_side], geo.lat[c.syria_side]]
        ax.plot(xs, ys, color=CROSSING, ls="--", lw=1 + 5 * snapshot.crossing_permeability[k], zorder=2)
        if snapshot.crossing_crossed[k]:
            labels.append(Label(float(np.mean(xs)), float(np.mean(ys)), f"{snapshot.crossing_crossed[k]} crossed",
                                CROSSING_STYLE, rings=3, centred=True))
    return labels


def _draw_areas(ax, geo: Geography, snapshot: ModelSnapshot, size: float):
    colours = np.where(geo.in_iraq, snapshot.coalition_cover, np.nan)
    cmap = matplotlib.colormaps[COVER_COLOURS].with_extremes(bad=SYRIA_FILL)
    return ax.scatter(geo.lon, geo.lat, s=size, c=colours, cmap=cmap, vmin=0.0, vmax=1.0, alpha=0.45,
                      edgecolors="#555555", linewidths=0.6, zorder=3, plotnonfinite=True)


def _draw_agents(ax, geo: Geography, snapshot: ModelSnapshot, recent_attacks: np.ndarray, spread: float,
                 scale: float) -> None:
    """Cells, units, recent attacks and bases; marker areas times `scale` (the map's width against 640 px)."""
    xy = around_areas(snapshot.cell_area, geo, spread)
    size = (5 + 2.5 * snapshot.cell_members) * scale
    for active, face in ((False, DORMANT_FILL), (True, ACTIVE)):
        pick = snapshot.cell_active == active
        ax.scatter(xy[pick, 0], xy[pick, 1], s=size[pick], c=face, edgecolors=ACTIVE, linewidths=0.6, zorder=5)
    for area in np.unique(snapshot.unit_area):
        units = np.flatnonzero(snapshot.unit_area == area)
        x = geo.lon[area] + spread * (UNIT_OFFSET[0] + UNIT_STEP * np.arange(units.size))
        y = np.full(units.size, geo.lat[area] + spread * UNIT_OFFSET[1])
        ax.scatter(x, y, marker="s", s=12 * snapshot.unit_strength[units] * scale, c=UNIT, edgecolors="white",
                   linewidths=0.5, zorder=4)
    hits = around_areas(np.asarray(recent_attacks, dtype=np.int64), geo, spread, ATTACK_OFFSET)
    ax.scatter(hits[:, 0], hits[:, 1], marker="*", s=ATTACK_PT2 * scale, c=ATTACK, edgecolors="white",
               linewidths=0.6, zorder=6.2)
    open_ = snapshot.base_capacity > 0
    ax.scatter(geo.base_lon[open_], geo.base_lat[open_], marker="^", s=BASE_PT2 * scale, c=BASE_OPEN,
               edgecolors="black", linewidths=0.5, zorder=6)
    ax.scatter(geo.base_lon[~open_], geo.base_lat[~open_], marker="^", s=BASE_PT2 * scale, facecolors="none",
               edgecolors=BASE_CLOSED, linewidths=1.2, zorder=6)


def _draw_cities(ax, geo: Geography, box, scale: float) -> tuple[list[Label], list[Label]]:
    """The cities' markers; their labels, the major cities apart (they are named before the areas)."""
    shown = [c for c in cities_shown(geo) if inside_box(c[0], c[1], box)]
    if shown:
        lon, lat, _ = zip(*shown, strict=True)
        ax.scatter(lon, lat, marker="o", s=CITY_PT2 * scale, c="white", edgecolors=CITY, linewidths=1.0, zorder=4.5)
    labels = [Label(lon, lat, name, CITY_STYLE, clearance_px=4, rings=8) for lon, lat, name in shown]
    return [lb for lb in labels if lb.text in MAJOR_CITIES], [lb for lb in labels if lb.text not in MAJOR_CITIES]


def _labels(ax, geo: Geography, panel: Panel, scale: float, major: list[Label], others: list[Label],
            rivers: list[list[Label]], towns: list[Label]) -> list[PlacedLabel]:
    """In order of importance: the areas (the event list names them), bases, the capital and Basra, and
    crossings; the rivers and the governorates where the areas lie, each where it first fits; other towns;
    the other governorates."""
    in_panel = inside_box(geo.lon, geo.lat, panel.box)
    area_pt2 = panel.area_pt2 * scale
    clearance = np.sqrt(area_pt2) / 2 * ax.figure.dpi / 72
    # On the whole map, an area inside the enlarged box is named only close to its circle: the enlarged
    # panel names every one of them.
    near = inside_box(geo.lon, geo.lat, HILLS_BOX) & panel.outlines_enlarged
    areas = [Label(geo.lon[k], geo.lat[k], map_name(geo, k), AREA_STYLE, clearance_px=clearance,
                   rings=NEAR_RINGS if near[k] else AREA_RINGS) for k in np.flatnonzero(in_panel)]
    bases = [Label(lon, lat, base_name(name), BASE_STYLE, clearance_px=8.0 * np.sqrt(scale), rings=10)
             for lon, lat, name in zip(geo.base_lon, geo.base_lat, geo.base_names, strict=True)
             if inside_box(lon, lat, panel.box)]
    regions = governorate_labels(panel.box, style=GOVERNORATE_STYLE)
    first = [[dataclasses.replace(lb, lon=lb.lon + dx, lat=lb.lat + dy) for dx, dy in REGION_NUDGES]
             for lb in regions if lb.text in MAJOR_GOVERNORATES]
    rest = [lb for lb in regions if lb.text not in MAJOR_GOVERNORATES]
    cities = np.array([(c[0], c[1]) for c in cities_shown(geo)], dtype=float).reshape(-1, 2)
    obstacles = np.vstack([marker_boxes(ax, geo.lon, geo.lat, area_pt2),
                           marker_boxes(ax, geo.base_lon, geo.base_lat, BASE_PT2 * scale),
                           marker_boxes(ax, cities[:, 0], cities[:, 1], CITY_PT2 * scale), fixed_obstacles(ax)])
    # A phone's map has room for few names: the capital goes first there, for orientation.
    first_names = [*major, *areas, *bases] if scale < NARROW_SCALE else [*areas, *bases, *major]
    placed = draw_near_labels(ax, [*first_names, *others], obstacles)
    placed = draw_first_fitting(ax, [*rivers, *first], obstacles, placed)
    return draw_near_labels(ax, [*towns, *rest], obstacles, placed)


def panel_figure(snapshot: ModelSnapshot, recent_attacks: np.ndarray, geo: Geography, panel: Panel, title: str,
                 width_px: int = REFERENCE_WIDTH_PX) -> Figure:
    """One picture of the watched day, `width_px` wide on the page; its labels are kept in `fig.placed_labels`."""
    scale = width_px / REFERENCE_WIDTH_PX
    fig = figure(width_px, int(width_px * panel.height_ratio))
    ax = fig.subplots()
    draw_base_map(ax, panel.box, scale_km=panel.scale_km)
    for text in fig.findobj(matplotlib.text.Text):       # the base map's own small print (the scale bar)
        text.set_fontsize(max(text.get_fontsize(), MIN_TEXT_PT))
    ax.tick_params(labelsize=MIN_TEXT_PT)
    ax.set_xlabel("")
    ax.set_ylabel("")
    rivers = _draw_rivers(ax, panel.box)
    others = _draw_network(ax, geo, snapshot)
    patches = _draw_areas(ax, geo, snapshot, panel.area_pt2 * scale)
    _draw_agents(ax, geo, snapshot, recent_attacks, panel.spread, scale)
    major, towns = _draw_cities(ax, geo, panel.box, scale)
    ax.set_title(title, fontsize=TITLE_PT)
    bar = fig.colorbar(patches, ax=ax, location="bottom", shrink=0.75, aspect=35, pad=0.02)
    bar.set_label("coalition surveillance of the area (0: none, 1: full)", fontsize=MIN_TEXT_PT)
    bar.ax.tick_params(labelsize=MIN_TEXT_PT)
    # Labels are placed in pixels: fix the layout first, then keep it.
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")
    fig.placed_labels = _labels(ax, geo, panel, scale, major, others, rivers, towns)
    return fig


def whole_panel(geo: Geography) -> Panel:
    return Panel(iraq_box(geo), area_pt2=260.0, spread=0.9, scale_km=200, height_ratio=1.12, outlines_enlarged=True)


HILLS_PANEL = Panel(HILLS_BOX, area_pt2=1500.0, spread=0.45, scale_km=20, height_ratio=1.0)


def whole_map(snapshot: ModelSnapshot, recent_attacks: np.ndarray, geo: Geography, name: str = "",
              width_px: int = REFERENCE_WIDTH_PX) -> Figure:
    """All of Iraq and the Syrian areas, with the enlarged box outlined; `name` says whose history it is."""
    day = f"Iraq and eastern Syria, {snapshot.date.day} {snapshot.date:%B %Y}"
    title = f"{wrapped(name, max(30, width_px // 8))}\n{day}" if name else day
    fig = panel_figure(snapshot, recent_attacks, geo, whole_panel(geo), title, width_px)
    mark_enlarged(fig.axes[0], HILLS_BOX)
    return fig


def hills_map(snapshot: ModelSnapshot, recent_attacks: np.ndarray, geo: Geography,
              width_px: int = REFERENCE_WIDTH_PX) -> Figure:
    """The hills between Kirkuk and Diyala, where most cells hide, enlarged."""
    title = "The hills between Kirkuk and Diyala\n(dotted box), enlarged" if width_px < 500 else \
        "The hills between Kirkuk and Diyala (dotted box), enlarged"
    return panel_figure(snapshot, recent_attacks, geo, HILLS_PANEL, title, width_px)


# The key under the maps, written on the page: (symbol or line style, colour, what it stands for). A
# symbol is a character; a line is drawn as a border of that style.
KEY = (
    ("●", ACTIVE, "active insurgent cell (bigger: more members)"),
    ("○", ACTIVE, "dormant insurgent cell"),
    ("★", ATTACK, "attack in the last 30 days"),
    ("■", UNIT, "Iraqi force unit (bigger: stronger)"),
    ("▲", BASE_OPEN, "coalition base, open"),
    ("△", BASE_CLOSED, "coalition base, closed"),
    ("◯", "#5a9e5a", "area of operation (greener: more coalition surveillance)"),
    ("line:dashed 3px", CROSSING, "border crossing (thicker: easier to cross)"),
    ("line:solid 3px", "#1a1a1a", "Iraq–Syria border"),
    ("line:solid 2px", RIVER, "river (Tigris, Euphrates)"),
    ("○", CITY, "city"),
)
