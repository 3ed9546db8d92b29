"""Shortest-path distances (in moves) from every vertex to each agent's goal, cached per goal.

PIBT ranks an agent's candidate moves by the distance to its goal, so every solver step reads
these tables; they are plain ``list[int]`` rows because list indexing is the fastest lookup in
CPython. Tables for many goals at once are computed by scipy's breadth-first search in C
(``scipy.sparse.csgraph.shortest_path(unweighted=True)``); a single goal uses a Python BFS.
Unreachable vertices get :attr:`DistanceTable.unreachable` (``n``, longer than any path).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path

from orchestrator.mapf.grid import MapfGraph

__all__ = ["DistanceTable"]

# Below this many missing goals a Python BFS beats building the sparse matrix.
_BULK_MIN_GOALS = 8


class DistanceTable:
    """Distances to goals over one graph; rows are computed once and shared by all solvers."""

    def __init__(self, graph: MapfGraph) -> None:
        self.graph = graph
        self.unreachable = graph.num_vertices
        self._reverse = graph.reverse_neighbors()
        self._rows: dict[int, list[int]] = {}

    def to_goal(self, goal: int) -> list[int]:
        """``row[v]`` = moves from ``v`` to ``goal`` (do not mutate the returned list)."""
        row = self._rows.get(goal)
        if row is None:
            row = self._bfs(goal)
            self._rows[goal] = row
        return row

    def rows(self, goals: Sequence[int]) -> list[list[int]]:
        """Rows for many goals, filling the cache in one vectorised pass."""
        self.prefetch(goals)
        return [self._rows[g] for g in goals]

    def prefetch(self, goals: Iterable[int]) -> None:
        missing = sorted({g for g in goals if g not in self._rows})
        if len(missing) < _BULK_MIN_GOALS:
            for g in missing:
                self._rows[g] = self._bfs(g)
            return
        n = self.graph.num_vertices
        # Matrix of the *reversed* graph: a BFS from the goal along reversed edges gives the
        # distance from every vertex to the goal, which is what a directed lane graph needs.
        src = [u for v, row in enumerate(self._reverse) for u in (v,) * len(row)]
        dst = [u for row in self._reverse for u in row]
        mat = csr_array((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        dist = shortest_path(mat, method="D", directed=True, unweighted=True, indices=missing)
        dist[np.isinf(dist)] = self.unreachable
        for g, row in zip(missing, dist.astype(np.int64).tolist(), strict=True):
            self._rows[g] = row

    def _bfs(self, goal: int) -> list[int]:
        rev = self._reverse
        row = [self.unreachable] * self.graph.num_vertices
        row[goal] = 0
        queue = deque([goal])
        while queue:
            v = queue.popleft()
            dv = row[v] + 1
            for u in rev[v]:
                if row[u] > dv:
                    row[u] = dv
                    queue.append(u)
        return row
