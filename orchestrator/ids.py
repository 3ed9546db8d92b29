"""The core's identifiers, one ``NewType`` each, so an order id is never passed as a vehicle id.

Map ids (``NodeId``, ``ZoneId``, ``StationId``) come with the lane graph
(:mod:`orchestrator.lanegraph`); container numbers are ISO 6346
(:data:`orchestrator.domain.iso6346.ContainerId`). A runtime wraps the ids it receives once, at
its boundary. ``CommandId`` numbers the core's commands: every vehicle report names the command
it answers, so the core can refuse stale, duplicated and replayed reports
(:mod:`orchestrator.outbox`).
"""

from __future__ import annotations

from typing import NewType

from orchestrator.domain.iso6346 import ContainerId
from orchestrator.lanegraph import NodeId, StationId, ZoneId

__all__ = ["CommandId", "ContainerId", "NodeId", "OrderId", "StationId", "VehicleId", "ZoneId"]

VehicleId = NewType("VehicleId", str)
OrderId = NewType("OrderId", str)
CommandId = NewType("CommandId", int)
