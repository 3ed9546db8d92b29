"""Checks of a loaded map against the AGVs that will drive on it (``borderflow map validate``).

This module owns the map checks that depend on the vehicle, so they cannot be part of loading:

- ``gate-too-close`` (error): a gate where an AGV that is refused the crossing can no longer
  stop before the border line, by the rule of :mod:`orchestrator.crossing` (reaction, braking
  and half the vehicle length, at the speed the crossing is committed at);
- ``short-segment`` (warning): ordinary lane segments shorter than one vehicle plus its headway,
  which the traffic manager gives room for one vehicle only, whatever their lane count allows;
  one problem per lane. Exclusive lanes are left out: they hold one vehicle by design.

Both are :class:`~maps.errors.MapProblem` records with a severity, like the loader's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from maps.errors import MapProblem, Severity
from orchestrator.config import OrchestratorConfig
from orchestrator.crossing import GateMargin, VehicleDynamics, gate_margins
from orchestrator.lanegraph import Edge, LaneGraph
from orchestrator.traffic.resources import lane_capacity

__all__ = ["FleetProfile", "check_fleet"]


@dataclass(frozen=True, slots=True)
class FleetProfile:
    """The AGV a map is checked for (the defaults of ``borderflow map validate``)."""

    max_speed_kph: float = 25.0
    decel_mps2: float = 0.7  # service braking of a loaded vehicle
    reaction_s: float = 0.5
    vehicle_length_m: float = 15.0
    headway_m: float = 8.0

    def __post_init__(self) -> None:
        for name in ("max_speed_kph", "decel_mps2", "vehicle_length_m"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("reaction_s", "headway_m"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")

    @property
    def dynamics(self) -> VehicleDynamics:
        return VehicleDynamics(
            self.max_speed_kph / 3.6, self.decel_mps2, self.reaction_s, self.vehicle_length_m
        )

    @property
    def spacing_m(self) -> float:
        return self.vehicle_length_m + self.headway_m


def check_fleet(graph: LaneGraph, fleet: FleetProfile | None = None) -> list[MapProblem]:
    """Every fleet-dependent problem of a loaded map, sorted (errors and warnings)."""
    fleet = fleet or FleetProfile()
    problems = [
        _too_close(graph, m, fleet) for m in gate_margins(graph, fleet.dynamics) if not m.ok
    ]
    problems += _short_segments(graph, fleet)
    return sorted(problems)


def safe_speed_kph(line_distance_m: float, fleet: FleetProfile) -> float:
    """The highest commitment speed at which the vehicle still stops before the line (0 when
    even a vehicle standing at the gate sticks out over it)."""
    room = line_distance_m - fleet.vehicle_length_m / 2
    if room <= 0:
        return 0.0
    a, r = fleet.decel_mps2, fleet.reaction_s
    # v r + v^2 / (2 a) = room, solved for v >= 0.
    return a * (-r + math.sqrt(r * r + 2 * room / a)) * 3.6


def _too_close(graph: LaneGraph, m: GateMargin, fleet: FleetProfile) -> MapProblem:
    gate = graph.gates[m.gate_id]
    need = f"move the gate back along its approach to at least {m.needed_m:.1f} m before the line"
    if m.speed_mps == 0:
        fix = (
            f"{need}: half the vehicle ({fleet.vehicle_length_m / 2:g} m) already reaches "
            "further than the line"
        )
    else:
        approach = sorted(
            {e.lane_id for e in graph.edges.values() if e.target == gate.node},
            key=lambda lane: (
                -max(e.speed_limit_mps for e in graph.edges.values() if e.lane_id == lane)
            ),
        )
        kph = math.floor(safe_speed_kph(m.line_distance_m, fleet))
        slower = (
            f"lower the speed limit of the approach lane {approach[0]} to {kph} km/h or less"
            if kph >= 1 and approach
            else "lower the approach lane's speed limit"
        )
        fix = (
            f'{need}, {slower}, or make it a stopping gate (gate_type "smart" or "manual": '
            f"it is {gate.gate_type.value!r})"
        )
    return MapProblem(
        m.gate_id,
        "gate-too-close",
        f"{m.explain()}: a vehicle refused the crossing there would stop across the border; {fix}",
    )


def _short_segments(graph: LaneGraph, fleet: FleetProfile) -> list[MapProblem]:
    config = OrchestratorConfig(vehicle_length_m=fleet.vehicle_length_m, headway_m=fleet.headway_m)
    short: dict[str, list[Edge]] = {}
    for e in sorted(graph.edges.values(), key=lambda e: e.key):
        if e.exclusive or (e.two_way and e.source > e.target):
            continue  # exclusive: capacity 1 by design; a two-way segment counts once
        if e.length_m < fleet.spacing_m:
            short.setdefault(e.lane_id, []).append(e)
    problems = []
    for lane_id, edges in sorted(short.items()):
        worst = min(edges, key=lambda e: (e.length_m, e.key))
        caps = sorted({lane_capacity(e, config) for e in edges})
        holds = (
            "each holds one vehicle at a time (capacity 1)"
            if caps == [1]
            else f"they hold fewer vehicles than they have lanes (capacity {caps[0]})"
        )
        problems.append(
            MapProblem(
                lane_id,
                "short-segment",
                f"{len(edges)} segment(s) shorter than {fleet.spacing_m:g} m (vehicle "
                f"{fleet.vehicle_length_m:g} m + headway {fleet.headway_m:g} m), the shortest "
                f"{worst.length_m:.1f} m from {worst.source} to {worst.target}: {holds}, so a "
                "vehicle waiting there blocks the lane; move the junctions apart if it is "
                "meant to hold a queue",
                Severity.WARNING,
            )
        )
    return problems
