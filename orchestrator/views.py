"""Read-only views of the core's state for runtimes, KPIs and the control room, and the
lookups that validate an event's ids (raising before anything changes)."""

from __future__ import annotations

from orchestrator.domain.iso6346 import ContainerId, parse_container_number
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.errors import (
    UnexpectedEventError,
    UnknownContainerError,
    UnknownVehicleError,
)
from orchestrator.jobs import Jobs
from orchestrator.lanegraph import NodeId
from orchestrator.messages import RiskLevel
from orchestrator.ports import Clock
from orchestrator.state import ContainerRun, VehicleRun

__all__ = ["Views"]


class Views(Jobs):
    _clock: Clock

    # ------------------------------------------------------------------ read-only views

    def now(self) -> float:
        return self._clock.now_s()

    def vehicle_state(self, vehicle_id: str) -> VehicleState:
        return self._vehicle(vehicle_id).state

    def vehicle_node(self, vehicle_id: str) -> NodeId:
        return self._vehicle(vehicle_id).node

    def vehicle_route(self, vehicle_id: str) -> tuple[NodeId, ...]:
        """The node it was last reported at, then the granted nodes it has not reached yet."""
        v = self._vehicle(vehicle_id)
        return (v.node, *v.path)

    def vehicle_ids(self) -> list[str]:
        return sorted(self.vehicles)

    def container_state(self, container_id: str) -> ContainerState:
        return self._container(container_id).state

    def risk_level(self, container_id: str) -> RiskLevel:
        return self._container(container_id).risk.level

    def is_cleared(self, container_id: str) -> bool:
        return self._container(container_id).risk.cleared

    def is_held(self, container_id: str) -> bool:
        return self._container(container_id).risk.held

    def order_state(self, order_id: str) -> OrderState:
        cid = self.orders.get(order_id)
        if cid is None:
            raise UnknownContainerError(f"order {order_id!r} is unknown")
        return self.containers[cid].order_state

    @property
    def admission_limit(self) -> int:
        return self.traffic.admission_limit

    def vehicles_on_lanes(self) -> int:
        return self.traffic.on_lanes_count()

    def counts(self) -> dict[str, int]:
        """KPIs: orders by state, active holds, vehicles by state."""
        out: dict[str, int] = {f"orders_{s.value}": 0 for s in OrderState}
        for c in self.containers.values():
            out[f"orders_{c.order_state.value}"] += 1
        out["holds_active"] = sum(1 for c in self.containers.values() if c.risk.held)
        for s in VehicleState:
            out[f"vehicles_{s.value}"] = 0
        for v in self.vehicles.values():
            out[f"vehicles_{v.state.value}"] += 1
        out["vehicles_on_lanes"] = self.vehicles_on_lanes()
        out["vehicles_out_of_service"] = sum(1 for v in self.vehicles.values() if v.fault)
        return out

    # ------------------------------------------------------------------ validation helpers

    def _vehicle(self, vehicle_id: str) -> VehicleRun:
        v = self.vehicles.get(vehicle_id)
        if v is None:
            raise UnknownVehicleError(
                f"vehicle {vehicle_id!r} is unknown: send VehicleJoined for it first"
            )
        return v

    def _container(self, container_id: str) -> ContainerRun:
        c = self.containers.get(ContainerId(container_id))
        if c is None:
            cid = parse_container_number(container_id)
            c = self.containers.get(cid)
            if c is None:
                raise UnknownContainerError(
                    f"container {cid} has no transport order: send OrderArrived for it first"
                )
        return c

    def _node(self, node: NodeId) -> None:
        if node not in self.graph.nodes:
            raise UnexpectedEventError(f"node {node!r} is not on the lane graph {self.graph.name}")
