"""Typed domain events: what the core did, for every consumer (the run log is one rendering).

The core emits one of these records for every decision worth knowing (an order assigned, a
hold placed, a border crossed, a vehicle taken out of service, ...) through its
:class:`orchestrator.ports.EventSink`. Consumers match on the type (``isinstance`` or
``match``), never on strings: the bridge's outgoing events, the KPIs, the simulated customs
officers, the invariant monitor, the ROS hold topic.
:func:`orchestrator.domain.eventlog.log_entry` renders any of them as the human log line
(``kind``; the subject, the field ``subject_field`` names; the message; the data), the same
text the event log has always had. Events of the vehicles' and orders' life are here; customs
and traffic events are in :mod:`orchestrator.domain.customs_events` and
:mod:`orchestrator.domain.traffic_events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from orchestrator.ids import ContainerId, OrderId, VehicleId
from orchestrator.lanegraph import NodeId, Side, StationId
from orchestrator.messages import Direction

__all__ = [
    "CoLoadWait",
    "ContainerStranded",
    "MapWarning",
    "OrderAssigned",
    "OrderDelivered",
    "OrderPickedUp",
    "OrderReceived",
    "OrderReturned",
    "VehicleAdded",
    "VehicleBackInService",
    "VehicleCharged",
    "VehicleCharging",
    "VehicleOutOfService",
    "VehicleRelocated",
]

Data = dict[str, object]


@dataclass(frozen=True, slots=True)
class MapWarning:
    """The map breaks an assumption of the traffic rules (it still runs)."""

    kind: ClassVar[str] = "map.warning"
    subject_field: ClassVar[str] = "map_name"
    t_s: float
    map_name: str
    text: str

    @property
    def message(self) -> str:
        return self.text

    def data(self) -> Data:
        return {"map": self.map_name}


@dataclass(frozen=True, slots=True)
class VehicleAdded:
    kind: ClassVar[str] = "vehicle.joined"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    battery_kwh: float

    @property
    def message(self) -> str:
        return f"vehicle {self.vehicle_id} joined at {self.node}"

    def data(self) -> Data:
        return {"vehicle_id": self.vehicle_id, "node": self.node, "battery_kwh": self.battery_kwh}


@dataclass(frozen=True, slots=True)
class OrderReceived:
    kind: ClassVar[str] = "order.received"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    order_id: OrderId
    container_id: ContainerId
    direction: Direction
    station: StationId

    @property
    def message(self) -> str:
        return (
            f"order {self.order_id}: {self.container_id} {self.direction.value} ready at "
            f"{self.station}"
        )

    def data(self) -> Data:
        return {
            "order_id": self.order_id,
            "container_id": self.container_id,
            "direction": self.direction.value,
        }


@dataclass(frozen=True, slots=True)
class OrderAssigned:
    kind: ClassVar[str] = "order.assigned"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    order_id: OrderId
    container_id: ContainerId
    vehicle_id: VehicleId
    pickup: StationId
    delivery: StationId
    empty_time_s: float

    @property
    def message(self) -> str:
        return (
            f"order {self.order_id}: vehicle {self.vehicle_id} picks up {self.container_id} at "
            f"{self.pickup} for {self.delivery} ({self.empty_time_s:.0f} s empty run)"
        )

    def data(self) -> Data:
        return {
            "order_id": self.order_id,
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
        }


@dataclass(frozen=True, slots=True)
class OrderPickedUp:
    kind: ClassVar[str] = "order.picked_up"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    order_id: OrderId
    container_id: ContainerId
    vehicle_id: VehicleId

    @property
    def message(self) -> str:
        return f"order {self.order_id}: vehicle {self.vehicle_id} loaded {self.container_id}"

    def data(self) -> Data:
        return {
            "order_id": self.order_id,
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
        }


@dataclass(frozen=True, slots=True)
class CoLoadWait:
    """A cleared container waited ``waited_s`` on its vehicle for the customs of the container
    co-loaded with it (a scan, a verdict, a hold): the price of carrying two at once."""

    kind: ClassVar[str] = "order.coload_wait"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    vehicle_id: VehicleId
    waited_s: float

    @property
    def message(self) -> str:
        return (
            f"{self.container_id} on vehicle {self.vehicle_id} was cleared but waited "
            f"{self.waited_s:.0f} s for the customs of the container loaded with it"
        )

    def data(self) -> Data:
        return {
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
            "waited_s": round(self.waited_s, 6),
        }


@dataclass(frozen=True, slots=True)
class OrderDelivered:
    kind: ClassVar[str] = "order.delivered"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    order_id: OrderId
    container_id: ContainerId
    vehicle_id: VehicleId
    station: StationId | None
    direction: Direction
    crossing_time_s: float  # from ready in the origin yard to delivered

    @property
    def message(self) -> str:
        return (
            f"order {self.order_id}: {self.container_id} delivered at {self.station} by "
            f"{self.vehicle_id} {self.crossing_time_s:.0f} s after it was ready"
        )

    def data(self) -> Data:
        return {
            "order_id": self.order_id,
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
            "direction": self.direction.value,
            "crossing_time_s": self.crossing_time_s,
        }


@dataclass(frozen=True, slots=True)
class OrderReturned:
    """An order its vehicle had not loaded yet waits again (the vehicle is out of service)."""

    kind: ClassVar[str] = "order.returned"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    order_id: OrderId
    container_id: ContainerId
    vehicle_id: VehicleId
    station: StationId

    @property
    def message(self) -> str:
        return (
            f"order {self.order_id}: {self.container_id} waits again at {self.station} "
            f"(vehicle {self.vehicle_id} is out of service)"
        )

    def data(self) -> Data:
        return {
            "order_id": self.order_id,
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
        }


@dataclass(frozen=True, slots=True)
class VehicleCharging:
    kind: ClassVar[str] = "vehicle.charging"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    station: StationId

    @property
    def message(self) -> str:
        return f"vehicle {self.vehicle_id} charging at {self.station}"

    def data(self) -> Data:
        return {"vehicle_id": self.vehicle_id, "station": self.station}


@dataclass(frozen=True, slots=True)
class VehicleCharged:
    kind: ClassVar[str] = "vehicle.charged"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    battery_kwh: float

    @property
    def message(self) -> str:
        return f"vehicle {self.vehicle_id} charged to {self.battery_kwh:.1f} kWh"

    def data(self) -> Data:
        return {"vehicle_id": self.vehicle_id, "battery_kwh": self.battery_kwh}


@dataclass(frozen=True, slots=True)
class VehicleRelocated:
    """An idle vehicle makes room: to a place (``station``), back to the spot it joined at
    (``depot``), or circulating on its side (``circulates_on``) until a place frees."""

    kind: ClassVar[str] = "vehicle.relocated"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    station: StationId | None = None
    depot: NodeId | None = None
    circulates_on: Side | None = None

    @property
    def message(self) -> str:
        head = f"idle vehicle {self.vehicle_id} makes room: "
        if self.station is not None:
            return head + f"parks at {self.station}"
        if self.circulates_on is not None:
            return head + f"circulates on the {self.circulates_on.value} side until a place frees"
        return head + f"returns to its depot {self.depot}"

    def data(self) -> Data:
        return {"vehicle_id": self.vehicle_id, "station": self.station or ""}


@dataclass(frozen=True, slots=True)
class VehicleOutOfService:
    """The vehicle faulted: it keeps its lanes and places, gets no commands until it recovers."""

    kind: ClassVar[str] = "vehicle.faulted"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    heading_to: NodeId | None  # end of its granted path, if it was driving
    reason: str

    @property
    def message(self) -> str:
        where = f"{self.node} heading to {self.heading_to}" if self.heading_to else self.node
        return (
            f"vehicle {self.vehicle_id} out of service at {where}: {self.reason}; it keeps the "
            "lanes and places it holds until it recovers"
        )

    def data(self) -> Data:
        return {"vehicle_id": self.vehicle_id, "node": self.node, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ContainerStranded:
    kind: ClassVar[str] = "container.stranded"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    vehicle_id: VehicleId

    @property
    def message(self) -> str:
        return (
            f"{self.container_id} is on vehicle {self.vehicle_id}, which is out of service: it "
            "stays there until the vehicle recovers"
        )

    def data(self) -> Data:
        return {"container_id": self.container_id, "vehicle_id": self.vehicle_id}


@dataclass(frozen=True, slots=True)
class VehicleBackInService:
    kind: ClassVar[str] = "vehicle.recovered"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    battery_kwh: float

    @property
    def message(self) -> str:
        return f"vehicle {self.vehicle_id} back in service at {self.node}"

    def data(self) -> Data:
        return {"vehicle_id": self.vehicle_id, "node": self.node, "battery_kwh": self.battery_kwh}
