"""Looking up an event's ids in the world, raising (before anything changes) when one is
unknown; the messages say what to send first."""

from __future__ import annotations

from orchestrator.domain.iso6346 import ContainerId, parse_container_number
from orchestrator.errors import UnexpectedEventError, UnknownContainerError, UnknownVehicleError
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.state import ContainerRun, VehicleRun
from orchestrator.world import World

__all__ = ["container", "node", "vehicle", "working_vehicle"]


def vehicle(world: World, vehicle_id: str) -> VehicleRun:
    v = world.vehicles.get(VehicleId(vehicle_id))
    if v is None:
        raise UnknownVehicleError(
            f"vehicle {vehicle_id!r} is unknown: send VehicleJoined for it first"
        )
    return v


def working_vehicle(world: World, vehicle_id: str) -> VehicleRun:
    """The vehicle, refusing a report from one that is out of service."""
    v = vehicle(world, vehicle_id)
    if v.fault is not None:
        raise UnexpectedEventError(
            f"vehicle {v.id} is out of service ({v.fault}): its reports are refused until "
            "VehicleRecovered says where it stands"
        )
    return v


def container(world: World, container_id: str) -> ContainerRun:
    c = world.containers.get(ContainerId(container_id))
    if c is None:
        cid = parse_container_number(container_id)
        c = world.containers.get(cid)
        if c is None:
            raise UnknownContainerError(
                f"container {cid} has no transport order: send OrderArrived for it first"
            )
    return c


def node(world: World, node_id: NodeId) -> None:
    if node_id not in world.graph.nodes:
        raise UnexpectedEventError(f"node {node_id!r} is not on the lane graph {world.graph.name}")
