"""Write the bundled maps deterministically: ``python -m maps.tools.build_maps``.

This module owns the georeferencing and the documentation (metadata) of the two hand-placed
bundled maps (Erenhot - Zamyn-Uud and the test crossing); the shapes come from
:mod:`maps.tools.layout`. Local (u, v) metres are placed in UTM 49N with u normal to the border
(towards China) and v along it, then converted to WGS84 lon/lat rounded to 1e-7 degrees (about
1 cm). The third, Ganqimaodu - Gashuunsukhait, is built like any user's corridor, by
``borderflow map new`` from its committed spec (``maps/specs/``). The committed GeoJSON files
are the source of truth for users; this script is how they were made, and re-running it
reproduces them byte for byte.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer

from maps.border import load_ne_border
from maps.loader import load_map
from maps.render import render_map
from maps.spec import load_spec
from maps.tools.corridor import build_corridor_map, map_json
from maps.tools.layout import Feature, SideParams, crossing_features

__all__ = ["GANQIMAODU_SPEC", "erenhot_map", "ganqimaodu_map", "main", "test_crossing_map"]

MAPS_DIR = Path(__file__).resolve().parent.parent
GANQIMAODU_SPEC = MAPS_DIR / "specs" / "ganqimaodu_gashuunsukhait.toml"
UTM = "EPSG:32649"
_FWD = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
_INV = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)

ERENHOT_SOURCES = [
    "Border line: Natural Earth 1:10m Admin 0 countries (public domain), shared CHN/MNG edge, "
    "bundled in maps/data/ne_border_erenhot.geojson; https://www.naturalearthdata.com/",
    "Port facts (Erenhot highway port is the largest land port on the China-Mongolia border, "
    "cargo vehicles are inspected at the port, 24-hour freight clearance since 2023-12-16): "
    "Xinhua, 'Largest land port on China-Mongolia border pilots 24-hour freight customs "
    "clearance', 2023-12-17, http://english.www.gov.cn/news/202312/17/"
    "content_WS657e983dc6d0868f4e8e244b.html",
    "Intelligent (NII) inspection facilities and green channels at Erenhot; Erenhot carries "
    "over 70 % of China-Mongolia land cargo: Xinhua, 'Across China: North China's land ports "
    "bustling with passengers, cargo trade', 2025-04-11",
    "Risk-graded handling (low: straight across, medium: NII scan, high: secured hold) that the "
    "scanner and hold bays serve: GACC Order No. 271 (customs risk grading), as summarised in "
    "the borderflow developers' guide",
    "Town positions (Erenhot about 43.65 N 111.98 E, Zamyn-Uud about 43.72 N 111.90 E): "
    "public gazetteer coordinates, rounded",
]
ERENHOT_SCHEMATIC = [
    "SCHEMATIC LAYOUT. Only the scale (yards a few hundred metres across, a crossing road of "
    "about 3 km) and the sequence of facilities (yard -> customs control with NII scanner and "
    "secured hold bays -> pre-border buffer -> gate -> border -> gate -> buffer -> customs "
    "control -> yard) follow the real Erenhot - Zamyn-Uud road port; positions, lane geometry, "
    "slot counts and speed limits are invented for AGV operation.",
    "The gates are placed where the crossing road meets the Natural Earth line. The true "
    "boundary and the real port facilities differ from this coarse geometry by up to about "
    "1 km; do not use this map for geofencing.",
]
SCHEMATIC_NOTE = (
    "schematic: position and size invented; only the sequence of facilities follows the real "
    "port (see the map's 'schematic' property)"
)
DEPOT_NOTE = (
    "Each depot is a parking lot of 100 m x 90 m (9,000 m2) with one parking station of 150 "
    "places: an AGV of about 15 m x 3 m covers 45 m2, and with the aisles it needs to drive in "
    "and out about 60 m2, so 150 vehicles fit. Sizes are an estimate for a schematic layout, not "
    "survey data. Two depots per side hold 300 idle AGVs per side."
)
ERENHOT_ACCURACY = (
    "Natural Earth 1:10m: positional error of several hundred metres to ~1 km; facility "
    "coordinates are schematic (placed relative to that line)."
)


def _frame_erenhot() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origin on the NE line between Erenhot and Zamyn-Uud, unit vectors (u to CN, v along)."""
    coords = load_ne_border()["geometry"]["coordinates"]
    a = np.array(_FWD.transform(*coords[6]))  # (111.933353, 43.696636)
    b = np.array(_FWD.transform(*coords[7]))  # (111.945136, 43.72387)
    t = (b - a) / np.linalg.norm(b - a)
    n = np.array([t[1], -t[0]])  # right of south->north: China
    return a + 0.35 * (b - a), n, t


