"""True constants: units of time and distance, not assumptions about the world (those are parameters)."""

DAYS_PER_YEAR = 365.25
DAYS_PER_WEEK = 7
THOUSAND = 1000.0
EARTH_RADIUS_KM = 6371.0
