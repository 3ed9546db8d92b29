"""From projected lane polylines to graph topology: nodes, split segments, crossings.

This module owns the node rules. Nodes exist only where something happens: at lane end points,
at junctions (a vertex shared by several lanes, or a lane meeting itself), and at stations and
gates. Vertices closer than the snap tolerance are one place. Every other vertex is shape, kept
in the segment's polyline, so a long curvy road is a single segment. Node ids are stable: the
station or gate id where one stands, else ``<lane id>@<vertex index>`` of the first lane (by id)
through the node. Two lanes whose lines meet anywhere but at a shared node are an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from maps.errors import MapProblem

__all__ = ["Segment", "Topology", "build_topology"]

FloatArray = npt.NDArray[np.float64]
Where = Callable[[FloatArray], str]  # formats a projected point for messages (as lon/lat)


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of one lane between two consecutive nodes, in drawn order."""

    lane_index: int
    source: str
    target: str
    coords_m: FloatArray  # (k, 2), first/last = the nodes' coordinates


@dataclass(frozen=True, slots=True)
class Topology:
    node_xy_m: dict[str, tuple[float, float]]
    point_node: dict[str, str]  # station / gate id -> node id
    segments: list[Segment]
    geoms: npt.NDArray[np.object_]  # shapely LineString per segment, same order


def build_topology(
    lane_ids: Sequence[str],
    lane_xy_m: Sequence[FloatArray],
    point_ids: Sequence[str],
    point_xy_m: FloatArray,
    *,
    tol_m: float,
    where: Where,
    problems: list[MapProblem],
) -> Topology:
    """Nodes and segments of the lane network; problems are appended, never raised."""
    sizes = np.array([len(xy) for xy in lane_xy_m], dtype=np.int64)
    verts = np.vstack(lane_xy_m) if lane_xy_m else np.empty((0, 2))
    lane_of = np.repeat(np.arange(len(lane_ids)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if len(sizes) else np.empty(0, int)
    k_of = np.arange(len(verts)) - np.repeat(starts, sizes)
    n = len(verts)
    tree = cKDTree(verts) if n else None
    pairs = tree.query_pairs(tol_m, output_type="ndarray") if tree else np.empty((0, 2), int)
    _report_close_vertices(pairs, lane_of, k_of, lane_ids, tol_m=tol_m, problems=problems)
    graph = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)

    is_end = np.zeros(n, dtype=bool)
    is_end[starts] = True
    is_end[starts + sizes - 1] = True
    node_cluster = np.bincount(label, minlength=label.max() + 1 if n else 0) >= 2
    node_cluster[label[is_end]] = True

    point_node_label: dict[str, int] = {}
    label_point: dict[int, str] = {}
    if len(point_ids) and tree is None:
        for pid in point_ids:
            problems.append(MapProblem(pid, "off-lane", "the map has no lanes to stand on"))
    if len(point_ids) and tree is not None:
        dist, idx = tree.query(point_xy_m, distance_upper_bound=tol_m)
        for pid, d, i, xy in zip(point_ids, dist, idx, point_xy_m, strict=True):
            if not np.isfinite(d):
                near_d, near_i = tree.query(xy)
                problems.append(
                    MapProblem(
                        pid,
                        "off-lane",
                        f"is {near_d:.1f} m from the nearest lane vertex (lane "
                        f"{lane_ids[lane_of[near_i]]} at {where(verts[near_i])}); put it on a "
                        f"lane vertex (snap tolerance {tol_m:g} m)",
                    )
                )
                continue
            lab = int(label[i])
            if lab in label_point:
                problems.append(
                    MapProblem(
                        pid,
                        "shared-node",
                        f"stands on the same lane vertex as {label_point[lab]}; each station "
                        "and gate needs its own node",
                    )
                )
                continue
            label_point[lab] = pid
            point_node_label[pid] = lab
            node_cluster[lab] = True

    # Node id: the point standing there, else the first (lane id, vertex) through it.
    rank = np.argsort(np.argsort(np.asarray(lane_ids, dtype=object))) if n else np.empty(0)
    order = np.lexsort((k_of, rank[lane_of] if n else k_of, label))
    first_labels, first_pos = np.unique(label[order], return_index=True)
    first_vertex = order[first_pos]
    counts = np.bincount(label)
    mean_xy = (
        np.column_stack(
            [np.bincount(label, verts[:, 0]) / counts, np.bincount(label, verts[:, 1]) / counts]
        )
        if n
        else np.empty((0, 2))
    )
    node_id: dict[int, str] = {}
    node_xy: dict[str, tuple[float, float]] = {}
    for lab, v in zip(first_labels.tolist(), first_vertex.tolist(), strict=True):
        if not node_cluster[lab]:
            continue
        nid = label_point.get(lab) or f"{lane_ids[lane_of[v]]}@{k_of[v]}"
        node_id[lab] = nid
        node_xy[nid] = (float(mean_xy[lab, 0]), float(mean_xy[lab, 1]))

    segments = _split(lane_xy_m, starts, label, node_cluster, node_id, mean_xy=mean_xy)
    _report_dangling(
        segments, lane_ids, set(label_point.values()), node_xy, where=where, problems=problems
    )
    geoms = _segment_geoms(segments)
    _report_crossings(segments, geoms, lane_ids, where, problems)
    point_node = {pid: node_id[lab] for pid, lab in point_node_label.items()}
    return Topology(node_xy, point_node, segments, geoms)


def _report_close_vertices(
    pairs: npt.NDArray[np.int64],
    lane_of: npt.NDArray[np.int64],
    k_of: npt.NDArray[np.int64],
    lane_ids: Sequence[str],
    *,
    tol_m: float,
    problems: list[MapProblem],
) -> None:
    if not len(pairs):
        return
    a, b = pairs[:, 0], pairs[:, 1]
    adjacent = (lane_of[a] == lane_of[b]) & (np.abs(k_of[a] - k_of[b]) == 1)
    for lane in sorted(set(lane_of[a[adjacent]].tolist())):
        ks = sorted(int(min(k_of[i], k_of[j])) for i, j in pairs[adjacent] if lane_of[i] == lane)
        problems.append(
            MapProblem(
                lane_ids[lane],
                "close-vertices",
                f"vertices {ks[0]} and {ks[0] + 1} are closer than the {tol_m:g} m snap "
                "tolerance; remove one of them",
            )
        )


def _split(
    lane_xy_m: Sequence[FloatArray],
    starts: npt.NDArray[np.int64],
    label: npt.NDArray[np.int32],
    node_cluster: npt.NDArray[np.bool_],
    node_id: dict[int, str],
    *,
    mean_xy: FloatArray,
) -> list[Segment]:
    segments: list[Segment] = []
    for li, xy in enumerate(lane_xy_m):
        labs = label[starts[li] : starts[li] + len(xy)]
        cut = np.flatnonzero(node_cluster[labs])
        for i, j in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True):
            if j == i + 1 and labs[i] == labs[j]:
                continue  # two vertices within the tolerance: reported as close-vertices
            coords = xy[i : j + 1].copy()
            coords[0] = mean_xy[labs[i]]
            coords[-1] = mean_xy[labs[j]]
            segments.append(Segment(li, node_id[int(labs[i])], node_id[int(labs[j])], coords))
    return segments


