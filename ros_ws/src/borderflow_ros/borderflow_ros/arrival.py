"""Node arrivals inferred from odometry, for AGVs that speak only standard topics (no ROS).

A "standard" vehicle takes ``nav_msgs/Path`` in and gives ``nav_msgs/Odometry`` out; it never
says which lane-graph node it has reached, but the core needs ``VehicleAtNode`` for every node of
a Drive, in order. :class:`ArrivalTracker` derives them: after a Drive it watches only the next
node of the path and reports it once the vehicle's track passes within ``tolerance_m`` of it,
then the one after, so a node is never skipped (a vehicle that cuts a corner far from a node
reports nothing more until it comes back within tolerance of that node).

"The track passes within tolerance" means the segment between two consecutive odometry poses,
not just the newest pose: a fast vehicle at 10 Hz odometry can overshoot a node between two
samples, and it has still been there.

Poses and node positions are in the ``map`` frame (REP 105): the crossing's local metric frame
of :func:`borderflow_ros.frame.map_origin`, x east, y north, metres. Odometry from a vehicle
must be in that frame (``header.frame_id`` ``map``); a vehicle localising in its own ``odom``
frame needs the map -> odom transform applied first.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence

from borderflow_ros.errors import ParameterError
from orchestrator.lanegraph import LaneGraph

__all__ = ["ArrivalTracker", "closest_on_segment", "nearest_node", "node_positions"]


def node_positions(graph: LaneGraph, origin: tuple[float, float]) -> dict[str, tuple[float, float]]:
    """Every node's (x, y) in the ``map`` frame (metres from ``origin``)."""
    ox, oy = origin
    return {nid: (n.x_m - ox, n.y_m - oy) for nid, n in graph.nodes.items()}


def closest_on_segment(
    a: tuple[float, float], b: tuple[float, float], p: tuple[float, float]
) -> tuple[float, tuple[float, float]]:
    """(distance, closest point) from point ``p`` to the segment ``a``-``b``."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    u = 0.0
    if length2 > 0.0:
        u = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    cx, cy = ax + u * dx, ay + u * dy
    return (math.hypot(p[0] - cx, p[1] - cy), (cx, cy))


def nearest_node(
    positions: Mapping[str, tuple[float, float]], x_m: float, y_m: float, tolerance_m: float
) -> str | None:
    """The node within ``tolerance_m`` of (x, y) closest to it (ties by id), else None."""
    best: tuple[float, str] | None = None
    for nid in sorted(positions):
        nx, ny = positions[nid]
        d = math.hypot(nx - x_m, ny - y_m)
        if d <= tolerance_m and (best is None or d < best[0]):
            best = (d, nid)
    return best[1] if best is not None else None


class ArrivalTracker:
    """Per-vehicle arrival inference: ``drive(path)``, then ``update(x, y)`` per odometry."""

    def __init__(
        self,
        vehicle_id: str,
        positions: Mapping[str, tuple[float, float]],
        tolerance_m: float,
        node: str = "",
    ) -> None:
        if not tolerance_m > 0.0:
            raise ParameterError(
                f"vehicle {vehicle_id}: arrival tolerance {tolerance_m!r} m must be > 0"
            )
        self.vehicle_id = vehicle_id
        self.positions = positions
        self.tolerance_m = tolerance_m
        self.node = node  # last node reported (or joined at)
        self.pending: deque[str] = deque()
        self._last_xy: tuple[float, float] | None = None
        self._segment: tuple[tuple[float, float], tuple[float, float]] | None = None

    def drive(self, path: Sequence[str]) -> None:
        """A new Drive replaces whatever was pending.

        The core plans from the node the vehicle last reported (or, mid-lane, from that lane's
        source), so a leading node equal to the last reported one is not expected again.
        """
        unknown = [n for n in path if n not in self.positions]
        if unknown:
            raise ValueError(
                f"vehicle {self.vehicle_id}: Drive path has nodes {unknown} not on the map; "
                "the orchestrator and the fleet adapter must load the same map"
            )
        nodes = list(path)
        if nodes and nodes[0] == self.node:
            nodes = nodes[1:]
        self.pending = deque(nodes)

    def stop(self) -> None:
        """A Stop: the vehicle stays where it is; nothing more is expected."""
        self.pending.clear()

    def restart(self, node: str) -> None:
        """The vehicle is back (after a fault) standing at ``node``: nothing is pending and the
        track starts afresh, so the poses from before the fault reach no node."""
        self.node = node
        self.pending.clear()
        self._last_xy = None
        self._segment = None

    def move(self, x_m: float, y_m: float) -> None:
        """A new odometry pose: the track from the previous pose to it is checked next."""
        here = (x_m, y_m)
        self._segment = (self._last_xy if self._last_xy is not None else here, here)
        self._last_xy = here

    def next_arrival(self) -> str | None:
        """The next node of the path if the track since the previous pose reached it, else None.

        One node per call, so the caller can hand each arrival to the core before the next: a
        Drive the core sends in answer is then checked against the rest of the same track.
        """
        if not self.pending or self._segment is None:
            return None
        start, end = self._segment
        dist_m, closest = closest_on_segment(start, end, self.positions[self.pending[0]])
        if dist_m > self.tolerance_m:
            return None
        # The following node must be met later along the track, not before this one.
        self._segment = (closest, end)
        self.node = self.pending.popleft()
        return self.node

    def update(self, x_m: float, y_m: float) -> list[str]:
        """Nodes reached since the previous pose, in path order (usually none or one)."""
        self.move(x_m, y_m)
        reached: list[str] = []
        while (node := self.next_arrival()) is not None:
            reached.append(node)
        return reached
