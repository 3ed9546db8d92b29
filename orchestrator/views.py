"""Read-only views of the core's state, for runtimes, KPIs, the bridge and the control room.

Nothing here changes anything. Unknown ids raise the core's usual errors (naming the id).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator import lookups
from orchestrator.closures import Closures
from orchestrator.domain.records import ContainerView, TransportOrder
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.errors import UnknownContainerError
from orchestrator.ids import ContainerId, OrderId, VehicleId
from orchestrator.jobs import Jobs
from orchestrator.lanegraph import NodeId, StationId
from orchestrator.messages import RiskLevel
from orchestrator.ports import Clock
from orchestrator.risk_policy import RiskStatus
from orchestrator.stations import StationIndex
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import TrafficManager
from orchestrator.world import World

__all__ = ["VehicleSummary", "Views"]


@dataclass(frozen=True, slots=True)
class VehicleSummary:
    """Everything the core knows about one vehicle, as plain values (a copy)."""

    vehicle_id: VehicleId
    state: VehicleState
    node: NodeId  # last reported node
    path: tuple[NodeId, ...]  # granted nodes not reached yet
    on_lanes: bool
    station: StationId | None  # place it stands in, off the lanes
    purpose: str | None  # why it drives to its target (pickup, deliver, scan, park, ...)
    target_node: NodeId | None
    waiting_for: str | None  # the resource it waits for (``station:X``, ``edge:a->b``, ...)
    order_ids: tuple[OrderId, ...]  # its job's orders (two on a two-place AGV), pick-up order
    container_ids: tuple[ContainerId, ...]
    battery_kwh: float
    fault: str | None  # why it is out of service


class Views:
    def __init__(
        self,
        world: World,
        clock: Clock,
        traffic: TrafficManager,
        alloc: Allocator,
        stations: StationIndex,
        closures: Closures,
        jobs: Jobs,
    ) -> None:
        self._world = world
        self._clock = clock
        self._traffic = traffic
        self._alloc = alloc
        self._stations = stations
        self._closures = closures
        self._jobs = jobs

    def now(self) -> float:
        return self._clock.now_s()

    # ------------------------------------------------------------------ vehicles

    def vehicle_ids(self) -> list[VehicleId]:
        return sorted(self._world.vehicles)

    def has_vehicle(self, vehicle_id: str) -> bool:
        return VehicleId(vehicle_id) in self._world.vehicles

    def vehicle_state(self, vehicle_id: str) -> VehicleState:
        return lookups.vehicle(self._world, vehicle_id).state

    def vehicle_node(self, vehicle_id: str) -> NodeId:
        return lookups.vehicle(self._world, vehicle_id).lanes.node

    def vehicle_route(self, vehicle_id: str) -> tuple[NodeId, ...]:
        """The node it was last reported at, then the granted nodes it has not reached yet."""
        lanes = lookups.vehicle(self._world, vehicle_id).lanes
        return (lanes.node, *lanes.path)

    def vehicle(self, vehicle_id: str) -> VehicleSummary:
        v = lookups.vehicle(self._world, vehicle_id)
        waits = self._alloc.waiting_on(v.id)
        return VehicleSummary(
            vehicle_id=v.id,
            state=v.state,
            node=v.lanes.node,
            path=tuple(v.lanes.path),
            on_lanes=v.lanes.on_lanes,
            station=v.station,
            purpose=None if v.purpose is None else v.purpose.value,
            target_node=v.target_node,
            waiting_for=None if waits is None else str(waits),
            order_ids=tuple(self._world.containers[c].order.order_id for c in v.cargo),
            container_ids=tuple(v.cargo),
            battery_kwh=v.battery_kwh,
            fault=v.fault,
        )

    def vehicles(self) -> list[VehicleSummary]:
        return [self.vehicle(vid) for vid in sorted(self._world.vehicles)]

    def place_usage(self, station_id: str) -> int:
        """Vehicles holding (standing in or having reserved) a place of the station."""
        return self._alloc.usage(self._stations.place[StationId(station_id)])

    def faulted_vehicles(self) -> dict[VehicleId, str]:
        """Vehicles out of service, with the reason given."""
        vehicles = self._world.vehicles
        return {vid: v.fault for vid, v in sorted(vehicles.items()) if v.fault is not None}

    @property
    def admission_limit(self) -> int:
        return self._traffic.admission_limit

    def vehicles_on_lanes(self) -> int:
        return self._traffic.on_lanes_count()

    # ------------------------------------------------------------------ containers, orders

    def container_ids(self) -> list[ContainerId]:
        """Every container with an order (delivered ones too), sorted."""
        return sorted(self._world.containers)

    def container_state(self, container_id: str) -> ContainerState:
        return lookups.container(self._world, container_id).state

    def risk_level(self, container_id: str) -> RiskLevel:
        return lookups.container(self._world, container_id).risk.level

    def risk_status(self, container_id: str) -> RiskStatus:
        """The container's risk status (also for a verdict kept until its order arrives)."""
        cid = ContainerId(container_id)
        early = self._world.early_verdicts.get(cid)
        if early is not None:
            return early
        return lookups.container(self._world, container_id).risk

    def is_cleared(self, container_id: str) -> bool:
        return lookups.container(self._world, container_id).risk.cleared

    def is_held(self, container_id: str) -> bool:
        return lookups.container(self._world, container_id).risk.held

    def container_view(self, container_id: str) -> ContainerView | None:
        """Where the container is and what the core knows of it (None: no order for it)."""
        c = self._world.containers.get(ContainerId(container_id))
        if c is None:
            return None
        node = None
        if c.vehicle_id is not None and c.loaded:
            node = str(self._world.vehicles[c.vehicle_id].lanes.node)
        return ContainerView(
            state=c.state.value,
            vehicle_id=c.vehicle_id if c.loaded else None,
            node=node,
            crossed=bool(c.crossed),
            held=bool(c.risk.held),
            hold_side=c.risk.hold_side.value if c.risk.hold_side else None,
            core_level=c.risk.level.value,
            cleared=bool(c.risk.cleared),
        )

    def order(self, container_id: str) -> TransportOrder:
        """The transport order the container came with (its direction, origin and seals)."""
        return lookups.container(self._world, container_id).order

    def seals(self, container_id: str) -> tuple[str, ...]:
        """The seals on the container now (the manifest's, or the reseal after an inspection)."""
        return tuple(lookups.container(self._world, container_id).seals)

    def is_loaded(self, container_id: str) -> bool:
        """On board its vehicle now (loaded and not unloaded yet)."""
        return bool(lookups.container(self._world, container_id).loaded)

    def container_node(self, container_id: str) -> NodeId | None:
        """The node the container is at (its vehicle's, or its pick-up's); None if unknown."""
        c = self._world.containers.get(ContainerId(container_id))
        return None if c is None else self._jobs.where(c)

    def crossed_or_delivered(self) -> set[ContainerId]:
        return {
            cid
            for cid, c in self._world.containers.items()
            if c.crossed or c.state is ContainerState.DELIVERED
        }

    def has_order(self, order_id: str) -> bool:
        return OrderId(order_id) in self._world.orders.container_of

    def order_state(self, order_id: str) -> OrderState:
        return self._world.containers[self.order_container(order_id)].order_state

    def order_container(self, order_id: str) -> ContainerId:
        cid = self._world.orders.container_of.get(OrderId(order_id))
        if cid is None:
            raise UnknownContainerError(f"order {order_id!r} is unknown")
        return cid

    def carrier(self, container_id: str) -> VehicleId | None:
        """The vehicle assigned to (or carrying) the container, if any."""
        return lookups.container(self._world, container_id).vehicle_id

    # ------------------------------------------------------------------ lanes, counts

    def closed_lanes(self) -> frozenset[str]:
        return frozenset(self._closures.lanes)

    def closed_zones(self) -> frozenset[str]:
        return frozenset(self._closures.zones)

    @property
    def lane_ids(self) -> frozenset[str]:
        return self._closures.lane_ids

    def counts(self) -> dict[str, int]:
        """KPIs: orders by state, active holds, vehicles by state."""
        world = self._world
        out: dict[str, int] = {f"orders_{s.value}": 0 for s in OrderState}
        for c in world.containers.values():
            out[f"orders_{c.order_state.value}"] += 1
        out["holds_active"] = sum(1 for c in world.containers.values() if c.risk.held)
        for s in VehicleState:
            out[f"vehicles_{s.value}"] = 0
        for v in world.vehicles.values():
            out[f"vehicles_{v.state.value}"] += 1
        out["vehicles_on_lanes"] = self.vehicles_on_lanes()
        out["vehicles_out_of_service"] = sum(1 for v in world.vehicles.values() if v.fault)
        return out
