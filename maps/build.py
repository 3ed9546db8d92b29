"""Parsed, still-geographic features -> the core's metric :class:`LaneGraph`.

This module owns the geometry pass: one projection of every coordinate, the map's extent against
its CRS, the border side of every node, the innermost zone of every node and edge midpoint,
border-crossing edges, and the assembly of the plain typed records and the metadata. Zones are
checked in :mod:`maps.zones`, gates made in :mod:`maps.gates`, topology in :mod:`maps.topology`.
It returns problems instead of raising, so the loader can report everything at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from maps.border import BorderLine, load_ne_border
from maps.errors import MAP_ID, MapProblem
from maps.gates import build_gates
from maps.projection import CrsSource, Projector, suggest_utm
from maps.rules import check_layout
from maps.schema import BorderFeature, ParsedMap
from maps.topology import build_topology
from maps.zones import ZoneLocator, build_zones
from orchestrator.lanegraph import (
    Edge,
    EdgeKey,
    Gate,
    LaneGraph,
    Node,
    NodeId,
    Side,
    Station,
    StationId,
    StationRole,
    Zone,
    ZoneId,
)

__all__ = ["build_lane_graph"]

FloatArray = npt.NDArray[np.float64]
NE_BBOX = (111.6, 43.4, 112.3, 44.0)  # lon/lat box the bundled Natural Earth line covers
KPH = 1 / 3.6


def _default_border() -> BorderFeature:
    feat = load_ne_border()
    coords = tuple((float(x), float(y)) for x, y in feat["geometry"]["coordinates"])
    props = feat["properties"]
    return BorderFeature(str(feat["id"]), coords, Side(props["left_side"]), props)


def _bbox(points: FloatArray) -> tuple[float, float, float, float]:
    lo, hi = points.min(axis=0), points.max(axis=0)
    return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


def build_lane_graph(
    parsed: ParsedMap,
    projector: Projector,
    *,
    tol_m: float,
    problems: list[MapProblem],
    crs_source: CrsSource = "given",
) -> LaneGraph | None:
    """The lane graph, or None when any error was found (problems are appended).

    ``crs_source`` says why ``projector`` was chosen (recorded in the metadata, and used by the
    hint of a ``wrong-crs`` problem)."""
    border = parsed.border or _default_border()
    # One transformer call for every coordinate of the map, split back afterwards.
    chunks: list[tuple[tuple[float, float], ...]] = [lane.coords for lane in parsed.lanes]
    chunks += [ring for z in parsed.zones for ring in z.rings]
    chunks += [tuple(s.coord for s in parsed.stations), tuple(g.coord for g in parsed.gates)]
    chunks.append(border.coords)
    lonlat = np.array([p for c in chunks for p in c], dtype=np.float64).reshape(-1, 2)
    _check_extent(lonlat[: -len(border.coords)], parsed, projector, crs_source, problems)
    if problems and any(p.code == "wrong-crs" for p in problems):
        return None
    xy = projector.forward(lonlat)
    bounds = np.cumsum([0] + [len(c) for c in chunks])
    parts = [xy[bounds[i] : bounds[i + 1]] for i in range(len(chunks))]
    lane_xy = parts[: len(parsed.lanes)]
    ring_xy = iter(parts[len(parsed.lanes) : -3])
    station_xy, gate_xy, border_xy = parts[-3], parts[-2], parts[-1]

    def where(p: FloatArray) -> str:
        lon, lat = projector.inverse(np.asarray(p, dtype=np.float64).reshape(1, 2))[0]
        return f"(lon {lon:.6f}, lat {lat:.6f})"

    line = BorderLine(border_xy, border.left_side)
    border_geom = shapely.linestrings(border_xy)
    zone_polys = [
        shapely.polygons(next(ring_xy), holes=[next(ring_xy) for _ in z.rings[1:]] or None)
        for z in parsed.zones
    ]
    zones = build_zones(parsed, zone_polys, line, border_geom, where=where, problems=problems)

    point_ids = [s.id for s in parsed.stations] + [g.id for g in parsed.gates]
    topo = build_topology(
        [lane.id for lane in parsed.lanes],
        lane_xy,
        point_ids,
        np.vstack([station_xy, gate_xy]) if point_ids else np.empty((0, 2)),
        tol_m=tol_m,
        where=where,
        problems=problems,
    )
    zone_ids = [z.id for z in parsed.zones]
    valid = [i for i, z in enumerate(parsed.zones) if ZoneId(z.id) in zones]
    locate = ZoneLocator([zone_polys[i] for i in valid], [zone_ids[i] for i in valid])

    node_ids = sorted(topo.node_xy_m)
    node_xy = np.array([topo.node_xy_m[n] for n in node_ids]).reshape(-1, 2)
    offsets = line.signed_offset_m(node_xy) if len(node_xy) else np.empty(0)
    node_zone = locate(shapely.points(node_xy)) if len(node_xy) else []
    nodes: dict[NodeId, Node] = {}
    for nid, (x, y), off, zone in zip(node_ids, node_xy, offsets, node_zone, strict=True):
        side = border.left_side if off >= 0 else border.left_side.other
        if abs(off) < tol_m:
            problems.append(
                MapProblem(
                    nid.split("@")[0],
                    "node-on-border",
                    f"node {nid} at {where(np.array([x, y]))} lies on the border line; put "
                    "nodes clearly on one side (a gate stands just before the line)",
                )
            )
        nodes[NodeId(nid)] = Node(NodeId(nid), float(x), float(y), side, zone)

    edges = _edges(parsed, topo, nodes, locate, border_geom=border_geom, problems=problems)
    gates = build_gates(parsed.gates, topo.point_node, nodes, edges, border_geom)
    stations = _stations(parsed, topo, nodes, gates)
    problems += check_layout(nodes, edges, zones, stations, gates)
    if any(p.is_error for p in problems):
        return None
    metadata = _metadata(
        parsed,
        projector,
        border,
        lonlat=lonlat,
        xy=xy,
        border_xy=border_xy,
        zone_polys=zone_polys,
        zones=zones,
    )
    metadata["snap_tolerance_m"] = tol_m
    metadata["crs_source"] = crs_source
    return LaneGraph(
        name=parsed.name,
        crs=projector.crs,
        nodes=nodes,
        edges=edges,
        zones=zones,
        stations=stations,
        gates=gates,
        metadata=metadata,
    )


def _check_extent(
    lonlat: FloatArray,
    parsed: ParsedMap,
    projector: Projector,
    crs_source: CrsSource,
    problems: list[MapProblem],
) -> None:
    if not len(lonlat):
        problems.append(MapProblem(MAP_ID, "empty-map", "the map has no lanes, zones or points"))
        return
    w, s, e, n = _bbox(lonlat)
    area = projector.area_of_use()
    margin = 1.0  # degrees: UTM stays usable (scale error ~1e-3) a little outside its zone
    if area is not None and not (
        area[0] - margin <= w
        and e <= area[2] + margin
        and area[1] - margin <= s
        and n <= area[3] + margin
    ):
        suggestion = suggest_utm((w + e) / 2, (s + n) / 2)
        fix = {
            "map": f'(the map\'s projected_crs); set "projected_crs": "{suggestion}" in the '
            "map's properties, or leave it out to use the UTM zone of the map's centre",
            "given": f"(the crs given to the loader); leave the override out (CLI: no --crs) "
            'to use the map\'s own projection, or put "projected_crs": '
            f'"{suggestion}" in the map\'s properties',
            "utm-of-centroid": "(the UTM zone of the map's centre; the map is wider than the "
            'zone); set "projected_crs" in the map\'s properties to a projected CRS that '
            "covers it",
        }[crs_source]
        problems.append(
            MapProblem(
                MAP_ID,
                "wrong-crs",
                f"the map (lon {w:.3f}..{e:.3f}, lat {s:.3f}..{n:.3f}) lies outside the area "
                f"of use of {projector.crs} {fix}",
            )
        )
    if parsed.border is None and not (
        NE_BBOX[0] <= w and e <= NE_BBOX[2] and NE_BBOX[1] <= s and n <= NE_BBOX[3]
    ):
        problems.append(
            MapProblem(
                MAP_ID,
                "no-border",
                "the map declares no 'border' feature and lies outside the bundled Natural "
                "Earth Erenhot line (lon 111.6..112.3, lat 43.4..44.0); add a border LineString",
            )
        )


def _edges(
    parsed: ParsedMap,
    topo: Any,
    nodes: dict[NodeId, Node],
    locate: ZoneLocator,
    *,
    border_geom: Any,
    problems: list[MapProblem],
) -> dict[EdgeKey, Edge]:
    geoms = topo.geoms
    if not len(geoms):
        return {}
    lengths = shapely.length(geoms)
    crosses = shapely.intersects(geoms, border_geom)
    mid_zone = locate(shapely.line_interpolate_point(geoms, 0.5, normalized=True))
    edges: dict[EdgeKey, Edge] = {}
    for i, seg in enumerate(topo.segments):
        lane = parsed.lanes[seg.lane_index]
        if seg.source == seg.target:
            continue  # reported by the topology pass
        inner = tuple((float(x), float(y)) for x, y in seg.coords_m[1:-1])
        ends = [(seg.source, seg.target, inner)]
        if lane.two_way:
            ends.append((seg.target, seg.source, inner[::-1]))
        for src, dst, shape in ends:
            key = (NodeId(src), NodeId(dst))
            if key in edges:
                problems.append(
                    MapProblem(
                        lane.id,
                        "duplicate-edge",
                        f"runs from node {src} to node {dst} like lane {edges[key].lane_id}; "
                        "add a vertex node (a junction) to one of them",
                    )
                )
                continue
            edges[key] = Edge(
                source=key[0],
                target=key[1],
                lane_id=lane.id,
                length_m=float(lengths[i]),
                speed_limit_mps=lane.speed_limit_kph * KPH,
                lane_count=lane.lane_count,
                two_way=lane.two_way,
                exclusive=lane.exclusive,
                crosses_border=bool(crosses[i]),
                side=nodes[key[0]].side,
                zone=mid_zone[i],
                shape_m=shape,
            )
    return edges


def _stations(
    parsed: ParsedMap, topo: Any, nodes: dict[NodeId, Node], gates: dict[str, Gate]
) -> dict[StationId, Station]:
    stations: dict[StationId, Station] = {}
    for st in parsed.stations:
        if st.id not in topo.point_node:
            continue
        node = nodes[NodeId(topo.point_node[st.id])]
        sid = StationId(st.id)
        stations[sid] = Station(
            sid, st.role, node.id, node.side, node.zone, st.capacity_vehicles, st.name
        )
    for g in gates.values():
        # A gate is also a station (seal read), so dispatch can address it like the others.
        node = nodes[g.node]
        gid = StationId(g.id)
        stations[gid] = Station(gid, StationRole.GATE, node.id, node.side, node.zone, 1, g.name)
    return stations


def _metadata(
    parsed: ParsedMap,
    projector: Projector,
    border: BorderFeature,
    *,
    lonlat: FloatArray,
    xy: FloatArray,
    border_xy: FloatArray,
    zone_polys: list[Any],
    zones: dict[ZoneId, Zone],
) -> dict[str, object]:
    n_border = len(border.coords)
    zones_m = {
        z.id: tuple(
            tuple((round(float(x), 3), round(float(y), 3)) for x, y in ring.coords)
            for ring in [poly.exterior, *poly.interiors]
        )
        for z, poly in zip(parsed.zones, zone_polys, strict=True)
        if ZoneId(z.id) in zones
    }
    props = parsed.properties
    return {
        "name": parsed.name,
        "crs": projector.crs,
        "source_crs": "EPSG:4326",
        "description": props.get("description", ""),
        "sources": props.get("sources", ()),
        "schematic": props.get("schematic", ""),
        "accuracy": props.get("accuracy", ""),
        "bbox_lonlat": _bbox(lonlat[:-n_border]),
        "bbox_m": _bbox(xy[:-n_border]),
        "border_m": tuple((float(x), float(y)) for x, y in border_xy),
        "border_left_side": border.left_side.value,
        "border_source": "file" if parsed.border is not None else "bundled Natural Earth",
        "border_id": border.id,
        "zones_m": zones_m,
    }
