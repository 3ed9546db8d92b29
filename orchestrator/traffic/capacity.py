"""The gridlock bound: the smallest number of vehicles that can fill a cycle of lanes.

A wait-for cycle among vehicles waiting at lane heads is a cycle of full lanes (see
docs/traffic.md). Vehicles wait only at the end of ordinary lanes (never inside an exclusive
section, never by turning back on a two-way lane), so the cycles that matter are the cycles of
the *turn graph*: one vertex per ordinary edge, an arc ``(u,v) -> (v,w)`` for every turn a
vehicle can ask for (no U-turn ``w == u`` unless ``v`` is a dead end), with exclusive edges
contracted (weight 0). The bound is the minimum over those cycles of the summed capacities;
admitting fewer vehicles onto the lanes than that makes gridlock impossible.

Closing lanes only removes cycles, so the bound of the full graph stays valid under every
closure; the core computes it once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from orchestrator.lanegraph import EdgeKey, LaneGraph, NodeId
from orchestrator.traffic.resources import LaneResource

__all__ = ["min_cycle_capacity"]

_EPS = 1e-9
_BATCH = 128


def min_cycle_capacity(graph: LaneGraph, resources: Mapping[EdgeKey, LaneResource]) -> float:
    """Smallest summed capacity of a turn-graph cycle with an ordinary lane (inf if none)."""
    keys = sorted(graph.edges)
    index = {k: i for i, k in enumerate(keys)}
    succ: dict[NodeId, list[NodeId]] = {}
    for u, v in keys:
        succ.setdefault(u, []).append(v)
    weight = [_EPS if resources[k].exclusive else float(resources[k].capacity) for k in keys]
    rows: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    preds: list[list[int]] = [[] for _ in keys]
    for u, v in keys:
        outs = succ.get(v, [])
        for w in outs:
            if w == u and len(outs) > 1:
                continue  # no U-turn where the road goes on
            i, j = index[(u, v)], index[(v, w)]
            rows.append(i)
            cols.append(j)
            data.append(weight[j])
            preds[j].append(i)
    n = len(keys)
    if not n:
        return math.inf
    matrix = csr_matrix((np.array(data, dtype=float), (rows, cols)), shape=(n, n))
    sources = [i for i, k in enumerate(keys) if not resources[k].exclusive and preds[i]]
    best = math.inf
    for start in range(0, len(sources), _BATCH):
        batch = sources[start : start + _BATCH]
        limit = best if math.isfinite(best) else np.inf
        dist = dijkstra(matrix, directed=True, indices=batch, limit=limit)
        for row, src in enumerate(batch):
            back = dist[row, preds[src]]
            if back.size:
                cycle = float(back.min()) + weight[src]
                best = min(best, cycle)
    return math.inf if math.isinf(best) else float(round(best))
