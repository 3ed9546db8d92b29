"""Ports: what the core needs from a runtime, as typing Protocols.

A runtime supplies a clock, a vehicle gateway, an event sink and a custody ledger; the core
calls them and never touches SimPy, ROS, a database or the wall clock itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from orchestrator.messages import Command

__all__ = ["Clock", "EventSink", "LogEntry", "VehicleGateway"]


class Clock(Protocol):
    """Seconds since the start of the run (SimPy ``env.now``, ROS time, monotonic time)."""

    def now_s(self) -> float: ...


class VehicleGateway(Protocol):
    """Delivers a command to one vehicle (a SimPy process, a ROS topic, a VDA 5050 order)."""

    def send(self, command: Command) -> None: ...


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the run's event log: what happened and why, in words and in data.

    ``kind`` is a stable dotted name (``order.assigned``, ``risk.reroute``, ``traffic.wait``);
    ``subject`` names the vehicle or container; ``data`` holds plain JSON-able values only.
    """

    t_s: float
    kind: str
    subject: str
    message: str
    data: Mapping[str, object] = field(default_factory=dict)


class EventSink(Protocol):
    def emit(self, entry: LogEntry) -> None: ...
