"""The border line as VDA 5050 3.0 RELEASE zones, and the geometry a vehicle checks them with.

:func:`border_zone_set` makes one zone set per map: a RELEASE zone (``releaseLossBehavior``
``STOP``) around every border-crossing lane where it meets the border line (the map's
``border_m`` polyline; the lane's midpoint on a map without one), one zone for both directions
of a lane. Each zone is a rectangle along the lane, at most ``ZONE_HALF_LENGTH_M`` either side
of the line and well clear of both end nodes, so a vehicle that may not enter stands still at
the lane's first node, short of the line. Vertices are in the map frame
(:func:`maps.frame.map_origin`), as node positions in orders are.

:func:`segment_enters` is the test a vehicle makes before it drives a segment: does it touch
the polygon? (Pure Python: the vehicle simulator runs hundreds of vehicles per process.)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from maps.frame import map_origin
from orchestrator.ids import NodeId
from orchestrator.lanegraph import LaneGraph

__all__ = ["BorderZone", "border_zone_set", "point_in_polygon", "segment_enters", "zone_set_body"]

ZONE_HALF_LENGTH_M = 2.0  # along the lane, either side of the line
ZONE_HALF_WIDTH_M = 3.0  # across the lane
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class BorderZone:
    zone_id: str
    lanes: frozenset[tuple[NodeId, NodeId]]  # the directed crossing edges through it
    vertices: tuple[Point, ...]  # map frame, counter-clockwise


def _crossing_point(a: Point, b: Point, line: Sequence[Point]) -> float | None:
    """Where segment a-b first meets the polyline, as a fraction of a-b (None: it does not)."""
    best: float | None = None
    for p, q in itertools.pairwise(line):
        rx, ry = b[0] - a[0], b[1] - a[1]
        sx, sy = q[0] - p[0], q[1] - p[1]
        den = rx * sy - ry * sx
        if abs(den) < 1e-12:
            continue
        t = ((p[0] - a[0]) * sy - (p[1] - a[1]) * sx) / den
        u = ((p[0] - a[0]) * ry - (p[1] - a[1]) * rx) / den
        if 0.0 <= t <= 1.0 and 0.0 <= u <= 1.0 and (best is None or t < best):
            best = t
    return best


def border_zone_set(graph: LaneGraph) -> list[BorderZone]:
    """The RELEASE zones of the map's border-crossing lanes (see the module's doc)."""
    ox, oy = map_origin(graph)
    raw = graph.metadata.get("border_m")
    line = (
        [(float(p[0]) - ox, float(p[1]) - oy) for p in raw]
        if isinstance(raw, Sequence) and len(raw) >= 2
        else []
    )
    by_lane: dict[frozenset[NodeId], set[tuple[NodeId, NodeId]]] = {}
    for e in graph.border_edges():
        by_lane.setdefault(frozenset((e.source, e.target)), set()).add((e.source, e.target))
    zones = []
    for ends, lanes in sorted(by_lane.items(), key=lambda kv: sorted(kv[0])):
        s_id, t_id = sorted(ends)
        s, t = graph.nodes[s_id], graph.nodes[t_id]
        a, b = (s.x_m - ox, s.y_m - oy), (t.x_m - ox, t.y_m - oy)
        length = math.hypot(b[0] - a[0], b[1] - a[1])
        if length < 1e-6:
            continue
        f = _crossing_point(a, b, line) if line else None
        f = 0.5 if f is None else f
        ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
        # Clear of both nodes: the vehicle waits at a node, outside the zone.
        half = min(ZONE_HALF_LENGTH_M, 0.4 * f * length, 0.4 * (1.0 - f) * length)
        half = max(half, 0.01)
        cx, cy = a[0] + ux * f * length, a[1] + uy * f * length
        nx, ny = -uy, ux
        w = ZONE_HALF_WIDTH_M
        corners = [
            (cx - ux * half - nx * w, cy - uy * half - ny * w),
            (cx + ux * half - nx * w, cy + uy * half - ny * w),
            (cx + ux * half + nx * w, cy + uy * half + ny * w),
            (cx - ux * half + nx * w, cy - uy * half + ny * w),
        ]
        verts = tuple((round(x, 3), round(y, 3)) for x, y in corners)
        zones.append(BorderZone(f"border-{s_id}-{t_id}", frozenset(lanes), verts))
    return zones


def zone_set_body(map_id: str, zones: Sequence[BorderZone]) -> dict[str, object]:
    """The ``zoneSet`` object of a 3.0 ``zoneSet`` message."""
    return {
        "mapId": map_id,
        "zoneSetId": f"{map_id}-border",
        "zoneSetDescriptor": "border line: RELEASE zones (a lease only with a clearing verdict)",
        "zones": [
            {
                "zoneId": z.zone_id,
                "zoneType": "RELEASE",
                "zoneDescriptor": "border crossing",
                "releaseLossBehavior": "STOP",
                "vertices": [{"x": x, "y": y} for x, y in z.vertices],
            }
            for z in zones
        ],
    }


def point_in_polygon(p: Point, poly: Sequence[Point]) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        if (y1 > p[1]) != (y2 > p[1]):
            x = x1 + (p[1] - y1) * (x2 - x1) / (y2 - y1)
            if x > p[0]:
                inside = not inside
    return inside


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_meet(a: Point, b: Point, c: Point, d: Point) -> bool:
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    return (d1 * d2 < 0) and (d3 * d4 < 0)


def segment_enters(a: Point, b: Point, poly: Sequence[Point]) -> bool:
    """Does the segment a-b touch the polygon (an end inside, or crossing an edge)?"""
    if point_in_polygon(a, poly) or point_in_polygon(b, poly):
        return True
    n = len(poly)
    return any(_segments_meet(a, b, poly[i], poly[(i + 1) % n]) for i in range(n))
