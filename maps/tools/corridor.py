"""Build a crossing map from a corridor spec: what ``borderflow map new`` does.

This module owns placing the generated layout on the Earth. The centreline (WGS84) is projected
into the map's CRS (the spec's ``projected_crs``, else the UTM zone of the centreline's centre,
written into the map as ``projected_crs``). Each end is laid out by :mod:`maps.tools.sizing` and
:mod:`maps.tools.layout` in its local (u, v) metres, then placed in three parts: its border end
(gate, buffers, customs ring) in one straight frame across the border line, with the crossing
road; its yard end (yard ring, slots, chargers, depots) at its end of the centreline, oriented
along the last stretch; and between them the pair of one-way link roads, which follow the
centreline. Where the border meets the road at an angle, each side is pushed back from the
line until only the crossing road reaches it (:mod:`maps.tools.corridor_border`). Mistakes in
the spec that need metres to see (a border the centreline does not cross, an end without room
for its layout, a bend inside a customs area) raise :class:`~maps.spec.SpecError` naming the
key; the finished map must load with no problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
import shapely.affinity
from pyproj.exceptions import CRSError

from maps.errors import errors_of
from maps.loader import validate_map
from maps.projection import Projector, suggest_utm
from maps.spec import EndSpec, Spec, SpecError, SpecProblem
from maps.tools.centreline import Centreline, left_of
from maps.tools.corridor_border import border_at, border_feature, shift_off_line
from maps.tools.layout import customs_features, link_features, road_features
from maps.tools.parts import Feature, SideParams
from maps.tools.sizing import MIN_SEGMENT_M, NearExtent, near_extent, side_params
from maps.tools.yard import yard_features

__all__ = ["MIN_LINK_M", "CorridorMap", "build_corridor_map", "map_json", "write_corridor_map"]

FloatArray = npt.NDArray[np.float64]
Frame = Callable[[FloatArray], FloatArray]  # local (n, 2) (u, v) -> (n, 2) projected metres
MIN_LINK_M = 60.0  # shortest link road between an end's customs area and its yard
MAX_TURN_DEG = 90.0


@dataclass(frozen=True)
class CorridorMap:
    """A generated map (GeoJSON dict) and the figures it was placed with."""

    doc: dict[str, Any]
    crs: str
    length_m: float  # of the centreline, projected
    border_at_m: float  # along the centreline from end a to where the border crosses it
    shift_m: tuple[float, float]  # how far each end (a, b) was pushed back from an oblique line


def map_json(doc: dict[str, Any]) -> str:
    """The file text of a map: the same bytes for the same map."""
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _fail(problems: list[SpecProblem], spec: Spec) -> None:
    if problems:
        raise SpecError(problems, spec.source)


def _projector(spec: Spec) -> Projector:
    crs = spec.info.projected_crs
    if crs is None:
        lon, lat = np.mean(np.array(spec.corridor.centreline), axis=0)
        crs = suggest_utm(float(lon), float(lat))
    try:
        return Projector.for_crs(crs)
    except (CRSError, ValueError) as exc:
        problem = SpecProblem(
            "map.projected_crs",
            f'must name a projected CRS such as a UTM zone (e.g. "EPSG:32648"), or be left '
            f"out to use the UTM zone of the centreline's centre: {exc}",
        )
        raise SpecError([problem], spec.source) from None


def _check_centreline(line: Centreline, spec: Spec) -> None:
    problems = []
    key = "corridor.centreline"
    seg = np.diff(line.s_m)
    for i in np.flatnonzero(seg < MIN_SEGMENT_M).tolist():
        problems.append(
            SpecProblem(
                key,
                f"points {i} and {i + 1} are only {seg[i]:.1f} m apart; give points at least "
                f"{MIN_SEGMENT_M:g} m apart (a straight stretch needs only its two ends)",
            )
        )
    for i, deg in enumerate(line.turn_deg(), 1):
        if deg > MAX_TURN_DEG:
            problems.append(
                SpecProblem(
                    key,
                    f"turns by {deg:.0f} degrees at point {i}; a corridor bends by at most "
                    f"{MAX_TURN_DEG:g} degrees at a point (add points for a tighter curve)",
                )
            )
    if not shapely.is_simple(shapely.linestrings(line.xy_m)):
        problems.append(SpecProblem(key, "crosses itself; a corridor runs from end a to end b"))
    _fail(problems, spec)


def _check_room(
    line: Centreline,
    s_b: float,
    ends: tuple[tuple[EndSpec, NearExtent, float], ...],
    spec: Spec,
) -> None:
    problems = []
    where = "corridor.border_at_m" if spec.border is None else "border.line"
    for (end, ext, shift), sgn in zip(ends, (-1, 1), strict=True):
        room = s_b if sgn < 0 else line.length_m - s_b
        need = ext.length_m + shift + MIN_LINK_M
        if room < need:
            problems.append(
                SpecProblem(
                    where,
                    f"leaves end {end.key} ({end.name}) {room:.0f} m of centreline, but it needs "
                    f"{need:.0f} m: its gate, buffers and customs area take {ext.length_m:.0f} m "
                    f"from the line and the link road to its yard at least {MIN_LINK_M:g} m; "
                    "move the border or lengthen the centreline at that end",
                )
            )
        lo, hi = sorted((s_b, s_b + sgn * (ext.length_m + shift)))
        for i in np.flatnonzero((line.s_m > lo) & (line.s_m < hi)).tolist():
            problems.append(
                SpecProblem(
                    "corridor.centreline",
                    f"point {i} lies {abs(line.s_m[i] - s_b):.0f} m from the border, inside "
                    f"the customs area of end {end.key}, which is drawn straight for the first "
                    f"{ext.length_m + shift:.0f} m from the line; move the point further from "
                    "the border (or drop it)",
                )
            )
    _fail(problems, spec)


def _frame(origin: FloatArray, e_u: FloatArray) -> Frame:
    e_v = left_of(e_u)

    def place(uv: FloatArray) -> FloatArray:
        out: FloatArray = origin + uv[:, :1] * e_u + uv[:, 1:] * e_v
        return out

    return place


def _placed(features: list[Feature], frame: Frame) -> list[Feature]:
    out = []
    for f in features:
        gtype, coords = f["geometry"]
        pts = frame(np.asarray([coords] if gtype == "Point" else coords, dtype=np.float64))
        out.append({**f, "geometry": (gtype, pts[0] if gtype == "Point" else pts)})
    return out


def _side(p: SideParams, line: Centreline, s_b: float, sgn: int, shift: float) -> list[Feature]:
    """One end's features in projected metres: border end, link roads, yard end."""
    t = line.direction(line.segment(s_b))
    near = _frame(line.point(s_b) + sgn * shift * t, sgn * t)
    last = 0 if sgn < 0 else len(line.xy_m) - 2
    e_u = sgn * line.direction(last)
    end = line.xy_m[0] if sgn < 0 else line.xy_m[-1]
    far = _frame(end - p.yard[0] * e_u, e_u)
    s_near = s_b + sgn * (shift + p.customs[1])
    s_far = 0.0 if sgn < 0 else line.length_m
    links = []
    for f in link_features(p):
        to_yard = f["id"].endswith("_to_yard")
        v = -p.off if to_yard else p.off
        pts = line.offset(s_near, s_far, v)
        # The ends meet the rings' vertices exactly (the frames' own arithmetic).
        pts[0] = near(np.array([[p.customs[1], v]]))[0]
        pts[-1] = far(np.array([[p.yard[0], v]]))[0]
        links.append({**f, "geometry": ("LineString", pts if to_yard else pts[::-1])})
    return _placed(customs_features(p), near) + links + _placed(yard_features(p), far)


