"""The shipped geography is a consistent network of the places the brief names."""

from __future__ import annotations

import numpy as np

from sim.geography import load_geography

BRIEF_PLACES = {
    "hamrin_mountains", "wadi_al_shay", "wadi_zghaytun", "sheikh_younis_mountains", "jazira_desert",
    "anbar_desert", "kurdistan_region", "albu_kamal", "northeast_syria", "diyala", "kirkuk",
    "salah_al_din", "baghdad_belt", "kirkuk_sulaymaniyah_border",
}


def test_areas_named_in_the_brief_are_present():
    geo = load_geography()
    assert BRIEF_PLACES <= set(geo.area_ids)


def test_adjacency_is_symmetric_connected_and_without_self_links():
    geo = load_geography()
    assert np.array_equal(geo.adjacency, geo.adjacency.T)
    assert not geo.adjacency.diagonal().any()
    reached, frontier = {0}, [0]
    while frontier:
        a = frontier.pop()
        for b in np.flatnonzero(geo.adjacency[a]):
            if int(b) not in reached:
                reached.add(int(b))
                frontier.append(int(b))
    assert len(reached) == geo.n_areas


def test_crossings_join_an_iraqi_and_a_syrian_area_that_are_neighbours():
    geo = load_geography()
    names = {c.id for c in geo.crossings}
    assert {"al_qaim_albu_kamal", "rabia_yarubiyah", "walid_tanf"} <= names
    for c in geo.crossings:
        assert geo.in_iraq[c.iraq_side] and not geo.in_iraq[c.syria_side]
        assert geo.adjacency[c.iraq_side, c.syria_side]


def test_every_force_branch_is_present_and_units_are_in_iraq():
    geo = load_geography()
    branches = {u.branch for u in geo.units}
    assert branches == {"army", "federal_police", "counter_terrorism_service",
                        "popular_mobilization_forces", "peshmerga", "border_guards"}
    assert all(geo.in_iraq[u.area] for u in geo.units)


def test_coordinates_lie_in_iraq_and_eastern_syria_and_values_in_range():
    geo = load_geography()
    assert ((geo.lat > 29) & (geo.lat < 38)).all() and ((geo.lon > 38) & (geo.lon < 49)).all()
    for values in (geo.ruggedness, geo.community_stance):
        assert ((values >= 0) & (values <= 1)).all()
    assert (geo.population_k > 0).all()


def test_base_distances_match_known_great_circle_values():
    geo = load_geography()
    d = geo.base_distance_km()
    erbil, victoria = geo.base_ids.index("erbil"), geo.base_ids.index("victoria")
    # Independent reference: Erbil to Baghdad airport is about 320 km in a straight line.
    from sim.geography import haversine_km
    span = haversine_km(geo.base_lat[erbil], geo.base_lon[erbil], geo.base_lat[victoria], geo.base_lon[victoria])
    assert 300 < span < 345
    assert d.shape == (len(geo.base_ids), geo.n_areas)
