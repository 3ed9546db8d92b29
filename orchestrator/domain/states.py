"""State enums of vehicles, containers and orders, with their legal-transition tables.

``advance(table, current, new, subject)`` is the only way the core changes a state: an
illegal transition raises :class:`IllegalTransitionError` naming the subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from orchestrator.errors import IllegalTransitionError

__all__ = [
    "CONTAINER_TRANSITIONS",
    "ORDER_TRANSITIONS",
    "VEHICLE_TRANSITIONS",
    "ContainerState",
    "OrderState",
    "VehicleState",
    "advance",
]


class VehicleState(Enum):
    IDLE = "idle"  # parked, no job
    EN_ROUTE = "en_route"  # driving (or waiting on the lanes) towards its next stop
    WAITING = "waiting"  # parked at a station, waiting to be admitted / for a place
    LOADING = "loading"
    UNLOADING = "unloading"
    SCANNING = "scanning"
    HOLDING = "holding"  # parked in a hold bay or pre-border buffer with its container
    CHARGING = "charging"


class ContainerState(Enum):
    WAITING = "waiting"  # in the origin yard, order received
    ASSIGNED = "assigned"  # a vehicle is on its way to pick it up
    ON_VEHICLE = "on_vehicle"
    SCANNING = "scanning"
    HELD = "held"
    DELIVERED = "delivered"


class OrderState(Enum):
    OPEN = "open"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"


V = VehicleState
VEHICLE_TRANSITIONS: Mapping[VehicleState, frozenset[VehicleState]] = {
    V.IDLE: frozenset({V.EN_ROUTE, V.WAITING, V.LOADING, V.CHARGING, V.IDLE}),
    V.WAITING: frozenset(
        {V.EN_ROUTE, V.WAITING, V.LOADING, V.UNLOADING, V.SCANNING, V.HOLDING, V.CHARGING, V.IDLE}
    ),
    V.EN_ROUTE: frozenset(
        {V.EN_ROUTE, V.LOADING, V.UNLOADING, V.SCANNING, V.HOLDING, V.CHARGING, V.IDLE, V.WAITING}
    ),
    V.LOADING: frozenset({V.WAITING, V.EN_ROUTE}),
    # The next container of a two-place vehicle, or (its status changed) customs first.
    V.UNLOADING: frozenset({V.IDLE, V.UNLOADING, V.WAITING}),
    V.SCANNING: frozenset({V.WAITING, V.EN_ROUTE, V.SCANNING}),
    V.HOLDING: frozenset({V.WAITING, V.EN_ROUTE, V.HOLDING}),
    V.CHARGING: frozenset({V.IDLE}),
}

C = ContainerState
CONTAINER_TRANSITIONS: Mapping[ContainerState, frozenset[ContainerState]] = {
    C.WAITING: frozenset({C.ASSIGNED}),
    C.ASSIGNED: frozenset({C.ON_VEHICLE, C.WAITING}),  # back to WAITING: its vehicle faulted
    C.ON_VEHICLE: frozenset({C.SCANNING, C.HELD, C.DELIVERED}),
    C.SCANNING: frozenset({C.ON_VEHICLE, C.HELD}),
    C.HELD: frozenset({C.ON_VEHICLE}),
    C.DELIVERED: frozenset(),
}

OS = OrderState
ORDER_TRANSITIONS: Mapping[OrderState, frozenset[OrderState]] = {
    OS.OPEN: frozenset({OS.ASSIGNED}),
    OS.ASSIGNED: frozenset({OS.PICKED_UP, OS.OPEN}),  # back to OPEN: its vehicle faulted
    OS.PICKED_UP: frozenset({OS.DELIVERED}),
    OS.DELIVERED: frozenset(),
}

S = TypeVar("S", bound=Enum)


def advance(table: Mapping[S, frozenset[S]], current: S, new: S, subject: str) -> S:
    """Return ``new`` if ``current -> new`` is legal in ``table``; raise otherwise."""
    if new not in table[current]:
        allowed = ", ".join(sorted(s.name for s in table[current])) or "none (final state)"
        raise IllegalTransitionError(
            f"{subject}: cannot go from {current.name} to {new.name}; allowed: {allowed}"
        )
    return new
