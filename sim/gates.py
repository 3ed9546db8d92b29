"""Border gates as the simulated AGVs meet them: who stops, for how long.

A smart gate reads seals and documents while the AGV stands (10-30 s by default), a manual gate
has an officer check it (minutes), a drive-through gate reads e-seals on the move. The AGV stops
at a stopping gate when its grant ends there or its next edge crosses the line, stands for a
dwell drawn from the scenario's range for that gate type, and only then reads the seals and
reports the node, so the core decides the crossing with the vehicle at a standstill (the
point of no return, :mod:`orchestrator.crossing`). The draws come from their own seeded stream.
"""

from __future__ import annotations

import random

from orchestrator.lanegraph import LaneGraph, NodeId
from sim.scenario import GateSpec

__all__ = ["GateDwell"]


class GateDwell:
    def __init__(self, graph: LaneGraph, spec: GateSpec, rng: random.Random) -> None:
        self._range: dict[NodeId, tuple[float, float]] = {}
        for gid in sorted(graph.gates):
            gate = graph.gates[gid]
            if gate.gate_type.stops:
                self._range[gate.node] = spec.dwell_range_s(gate.gate_type)
        self._rng = rng
        self.nodes = frozenset(self._range)  # gate nodes where AGVs stop
        self.stops = 0
        self.total_s = 0.0

    def draw_s(self, node: NodeId) -> float:
        """How long the AGV stands at the gate at ``node`` this time."""
        lo, hi = self._range[node]
        dwell_s = lo if lo == hi else self._rng.uniform(lo, hi)
        self.stops += 1
        self.total_s += dwell_s
        return dwell_s
