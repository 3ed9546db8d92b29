"""Refined gridlock bound: small cycles get their own occupancy limit, the fleet a larger one.

The plain bound (:func:`orchestrator.traffic.capacity.min_cycle_capacity`) lets fewer
vehicles on the lanes than the *smallest* cycle holds, so one small ring limits a whole port.
Here the ordinary lanes that lie on a cycle lighter than a threshold ``T`` are grouped into
*regions* (the strongly connected components of the turn graph restricted to those lanes and
the exclusive edges). A vehicle needs a region's token to have a granted or occupied lane in
it; region ``R`` has ``L_R = (lightest cycle inside R) - 1`` tokens, so no cycle inside ``R``
can fill. The fleet-wide admission bound then only has to beat the cycles that are not inside
one region, in a turn graph extended by one vertex ``x_R`` of weight ``L_R`` per region (a wait
for a region token, entered from any turn into ``R`` and left by any turn out of it). The
argument is in docs/traffic.md ("Regions"). Closing lanes only removes turns and cycles, so the
bounds of the full graph stay valid under every closure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from orchestrator.lanegraph import EdgeKey, LaneGraph
from orchestrator.traffic.capacity import TurnGraph, shortest_cycles, turn_graph
from orchestrator.traffic.resources import Resources

__all__ = ["GridlockBounds", "gridlock_bounds"]


@dataclass(frozen=True)
class GridlockBounds:
    min_cycle: float  # lightest cycle of the whole turn graph (the plain bound + 1)
    threshold: float  # cycles lighter than this are protected by their region's limit
    admission_bound: float  # lightest cycle not inside one region, x_R counted as L_R
    region_of: dict[EdgeKey, int] = field(default_factory=dict)  # ordinary lanes only
    region_limit: dict[int, int] = field(default_factory=dict)  # region -> its token count

    @property
    def admission_limit(self) -> float:
        """Vehicles allowed on the lanes at once (inf: no cycle can fill)."""
        return self.admission_bound - 1 if math.isfinite(self.admission_bound) else math.inf


def gridlock_bounds(graph: LaneGraph, resources: Resources, factor: float) -> GridlockBounds:
    """Regions for cycles lighter than ``factor`` x the lightest cycle, and the fleet bound.

    ``factor <= 1`` gives no regions: the plain global bound.
    """
    tg = turn_graph(graph, resources)
    n = len(tg.keys)
    ordinary = [i for i in range(n) if not tg.exclusive[i] and tg.preds[i]]
    # Lightest cycle through each ordinary lane, exact below the threshold.
    plain = shortest_cycles(n, tg.rows, tg.cols, weight=tg.weight, preds=tg.preds, sources=ordinary)
    c_min = min(plain.values(), default=math.inf)
    if not math.isfinite(c_min) or factor <= 1.0:
        return GridlockBounds(c_min, c_min, c_min)
    threshold = factor * c_min
    per_lane = shortest_cycles(
        n,
        tg.rows,
        tg.cols,
        weight=tg.weight,
        preds=tg.preds,
        sources=ordinary,
        limit=threshold,
        prune=False,
    )
    small = {i for i, c in per_lane.items() if c < threshold}
    label = _region_labels(tg, small)
    limits = [math.inf] * (max(label) + 1)
    for i in small:
        limits[label[i]] = min(limits[label[i]], per_lane[i] - 1)
    bound = _fleet_bound(tg, label, limits, [i for i in ordinary if i not in small])
    region_of = {tg.keys[i]: label[i] for i in sorted(small)}
    region_limit = {r: max(1, int(x)) for r, x in enumerate(limits)}
    return GridlockBounds(c_min, threshold, round(bound, 6), region_of, region_limit)


def _region_labels(tg: TurnGraph, small: set[int]) -> list[int]:
    """Region of each turn-graph vertex (-1: none). Regions are the strongly connected
    components among small lanes and exclusive edges; every cycle lighter than the threshold
    lies in one of them (all its lanes are small)."""
    n = len(tg.keys)
    member = [i in small or tg.exclusive[i] for i in range(n)]
    sub = [(a, b) for a, b in zip(tg.rows, tg.cols, strict=True) if member[a] and member[b]]
    label = [-1] * n
    if not sub:
        return label
    adj = csr_matrix((np.ones(len(sub)), ([a for a, _ in sub], [b for _, b in sub])), shape=(n, n))
    _, comp = connected_components(adj, directed=True, connection="strong")
    names: dict[int, int] = {}
    for i in sorted(small):  # number regions by their first lane: deterministic
        names.setdefault(int(comp[i]), len(names))
    for i in range(n):
        if member[i] and int(comp[i]) in names:
            label[i] = names[int(comp[i])]
    return label


def _fleet_bound(
    tg: TurnGraph, label: list[int], limits: list[float], big_lanes: list[int]
) -> float:
    """The lightest cycle not inside one region, in the turn graph extended by one vertex per
    region (weight: its token count): the fleet-wide admission bound."""
    n = len(tg.keys)
    weight = list(tg.weight) + [float(x) for x in limits]
    rows, cols = list(tg.rows), list(tg.cols)
    preds: list[list[int]] = [list(p) for p in tg.preds] + [[] for _ in limits]
    seen: set[tuple[int, int]] = set()

    def arc(a: int, b: int) -> None:
        if (a, b) not in seen:
            seen.add((a, b))
            rows.append(a)
            cols.append(b)
            preds[b].append(a)

    for a, b in zip(tg.rows, tg.cols, strict=True):
        ra, rb = label[a], label[b]
        if ra == rb:
            continue
        # (b may be an exclusive edge of the region: the grant through it ends on a lane of
        # the region, so the wait for the token is still at a.)
        if rb >= 0:
            arc(a, n + rb)  # waits at the end of a for region rb's token
        if ra >= 0:
            arc(n + ra, b)  # the region's exit vehicle waits for b
            if rb >= 0:
                arc(n + ra, n + rb)
    sources = big_lanes + [n + r for r in range(len(limits))]
    cycles = shortest_cycles(
        n + len(limits), rows, cols, weight=weight, preds=preds, sources=sources
    )
    return min(cycles.values(), default=math.inf)
