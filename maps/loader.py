"""Public entry points: read a map (file, bundled name or dict), validate it, build the graph.

This module owns the all-or-nothing rule: every problem in the file is collected first, and a
map with any error raises one :class:`MapError` listing them all (with the warnings that explain
them); nothing half-built escapes. It also owns the second look at a refused map: when the map
would be valid with longitude and latitude swapped, that is its one error (every other one was
an echo of it). A name that is neither a file nor a bundled map is answered with the bundled
names and the closest one.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from maps.build import build_lane_graph
from maps.errors import MAP_ID, MapError, MapProblem, errors_of
from maps.projection import choose_crs
from maps.schema import ParsedMap, parse_map
from orchestrator.lanegraph import LaneGraph

__all__ = [
    "BUNDLED_MAPS",
    "DEFAULT_SNAP_TOLERANCE_M",
    "MapSource",
    "bundled_map_path",
    "closest_bundled_map",
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


def closest_bundled_map(name: str) -> str | None:
    """The bundled map a mistyped name most likely means: one whose name contains it (or the
    file name's stem, ``erenhot`` -> ``erenhot_zamyn_uud``), else the most similar name."""
    stem = Path(name).name.removesuffix(".geojson").lower()
    if not stem:
        return None
    names = sorted(BUNDLED_MAPS)
    within = [n for n in names if stem in n or n in stem]
    if within:
        return within[0]
    close = difflib.get_close_matches(stem, names, n=1, cutoff=0.5)
    return close[0] if close else None


def _did_you_mean(name: str) -> str:
    guess = closest_bundled_map(name)
    return f" (did you mean {guess}?)" if guess else ""


def bundled_map_path(name: str) -> Path:
    """Path of a map shipped with borderflow (a key of :data:`BUNDLED_MAPS`)."""
    try:
        return BUNDLED_MAPS[name]
    except KeyError:
        known = ", ".join(sorted(BUNDLED_MAPS))
        raise ValueError(
            f"no bundled map named {name!r}{_did_you_mean(name)}; known: {known}"
        ) from None


def _read(source: MapSource, problems: list[MapProblem]) -> tuple[Any, str]:
    if isinstance(source, Mapping):
        return source, "<dict>"
    path = Path(source)
    if not path.exists() and str(source) in BUNDLED_MAPS:
        path = BUNDLED_MAPS[str(source)]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(sorted(BUNDLED_MAPS))
        message = (
            f"cannot read {source}: no such file, and no bundled map has that name"
            f"{_did_you_mean(str(source))}. Bundled maps: {known}; or give the path of a "
            ".geojson file"
        )
        problems.append(MapProblem(MAP_ID, "unreadable", message))
        return None, str(path)
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


def _swap_error(
    doc: Any, crs: str | None, snap_tolerance_m: float, problems: list[MapProblem]
) -> MapProblem | None:
    """The one error of a refused map that is valid once every position is swapped."""
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
    beyond = [p for p in problems if p.code == "not-wgs84"]
    found = re.search(r"position \(([^,]+), ([^)]+)\)", beyond[0].message) if beyond else None
    if found:
        a, b = found.groups()
        why = (
            f"{len(beyond)} positions have a latitude beyond ±90°, e.g. {beyond[0].feature_id} "
            f"at [{a}, {b}], which is [{b}, {a}] the right way round"
        )
    else:
        why = "as written the map lies elsewhere, mirrored: every zone on the wrong side"
    return MapProblem(
        MAP_ID,
        "swapped-lonlat",
        f"longitude and latitude look swapped: GeoJSON is [lon, lat], and {why}; with the two "
        "numbers of every position exchanged the map is valid. Fix: swap the two numbers of "
        "every position, in every feature (the border too)",
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
        swap = _swap_error(doc, crs, snap_tolerance_m, problems)
        if swap is not None:
            # Swapped back the map is valid, so every error was an echo of the swap (a position
            # beyond 90° latitude, a zone on the wrong side, ...) and the border is not reversed:
            # one error says it all, instead of one per position.
            keep = [p for p in problems if not p.is_error and p.code != "border-reversed"]
            problems = [*keep, swap]
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
