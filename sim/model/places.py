"""The geography as the compiled rules read it: areas, neighbours, crossings, units and bases as arrays.

Built once per process from the shipped geography (sim/model/geography.py),
read-only, and shared by every replicate and branch in the process.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from sim.model.geography import load_geography
from sim.model.state import FLAGS, FLOAT_TABLE, FLOATS, INT, INT_TABLE, INTS, declare

PMF_BRANCH = "popular_mobilization_forces"

PlacesType, Places = declare("Places", __name__, {
    "n_areas": INT,
    "population_k": FLOATS,
    "ruggedness": FLOATS,
    "community_stance": FLOATS,
    "in_iraq": FLAGS,
    "hideout": FLAGS,
    "wilaya": INTS,               # wilaya index of each area
    "n_wilayas": INT,
    "neighbours": INT_TABLE,      # (area, k), padded with -1
    "iraqi_hideouts": INTS,       # hideout areas inside Iraq, the targets of sweeps
    "crossing_iraq_side": INTS,
    "crossing_attempt_share": FLOATS,   # normalised over the crossings
    "border_area": FLAGS,         # areas with a crossing on the Iraqi side
    "exits": INT_TABLE,           # (area, k): crossings whose Iraqi side is the area, padded with -1
    "n_exits": INTS,
    "base_distance_km": FLOAT_TABLE,    # (base, area)
    "escape_area": INT,           # where escapees from Iraqi prisons surface (near Baghdad)
})


@cache
def places() -> Places:
    """The shipped geography as arrays (cached per process)."""
    geo = load_geography()
    n = geo.n_areas
    iraq_side = np.array([c.iraq_side for c in geo.crossings], dtype=np.int64)
    shares = np.array([c.attempt_share for c in geo.crossings], dtype=float)
    exits = np.full((n, len(geo.crossings)), -1, dtype=np.int64)
    n_exits = np.zeros(n, dtype=np.int64)
    for k, area in enumerate(iraq_side):
        exits[area, n_exits[area]] = k
        n_exits[area] += 1
    return Places(
        n, geo.population_k, geo.ruggedness, geo.community_stance, geo.in_iraq, geo.hideout, geo.wilaya,
        len(geo.wilaya_ids), np.ascontiguousarray(geo.neighbours), (geo.hideout & geo.in_iraq).nonzero()[0],
        iraq_side, shares / shares.sum(), n_exits > 0, exits, n_exits,
        np.ascontiguousarray(geo.base_distance_km()), geo.index("baghdad_belt"))