def _lonlat(projector: Projector, feats: list[Feature]) -> list[dict[str, Any]]:
    """Every geometry to WGS84 in one transformer call, rounded to 1e-7 degrees (~1 cm)."""
    metric = [f for f in feats if isinstance(f["geometry"][1], np.ndarray)]
    sizes = [len(np.atleast_2d(f["geometry"][1])) for f in metric]
    flat = np.vstack([np.atleast_2d(f["geometry"][1]) for f in metric])
    ll = projector.inverse(flat)
    bounds = np.cumsum([0, *sizes])
    done = {}
    for k, f in enumerate(metric):
        rows = ll[bounds[k] : bounds[k + 1]]
        done[id(f)] = [[round(float(x), 7), round(float(y), 7)] for x, y in rows]
    out = []
    for f in feats:
        gtype, coords = f["geometry"]
        if id(f) in done:
            coords = done[id(f)]
            coords = coords[0] if gtype == "Point" else [coords] if gtype == "Polygon" else coords
        out.append(
            {
                "type": "Feature",
                "id": f["id"],
                "properties": f["properties"],
                "geometry": {"type": gtype, "coordinates": coords},
            }
        )
    return out


def _properties(spec: Spec, crs: str, length_m: float, s_b: float) -> dict[str, Any]:
    a, b = spec.a, spec.b
    own = dict(spec.info.properties)
    generated = (
        f"Generated by `borderflow map new {spec.source}`: a corridor of {length_m:.0f} m "
        f"(centreline, yard to yard) from {a.name} ({a.side.value}) to {b.name} "
        f"({b.side.value}), the border {s_b:.0f} m from {a.name}; {spec.corridor.lanes_each_way} "
        f"lane(s) each way at {spec.corridor.speed_limit_kph:g} km/h. At each end: a yard ring "
        "with yard-slot spurs, chargers and AGV depots; a customs control ring with an NII "
        "scanner drive-through, hold bays and inspection docks; pre-border buffers; a gate with "
        "a turn-back lane."
    )
    schematic = own.get("schematic", [])
    schematic = [schematic] if isinstance(schematic, str) else list(schematic)
    schematic.append(
        "Layout generated from counts by borderflow (docs/maps.md, 'Building a map from a "
        "spec'): the facilities and their order follow the layout rules; their positions, "
        "shapes and sizes are schematic."
    )
    props: dict[str, Any] = {"schema": "borderflow-map/1", "name": spec.info.name}
    props["description"] = own.get("description", generated)
    for key in ("sources", "accuracy", "licence"):
        if key in own:
            props[key] = own[key]
    props["schematic"] = schematic
    props["generator"] = f"borderflow map new {spec.source}"
    props["projected_crs"] = crs
    return props


