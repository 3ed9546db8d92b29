"""A vehicle's ``state`` message as VDA 5050 2.1 or 3.0 wants it: the vehicle side's builder.

Used by borderflow's own VDA 5050 vehicle simulator and by the tests; the fleet side reads
states with :mod:`vda5050.states`. The version differences it hides: the battery
(``batteryState`` / ``powerSupply``), the safety state's e-stop field, the position's name
(``agvPosition`` / ``mobileRobotPosition``) and 3.0's separate ``instantActionStates``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vda5050.versions import Version

__all__ = ["ActionState", "Pose", "VehicleSnapshot", "state_message"]


@dataclass(frozen=True, slots=True)
class Pose:
    x_m: float
    y_m: float
    theta_rad: float
    map_id: str


@dataclass(frozen=True, slots=True)
class ActionState:
    action_id: str
    action_type: str
    status: str  # WAITING | INITIALIZING | RUNNING | FINISHED | FAILED (3.0: PAUSED, RETRIABLE)
    instant: bool = False


@dataclass(frozen=True, slots=True)
class VehicleSnapshot:
    """What a vehicle says of itself at one moment."""

    order_id: str = ""
    order_update_id: int = 0
    last_node_id: str = ""
    last_node_sequence_id: int = 0
    # (nodeId, sequenceId, released) still to traverse; edges (edgeId, sequenceId, released)
    node_states: Sequence[tuple[str, int, bool]] = ()
    edge_states: Sequence[tuple[str, int, bool]] = ()
    actions: Sequence[ActionState] = ()
    driving: bool = False
    battery_pct: float = 100.0
    charging: bool = False
    pose: Pose | None = None
    # (errorType, errorLevel, description)
    errors: Sequence[tuple[str, str, str]] = field(default=())
    speed_mps: float | None = None  # sent as the velocity (vx along the heading) when known
    # 3.0: (zoneSetId, mapId) enabled on the vehicle; (requestId, zoneId, zoneSetId, status)
    zone_sets: Sequence[tuple[str, str]] = ()
    zone_requests: Sequence[tuple[str, str, str, str]] = ()


def state_message(version: Version, manufacturer: str, serial_number: str, header_id: int,
                  timestamp: str, s: VehicleSnapshot) -> dict[str, Any]:  # fmt: skip
    """The ``state`` message of ``s``; valid against the version's schema (tested)."""
    msg: dict[str, Any] = {
        "headerId": header_id,
        "timestamp": timestamp,
        "version": version.value,
        "manufacturer": manufacturer,
        "serialNumber": serial_number,
        "orderId": s.order_id,
        "orderUpdateId": s.order_update_id,
        "lastNodeId": s.last_node_id,
        "lastNodeSequenceId": s.last_node_sequence_id,
        "nodeStates": [{"nodeId": n, "sequenceId": q, "released": r} for n, q, r in s.node_states],
        "edgeStates": [{"edgeId": e, "sequenceId": q, "released": r} for e, q, r in s.edge_states],
        "driving": s.driving,
        "operatingMode": "AUTOMATIC",
        "errors": [
            {"errorType": t, "errorLevel": lv, "errorDescription": d, "errorReferences": []}
            for t, lv, d in s.errors
        ],
    }
    order_actions = [a for a in s.actions if not a.instant or version is Version.V2_1]
    msg["actionStates"] = [
        {"actionId": a.action_id, "actionType": a.action_type, "actionStatus": a.status}
        for a in order_actions
    ]
    if version is Version.V2_1:
        msg["batteryState"] = {"batteryCharge": s.battery_pct, "charging": s.charging}
        msg["safetyState"] = {"eStop": "NONE", "fieldViolation": False}
        if s.pose is not None:
            msg["agvPosition"] = {"x": s.pose.x_m, "y": s.pose.y_m, "theta": s.pose.theta_rad,
                                  "mapId": s.pose.map_id, "positionInitialized": True}  # fmt: skip
    else:
        msg["instantActionStates"] = [
            {"actionId": a.action_id, "actionType": a.action_type, "actionStatus": a.status}
            for a in s.actions if a.instant
        ]  # fmt: skip
        msg["powerSupply"] = {"stateOfCharge": s.battery_pct, "charging": s.charging}
        msg["safetyState"] = {"activeEmergencyStop": "NONE", "fieldViolation": False}
        if s.pose is not None:
            msg["mobileRobotPosition"] = {"x": s.pose.x_m, "y": s.pose.y_m,
                                          "theta": s.pose.theta_rad, "mapId": s.pose.map_id,
                                          "localized": True}  # fmt: skip
        msg["zoneSets"] = [{"zoneSetId": z, "mapId": m, "zoneSetStatus": "ENABLED"}
                           for z, m in s.zone_sets]  # fmt: skip
        msg["zoneRequests"] = [
            {"requestId": r, "requestType": "ACCESS", "zoneId": z, "zoneSetId": zs,
             "requestStatus": st}
            for r, z, zs, st in s.zone_requests
        ]  # fmt: skip
    if s.speed_mps is not None and s.pose is not None:
        msg["velocity"] = {"vx": round(s.speed_mps, 3), "vy": 0.0, "omega": 0.0}
    return msg
