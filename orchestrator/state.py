"""The core's live, mutable bookkeeping of vehicles and containers.

Records received from outside are frozen (:mod:`orchestrator.domain.records`); what changes
event by event lives here, owned and mutated only by :class:`orchestrator.core.Orchestrator`.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

from orchestrator.domain.iso6346 import ContainerId
from orchestrator.domain.records import TransportOrder
from orchestrator.domain.states import (
    CONTAINER_TRANSITIONS,
    ORDER_TRANSITIONS,
    VEHICLE_TRANSITIONS,
    ContainerState,
    OrderState,
    VehicleState,
    advance,
)
from orchestrator.lanegraph import EdgeKey, NodeId
from orchestrator.risk_policy import RiskStatus

__all__ = ["ContainerRun", "Purpose", "VehicleRun"]


class Purpose(Enum):
    """Why a vehicle drives to its current target."""

    PICKUP = "pickup"
    DELIVER = "deliver"
    SCAN = "scan"
    HOLD = "hold"
    BUFFER = "buffer"
    CHARGE = "charge"
    PARK = "park"  # an idle vehicle makes room: it moves to a free place and waits there
    WAIT = "wait"  # no scanner/hold/buffer place free: back to a place it owns, wait there
    CIRCULATE = "circulate"  # no place free where it must go: keep moving on its side


class VehicleRun:
    __slots__ = (
        "admitted",
        "battery_kwh",
        "container_id",
        "current_edge",
        "depot",
        "dest_station",
        "fault",
        "home_station",
        "id",
        "lane_edges",
        "node",
        "on_lanes",
        "order_id",
        "path",
        "prev_node",
        "profile",
        "purpose",
        "scan_acted",
        "state",
        "station",
        "target_node",
        "target_station",
        "wait_logged",
        "waiting_on",
        "waypoint_index",
    )

    def __init__(self, vehicle_id: str, node: NodeId, battery_kwh: float) -> None:
        self.id = vehicle_id
        self.node = node
        self.prev_node: NodeId | None = None
        self.battery_kwh = battery_kwh
        self.state = VehicleState.IDLE
        self.station: str | None = None  # station whose place it stands in (off the lanes)
        self.on_lanes = False
        self.admitted = False
        self.path: deque[NodeId] = deque()  # granted nodes not reached yet
        self.lane_edges: deque[EdgeKey] = deque()  # granted edges not left yet
        self.current_edge: EdgeKey | None = None  # edge it stands at the end of, on the lanes
        self.purpose: Purpose | None = None
        self.target_station: str | None = None
        self.target_node: NodeId | None = None
        self.dest_station: str | None = None  # reserved delivery place for the whole job
        # The pick-up place, kept until the border is crossed: a loaded vehicle always owns a
        # place on the side it is on, so it never has to wait on the lanes for one.
        self.home_station: str | None = None
        self.depot: NodeId | None = None  # where it joined, if off the lanes but not a station
        self.order_id: str | None = None
        self.container_id: ContainerId | None = None
        self.profile = "time"
        self.waiting_on: str | None = None
        self.wait_logged: tuple[NodeId, str] | None = None
        self.waypoint_index = 0
        self.scan_acted = False
        self.fault: str | None = None  # why it is out of service (VehicleFaulted), else None

    def set_state(self, new: VehicleState) -> None:
        self.state = advance(VEHICLE_TRANSITIONS, self.state, new, f"vehicle {self.id}")

    @property
    def moving(self) -> bool:
        return bool(self.path)

    @property
    def plan_end(self) -> NodeId:
        """Where the vehicle will stand when its granted path is done."""
        return self.path[-1] if self.path else self.node


class ContainerRun:
    __slots__ = (
        "crossed",
        "hold_cause",
        "id",
        "loaded",
        "order",
        "order_state",
        "risk",
        "scan_outcome_seen",
        "seals",
        "state",
        "vehicle_id",
    )

    def __init__(self, order: TransportOrder, risk: RiskStatus) -> None:
        self.id = order.container_id
        self.order = order
        self.state = ContainerState.WAITING
        self.order_state = OrderState.OPEN
        self.risk = risk
        self.vehicle_id: str | None = None
        self.crossed = False
        self.hold_cause = ""  # why the next hold is placed (verdict, scan, seal)
        self.loaded = False
        self.scan_outcome_seen = False
        self.seals: list[str] = [s.number for s in order.seals]

    def set_state(self, new: ContainerState) -> None:
        self.state = advance(CONTAINER_TRANSITIONS, self.state, new, f"container {self.id}")

    def set_order_state(self, new: OrderState) -> None:
        self.order_state = advance(
            ORDER_TRANSITIONS, self.order_state, new, f"order {self.order.order_id}"
        )