def _report_dangling(
    segments: list[Segment],
    lane_ids: Sequence[str],
    point_nodes: set[str],
    node_xy: dict[str, tuple[float, float]],
    *,
    where: Where,
    problems: list[MapProblem],
) -> None:
    degree: dict[str, int] = {}
    for s in segments:
        degree[s.source] = degree.get(s.source, 0) + 1
        degree[s.target] = degree.get(s.target, 0) + 1
        if s.source == s.target:
            problems.append(
                MapProblem(
                    lane_ids[s.lane_index],
                    "lane-loop",
                    f"closes on itself at node {s.source} with no other node on it; join it "
                    "to another lane at a shared vertex",
                )
            )
    for s in segments:
        for end, nid in (("start", s.source), ("end", s.target)):
            if degree[nid] == 1 and nid not in point_nodes:
                problems.append(
                    MapProblem(
                        lane_ids[s.lane_index],
                        "lane-not-connected",
                        f"its {end} at {where(np.asarray(node_xy[nid]))} connects to no other "
                        "lane, station or gate; end it on a vertex of another lane or put a "
                        "station there",
                    )
                )


def _segment_geoms(segments: list[Segment]) -> npt.NDArray[np.object_]:
    if not segments:
        return np.empty(0, dtype=object)
    coords = np.vstack([s.coords_m for s in segments])
    index = np.repeat(np.arange(len(segments)), [len(s.coords_m) for s in segments])
    geoms: npt.NDArray[np.object_] = shapely.linestrings(coords, indices=index)
    return geoms


def _report_crossings(
    segments: list[Segment],
    geoms: npt.NDArray[np.object_],
    lane_ids: Sequence[str],
    where: Where,
    problems: list[MapProblem],
) -> None:
    if not len(geoms):
        return
    simple = shapely.is_simple(geoms)
    for i in np.flatnonzero(~simple).tolist():
        problems.append(
            MapProblem(
                lane_ids[segments[i].lane_index],
                "lane-self-crossing",
                f"crosses itself between nodes {segments[i].source} and {segments[i].target}",
            )
        )
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # Allowed: the two lines meet only where their end points (nodes) meet.
    ok = shapely.relate_pattern(geoms[left], geoms[right], "FF*F*****")
    seen: set[tuple[str, str]] = set()
    for i, j in zip(left[~ok].tolist(), right[~ok].tolist(), strict=True):
        a, b = sorted((lane_ids[segments[i].lane_index], lane_ids[segments[j].lane_index]))
        if (a, b) in seen:
            continue
        seen.add((a, b))
        meet = shapely.get_coordinates(
            shapely.point_on_surface(shapely.intersection(geoms[i], geoms[j]))
        )
        at = meet[0] if len(meet) else shapely.get_coordinates(geoms[i])[0]
        what = "cross itself" if a == b else f"and {b} cross"
        problems.append(
            MapProblem(
                a,
                "lane-crossing",
                f"lanes {a} {what} (or overlap) at {where(at)} without a junction node; add "
                "a shared vertex to both lines there (or separate them)",
            )
        )
