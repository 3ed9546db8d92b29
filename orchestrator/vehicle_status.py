"""One vehicle as the control room sees it: where it is, what it carries, and the one word the
map colours it by.

This module owns that shape (:class:`VehicleStatus`) and the rule that turns the core's summary
and the runtime's position into it (:func:`vehicle_status`), so the SimPy fleet and the ROS fleet
give the console the same thing. Pure: the callers read the core and the vehicles themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from orchestrator.domain.records import VehicleSnapshot
from orchestrator.domain.states import VehicleState
from orchestrator.messages import RiskLevel

__all__ = ["Display", "VehicleStatus", "highest_risk", "vehicle_status"]


class Display(Enum):
    """What the map shows a vehicle as (one colour each)."""

    LOADED = "loaded"
    EMPTY = "empty"
    HELD = "held"
    SCANNING = "scanning"
    CHARGING = "charging"
    FAULTED = "faulted"  # out of service, or not reporting
    IDLE = "idle"


_RISK_ORDER = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)


@dataclass(frozen=True, slots=True)
class VehicleStatus:
    vehicle_id: str
    x_m: float
    y_m: float
    yaw_rad: float
    speed_mps: float
    battery_kwh: float
    display: Display
    state: str  # the core's vehicle state ("en_route", "holding", ...), or the robot's mode
    node: str
    next_node: str | None
    route: tuple[str, ...]  # granted nodes not reached yet
    container_ids: tuple[str, ...]  # on board
    risk: RiskLevel | None  # the highest effective level on board (None: empty or unknown)
    purpose: str | None
    target_node: str | None
    waiting_for: str | None
    fault: str | None
    reporting: bool  # False: the vehicle has gone silent


def highest_risk(levels: Sequence[RiskLevel]) -> RiskLevel | None:
    """The most severe graded level among ``levels`` (UNKNOWN counts as no grade)."""
    graded = [lv for lv in levels if lv in _RISK_ORDER]
    return max(graded, key=_RISK_ORDER.index) if graded else None


def _display(
    state: VehicleState | None,
    on_board: Sequence[str],
    held: bool,
    fault: str | None,
    reporting: bool,
) -> Display:
    # Order matters: a silent or broken vehicle is the first thing a control room must see,
    # then a held container (customs), then what the vehicle is doing.
    if fault is not None or not reporting:
        return Display.FAULTED
    if held:
        return Display.HELD
    if state is VehicleState.SCANNING:
        return Display.SCANNING
    if state is VehicleState.CHARGING:
        return Display.CHARGING
    if on_board:
        return Display.LOADED
    if state is VehicleState.IDLE or state is None:
        return Display.IDLE
    return Display.EMPTY


def vehicle_status(
    snap: VehicleSnapshot,
    *,
    state: VehicleState | None,
    route: Sequence[str] = (),
    purpose: str | None = None,
    target_node: str | None = None,
    waiting_for: str | None = None,
    fault: str | None = None,
    reporting: bool = True,
    state_name: str | None = None,
    risk_of: Callable[[str], RiskLevel],
    held: Callable[[str], bool],
) -> VehicleStatus:
    """The status of the vehicle at ``snap`` (its position and what is on board as the vehicle
    reports it), with what the core knows (``state`` and the rest; None where it knows nothing,
    as a bridge beside a ROS node). ``risk_of`` and ``held`` read a container's effective level
    and whether customs hold it."""
    on_board = snap.container_ids
    is_held = any(held(c) for c in on_board)
    return VehicleStatus(
        vehicle_id=snap.vehicle_id,
        x_m=snap.x_m,
        y_m=snap.y_m,
        yaw_rad=snap.yaw_rad,
        speed_mps=snap.speed_mps,
        battery_kwh=snap.battery_kwh,
        display=_display(state, on_board, is_held, fault, reporting),
        state=state_name if state_name is not None else (state.value if state else "unknown"),
        node=snap.node,
        next_node=snap.next_node,
        route=tuple(route),
        container_ids=tuple(on_board),
        risk=highest_risk([risk_of(c) for c in on_board]),
        purpose=purpose,
        target_node=target_node,
        waiting_for=waiting_for,
        fault=fault,
        reporting=reporting,
    )
