"""The human event log as a rendering of the typed domain events.

:data:`DomainEvent` is every event the core emits; :func:`log_entry` turns one into the
:class:`LogEntry` the run's event log stores (``kind`` is a stable dotted name such as
``order.assigned``; ``subject`` names the vehicle or container; ``message`` says what happened
and why in words; ``data`` holds plain JSON-able values). Rendering is pure and can be done
lazily, off the hot path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from orchestrator.domain.customs_events import (
    BorderCrossed,
    HoldLifted,
    HoldPlaced,
    LateVerdict,
    Rerouted,
    ScanRequested,
    ScanResult,
    SealVerified,
    TamperAlert,
    VerdictReceived,
)
from orchestrator.domain.events import (
    CoLoadWait,
    ContainerStranded,
    MapWarning,
    OrderAssigned,
    OrderDelivered,
    OrderPickedUp,
    OrderReceived,
    OrderReturned,
    VehicleAdded,
    VehicleBackInService,
    VehicleCharged,
    VehicleCharging,
    VehicleOutOfService,
    VehicleRelocated,
)
from orchestrator.domain.traffic_events import LaneReopened, LaneShut, NoRoute, VehicleWaiting

__all__ = [
    "CUSTOMS_NOTICE_TYPES",
    "DOMAIN_EVENT_TYPES",
    "CustomsNotice",
    "DomainEvent",
    "LogEntry",
    "log_entry",
]

DomainEvent = (
    MapWarning
    | VehicleAdded
    | OrderReceived
    | OrderAssigned
    | OrderPickedUp
    | OrderDelivered
    | CoLoadWait
    | OrderReturned
    | VehicleCharging
    | VehicleCharged
    | VehicleRelocated
    | VehicleOutOfService
    | ContainerStranded
    | VehicleBackInService
    | VerdictReceived
    | LateVerdict
    | ScanRequested
    | ScanResult
    | HoldPlaced
    | HoldLifted
    | Rerouted
    | SealVerified
    | TamperAlert
    | BorderCrossed
    | LaneShut
    | LaneReopened
    | VehicleWaiting
    | NoRoute
)

DOMAIN_EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    MapWarning,
    VehicleAdded,
    OrderReceived,
    OrderAssigned,
    OrderPickedUp,
    OrderDelivered,
    CoLoadWait,
    OrderReturned,
    VehicleCharging,
    VehicleCharged,
    VehicleRelocated,
    VehicleOutOfService,
    ContainerStranded,
    VehicleBackInService,
    VerdictReceived,
    LateVerdict,
    ScanRequested,
    ScanResult,
    HoldPlaced,
    HoldLifted,
    Rerouted,
    SealVerified,
    TamperAlert,
    BorderCrossed,
    LaneShut,
    LaneReopened,
    VehicleWaiting,
    NoRoute,
)


# What customs systems hear about from a fleet (the bridge's outgoing events): holds placed and
# lifted, containers crossing the line and delivered, seals that do not match, verdicts that
# came after the crossing was committed.
CustomsNotice = HoldPlaced | HoldLifted | BorderCrossed | OrderDelivered | TamperAlert | LateVerdict
CUSTOMS_NOTICE_TYPES: frozenset[type] = frozenset(
    {HoldPlaced, HoldLifted, BorderCrossed, OrderDelivered, TamperAlert, LateVerdict}
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the run's event log: what happened and why, in words and in data."""

    t_s: float
    kind: str
    subject: str
    message: str
    data: Mapping[str, object] = field(default_factory=dict)


def log_entry(event: DomainEvent) -> LogEntry:
    """The log line of one domain event (its subject: the field ``subject_field`` names)."""
    subject = str(getattr(event, event.subject_field))
    return LogEntry(event.t_s, event.kind, subject, event.message, event.data())
