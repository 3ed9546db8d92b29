"""Public entry points: read a map (file, bundled name or dict), validate it, build the graph.

This module owns the all-or-nothing rule: every problem in the file is collected first, and a
map with any problem raises one :class:`MapError` listing them all; nothing half-built escapes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyproj.exceptions import CRSError

from maps.build import build_lane_graph
from maps.errors import MAP_ID, MapError, MapProblem
from maps.projection import DEFAULT_CRS, Projector
from maps.schema import parse_map
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
    "test_crossing": MAPS_DIR / "test_crossing.geojson",
}
DEFAULT_SNAP_TOLERANCE_M = 1.0
MapSource = str | Path | Mapping[str, Any]


def bundled_map_path(name: str) -> Path:
    """Path of a map shipped with borderflow ("erenhot_zamyn_uud" or "test_crossing")."""
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


def _load(
    source: MapSource, crs: str, snap_tolerance_m: float
) -> tuple[LaneGraph | None, list[MapProblem], str]:
    problems: list[MapProblem] = []
    doc, label = _read(source, problems)
    if problems:
        return None, problems, label
    try:
        projector = Projector.for_crs(crs)
    except (CRSError, ValueError) as exc:
        problems.append(MapProblem(MAP_ID, "wrong-crs", f"cannot use crs {crs!r}: {exc}"))
        return None, problems, label
    parsed = parse_map(doc, problems)
    if parsed is None or problems:
        # Geometry checks on a partly unreadable file would only report echoes of these.
        return None, problems, label
    graph = build_lane_graph(parsed, projector, tol_m=snap_tolerance_m, problems=problems)
    return graph, problems, label


def validate_map(
    source: MapSource,
    *,
    crs: str = DEFAULT_CRS,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> list[MapProblem]:
    """Every problem of a map (sorted by feature id); an empty list means it loads."""
    _, problems, _ = _load(source, crs, snap_tolerance_m)
    return sorted(problems)


def load_map(
    source: MapSource,
    *,
    crs: str = DEFAULT_CRS,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
) -> LaneGraph:
    """The validated lane graph of a map file, bundled map name or GeoJSON dict.

    ``crs`` is the projected CRS the graph's metres are in (UTM 49N by default, right for the
    Erenhot region). Raises :class:`MapError` listing every problem when the map is invalid.
    """
    graph, problems, label = _load(source, crs, snap_tolerance_m)
    if problems or graph is None:
        raise MapError(problems, label)
    return graph
