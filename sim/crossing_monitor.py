"""The point of no return, checked by the runtime: commitments to cross and crossings.

:class:`CrossingMonitor` is the part of :class:`sim.invariants.InvariantMonitor` that watches
the border line. A Drive whose path crosses the line is the commitment: every container on
board must be cleared by the customs model's own record then (else ``uncleared_crossing``), and
the vehicle must still have been able to stop before the line at its speed and braking
(:func:`orchestrator.crossing.stopping_distance_m`; else ``short_commitment``). Entering the
border edge uncleared without a clean commitment is an ``uncleared_crossing`` too; a clearance
withdrawn after a clean commitment is a late verdict, counted as ``late_crossings`` once the
vehicle is across (the core holds it on the far side).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from orchestrator.crossing import VehicleDynamics, stopping_distance_m
from orchestrator.lanegraph import Edge, EdgeKey, Gate, LaneGraph, NodeId

if TYPE_CHECKING:
    from sim.customs import CustomsModel
    from sim.vehicle import VirtualAGV

__all__ = ["CrossingMonitor"]

Violation = Callable[[str, str, str, dict[str, object]], None]


class CrossingMonitor:
    def __init__(
        self,
        graph: LaneGraph,
        customs: CustomsModel,
        dynamics: VehicleDynamics | None,
        violation: Violation,
    ) -> None:
        self._customs = customs
        self._dynamics = dynamics
        self._violation = violation
        self._length = {key: e.length_m for key, e in graph.edges.items()}
        self._border_gate: dict[EdgeKey, Gate] = {
            key: graph.gates[gid]
            for gid in sorted(graph.gates)
            for key in graph.gates[gid].crossing_edges
            if key[0] == graph.gates[gid].node
        }
        # vehicle -> (border edge, {container: cleared at the commitment})
        self._committed: dict[str, tuple[EdgeKey, dict[str, bool]]] = {}
        self.on_border: dict[str, dict[str, bool]] = {}  # vehicles on a border edge now
        self.commitments = 0
        self.late_crossings = 0

    def commit(self, vehicle: VirtualAGV, path: tuple[NodeId, ...]) -> None:
        """The vehicle was sent ``path``: if it crosses the line, this is the commitment. Check
        it against the real rule: every container on board cleared now, and the vehicle able to
        stop before the line from here at its speed."""
        border_gate = self._border_gate
        way_m = 0.0
        for i in range(len(path) - 1):
            key = (path[i], path[i + 1])
            gate = border_gate.get(key)
            if gate is None:
                way_m += self._length.get(key, 0.0)
                continue
            self._check_commitment(vehicle, key, gate, way_m + gate.line_distance_m)
            return

    def _check_commitment(
        self, vehicle: VirtualAGV, key: EdgeKey, gate: Gate, to_line_m: float
    ) -> None:
        self.commitments += 1
        cleared = {}
        for cid in vehicle.containers():
            cleared[cid] = ok = self._customs.is_cleared(cid)
            if not ok:
                rec = self._customs.records.get(cid)
                level = rec.level.value if rec is not None else "unknown container"
                self._violation(
                    "uncleared_crossing",
                    vehicle.id,
                    f"vehicle {vehicle.id} committed to crossing at gate {gate.id} with "
                    f"container {cid} not cleared (customs record: {level})",
                    {"container_id": cid, "edge": list(key), "gate": gate.id},
                )
        self._committed[vehicle.id] = (key, cleared)
        if self._dynamics is None:
            return
        needed_m = stopping_distance_m(vehicle.speed_mps, self._dynamics)
        if needed_m > to_line_m + 1e-6:
            self._violation(
                "short_commitment",
                vehicle.id,
                f"vehicle {vehicle.id} committed to crossing at gate {gate.id} {to_line_m:.1f} m "
                f"before the line at {vehicle.speed_mps:.2f} m/s: it needs {needed_m:.1f} m to "
                "stop, so a refusal could not have held it on its side",
                {"gate": gate.id, "to_line_m": to_line_m, "needed_m": needed_m},
            )

    def crossing(self, vehicle: VirtualAGV, edge: Edge) -> None:
        """The vehicle enters a border edge: each container must have been cleared when the
        crossing was committed (a clearance withdrawn since is a late verdict)."""
        key = edge.key
        committed = self._committed.pop(vehicle.id, None)
        at_commit = committed[1] if committed is not None and committed[0] == key else None
        self.on_border[vehicle.id] = at_commit or {}
        for cid in vehicle.containers():
            if self._customs.is_cleared(cid):
                continue
            if at_commit is not None and cid in at_commit:
                continue  # a late verdict (counted on the far side), or counted at commitment
            rec = self._customs.records.get(cid)
            level = rec.level.value if rec is not None else "unknown container"
            self._violation(
                "uncleared_crossing",
                vehicle.id,
                f"container {cid} crosses on {key[0]}->{key[1]} "
                f"without clearance (customs record: {level})",
                {"container_id": cid, "edge": list(key)},
            )

    def left_border(self, vehicle: VirtualAGV) -> None:
        """Off the border edge, across the line: a container cleared at the commitment whose
        clearance was withdrawn since crossed with a late verdict (the core holds it here)."""
        at_commit = self.on_border.pop(vehicle.id, None)
        if at_commit is None:
            return
        for cid in vehicle.containers():
            if at_commit.get(cid) and not self._customs.is_cleared(cid):
                self.late_crossings += 1