def _frame_test() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    origin = np.array(_FWD.transform(112.05, 43.55))
    return origin, np.array([1.0, 0.0]), np.array([0.0, 1.0])


def _georef(features: list[Feature], frame: tuple[np.ndarray, ...]) -> list[dict[str, Any]]:
    origin, n, t = frame

    def lonlat(pts: list[tuple[float, float]]) -> list[list[float]]:
        uv = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        xy = origin + uv[:, :1] * n + uv[:, 1:] * t
        lon, lat = _INV.transform(xy[:, 0], xy[:, 1])
        return [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat, strict=True)]

    out = []
    for f in features:
        gtype, coords = f["geometry"]
        if gtype == "Point":
            geo: Any = lonlat([coords])[0]
        elif gtype == "LineString":
            geo = lonlat(coords)
        else:
            geo = [lonlat(coords)]
        out.append(
            {
                "type": "Feature",
                "id": f["id"],
                "properties": f["properties"],
                "geometry": {"type": gtype, "coordinates": geo},
            }
        )
    return out


def erenhot_map() -> dict[str, Any]:
    cn = SideParams(
        side="CN",
        town="Erenhot",
        gate_u=25,
        off=40,
        customs=(450, 800, 140),
        yard=(1150, 1550, 260),
        spur=30,
        scanner_inset=60,
        scanner_rise=40,
        hold_u=(520, 580),
        inspection_u=(660, 700, 740),
        buffer_u=(150, 200, 250, 300),
        buffer_spur=25,
        yard_east_v=tuple(-220.0 + 40 * j for j in range(12)),
        yard_south_u=(1200, 1250, 1300, 1350, 1400, 1450),
        charger_u=(1250, 1300, 1350),
        margin=20,
        note=SCHEMATIC_NOTE,
        depot_u=(1190, 1460),
        main_lanes=2,
        charger_capacity=6,
        slot_capacity=3,
        scanner_capacity=2,
    )
    mn = SideParams(
        side="MN",
        town="Zamyn-Uud",
        gate_u=25,
        off=40,
        customs=(350, 650, 130),
        yard=(950, 1300, 220),
        spur=30,
        scanner_inset=60,
        scanner_rise=40,
        hold_u=(420, 480),
        inspection_u=(540, 580),
        buffer_u=(150, 200, 250),
        buffer_spur=25,
        yard_east_v=tuple(-180.0 + 40 * j for j in range(10)),
        yard_south_u=(1000, 1050, 1100, 1150),
        charger_u=(1050, 1100),
        margin=20,
        note=SCHEMATIC_NOTE,
        depot_u=(985, 1220),
        main_lanes=2,
        charger_capacity=6,
        slot_capacity=3,
        scanner_capacity=2,
    )
    feats = _georef(crossing_features(cn, mn), _frame_erenhot())
    ne = load_ne_border()
    p = ne["properties"]
    feats.append(
        {
            "type": "Feature",
            "id": "border",
            "properties": {
                "kind": "border",
                "left_side": "MN",
                "name": p["name"],
                "source": p["source"],
                "source_url": p["source_url"],
                "licence": p["licence"],
                "accuracy": p["scale_and_accuracy"],
                "note": "left_side: Mongolia lies left when walking the line south to north",
            },
            "geometry": ne["geometry"],
        }
    )
    return {
        "type": "FeatureCollection",
        "properties": {
            "schema": "borderflow-map/1",
            "name": "Erenhot (CN) - Zamyn-Uud (MN) road crossing, AGV lanes",
            "description": (
                "AGV lane network of the Erenhot - Zamyn-Uud road port: on each side a "
                "container yard ring with yard-slot spurs and chargers, a customs control ring "
                "with an NII (X-ray) scanner drive-through, two secured hold bays and inspection "
                "docks, a pre-border buffer, an exit gate with a turn-back lane, and a pair of "
                "one-way carriageways across the border. Beyond each yard ring, next to the "
                "chargers, two AGV depots where idle vehicles wait so they never block a yard "
                "slot, charger or buffer; each is reached by a one-way drive-through loop. "
                "Speeds: 25 km/h crossing road, 20 km/h rings, 10 km/h yard, spurs and depot "
                "lanes, 5 km/h through the scanner. Main roads (rings, links, turn-back, entry "
                "and crossing roads) have two lanes per direction; each charger station has 6 "
                "charging places, each yard slot 3 handover places, each NII portal 2 scan lanes."
            ),
            "sources": ERENHOT_SOURCES,
            "schematic": [*ERENHOT_SCHEMATIC, DEPOT_NOTE],
            "accuracy": ERENHOT_ACCURACY,
            "licence": "CC0 (borderflow); the Natural Earth border line is public domain",
            "generator": "python -m maps.tools.build_maps",
        },
        "features": feats,
    }


