"""The crossing's built environment in the Gazebo world: zone outlines, buildings, gates, border.

Everything here is visual only (no ``<collision>``): the map's facilities are schematic, and a
building outline drawn over a lane must never trap a vehicle the core routed along it. Each
group is one static model with one link (mass 0, so pybullet keeps it fixed) holding many
visuals: a few dozen entities for Gazebo instead of thousands.

Buildings come from each zone's minimum rotated rectangle: a yard gets an office block at one
end, an NII scanner and a border gate a portal (two side walls and a roof) over the lane, a
hold bay a fence along its outline, an inspection zone a shed, customs control an office.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from itertools import pairwise

from shapely.geometry import LineString, Polygon, box

from gazebo.frame import local_xy
from gazebo.sdf import RGBA, inertial, sub, visual_box
from orchestrator.lanegraph import LaneGraph, ZoneKind

__all__ = ["border_model", "facilities_model", "static_model", "zones_model"]

ZONE_RGBA: dict[ZoneKind, RGBA] = {
    ZoneKind.YARD: (0.2, 0.6, 0.2, 1.0),
    ZoneKind.CUSTOMS_CONTROL: (0.2, 0.4, 0.9, 1.0),
    ZoneKind.NII_SCANNER: (0.6, 0.2, 0.8, 1.0),
    ZoneKind.HOLD_BAY: (0.9, 0.1, 0.1, 1.0),
    ZoneKind.PRE_BORDER_BUFFER: (0.9, 0.7, 0.1, 1.0),
    ZoneKind.BORDER_GATE: (0.1, 0.1, 0.1, 1.0),
    ZoneKind.INSPECTION: (0.8, 0.4, 0.1, 1.0),
    ZoneKind.CHARGING: (0.1, 0.7, 0.9, 1.0),
    ZoneKind.DEPOT: (0.5, 0.5, 0.5, 1.0),
}
_CONCRETE: RGBA = (0.75, 0.74, 0.7, 1.0)
_BORDER_RGBA: RGBA = (0.85, 0.05, 0.05, 1.0)


def static_model(name: str) -> tuple[ET.Element, ET.Element]:
    """A static model with its one link (mass 0): (model, link)."""
    model = ET.Element("model", name=name)
    sub(model, "static", "true")
    link = sub(model, "link", name="link")
    inertial(link, 0.0, (0.0, 0.0, 0.0))
    return model, link


def strips(
    link: ET.Element,
    prefix: str,
    points: Sequence[tuple[float, float]],
    width_m: float,
    height_m: float,
    z_m: float,
    rgba: RGBA,
    start: int = 0,
) -> int:
    """One box per segment of a polyline (lying on the ground); returns the next index."""
    i = start
    for (ax, ay), (bx, by) in pairwise(points):
        length = math.hypot(bx - ax, by - ay)
        if length < 0.05:
            continue
        yaw = math.atan2(by - ay, bx - ax)
        centre = ((ax + bx) / 2.0, (ay + by) / 2.0, z_m + height_m / 2.0)
        visual_box(link, f"{prefix}_{i}", centre, yaw, (length, width_m, height_m), rgba)
        i += 1
    return i


def _rings(graph: LaneGraph) -> Iterator[tuple[str, ZoneKind, list[tuple[float, float]]]]:
    zones_m = graph.metadata.get("zones_m")
    if not isinstance(zones_m, dict):
        return
    for zone_id in sorted(zones_m):
        zone = graph.zones.get(zone_id)
        rings = zones_m[zone_id]
        if zone is None or not rings:
            continue
        yield zone_id, zone.kind, [local_xy(graph, x, y) for x, y in rings[0]]


def zones_model(graph: LaneGraph) -> ET.Element:
    """Every zone's outline, a painted line in the zone kind's colour."""
    model, link = static_model("zones")
    for zone_id, kind, ring in _rings(graph):
        strips(link, zone_id, ring, 0.4, 0.02, 0.02, ZONE_RGBA[kind])
    return model


def _rectangle(ring: list[tuple[float, float]]) -> tuple[float, float, float, float, float]:
    """(cx, cy, yaw, long side, short side) of a ring's minimum rotated rectangle."""
    rect = Polygon(ring).minimum_rotated_rectangle
    pts = list(rect.exterior.coords)[:4] if isinstance(rect, Polygon) else ring[:4]
    (ax, ay), (bx, by), (cx, cy) = pts[0], pts[1], pts[2]
    s1, s2 = math.hypot(bx - ax, by - ay), math.hypot(cx - bx, cy - by)
    yaw = math.atan2(by - ay, bx - ax) if s1 >= s2 else math.atan2(cy - by, cx - bx)
    centre = Polygon(ring).centroid
    return (centre.x, centre.y, yaw, max(s1, s2), min(s1, s2))


