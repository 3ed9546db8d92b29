"""The map file format: a GeoJSON (WGS84 lon/lat) FeatureCollection -> typed feature records.

This module owns parsing a raw GeoJSON dict into typed, still-geographic feature records and
checking everything that can be checked per feature: the top-level layout, unique ids, the
``kind`` of each feature and its geometry type, its properties (against
:mod:`maps.properties`), and that coordinates are WGS84 degrees. Geometry relations
(projection, topology, sides, zones) are the builder's business.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from maps.errors import MAP_ID, MapProblem
from maps.properties import COMMON_PROPERTIES, FEATURE_PROPERTIES, MAP_PROPERTIES, check_props
from orchestrator.lanegraph import GateType, Side, StationRole, ZoneKind

__all__ = [
    "BorderFeature",
    "GateFeature",
    "LaneFeature",
    "LonLat",
    "ParsedMap",
    "StationFeature",
    "ZoneFeature",
    "parse_map",
]

LonLat = tuple[float, float]

WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "CRS84",
}


@dataclass(frozen=True, slots=True)
class ZoneFeature:
    id: str
    zone_kind: ZoneKind
    side: Side
    name: str
    rings: tuple[tuple[LonLat, ...], ...]  # exterior ring first, then holes
    capacity_vehicles: int | None = None


@dataclass(frozen=True, slots=True)
class LaneFeature:
    id: str
    coords: tuple[LonLat, ...]
    two_way: bool
    speed_limit_kph: float
    lane_count: int = 1
    exclusive: bool = False
    name: str = ""


@dataclass(frozen=True, slots=True)
class StationFeature:
    id: str
    role: StationRole
    coord: LonLat
    name: str
    capacity_vehicles: int = 1


@dataclass(frozen=True, slots=True)
class GateFeature:
    id: str
    name: str
    coord: LonLat
    gate_type: GateType = GateType.SMART


@dataclass(frozen=True, slots=True)
class BorderFeature:
    id: str
    coords: tuple[LonLat, ...]
    left_side: Side  # side on the left when walking the line in drawn order
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedMap:
    name: str
    properties: dict[str, Any]
    zones: list[ZoneFeature] = field(default_factory=list)
    lanes: list[LaneFeature] = field(default_factory=list)
    stations: list[StationFeature] = field(default_factory=list)
    gates: list[GateFeature] = field(default_factory=list)
    border: BorderFeature | None = None


_FEATURE_KEYS = {"type", "id", "properties", "geometry", "bbox"}
_TOP_KEYS = {"type", "features", "properties", "crs", "bbox"}


def _position(fid: str, raw: Any, problems: list[MapProblem]) -> LonLat | None:
    if (
        not isinstance(raw, list | tuple)
        or len(raw) not in (2, 3)
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in raw)
        or not all(math.isfinite(c) for c in raw)
    ):
        problems.append(MapProblem(fid, "bad-geometry", f"position {raw!r} is not [lon, lat]"))
        return None
    lon, lat = float(raw[0]), float(raw[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        if abs(lon) <= 90.0 and abs(lat) <= 180.0:
            why = (
                "longitude and latitude look swapped: GeoJSON is [lon, lat]; write "
                f"[{lat:g}, {lon:g}]"
            )
        else:
            why = (
                "the file looks projected; reproject it to EPSG:4326 with lon first, e.g. "
                "`ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`"
            )
        problems.append(
            MapProblem(
                fid, "not-wgs84", f"position ({lon:g}, {lat:g}) is not WGS84 lon/lat degrees: {why}"
            )
        )
        return None
    return (lon, lat)


def _positions(fid: str, raw: Any, problems: list[MapProblem]) -> tuple[LonLat, ...] | None:
    if not isinstance(raw, list):
        problems.append(MapProblem(fid, "bad-geometry", "coordinates must be a list"))
        return None
    before = len(problems)
    out = [_position(fid, p, problems) for p in raw]
    if len(problems) > before:
        return None
    return tuple(p for p in out if p is not None)


def _geometry(
    fid: str, geom: Any, gtype: str, problems: list[MapProblem]
) -> Any:  # LonLat | tuple[LonLat, ...] | tuple[tuple[LonLat, ...], ...] | None
    if not isinstance(geom, Mapping) or geom.get("type") != gtype:
        got = geom.get("type") if isinstance(geom, Mapping) else type(geom).__name__
        problems.append(MapProblem(fid, "bad-geometry", f"geometry must be a {gtype}, got {got}"))
        return None
    coords = geom.get("coordinates")
    if gtype == "Point":
        return _position(fid, coords, problems)
    if gtype == "LineString":
        line = _positions(fid, coords, problems)
        if line is not None and len(line) < 2:
            problems.append(MapProblem(fid, "bad-geometry", "a LineString needs >= 2 positions"))
            return None
        return line
    if not isinstance(coords, list) or not coords:
        problems.append(MapProblem(fid, "bad-geometry", "a Polygon needs at least one ring"))
        return None
    rings = []
    for i, raw_ring in enumerate(coords):
        ring = _positions(fid, raw_ring, problems)
        if ring is None:
            return None
        if len(ring) < 4 or ring[0] != ring[-1]:
            problems.append(
                MapProblem(
                    fid,
                    "invalid-polygon",
                    f"ring {i} must be closed (first position == last) with >= 4 positions",
                )
            )
            return None
        rings.append(ring)
    return tuple(rings)


def _check_crs(doc: Mapping[str, Any], problems: list[MapProblem]) -> None:
    crs = doc.get("crs")
    if crs is None:
        return  # RFC 7946: no crs member means WGS84 lon/lat
    name = crs.get("properties", {}).get("name") if isinstance(crs, Mapping) else crs
    if name not in WGS84_NAMES:
        problems.append(
            MapProblem(
                MAP_ID,
                "not-wgs84",
                f"the file declares crs {name!r}; borderflow maps are WGS84 lon/lat "
                "(RFC 7946): reproject to EPSG:4326 and drop the 'crs' member",
            )
        )


def parse_map(doc: Any, problems: list[MapProblem]) -> ParsedMap | None:
    """Typed features of a raw GeoJSON dict; every problem found is appended to ``problems``.

    Returns None only when the document is not a FeatureCollection at all. Features with
    problems are left out of the result, so callers must not build from it when problems exist.
    """
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        problems.append(
            MapProblem(MAP_ID, "not-a-map", "the file must be a GeoJSON FeatureCollection")
        )
        return None
    for key in sorted(set(doc) - _TOP_KEYS):
        problems.append(
            MapProblem(
                MAP_ID,
                "unknown-property",
                f"unknown top-level member {key!r}; put map metadata under 'properties'",
            )
        )
    _check_crs(doc, problems)
    raw_props = doc.get("properties")
    if not isinstance(raw_props, Mapping):
        problems.append(
            MapProblem(MAP_ID, "missing-property", "the collection needs a 'properties' object")
        )
        raw_props = {}
    props = check_props(MAP_ID, raw_props, MAP_PROPERTIES, problems, "map") or {}
    parsed = ParsedMap(name=str(props.get("name", "unnamed map")), properties=dict(raw_props))
    features = doc.get("features")
    if not isinstance(features, list):
        problems.append(MapProblem(MAP_ID, "not-a-map", "'features' must be a list"))
        return parsed
    seen: set[str] = set()
    for index, feat in enumerate(features):
        _parse_feature(index, feat, seen, parsed, problems)
    return parsed


def _parse_feature(
    index: int, feat: Any, seen: set[str], parsed: ParsedMap, problems: list[MapProblem]
) -> None:
    if not isinstance(feat, Mapping) or feat.get("type") != "Feature":
        problems.append(MapProblem(f"features[{index}]", "bad-feature", "not a GeoJSON Feature"))
        return
    fid = feat.get("id")
    if not isinstance(fid, str) or not fid.strip():
        problems.append(
            MapProblem(
                f"features[{index}]",
                "missing-id",
                "every feature needs a unique string 'id' member (next to 'properties')",
            )
        )
        return
    if fid in seen:
        problems.append(MapProblem(fid, "duplicate-id", f"id {fid!r} is used more than once"))
        return
    seen.add(fid)
    for key in sorted(set(feat) - _FEATURE_KEYS):
        problems.append(MapProblem(fid, "unknown-property", f"unknown Feature member {key!r}"))
    props = feat.get("properties")
    if not isinstance(props, Mapping):
        problems.append(MapProblem(fid, "missing-property", "feature has no 'properties'"))
        return
    kind = props.get("kind")
    if kind not in FEATURE_PROPERTIES:
        problems.append(
            MapProblem(
                fid,
                "missing-property" if kind is None else "bad-property",
                f"property 'kind' must be one of {', '.join(sorted(FEATURE_PROPERTIES))}; "
                f"got {kind!r}",
            )
        )
        return
    gtype, spec = FEATURE_PROPERTIES[kind]
    values = check_props(fid, props, {**COMMON_PROPERTIES, **spec}, problems, kind)
    geom = _geometry(fid, feat.get("geometry"), gtype, problems)
    if values is None or geom is None:
        return
    _add(kind, fid, values, geom, props=props, parsed=parsed, problems=problems)


def _add(
    kind: str,
    fid: str,
    v: dict[str, Any],
    geom: Any,
    *,
    props: Mapping[str, Any],
    parsed: ParsedMap,
    problems: list[MapProblem],
) -> None:
    if kind == "zone":
        parsed.zones.append(
            ZoneFeature(
                fid,
                ZoneKind(v["zone_kind"]),
                Side(v["side"]),
                v["name"],
                geom,
                v.get("capacity_vehicles"),
            )
        )
    elif kind == "lane":
        parsed.lanes.append(
            LaneFeature(
                fid,
                geom,
                two_way=v["direction"] == "two-way",
                speed_limit_kph=v["speed_limit_kph"],
                lane_count=v.get("lane_count", 1),
                exclusive=v.get("exclusive", False),
                name=v.get("name", ""),
            )
        )
    elif kind == "station":
        parsed.stations.append(
            StationFeature(
                fid, StationRole(v["role"]), geom, v["name"], v.get("capacity_vehicles", 1)
            )
        )
    elif kind == "gate":
        parsed.gates.append(
            GateFeature(fid, v["name"], geom, GateType(v.get("gate_type", GateType.SMART.value)))
        )
    elif parsed.border is not None:
        problems.append(
            MapProblem(fid, "duplicate-border", f"a second border line (first: {parsed.border.id})")
        )
    else:
        parsed.border = BorderFeature(fid, geom, Side(v["left_side"]), dict(props))
