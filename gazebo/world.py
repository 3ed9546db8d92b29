"""The SDFormat 1.9 world of a crossing: what ``borderflow gazebo world`` writes.

In the map's local metric frame (:mod:`gazebo.frame`): the ground plane sized to the map, the
sun, the lanes as thin asphalt strips with a white centre line on two-way lanes (a red tint
where a lane crosses the border), zone outlines, buildings, gates and the border line
(:mod:`gazebo.facilities`), and one AGV per vehicle at its start pose (:mod:`gazebo.spawn`),
inline so that each has its own topics. ``<spherical_coordinates>`` puts the frame's origin at
its WGS84 position, so Gazebo's NavSat and map tools place the world on the Earth.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from pyproj import Transformer

from gazebo.agv_model import agv_model
from gazebo.facilities import border_model, facilities_model, static_model, strips, zones_model
from gazebo.frame import edge_polyline, map_origin
from gazebo.sdf import SDF_VERSION, fmt, pose, sub, to_text
from gazebo.spawn import LANE_WIDTH_M, SpawnPose
from gazebo.spec import AgvSpec
from orchestrator.lanegraph import LaneGraph

__all__ = ["GROUND_MARGIN_M", "map_extent", "world_sdf"]

GROUND_MARGIN_M = 200.0
_ASPHALT = (0.25, 0.25, 0.27, 1.0)
_CROSSING_ASPHALT = (0.42, 0.22, 0.2, 1.0)
_WHITE = (0.95, 0.95, 0.95, 1.0)
_GROUND = (0.78, 0.7, 0.52, 1.0)  # Gobi gravel


def map_extent(graph: LaneGraph) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y) of the map in its frame, with the ground's margin."""
    bbox = graph.metadata.get("bbox_m")
    ox, oy = map_origin(graph)
    if isinstance(bbox, Sequence) and len(bbox) == 4:
        w, h = float(bbox[2]) - ox, float(bbox[3]) - oy
    else:
        w = max((n.x_m for n in graph.nodes.values()), default=ox) - ox
        h = max((n.y_m for n in graph.nodes.values()), default=oy) - oy
    m = GROUND_MARGIN_M
    return (-m, -m, w + m, h + m)


def _scene(world: ET.Element) -> None:
    physics = sub(world, "physics", name="4ms", type="ignored")
    sub(physics, "max_step_size", "0.004")
    sub(physics, "real_time_factor", "1.0")
    for filename, name in (
        ("gz-sim-physics-system", "Physics"),
        ("gz-sim-user-commands-system", "UserCommands"),
        ("gz-sim-scene-broadcaster-system", "SceneBroadcaster"),
    ):
        sub(world, "plugin", filename=filename, name=f"gz::sim::systems::{name}")
    sub(world, "gravity", "0 0 -9.8")
    scene = sub(world, "scene")
    sub(scene, "ambient", "0.6 0.6 0.6 1")
    sub(scene, "background", "0.7 0.8 0.95 1")
    sub(scene, "grid", "false")
    sun = sub(world, "light", name="sun", type="directional")
    sub(sun, "cast_shadows", "true")
    pose(sun, 0.0, 0.0, 500.0)
    sub(sun, "diffuse", "0.9 0.9 0.85 1")
    sub(sun, "specular", "0.2 0.2 0.2 1")
    sub(sun, "direction", "-0.4 0.3 -0.9")


def _spherical(world: ET.Element, graph: LaneGraph) -> None:
    ox, oy = map_origin(graph)
    lon, lat = Transformer.from_crs(graph.crs, "EPSG:4326", always_xy=True).transform(ox, oy)
    sc = sub(world, "spherical_coordinates")
    sub(sc, "surface_model", "EARTH_WGS84")
    sub(sc, "world_frame_orientation", "ENU")  # UTM grid north; convergence under 2 degrees
    sub(sc, "latitude_deg", f"{lat:.7f}")
    sub(sc, "longitude_deg", f"{lon:.7f}")
    sub(sc, "elevation", "0")
    sub(sc, "heading_deg", "0")


def _ground(extent: tuple[float, float, float, float]) -> ET.Element:
    x0, y0, x1, y1 = extent
    model, link = static_model("ground")
    pose(model, (x0 + x1) / 2.0, (y0 + y1) / 2.0, 0.0)
    for tag in ("collision", "visual"):
        el = sub(link, tag, name=tag)
        plane = sub(sub(el, "geometry"), "plane")
        sub(plane, "normal", "0 0 1")
        sub(plane, "size", fmt(x1 - x0, y1 - y0))
        if tag == "visual":
            mat = sub(el, "material")
            for part in ("ambient", "diffuse"):
                sub(mat, part, fmt(*_GROUND))
    return model


def _lanes(graph: LaneGraph) -> ET.Element:
    """One strip per drawn lane (a two-way lane's two edges are one strip)."""
    model, link = static_model("lanes")
    seen: set[tuple[str, frozenset[str]]] = set()
    i = 0
    for key in sorted(graph.edges):
        e = graph.edges[key]
        ident = (e.lane_id, frozenset(key))
        if ident in seen:
            continue
        seen.add(ident)
        pts = edge_polyline(graph, e)
        rgba = _CROSSING_ASPHALT if e.crosses_border else _ASPHALT
        start = i
        i = strips(link, "lane", pts, e.lane_count * LANE_WIDTH_M, 0.02, 0.0, rgba, i)
        if e.two_way:
            strips(link, "centre", pts, 0.15, 0.005, 0.02, _WHITE, start)
    return model


def world_sdf(graph: LaneGraph, map_id: str, spec: AgvSpec, poses: Sequence[SpawnPose]) -> str:
    """The world file's text (same inputs, same bytes)."""
    root = ET.Element("sdf", version=SDF_VERSION)
    world = sub(root, "world", name=f"borderflow_{map_id}")
    _scene(world)
    _spherical(world, graph)
    extent = map_extent(graph)
    world.append(_ground(extent))
    world.append(_lanes(graph))
    world.append(zones_model(graph))
    world.append(facilities_model(graph))
    world.append(border_model(graph, extent))
    for p in poses:
        world.append(agv_model(spec, p.vehicle_id, at=(p.x_m, p.y_m, p.yaw_rad)))
    return to_text(root)
