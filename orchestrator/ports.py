"""Ports: what the core needs from a runtime, as typing Protocols.

A runtime supplies a clock, a vehicle gateway, an event sink and a custody ledger
(:class:`orchestrator.custody.events.LedgerPort`); the core calls them and never touches SimPy,
ROS, a database or the wall clock itself.
"""

from __future__ import annotations

from typing import Protocol

from orchestrator.domain.eventlog import DomainEvent, LogEntry
from orchestrator.messages import Command

__all__ = ["Clock", "EventSink", "LogEntry", "VehicleGateway"]


class Clock(Protocol):
    """Seconds since the start of the run (SimPy ``env.now``, ROS time, monotonic time)."""

    def now_s(self) -> float: ...


class VehicleGateway(Protocol):
    """Delivers a command to one vehicle (a SimPy process, a ROS topic, a VDA 5050 order)."""

    def send(self, command: Command) -> None: ...


class EventSink(Protocol):
    """Receives every typed domain event the core emits, in order, as it happens.

    The human event log is a rendering (:func:`orchestrator.domain.eventlog.log_entry`).
    """

    def emit(self, event: DomainEvent) -> None: ...