def _place(cx: float, cy: float, yaw: float, along: float, across: float) -> tuple[float, float]:
    c, s = math.cos(yaw), math.sin(yaw)
    return (cx + c * along - s * across, cy + s * along + c * across)


def _portal(
    link: ET.Element,
    name: str,
    rect: tuple[float, float, float, float, float],
    height_m: float,
    rgba: RGBA,
) -> None:
    """Two walls along the long side and a roof: a drive-through hall over the lane."""
    cx, cy, yaw, long_m, short_m = rect
    depth = min(long_m, 40.0)
    for k, side in enumerate((-1.0, 1.0)):
        x, y = _place(cx, cy, yaw, 0.0, side * (short_m / 2.0 - 0.5))
        visual_box(
            link, f"{name}_wall_{k}", (x, y, height_m / 2.0), yaw, (depth, 1.0, height_m), rgba
        )
    visual_box(
        link,
        f"{name}_roof",
        (cx, cy, height_m + 0.5),
        yaw,
        (depth, short_m, 1.0),
        rgba,
        transparency=0.3,
    )


def facilities_model(graph: LaneGraph) -> ET.Element:
    """Buildings for yards, scanners, hold bays, gates, inspection and customs control."""
    model, link = static_model("facilities")
    for zone_id, kind, ring in _rings(graph):
        rect = _rectangle(ring)
        cx, cy, yaw, long_m, short_m = rect
        rgba = ZONE_RGBA[kind]
        if kind is ZoneKind.YARD:
            # An office block at one end of the yard, and light masts at the corners.
            x, y = _place(cx, cy, yaw, long_m / 2.0 - 15.0, 0.0)
            visual_box(
                link,
                f"{zone_id}_office",
                (x, y, 4.0),
                yaw,
                (20.0, min(short_m, 12.0), 8.0),
                _CONCRETE,
            )
            for k, (a, b) in enumerate(((1, 1), (1, -1), (-1, 1), (-1, -1))):
                x, y = _place(cx, cy, yaw, a * long_m / 2.0, b * short_m / 2.0)
                visual_box(
                    link, f"{zone_id}_mast_{k}", (x, y, 10.0), 0.0, (0.5, 0.5, 20.0), _CONCRETE
                )
        elif kind is ZoneKind.NII_SCANNER:
            _portal(link, zone_id, rect, 8.0, rgba)
        elif kind is ZoneKind.BORDER_GATE:
            _portal(link, zone_id, rect, 6.0, rgba)
        elif kind is ZoneKind.HOLD_BAY:
            strips(link, f"{zone_id}_fence", ring, 0.2, 2.5, 0.0, rgba)
        elif kind in (ZoneKind.INSPECTION, ZoneKind.CUSTOMS_CONTROL):
            height = 9.0 if kind is ZoneKind.INSPECTION else 6.0
            size = (min(long_m, 30.0), min(short_m, 15.0), height)
            visual_box(
                link, f"{zone_id}_hall", (cx, cy, height / 2.0), yaw, size, rgba, transparency=0.5
            )
    for gate in sorted(graph.gates.values(), key=lambda g: g.id):
        node = graph.nodes[gate.node]
        x, y = local_xy(graph, node.x_m, node.y_m)
        visual_box(link, f"{gate.id}_booth", (x + 6.0, y, 1.5), 0.0, (3.0, 3.0, 3.0), _CONCRETE)
    return model


def border_model(graph: LaneGraph, extent_m: tuple[float, float, float, float]) -> ET.Element:
    """The border line within ``extent_m`` (min x, min y, max x, max y): a red band on the
    ground and a post every 50 m."""
    model, link = static_model("border")
    line = graph.metadata.get("border_m")
    if not isinstance(line, Sequence) or len(line) < 2:
        return model
    local = LineString([local_xy(graph, x, y) for x, y in line])
    clipped = local.intersection(box(*extent_m))
    parts = getattr(clipped, "geoms", [clipped])
    k = 0
    posts = 0
    for part in parts:
        if not isinstance(part, LineString) or part.is_empty:
            continue
        pts = [(float(x), float(y)) for x, y in part.coords]
        k = strips(link, "line", pts, 1.5, 0.05, 0.03, _BORDER_RGBA, k)
        for d in range(0, int(part.length) + 1, 50):
            p = part.interpolate(float(d))
            visual_box(link, f"post_{posts}", (p.x, p.y, 1.5), 0.0, (0.3, 0.3, 3.0), _BORDER_RGBA)
            posts += 1
    return model