def build_corridor_map(spec: Spec) -> CorridorMap:
    """The map of a spec; raises :class:`SpecError` for a spec that cannot be laid out."""
    projector = _projector(spec)
    line = Centreline(projector.forward(np.array(spec.corridor.centreline)))
    _check_centreline(line, spec)
    s_b, border_xy = border_at(spec, line, projector)
    t = line.direction(line.segment(s_b))
    extents = (near_extent(spec.a), near_extent(spec.b))
    c = spec.corridor
    note = f"schematic: generated by borderflow map new from {spec.source}"

    def params_at(shift: tuple[float, float]) -> list[SideParams]:
        return [
            side_params(
                end,
                y0=(s_b if k == 0 else line.length_m - s_b) - shift[k],
                lanes=c.lanes_each_way,
                speed_kph=c.speed_limit_kph,
                note=note,
            )
            for k, end in enumerate((spec.a, spec.b))
        ]

    first = params_at((0.0, 0.0))  # the border ends do not depend on where the yards are
    shift = shift_off_line(border_xy, line.point(s_b), t, (first[0], first[1]), spec)
    ends = tuple(zip((spec.a, spec.b), extents, shift, strict=True))
    _check_room(line, s_b, ends, spec)
    params = params_at(shift)
    feats = _side(params[0], line, s_b, -1, shift[0]) + _side(params[1], line, s_b, 1, shift[1])
    road = _frame(line.point(s_b), t)
    feats += _placed(road_features(params[1], params[0], (shift[1], shift[0])), road)
    xy = np.vstack([np.atleast_2d(f["geometry"][1]) for f in feats])
    border = border_feature(spec, border_xy, xy, line, s_b)
    doc = {
        "type": "FeatureCollection",
        "properties": _properties(spec, projector.crs, line.length_m, s_b),
        "features": _lonlat(projector, [*feats, border]),
    }
    problems = errors_of(validate_map(doc))
    if problems:
        raise SpecError(
            [
                SpecProblem(
                    "(map)",
                    f"the generated map is invalid: {p}; this usually means the centreline "
                    "bends too sharply near an end or the border cuts a yard: straighten the "
                    "last stretch before each end",
                )
                for p in problems
            ],
            spec.source,
        )
    return CorridorMap(doc, projector.crs, line.length_m, s_b, shift)


def write_corridor_map(spec: Spec, out: str | Path) -> CorridorMap:
    """Build the map and write it (only once it is known to be valid)."""
    result = build_corridor_map(spec)
    Path(out).write_text(map_json(result.doc), encoding="utf-8")
    return result
