"""The model's places, read from the ground floor (sim/geography.py), where the config can read them too."""

from sim.geography import Crossing, Geography, UnitSpec, build_geography, haversine_km, load_geography

__all__ = ["Crossing", "Geography", "UnitSpec", "build_geography", "haversine_km", "load_geography"]
