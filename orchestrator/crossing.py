"""The point of no return at a border gate: where a crossing is committed, and whether a vehicle
can still stop before the line there.

The core commits a crossing when it grants the border edge, and it grants that edge only to a
vehicle standing at (or reporting) the gate checkpoint. So the gate is the commitment point, and
the map is safe for a fleet when a vehicle that is *not* granted the border edge can always stop
before the line: its stopping distance from the checkpoint — the distance it rolls while the
refusal reaches it (``speed * reaction_s``), its braking distance (``speed**2 / (2 * decel)``)
and half its length (its reference point is its centre; its front must stay on this side) — is
no more than the gate's distance to the line. At a gate where vehicles stop (a smart or manual
gate: seals and documents are read at a standstill) the speed at commitment is 0; at a
drive-through gate it is the fastest the vehicle may approach it (its own top speed or the
approach lane's limit, whichever is lower).

This module owns that rule; ``map validate`` checks a map against it for a given AGV, the
simulator refuses a scenario whose fleet breaks it, and the simulator's invariant monitor checks
every single commitment against it as it happens. The safety argument is in docs/traffic.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.lanegraph import Gate, LaneGraph

__all__ = ["GateMargin", "VehicleDynamics", "gate_margins", "stopping_distance_m"]


@dataclass(frozen=True, slots=True)
class VehicleDynamics:
    """What a crossing's commitment needs to know of an AGV."""

    max_speed_mps: float
    decel_mps2: float  # service braking a loaded vehicle is sure to reach
    reaction_s: float  # from the refusal to the brakes: message latency plus control cycle
    vehicle_length_m: float


def stopping_distance_m(speed_mps: float, dynamics: VehicleDynamics) -> float:
    """How far past its reference point a vehicle's front gets when it must stop now."""
    braking = speed_mps * speed_mps / (2.0 * dynamics.decel_mps2)
    return speed_mps * dynamics.reaction_s + braking + dynamics.vehicle_length_m / 2.0


@dataclass(frozen=True, slots=True)
class GateMargin:
    gate_id: str
    line_distance_m: float  # checkpoint to the border line
    speed_mps: float  # speed at the commitment (0 where vehicles stop at the gate)
    needed_m: float  # stopping distance at that speed

    @property
    def ok(self) -> bool:
        return self.needed_m <= self.line_distance_m

    def explain(self) -> str:
        kph = self.speed_mps * 3.6
        how = "standing at the gate" if self.speed_mps == 0 else f"at {kph:.0f} km/h"
        return (
            f"gate {self.gate_id} is {self.line_distance_m:.1f} m before the border line; an AGV "
            f"{how} needs {self.needed_m:.1f} m to stop (reaction, braking, half its length)"
        )


def approach_speed_mps(graph: LaneGraph, gate: Gate, max_speed_mps: float) -> float:
    """The fastest a vehicle can reach the gate checkpoint: its top speed, capped by the limit
    of the fastest lane leading to it."""
    limits = [e.speed_limit_mps for (u, v), e in graph.edges.items() if v == gate.node]
    return min(max_speed_mps, max(limits, default=max_speed_mps))


def gate_margins(graph: LaneGraph, dynamics: VehicleDynamics) -> list[GateMargin]:
    """Every gate's stopping margin for this AGV, by gate id (``ok`` says whether it is safe)."""
    out = []
    for gid in sorted(graph.gates):
        gate = graph.gates[gid]
        speed = 0.0
        if not gate.gate_type.stops:
            speed = approach_speed_mps(graph, gate, dynamics.max_speed_mps)
        needed = stopping_distance_m(speed, dynamics)
        out.append(GateMargin(gid, gate.line_distance_m, speed, needed))
    return out
