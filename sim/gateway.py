"""The runtime's vehicle port for the whole fleet: each command to its virtual AGV by id."""

from __future__ import annotations

from orchestrator.ids import VehicleId
from orchestrator.messages import Command
from sim.errors import VehicleCommandError
from sim.vehicle import VirtualAGV

__all__ = ["FleetGateway"]


class FleetGateway:
    """The runtime's VehicleGateway: routes each command to its virtual AGV by id."""

    def __init__(self, vehicles: dict[VehicleId, VirtualAGV]) -> None:
        self._vehicles = vehicles

    def send(self, command: Command) -> None:
        vehicle = self._vehicles.get(command.vehicle_id)
        if vehicle is None:
            known = ", ".join(sorted(self._vehicles)[:5])
            raise VehicleCommandError(
                f"unknown vehicle {command.vehicle_id!r} in {type(command).__name__}; "
                f"the fleet has {len(self._vehicles)} vehicles ({known}, ...)"
            )
        vehicle.send(command)
