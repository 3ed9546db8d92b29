"""The gridlock bound: the smallest number of vehicles that can fill a cycle of lanes.

A wait-for cycle among vehicles waiting at lane heads is a cycle of full lanes (see
docs/traffic.md). Vehicles wait only at the end of ordinary lanes (never inside an exclusive
section, never by turning back on a two-way lane), so the cycles that matter are the cycles of
the *turn graph*: one vertex per ordinary edge, an arc ``(u,v) -> (v,w)`` for every turn a
vehicle can ask for (no U-turn ``w == u`` unless ``v`` is a dead end), with exclusive edges
contracted (weight 0). The bound is the minimum over those cycles of the summed capacities;
admitting fewer vehicles onto the lanes than that makes gridlock impossible.

Closing lanes only removes cycles, so the bound of the full graph stays valid under every
closure; the core computes it once. :mod:`orchestrator.traffic.regions` refines it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from orchestrator.lanegraph import EdgeKey, LaneGraph, NodeId
from orchestrator.traffic.resources import ResourceKind, Resources

__all__ = ["TurnGraph", "min_cycle_capacity", "shortest_cycles", "turn_graph"]

EPS = 1e-9  # weight of an exclusive edge: nobody waits inside one
_BATCH = 128


@dataclass(frozen=True)
class TurnGraph:
    """Vertices are edges (sorted keys); ``weight`` is a vertex's capacity (EPS if exclusive);
    arcs ``rows[k] -> cols[k]`` are the turns; ``preds[j]`` the vertices with a turn into j."""

    keys: list[EdgeKey]
    weight: list[float]
    exclusive: list[bool]
    rows: list[int]
    cols: list[int]
    preds: list[list[int]]


def turn_graph(graph: LaneGraph, resources: Resources) -> TurnGraph:
    keys = sorted(graph.edges)
    index = {k: i for i, k in enumerate(keys)}
    succ: dict[NodeId, list[NodeId]] = {}
    for u, v in keys:
        succ.setdefault(u, []).append(v)
    lane = resources.lane
    exclusive = [lane[k].kind is ResourceKind.EXCLUSIVE for k in keys]
    weight = [
        EPS if exclusive[i] else float(resources.capacity[lane[k]]) for i, k in enumerate(keys)
    ]
    rows: list[int] = []
    cols: list[int] = []
    preds: list[list[int]] = [[] for _ in keys]
    for u, v in keys:
        outs = succ.get(v, [])
        for w in outs:
            if w == u and len(outs) > 1:
                continue  # no U-turn where the road goes on
            i, j = index[(u, v)], index[(v, w)]
            rows.append(i)
            cols.append(j)
            preds[j].append(i)
    return TurnGraph(keys, weight, exclusive, rows, cols, preds)


def shortest_cycles(
    n: int,
    rows: Sequence[int],
    cols: Sequence[int],
    *,
    weight: Sequence[float],
    preds: Sequence[Sequence[int]],
    sources: Sequence[int],
    limit: float = math.inf,
    prune: bool = True,
) -> dict[int, float]:
    """Weight of the lightest cycle through each source (vertex-weighted; absent: none found
    below ``limit``). With ``prune`` the search stops looking past the best cycle so far, so
    only the minimum over all sources is exact."""
    out: dict[int, float] = {}
    if not n or not sources:
        return out
    data = np.array([weight[j] for j in cols], dtype=float)
    matrix = csr_matrix((data, (list(rows), list(cols))), shape=(n, n))
    best = limit
    for start in range(0, len(sources), _BATCH):
        batch = list(sources[start : start + _BATCH])
        bound = best if prune else limit
        dist = dijkstra(matrix, directed=True, indices=batch, limit=bound)
        for row, src in enumerate(batch):
            back = dist[row, list(preds[src])]
            if back.size:
                cycle = float(back.min()) + weight[src]
                if math.isfinite(cycle):
                    out[src] = cycle
                    best = min(best, cycle)
    return out


def min_cycle_capacity(graph: LaneGraph, resources: Resources) -> float:
    """Smallest summed capacity of a turn-graph cycle with an ordinary lane (inf if none)."""
    tg = turn_graph(graph, resources)
    sources = [i for i in range(len(tg.keys)) if not tg.exclusive[i] and tg.preds[i]]
    cycles = shortest_cycles(
        len(tg.keys), tg.rows, tg.cols, weight=tg.weight, preds=tg.preds, sources=sources
    )
    if not cycles:
        return math.inf
    return float(round(min(cycles.values())))
