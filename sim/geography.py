"""Areas of operation as a network, with the arrays the daily rules index into.

The places are below every other layer: the config checks the areas and posts a
scenario names, the model steps on them, the analysis and the maps draw them.
The data ship in `sim/data/geography.yaml` (sources and estimates are stated
there). Everything here is read-only after loading, so one `Geography` is
shared by every replicate in a process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml

from sim.units import EARTH_RADIUS_KM


@dataclass(frozen=True)
class Crossing:
    """A border crossing point between an Iraqi area and a Syrian one, with its permeability before any posture."""

    id: str
    name: str
    iraq_side: int
    syria_side: int
    base_permeability: float
    attempt_share: float


@dataclass(frozen=True)
class UnitSpec:
    """An Iraqi force unit as the data place it: its branch, home area and strength."""

    id: str
    branch: str
    area: int
    strength: float


@dataclass(frozen=True)
class Geography:
    """Every area's attributes as arrays indexed by area number, so rules work on all areas at once."""

    area_ids: tuple[str, ...]
    area_names: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    population_k: np.ndarray
    ruggedness: np.ndarray
    community_stance: np.ndarray
    in_iraq: np.ndarray
    hideout: np.ndarray
    disputed: np.ndarray          # in the territories disputed between Baghdad and Erbil
    wilaya: np.ndarray            # wilaya index of each area
    wilaya_ids: tuple[str, ...]
    neighbours: np.ndarray        # (areas, max_degree), padded with -1
    adjacency: np.ndarray         # boolean (areas, areas)
    crossings: tuple[Crossing, ...]
    units: tuple[UnitSpec, ...]
    base_ids: tuple[str, ...]
    base_names: tuple[str, ...]
    base_lat: np.ndarray
    base_lon: np.ndarray

    @property
    def n_areas(self) -> int:
        """How many areas there are (Iraqi and Syrian)."""
        return len(self.area_ids)

    def index(self, area_id: str) -> int:
        """The number of an area, by its id."""
        return self.area_ids.index(area_id)

    def base_distance_km(self) -> np.ndarray:
        """Great-circle distance from each base (rows) to each area centre (columns)."""
        return haversine_km(self.base_lat[:, None], self.base_lon[:, None], self.lat[None, :], self.lon[None, :])


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    """Load and check the shipped geography; cached per process."""
    text = resources.files("sim.data").joinpath("geography.yaml").read_text(encoding="utf-8")
    return build_geography(yaml.safe_load(text))


def build_geography(data: dict) -> Geography:
    """Build the arrays from the YAML structure, checking links are symmetric."""
    areas = data["areas"]
    ids = tuple(a["id"] for a in areas)
    pos = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    adjacency = np.zeros((n, n), dtype=bool)
    for i, a in enumerate(areas):
        for other in a["neighbours"]:
            adjacency[i, pos[other]] = True
    if not np.array_equal(adjacency, adjacency.T):
        bad = [(ids[i], ids[j]) for i, j in zip(*np.nonzero(adjacency != adjacency.T), strict=True)]
        raise ValueError(f"geography: neighbour links are not symmetric: {bad[:5]}")
    degree = adjacency.sum(axis=1)
    neighbours = np.full((n, int(degree.max())), -1, dtype=np.int64)
    for i in range(n):
        row = np.flatnonzero(adjacency[i])
        neighbours[i, : len(row)] = row
    wilaya_ids = tuple(dict.fromkeys(a["wilaya"] for a in areas))
    unknown = sorted(set(data.get("disputed_territories", [])) - set(ids))
    if unknown:
        raise ValueError(f"geography: disputed_territories names unknown areas: {unknown}")
    bases = data["coalition_bases"]
    return Geography(
        area_ids=ids,
        area_names=tuple(a["name"] for a in areas),
        lat=np.array([a["lat"] for a in areas], dtype=float),
        lon=np.array([a["lon"] for a in areas], dtype=float),
        population_k=np.array([a["population_k"] for a in areas], dtype=float),
        ruggedness=np.array([a["ruggedness"] for a in areas], dtype=float),
        community_stance=np.array([a["community_stance"] for a in areas], dtype=float),
        in_iraq=np.array([a["country"] == "iraq" for a in areas]),
        hideout=np.array([bool(a["hideout"]) for a in areas]),
        disputed=np.isin(np.array(ids), data.get("disputed_territories", [])),
        wilaya=np.array([wilaya_ids.index(a["wilaya"]) for a in areas], dtype=np.int64),
        wilaya_ids=wilaya_ids,
        neighbours=neighbours,
        adjacency=adjacency,
        crossings=tuple(
            Crossing(c["id"], c["name"], pos[c["iraq_side"]], pos[c["syria_side"]],
                     float(c["base_permeability"]), float(c["attempt_share"]))
            for c in data["crossings"]
        ),
        units=tuple(
            UnitSpec(u["id"], u["branch"], pos[u["area"]], float(u["strength"]))
            for u in data["force_units"]
        ),
        base_ids=tuple(b["id"] for b in bases),
        base_names=tuple(b["name"] for b in bases),
        base_lat=np.array([b["lat"] for b in bases], dtype=float),
        base_lon=np.array([b["lon"] for b in bases], dtype=float),
    )
