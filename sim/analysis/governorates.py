"""Governorates of Iraq and Syria: outlines for drawing, current names, and attacks totalled by governorate.

The outlines are Natural Earth's admin-1 polygons (`sim/data/boundaries/`,
whose PROVENANCE.md says where they come from). They are coarse and serve
maps only: the model keeps its own areas of operation, and an area's
governorate is the one `sim/data/geography.yaml` names for it, not the
polygon its centre happens to fall in.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml

# Each country's polygons in the shipped data, keyed by the `country` of geography.yaml.
BOUNDARY_FILES = {"iraq": "iraq.geojson", "syria": "syria.geojson"}


@dataclass(frozen=True)
class Governorate:
    """One governorate's outline (first ring the outside, any further rings holes) and label point."""

    name: str
    natural_earth_name: str
    country: str
    rings: tuple[np.ndarray, ...]      # each (points, 2): longitude, latitude
    label_lon: float
    label_lat: float


def _read_data(name: str) -> str:
    return resources.files("sim.data").joinpath(name).read_text(encoding="utf-8")


def current_names() -> dict[str, dict[str, str]]:
    """Per country, Natural Earth's governorate names mapped to the current ones."""
    return yaml.safe_load(_read_data("boundaries/names.yaml"))


def governorates_from_geojson(collection: dict, country: str, names: dict[str, str]) -> list[Governorate]:
    """Governorates from a GeoJSON FeatureCollection of polygons, renamed to their current names."""
    out = []
    for feature in collection["features"]:
        props = feature["properties"]
        old = props["natural_earth_name"]
        if old not in names:
            raise ValueError(f"governorate {old!r} of {country} has no current name in boundaries/names.yaml; "
                             f"known: {', '.join(sorted(names))}")
        rings = tuple(np.asarray(r, dtype=float) for r in feature["geometry"]["coordinates"])
        out.append(Governorate(names[old], old, country, rings, float(props["label_lon"]), float(props["label_lat"])))
    return out


@lru_cache(maxsize=1)
def load_governorates() -> tuple[Governorate, ...]:
    """Every shipped governorate of Iraq and Syria; cached per process."""
    names = current_names()
    return tuple(g for country, file in BOUNDARY_FILES.items()
                 for g in governorates_from_geojson(json.loads(_read_data(f"boundaries/{file}")), country,
                                                    names[country]))


@lru_cache(maxsize=1)
def area_governorates() -> dict[str, str]:
    """Each area of operation's governorate, as geography.yaml names it."""
    areas = yaml.safe_load(_read_data("geography.yaml"))["areas"]
    return {a["id"]: a["governorate"] for a in areas}


def attacks_by_governorate(by_area: dict[str, dict[str, float]], area_governorate: dict[str, str],
                           key: str = "attacks_per_month") -> dict[str, float]:
    """Totals of `key` over the areas of each governorate (a run summary's `by_area`).

    Governorates holding no area are absent, not zero: the model says nothing about them.
    """
    missing = sorted(set(by_area) - set(area_governorate))
    if missing:
        raise ValueError(f"areas without a governorate: {', '.join(missing)}")
    totals: dict[str, float] = {}
    for area, values in by_area.items():
        governorate = area_governorate[area]
        totals[governorate] = totals.get(governorate, 0.0) + float(values[key])
    return dict(sorted(totals.items()))


def _edges(ring: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    points = [tuple(p) for p in ring.tolist()]
    return [(a, b) if a <= b else (b, a) for a, b in zip(points, points[1:], strict=False) if a != b]


def outline_segments(governorates: list[Governorate] | tuple[Governorate, ...]) -> np.ndarray:
    """The outer border of a set of governorates, as segments of shape (k, 2, 2).

    Neighbouring governorates hold identical vertices along their common border
    (PROVENANCE.md), so an edge inside the set appears twice and an edge of its
    outline once: counting edges is an exact union for these data.
    """
    counts = Counter(e for g in governorates for ring in g.rings for e in _edges(ring))
    return np.array([e for e, n in counts.items() if n == 1], dtype=float).reshape(-1, 2, 2)


def shared_segments(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Segments found in both of two outlines: the border two countries share."""
    theirs = {tuple(map(tuple, s)) for s in second.tolist()}
    return np.array([s for s in first.tolist() if tuple(map(tuple, s)) in theirs], dtype=float).reshape(-1, 2, 2)
