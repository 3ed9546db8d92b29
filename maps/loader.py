"""Public entry points: read a map (file, bundled name or dict), validate it, build the graph.

This module owns the all-or-nothing rule: every problem in the file is collected first, and a
map with any error raises one :class:`MapError` listing them all (with the warnings that explain
them); nothing half-built escapes. It also owns the second look at a refused map: when the map
would be valid with longitude and latitude swapped, it says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from maps.build import build_lane_graph
from maps.errors import MAP_ID, MapError, MapProblem, Severity, errors_of
from maps.projection import choose_crs
from maps.schema import ParsedMap, parse_map
from orchestrator.lanegraph import LaneGraph

__all__ = [
    "BUNDLED_MAPS",
    "DEFAULT_SNAP_TOLERANCE_M",
    "MapSource",
    "bundled_map_path",
    "load_map",
    "validate_map",
]

MAPS_DIR = Path(__file__).resolve().parent
BUNDLED_MAPS: Mapping[str, Path] = {
    "erenhot_zamyn_uud": MAPS_DIR / "erenhot_zamyn_uud.geojson",
    "ganqimaodu_gashuunsukhait": MAPS_DIR / "ganqimaodu_gashuunsukhait.geojson",
    "test_crossing": MAPS_DIR / "test_crossing.geojson",
}
DEFAULT_SNAP_TOLERANCE_M = 1.0
MapSource = str | Path | Mapping[str, Any]
# What a map with longitude and latitude swapped shows: positions beyond +-90 latitude, a place
# far from where it was meant (no border, a CRS that does not fit), or, with its own border,
# a mirror image in which every zone is on the other side.
_SWAP_SYMPTOMS = {"not-wgs84", "zone-side", "no-border", "wrong-crs", "no-yard", "no-crossing"}


def bundled_map_path(name: str) -> Path:
    """Path of a map shipped with borderflow (a key of :data:`BUNDLED_MAPS`)."""
    try:
        return BUNDLED_MAPS[name]
    except KeyError:
        known = ", ".join(sorted(BUNDLED_MAPS))
        raise ValueError(f"no bundled map named {name!r}; known: {known}") from None


def _read(source: MapSource, problems: list[MapProblem]) -> tuple[Any, str]:
    if isinstance(source, Mapping):
        return source, "<dict>"
    path = Path(source)
    if not path.exists() and str(source) in BUNDLED_MAPS:
        path = BUNDLED_MAPS[str(source)]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(MapProblem(MAP_ID, "unreadable", f"cannot read {path}: {exc.strerror}"))
        return None, str(path)
    try:
        return json.loads(text), str(path)
    except json.JSONDecodeError as exc:
        problems.append(
            MapProblem(
                MAP_ID,
                "not-json",
                f"{path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            )
        )
        return None, str(path)


def _feature_lonlat(parsed: ParsedMap) -> np.ndarray:
    """Every position of the map's lanes, zones, stations and gates (not the border line)."""
    pts = [p for lane in parsed.lanes for p in lane.coords]
    pts += [p for z in parsed.zones for ring in z.rings for p in ring]
    pts += [s.coord for s in parsed.stations] + [g.coord for g in parsed.gates]
    if not pts and parsed.border is not None:
        pts = list(parsed.border.coords)
    return np.array(pts, dtype=np.float64).reshape(-1, 2)


def _build(
    doc: Any, crs: str | None, snap_tolerance_m: float, problems: list[MapProblem]
) -> LaneGraph | None:
    parsed = parse_map(doc, problems)
    if parsed is None:
        return None
    if errors_of(problems) and crs is None and "projected_crs" not in parsed.properties:
        return None  # no CRS to check: the centroid's UTM zone is always usable
    chosen = choose_crs(crs, parsed.properties, _feature_lonlat(parsed), problems)
    if chosen is None or errors_of(problems):
        # Geometry checks on a partly unreadable file would only report echoes of these.
        return None
    projector, source = chosen
    return build_lane_graph(
        parsed, projector, tol_m=snap_tolerance_m, problems=problems, crs_source=source
    )


def _swapped(raw: Any) -> Any:
    """A copy of a GeoJSON value with the first two numbers of every position exchanged."""
    if isinstance(raw, list):
        if len(raw) >= 2 and all(isinstance(c, int | float) for c in raw):
            return [raw[1], raw[0], *raw[2:]]
        return [_swapped(x) for x in raw]
    return raw


def _swap_hint(doc: Any, crs: str | None, snap_tolerance_m: float) -> MapProblem | None:
    """The warning for a refused map that is valid once every position is swapped."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("features"), list):
        return None
    features = []
    for feat in doc["features"]:
        geom = feat.get("geometry") if isinstance(feat, Mapping) else None
        if isinstance(geom, Mapping) and "coordinates" in geom:
            swapped = {**geom, "coordinates": _swapped(geom["coordinates"])}
            feat = {**feat, "geometry": swapped}  # noqa: PLW2901 (a swapped copy)
        features.append(feat)
    trial: list[MapProblem] = []
    graph = _build({**doc, "features": features}, crs, snap_tolerance_m, trial)
    if graph is None or errors_of(trial):
        return None
    return MapProblem(
        MAP_ID,
        "swapped-lonlat",
        "longitude and latitude look swapped: GeoJSON is [lon, lat]; with the two numbers of "
        "every position exchanged the map is valid, so swap them in every feature",
        Severity.WARNING,
    )


def _load(
    source: MapSource, crs: str | None, snap_tolerance_m: float
) -> tuple[LaneGraph | None, list[MapProblem], str]:
    problems: list[MapProblem] = []
    doc, label = _read(source, problems)
    if problems:
        return None, problems, label
    graph = _build(doc, crs, snap_tolerance_m, problems)
    if errors_of(problems) and {p.code for p in problems} & _SWAP_SYMPTOMS:
        hint = _swap_hint(doc, crs, snap_tolerance_m)
        if hint is not None:
            # The swap explains the zones on the wrong side too: the border is not reversed.
            problems = [p for p in problems if p.code != "border-reversed"] + [hint]
    return graph, problems, label


def validate_map(
    source: MapSource,
    *,
    crs: str | None = None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> list[MapProblem]:
    """Every problem of a map (sorted by feature id); no error among them means it loads.

    Each problem has a ``severity``: errors refuse the map, warnings are hints (e.g. "the
    border looks reversed") that explain errors or point at a likely mistake.
    """
    _, problems, _ = _load(source, crs, snap_tolerance_m)
    return sorted(problems)


def load_map(
    source: MapSource,
    *,
    crs: str | None = None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> LaneGraph:
    """The validated lane graph of a map file, bundled map name or GeoJSON dict.

    The graph's metres are in the map's projection: ``crs`` when given (an override), else the
    map's ``projected_crs`` property, else the UTM zone of the centroid of its coordinates
    (``graph.crs`` says which, ``graph.metadata["crs_source"]`` why). Raises
    :class:`MapError` listing every problem when the map has any error.
    """
    graph, problems, label = _load(source, crs, snap_tolerance_m)
    if errors_of(problems) or graph is None:
        raise MapError(problems, label)
    return graph
