"""Where a corridor meets the border: the crossing point, how far each end moves back from an
oblique line, and the border feature of the map (``borderflow map new``).

This module owns the geometry between a spec's border (``corridor.border_at_m`` or a
``[border] line``) and the layout of :mod:`maps.tools.corridor`. Coordinates are the map's
projected metres; the "common frame" is the straight frame across the line at the crossing
point (u along the centreline towards end b, v to its left).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
import shapely.affinity

from maps.border import BorderLine
from maps.projection import Projector
from maps.spec import Spec, SpecError, SpecProblem
from maps.tools.centreline import Centreline, left_of
from maps.tools.layout import customs_features
from maps.tools.parts import Feature, SideParams

__all__ = ["CLEARANCE_M", "MAX_SHIFT_M", "border_at", "border_feature", "shift_off_line"]

FloatArray = npt.NDArray[np.float64]
MAX_SHIFT_M = 300.0  # an oblique border pushing a side back further than this is refused
CLEARANCE_M = 2.0  # nodes and zones of a border end keep this far from an oblique line


def border_at(
    spec: Spec, line: Centreline, projector: Projector
) -> tuple[float, FloatArray | None]:
    """Where the border crosses the centreline (metres from end a), and the spec's own border
    line in metres (None when it is drawn across the corridor at ``border_at_m``)."""
    if spec.border is None:
        s_b = spec.corridor.border_at_m
        assert s_b is not None  # parse_spec requires one of the two
        if s_b >= line.length_m:
            problem = SpecProblem(
                "corridor.border_at_m",
                f"is {s_b:g} m, but the centreline is only {line.length_m:.0f} m long; give a "
                "distance from the centreline's first point (end a) to where the border crosses",
            )
            raise SpecError([problem], spec.source)
        return s_b, None
    border_xy = projector.forward(np.array(spec.border.line))
    meet = shapely.get_coordinates(
        shapely.intersection(shapely.linestrings(line.xy_m), shapely.linestrings(border_xy))
    )
    if len(meet) != 1:
        what = "does not cross" if not len(meet) else f"crosses {len(meet)} times"
        problem = SpecProblem(
            "border.line",
            f"{what} corridor.centreline; the corridor must cross the border exactly once "
            "(extend the line across the corridor, or check that both are [lon, lat])",
        )
        raise SpecError([problem], spec.source)
    s_b = float(shapely.line_locate_point(shapely.linestrings(line.xy_m), shapely.points(meet[0])))
    return s_b, border_xy


def _footprint(p: SideParams, sgn: int) -> Any:
    """What of a side's border end must keep clear of the line: its zones and lanes, its gate
    and the node where its entry road starts, in the common frame (u towards end b)."""
    geoms = []
    for f in customs_features(p):
        gtype, coords = f["geometry"]
        pts = sgn * np.asarray([coords] if gtype == "Point" else coords, dtype=np.float64)
        geoms.append(shapely.polygons(pts) if gtype == "Polygon" else shapely.multipoints(pts))
    geoms.append(shapely.multipoints(sgn * np.array([[p.gate_u, p.off], [p.gate_u, -p.off]])))
    return shapely.union_all(geoms)


def shift_off_line(
    border_xy: FloatArray | None,
    origin: FloatArray,
    t: FloatArray,
    sides: tuple[SideParams, SideParams],
    spec: Spec,
) -> tuple[float, float]:
    """How far ends a and b must move back from an oblique line: until their gates are at
    least the asked distance from it along the road, and nothing of their border ends comes
    within :data:`CLEARANCE_M` of it."""
    if border_xy is None:
        return (0.0, 0.0)  # drawn square across the corridor: nothing to move
    n = left_of(t)
    rel = border_xy - origin
    uv = np.column_stack([rel @ t, rel @ n])
    # Like the loader, treat the line as extended straight beyond its ends.
    head = uv[0] + 50_000.0 * (uv[0] - uv[1]) / np.hypot(*(uv[0] - uv[1]))
    tail = uv[-1] + 50_000.0 * (uv[-1] - uv[-2]) / np.hypot(*(uv[-1] - uv[-2]))
    ext = shapely.linestrings(np.vstack([head, uv, tail]))
    out = []
    for p, sgn, end in ((sides[0], -1, spec.a), (sides[1], 1, spec.b)):
        # Where the line crosses the side's own outbound carriageway (v = sgn * off).
        across = shapely.linestrings([(-1e5, sgn * p.off), (1e5, sgn * p.off)])
        u_gate = shapely.get_coordinates(shapely.intersection(ext, across))[:, 0]
        lo = max([0.0, *(sgn * u for u in u_gate.tolist())])
        shape = _footprint(p, sgn)

        def near(d: float, shape: Any = shape, sgn: int = sgn) -> bool:
            moved = shapely.affinity.translate(shape, xoff=sgn * d)
            return bool(shapely.dwithin(moved, ext, CLEARANCE_M))

        if near(MAX_SHIFT_M):
            problem = SpecProblem(
                "border.line",
                f"meets the corridor so obliquely that end {end.key} ({end.name}) would have to "
                f"move more than {MAX_SHIFT_M:g} m back from it to keep its gate, buffers and "
                "customs area clear of the line; draw the centreline across the border more "
                "squarely",
            )
            raise SpecError([problem], spec.source)
        hi = MAX_SHIFT_M
        if near(lo):
            while hi - lo > 0.01:  # bisection: the least shift that keeps clear
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if near(mid) else (lo, mid)
            lo = hi
        out.append(round(lo, 2))
    return (out[0], out[1])


def border_feature(
    spec: Spec, border_xy: FloatArray | None, feats_xy: FloatArray, line: Centreline, s_b: float
) -> Feature:
    """The border feature: drawn across the corridor (in metres) at ``border_at_m``, else the
    spec's own line (its lon/lat as given)."""
    i = line.segment(s_b)
    t, at = line.direction(i), line.point(s_b)
    props: dict[str, Any] = {"kind": "border"}
    if border_xy is None:
        n = left_of(t)
        half = float(np.abs((feats_xy - at) @ n).max()) + 200.0
        xy = np.vstack([at - half * n, at + half * n])
        left = spec.a.side  # walking along n, end a (behind t) is on the left
        props["left_side"] = left.value
        props["name"] = (
            f"border line (schematic: drawn across the corridor {s_b:.0f} m from {spec.a.name})"
        )
        return {"id": "border", "properties": props, "geometry": ("LineString", xy)}
    probe = at - min(5.0, s_b / 2) * t  # a point of end a's side, next to the crossing
    on_left = BorderLine(border_xy, spec.a.side).signed_offset_m(probe.reshape(1, 2))[0] > 0
    left = spec.a.side if on_left else spec.b.side
    props["left_side"] = left.value
    assert spec.border is not None
    props.update(spec.border.properties)
    coords = [[float(x), float(y)] for x, y in spec.border.line]
    return {"id": "border", "properties": props, "geometry": ("LineString", coords)}
