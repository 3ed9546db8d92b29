"""The core's live records of vehicles and containers, and who may write which field.

Records received from outside are frozen (:mod:`orchestrator.domain.records`); what changes
event by event lives here. Every field has one owner (the part that writes it; any part it was
handed to may read it):

- ``VehicleRun.lanes``: the traffic manager's record of where the vehicle is on the lane graph
  and what it was granted (:class:`orchestrator.traffic.manager.LaneRecord`); only the
  traffic manager writes it.
- ``state``: the vehicle's state machine (legal transitions only, ``set_state``).
- ``purpose``, ``target_station``, ``target_node``, ``waypoint_index``: the vehicle's next stop,
  set by whoever decides it (stop policy, parking, idle moves, dispatch) through
  :meth:`VehicleRun.head_for` / :meth:`VehicleRun.clear_target`.
- ``cargo``, ``acting_on``, ``dest_station``, ``home_station``: its job (dispatch round, jobs,
  faults). A vehicle has one or two container places (``OrchestratorConfig.container_places``):
  ``cargo`` lists the containers of its job in pick-up order, assigned or on board (each
  ``ContainerRun.loaded`` says which); all of them go to one delivery place.
- ``station``, ``depot``, ``profile``, ``wait_logged``, ``battery_kwh``: movement.
- ``scan_acted``: jobs; ``fault``: faults.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from orchestrator.costs import Profile
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
from orchestrator.ids import ContainerId, VehicleId
from orchestrator.lanegraph import NodeId, StationId
from orchestrator.risk_policy import RiskStatus
from orchestrator.traffic.manager import LaneRecord
from orchestrator.traffic.resources import Resource

__all__ = ["ContainerRun", "Purpose", "VehicleRun", "loading_done", "next_to_load", "on_board"]


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

    __hash__ = object.__hash__


class VehicleRun:
    __slots__ = (
        "acting_on",
        "battery_kwh",
        "cargo",
        "depot",
        "dest_station",
        "fault",
        "home_station",
        "id",
        "lanes",
        "profile",
        "purpose",
        "scan_acted",
        "state",
        "station",
        "target_node",
        "target_station",
        "wait_logged",
        "waypoint_index",
    )

    def __init__(self, vehicle_id: VehicleId, lanes: LaneRecord, battery_kwh: float) -> None:
        self.id = vehicle_id
        self.lanes = lanes  # written by the traffic manager only
        self.battery_kwh = battery_kwh
        self.state = VehicleState.IDLE
        self.station: StationId | None = None  # station whose place it stands in (off the lanes)
        self.purpose: Purpose | None = None
        self.target_station: StationId | None = None
        self.target_node: NodeId | None = None
        self.dest_station: StationId | None = None  # reserved delivery place for the whole job
        # The pick-up place, kept until the border is crossed: a loaded vehicle always owns a
        # place on the side it is on, so it never has to wait on the lanes for one.
        self.home_station: StationId | None = None
        self.depot: NodeId | None = None  # where it joined, if off the lanes but not a station
        self.cargo: list[ContainerId] = []  # the job's containers, in pick-up order
        self.acting_on: ContainerId | None = None  # the container of the load, unload or scan
        self.profile = Profile.TIME
        self.wait_logged: tuple[NodeId, Resource] | None = None  # last wait logged
        self.waypoint_index = 0
        self.scan_acted = False
        self.fault: str | None = None  # why it is out of service (VehicleFaulted), else None

    def set_state(self, new: VehicleState) -> None:
        self.state = advance(VEHICLE_TRANSITIONS, self.state, new, f"vehicle {self.id}")

    def head_for(
        self, purpose: Purpose | None, station: StationId | None, node: NodeId | None
    ) -> None:
        """Set the next stop: why, which station (if any) and which node."""
        self.purpose = purpose
        self.target_station = station
        self.target_node = node

    def clear_target(self) -> None:
        self.purpose = None
        self.target_station = None
        self.target_node = None


class ContainerRun:
    __slots__ = (
        "committed",
        "crossed",
        "held_back_since",
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
        self.vehicle_id: VehicleId | None = None
        self.crossed = False  # its border edge was granted: the crossing is committed
        self.committed: tuple[str, float] | None = None  # (gate id, when) of that grant
        # Cleared, but its vehicle waits for the co-loaded container's customs since then.
        self.held_back_since: float | None = None
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


def on_board(v: VehicleRun, containers: Mapping[ContainerId, ContainerRun]) -> list[ContainerRun]:
    """The containers on the vehicle now, in pick-up order."""
    return [c for cid in v.cargo if (c := containers[cid]).loaded]


def next_to_load(
    v: VehicleRun, containers: Mapping[ContainerId, ContainerRun]
) -> ContainerRun | None:
    """The first container of its job still to be picked up (None: all on board)."""
    for cid in v.cargo:
        c = containers[cid]
        if not c.loaded:
            return c
    return None


def loading_done(v: VehicleRun, containers: Mapping[ContainerId, ContainerRun]) -> bool:
    """It has a job and every container of it is on board."""
    return bool(v.cargo) and all(containers[cid].loaded for cid in v.cargo)
