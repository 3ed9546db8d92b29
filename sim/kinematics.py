"""Trapezoid-profile motion along lane edges, and each edge's cruise speed and energy.

A vehicle accelerates from its current speed towards ``min(vehicle max, lane limit)`` and keeps
that speed along the edge; entering a slower lane it slows at once (the lanes' limits change at
nodes, where the braking before the node is short against the edge lengths of a port map). At
the end of the granted path it brakes to a stop: the stop adds ``v / (2 b)`` seconds over
passing the node at speed ``v`` (exact when the vehicle cruised into the braking distance; a
slight over-estimate on very short runs). So a path extended at the last node at the same
simulated time continues without slowing down, as the core's Drive contract asks.
"""

from __future__ import annotations

import math

from orchestrator.lanegraph import Edge, EdgeKey, LaneGraph
from sim.scenario import FleetSpec

__all__ = ["EdgeTable", "brake_time_s", "edge_motion", "edge_table", "trapezoid_time_s"]

EdgeTable = dict[EdgeKey, tuple[Edge, float, float]]


def edge_table(graph: LaneGraph, spec: FleetSpec) -> EdgeTable:
    """Per directed edge: the edge, the speed to cruise at, and the energy to drive it."""
    return {
        key: (
            e,
            min(spec.max_speed_mps, e.speed_limit_mps),
            spec.drive_kwh_per_km * e.length_m / 1000.0,
        )
        for key, e in graph.edges.items()
    }


def edge_motion(
    length_m: float, v0_mps: float, vmax_mps: float, accel_mps2: float
) -> tuple[float, float]:
    """Time to cover ``length_m`` from speed ``v0_mps`` accelerating to ``vmax_mps``.

    Returns ``(dt_s, v_end_mps)``. A start speed above the limit is cut to the limit.
    """
    v0 = min(v0_mps, vmax_mps)
    if length_m <= 0.0:
        return 0.0, v0
    accel_dist_m = (vmax_mps * vmax_mps - v0 * v0) / (2.0 * accel_mps2)
    if accel_dist_m >= length_m:
        v1 = math.sqrt(v0 * v0 + 2.0 * accel_mps2 * length_m)
        return (v1 - v0) / accel_mps2, v1
    return (vmax_mps - v0) / accel_mps2 + (length_m - accel_dist_m) / vmax_mps, vmax_mps


def brake_time_s(v_mps: float, decel_mps2: float) -> float:
    """Extra time to stop at a node instead of passing it at ``v_mps``."""
    return v_mps / (2.0 * decel_mps2)


def trapezoid_time_s(
    length_m: float, vmax_mps: float, accel_mps2: float, decel_mps2: float
) -> float:
    """Standstill-to-standstill time over ``length_m`` (reference for tests and docs)."""
    if length_m <= 0.0:
        return 0.0
    d_acc = vmax_mps * vmax_mps / (2.0 * accel_mps2)
    d_dec = vmax_mps * vmax_mps / (2.0 * decel_mps2)
    if d_acc + d_dec <= length_m:
        return vmax_mps / accel_mps2 + vmax_mps / decel_mps2 + (length_m - d_acc - d_dec) / vmax_mps
    # Triangle: peak speed where the accelerating and braking parabolas meet.
    v_peak = math.sqrt(2.0 * length_m * accel_mps2 * decel_mps2 / (accel_mps2 + decel_mps2))
    return v_peak / accel_mps2 + v_peak / decel_mps2
