"""Typed domain events of traffic: closures, waits, vehicles that cannot go on.

See :mod:`orchestrator.domain.events` for how domain events are emitted and read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from orchestrator.ids import VehicleId
from orchestrator.lanegraph import NodeId

if TYPE_CHECKING:
    from orchestrator.traffic.resources import Resource

__all__ = ["LaneReopened", "LaneShut", "NoRoute", "VehicleWaiting"]

Data = dict[str, object]


@dataclass(frozen=True, slots=True)
class LaneShut:
    """A lane (or a zone, ``is_zone``) was closed; vehicles reroute around it."""

    kind: ClassVar[str] = "lane.closed"
    subject_field: ClassVar[str] = "lane_id"
    t_s: float
    lane_id: str
    is_zone: bool
    reason: str

    @property
    def message(self) -> str:
        what = "zone" if self.is_zone else "lane"
        why = f": {self.reason}" if self.reason else ""
        return f"{what} {self.lane_id} closed{why}; vehicles reroute"

    def data(self) -> Data:
        return {"lane_id": self.lane_id, "is_zone": self.is_zone, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class LaneReopened:
    kind: ClassVar[str] = "lane.opened"
    subject_field: ClassVar[str] = "lane_id"
    t_s: float
    lane_id: str
    is_zone: bool

    @property
    def message(self) -> str:
        return f"{'zone' if self.is_zone else 'lane'} {self.lane_id} opened"

    def data(self) -> Data:
        return {"lane_id": self.lane_id, "is_zone": self.is_zone}


@dataclass(frozen=True, slots=True)
class VehicleWaiting:
    """A vehicle waits at ``node`` in the queue of ``resource`` (logged once per wait)."""

    kind: ClassVar[str] = "traffic.wait"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    resource: Resource | None

    @property
    def message(self) -> str:
        return f"vehicle {self.vehicle_id} waits at {self.node} for {self.resource or ''}"

    def data(self) -> Data:
        return {
            "vehicle_id": self.vehicle_id,
            "node": self.node,
            "resource": "" if self.resource is None else str(self.resource),
        }


@dataclass(frozen=True, slots=True)
class NoRoute:
    """A vehicle stops: no open route to its target, or the gate refused it (``gate_refused``)."""

    kind: ClassVar[str] = "traffic.no_route"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    target: NodeId | None
    gate_refused: bool

    @property
    def why(self) -> str:
        return "the gate refused it" if self.gate_refused else "no open route"

    @property
    def message(self) -> str:
        return f"vehicle {self.vehicle_id} stops at {self.node}: {self.why} to {self.target}"

    def data(self) -> Data:
        return {
            "vehicle_id": self.vehicle_id,
            "node": self.node,
            "target": self.target,
            "reason": "gate_refused" if self.gate_refused else "no_route",
        }