def test_crossing_map() -> dict[str, Any]:
    cn = SideParams(
        side="CN",
        town="East",
        gate_u=8,
        off=20,
        customs=(40, 110, 50),
        yard=(140, 190, 40),
        spur=12,
        scanner_inset=15,
        scanner_rise=15,
        hold_u=(55, 70),
        inspection_u=(90,),
        buffer_u=(20, 30),
        buffer_spur=10,
        yard_east_v=(-20, 0, 20),
        yard_south_u=(165,),
        charger_u=(155, 175),
        margin=5,
        hold_capacity=2,
        buffer_capacity=1,
        depot_u=(145.5,),
        depot_size=(20.0, 16.0),
        depot_gap=27.0,
        depot_lane_off=2.5,
        parking_capacity=10,
    )
    mn = replace(cn, side="MN", town="West")
    feats = _georef(crossing_features(cn, mn), _frame_test())
    border = _georef(
        [{"id": "border", "properties": {}, "geometry": ("LineString", [(0, -150), (0, 150)])}],
        _frame_test(),
    )[0]
    border["properties"] = {
        "kind": "border",
        "left_side": "MN",
        "name": "test border (straight, south to north; MN to the west)",
    }
    feats.append(border)
    return {
        "type": "FeatureCollection",
        "properties": {
            "schema": "borderflow-map/1",
            "name": "Test crossing (two small yards, fictitious)",
            "description": (
                "A tiny crossing with every kind of zone and station of the Erenhot map, for "
                "fast tests: about 400 m across, 4 yard slots, 1 scanner, 2 hold bays, 1 "
                "inspection dock, 2 buffer places, 2 chargers and 1 AGV depot (10 parking "
                "places on a one-way drive-through loop) per side, two gates. The depot is "
                "undersized for 10 real AGVs (20 m x 16 m): it only has to test the rules."
            ),
            "schematic": "Fictitious; placed near Erenhot only so that UTM 49N applies.",
            "licence": "CC0 (borderflow)",
            "generator": "python -m maps.tools.build_maps",
        },
        "features": feats,
    }


def ganqimaodu_map() -> dict[str, Any]:
    """The Ganqimaodu - Gashuunsukhait corridor, exactly as `borderflow map new` builds it."""
    return build_corridor_map(load_spec(GANQIMAODU_SPEC)).doc


def main() -> int:
    for name, doc in (
        ("erenhot_zamyn_uud", erenhot_map()),
        ("test_crossing", test_crossing_map()),
        ("ganqimaodu_gashuunsukhait", ganqimaodu_map()),
    ):
        path = MAPS_DIR / f"{name}.geojson"
        path.write_text(map_json(doc), encoding="utf-8")
        print(f"wrote {path} ({len(doc['features'])} features)")
        # The preview picture next to the map (docs/maps.md links to it).
        picture = render_map(load_map(path), path.with_suffix(".png"), dpi=110)
        print(f"wrote {picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
