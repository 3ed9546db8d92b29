"""Response schemas of the control room's live view: the map document, vehicles, KPIs, alerts
(docs/console.md has the same shapes in prose). Like :mod:`risk_bridge.schemas_out`, they
describe what the code builds (:mod:`risk_bridge.map_doc`, :mod:`risk_bridge.vehicle_feed`,
:mod:`risk_bridge.kpi_tally`, :mod:`risk_bridge.alerts`) and allow extra keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AlertPublic",
    "CrossingTimes",
    "Kpis",
    "MapDocument",
    "MapGate",
    "MapLane",
    "MapStation",
    "MapZone",
    "ThroughputHour",
    "Vehicle",
    "VehicleListing",
]

Point = list[float]  # [x, y] in the lane graph's metres


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------------------- map


class MapZone(_Out):
    id: str
    kind: str = Field(description="e.g. yard, hold_bay, nii_scanner, border_strip")
    side: str
    name: str
    ring: list[Point] = Field(description="the outline, metres")


class MapLane(_Out):
    id: str = Field(description="`source->target`")
    lane_id: str | None
    source: str
    target: str
    points: list[Point] = Field(description="the polyline, metres")
    two_way: bool
    exclusive: bool
    crosses_border: bool
    speed_limit_mps: float
    zone: str | None


class MapStation(_Out):
    id: str
    role: str
    side: str
    name: str
    node: str
    x: float
    y: float
    capacity_vehicles: int | None


class MapGate(_Out):
    id: str
    name: str
    gate_type: str
    node: str
    x: float
    y: float


class MapDocument(_Out):
    """The crossing's map in the lane graph's metres (null without a fleet)."""

    name: str
    crs: str | None
    bbox_m: list[float] = Field(description="[x0, y0, x1, y1]")
    nodes: dict[str, Point] = Field(description="node id -> [x, y]")
    zones: list[MapZone] = Field(description="largest first")
    lanes: list[MapLane]
    stations: list[MapStation]
    gates: list[MapGate]
    border: list[Point] = Field(description="the border line, metres")


# ----------------------------------------------------------------------------------- vehicles

Display = Literal["loaded", "empty", "held", "scanning", "charging", "faulted", "idle"]


class Vehicle(_Out):
    vehicle_id: str
    x_m: float = Field(description="position in the map's metres")
    y_m: float
    yaw_rad: float
    speed_mps: float
    battery_kwh: float
    display: Display = Field(description="what the map colours it by")
    state: str = Field(description="the core's vehicle state, or the robot's mode")
    node: str
    next_node: str | None
    route: list[str] = Field(description="granted nodes not reached yet")
    container_ids: list[str] = Field(description="on board")
    risk: Literal["LOW", "MEDIUM", "HIGH"] | None = Field(
        description="the highest effective level on board (null: empty or not graded)"
    )
    purpose: str | None
    target_node: str | None
    waiting_for: str | None
    fault: str | None
    reporting: bool = Field(description="false: the vehicle has gone silent")


class VehicleListing(_Out):
    t_s: float = Field(description="fleet time, seconds")
    vehicles: list[Vehicle]


# --------------------------------------------------------------------------------------- KPIs


class ThroughputHour(_Out):
    hour: int = Field(description="fleet hour (0 = the run's first)")
    northbound: int = Field(description="deliveries CN -> MN")
    southbound: int = Field(description="deliveries MN -> CN")


class CrossingTimes(_Out):
    p50: float | None = Field(description="seconds, ready in the origin yard -> delivered")
    p95: float | None
    count: int


class Kpis(_Out):
    throughput_per_h: list[ThroughputHour]
    crossing_time_s: CrossingTimes
    delivered: int
    crossings: int = Field(description="crossings of the line, loaded or empty")
    empty_crossings: int
    seal_mismatches: int
    t_s: float = Field(description="fleet time, seconds")
    vehicles: int
    vehicles_by_display: dict[str, int]
    utilisation: float | None = Field(description="busy vehicles / all, 0..1; null: none")
    holds_active: int


# ------------------------------------------------------------------------------------- alerts


class AlertPublic(_Out):
    alert_id: str = Field(description="`kind:subject:n`")
    kind: Literal[
        "tamper", "seal_mismatch", "vehicle_silent", "verdict_overdue", "scanner_queue", "failsafe"
    ]
    severity: Literal["critical", "warning", "info"]
    subject: str
    message: str
    raised_at: str = Field(description="ISO 8601, UTC")
    t_s: float = Field(description="fleet time when raised, seconds")
    cleared_at: str | None = Field(description="when the condition ended (the alert stays)")
    acked_by: str | None
    acked_at: str | None
    open: bool = Field(description="nobody acknowledged it yet")
