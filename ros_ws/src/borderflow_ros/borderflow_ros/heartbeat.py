"""Heartbeat bookkeeping and fault isolation decisions, plain Python (tested without ROS).

A vehicle is alive while its odometry or state messages keep arriving; silent for longer than
``timeout_s`` it is faulted (once). When its heartbeats come back the owner decides whether it
is back in service (:meth:`HeartbeatMonitor.revive`) or stays faulted
(:meth:`HeartbeatMonitor.keep_faulted`, e.g. the core refused the node it reports).
:func:`lanes_to_close` says which lanes a faulted
vehicle blocks: the lane of the edge it was driving on, or the lanes through the node it stands
on when that node is on the lanes (a vehicle parked at a station is off the lanes and blocks none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.lanegraph import LaneGraph, NodeId

__all__ = ["HeartbeatMonitor", "lanes_to_close"]


@dataclass(slots=True)
class HeartbeatMonitor:
    timeout_s: float
    last_seen_s: dict[str, float] = field(default_factory=dict)
    faulted: set[str] = field(default_factory=set)

    def seen(self, vehicle_id: str, t_s: float) -> bool:
        """Record a sign of life; True when the vehicle is new."""
        new = vehicle_id not in self.last_seen_s
        prev = self.last_seen_s.get(vehicle_id, t_s)
        self.last_seen_s[vehicle_id] = max(prev, t_s)
        return new

    def check(self, t_s: float) -> list[str]:
        """Vehicles that have just become faulted (sorted by id)."""
        late = [
            vid
            for vid, seen_s in self.last_seen_s.items()
            if vid not in self.faulted and t_s - seen_s > self.timeout_s
        ]
        self.faulted.update(late)
        return sorted(late)

    def is_faulted(self, vehicle_id: str) -> bool:
        return vehicle_id in self.faulted

    def revive(self, vehicle_id: str) -> bool:
        """Back in service (its heartbeats resumed); True when it was faulted."""
        if vehicle_id not in self.faulted:
            return False
        self.faulted.discard(vehicle_id)
        return True

    def keep_faulted(self, vehicle_id: str) -> None:
        """Faulted although it is heard (its recovery was refused); not reported by ``check``."""
        self.faulted.add(vehicle_id)


def lanes_to_close(graph: LaneGraph, node: str, next_node: str) -> list[str]:
    """Lane ids a vehicle blocks when it stops dead at ``node`` (heading to ``next_node``)."""
    here = NodeId(node)
    if next_node and (here, NodeId(next_node)) in graph.edges:
        return [graph.edges[(here, NodeId(next_node))].lane_id]
    if any(st.node == here for st in graph.stations.values()):
        return []
    lanes = {e.lane_id for e in graph.out_edges(here)}
    lanes.update(graph.edges[(src, here)].lane_id for src, _ in graph.graph.in_edges(here))
    return sorted(lanes)
