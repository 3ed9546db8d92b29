"""Router: fastest paths on the lane graph from per-destination next-hop tables.

For each cost profile (:class:`orchestrator.costs.Profile`: time for cleared vehicles, time
without the border edges for uncleared ones, length for energy estimates) and each destination
node, one Dijkstra on the transposed graph (``scipy.sparse.csgraph.dijkstra``, batched over
many destinations at once) gives every node's
next hop and remaining cost. Tables are computed lazily, cached, and dropped by
:meth:`Router.invalidate` when closures or costs change. Following a route is O(path length);
one step is a list lookup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from orchestrator.costs import EdgeCost, Profile
from orchestrator.lanegraph import Edge, LaneGraph, NodeId

__all__ = ["Router"]

# csgraph drops zero-weight entries of a sparse matrix; a tiny floor keeps free edges edges.
_MIN_COST = 1e-6


class Router:
    def __init__(
        self,
        graph: LaneGraph,
        profiles: Mapping[Profile, EdgeCost],
        blocked: Callable[[Edge], bool] | None = None,
    ) -> None:
        """``profiles`` are static costs; ``blocked`` is the live closure test (re-read on
        :meth:`invalidate`), kept apart so a closure re-evaluates one predicate, not every cost.
        """
        self._graph = graph
        self._profiles = dict(profiles)
        self._blocked = blocked
        self._keys = sorted(graph.edges)
        # profile -> (rows, cols, data, edge positions) of the transposed matrix, closures aside
        self._static: dict[Profile, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._open_mask: np.ndarray | None = None
        self._ids: list[NodeId] = sorted(graph.nodes)
        self._index: dict[NodeId, int] = {n: i for i, n in enumerate(self._ids)}
        self._matrices: dict[Profile, csr_matrix] = {}
        # (profile, destination) -> (next-hop index per node or -1, cost per node or inf)
        # profile -> destination -> (next-hop index per node or -1, cost per node or inf).
        # Nested, not keyed by (profile, node): a profile is hashed once per call, not once
        # per destination looked at (prepare() looks at a station list at a time).
        self._tables: dict[Profile, dict[NodeId, tuple[list[int], list[float]]]] = {
            p: {} for p in self._profiles
        }
        self._arrays: dict[Profile, dict[NodeId, np.ndarray]] = {p: {} for p in self._profiles}
        self.version = 0  # bumped on every invalidation, for callers caching derived data

    @property
    def profiles(self) -> list[Profile]:
        return sorted(self._profiles, key=lambda p: p.value)

    def invalidate(self) -> None:
        """Forget every table (closures or costs changed)."""
        self._matrices.clear()
        for tables in self._tables.values():
            tables.clear()
        for arrays in self._arrays.values():
            arrays.clear()
        self._open_mask = None
        self.version += 1

    def _static_arrays(
        self, profile: Profile
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        arrays = self._static.get(profile)
        if arrays is None:
            cost = self._profiles[profile]
            rows: list[int] = []
            cols: list[int] = []
            data: list[float] = []
            where: list[int] = []
            for pos, key in enumerate(self._keys):
                edge = self._graph.edges[key]
                value = cost(edge)
                if value is None:
                    continue
                # Transposed: an entry target -> source, so one run from a destination
                # yields every node's distance *to* it.
                rows.append(self._index[edge.target])
                cols.append(self._index[edge.source])
                data.append(max(value, _MIN_COST))
                where.append(pos)
            arrays = (
                np.array(rows, dtype=np.int32),
                np.array(cols, dtype=np.int32),
                np.array(data, dtype=float),
                np.array(where, dtype=np.int64),
            )
            self._static[profile] = arrays
        return arrays

    def _matrix(self, profile: Profile) -> csr_matrix:
        matrix = self._matrices.get(profile)
        if matrix is None:
            rows, cols, data, where = self._static_arrays(profile)
            if self._blocked is not None:
                if self._open_mask is None:
                    self._open_mask = np.array(
                        [not self._blocked(self._graph.edges[k]) for k in self._keys], dtype=bool
                    )
                keep = self._open_mask[where]
                rows, cols, data = rows[keep], cols[keep], data[keep]
            n = len(self._ids)
            matrix = csr_matrix((data, (rows, cols)), shape=(n, n))
            self._matrices[profile] = matrix
        return matrix

    def prepare(self, profile: Profile, destinations: Iterable[NodeId]) -> None:
        """Compute the tables of all ``destinations`` not cached yet, in one batched run."""
        tables = self._tables[profile]
        missing = sorted({d for d in destinations if d not in tables})
        if not missing:
            return
        indices = [self._index[d] for d in missing]
        arrays = self._arrays[profile]
        dist, pred = dijkstra(
            self._matrix(profile), directed=True, indices=indices, return_predecessors=True
        )
        for row, dest in enumerate(missing):
            nxt = pred[row]
            nxt = np.where(nxt < 0, -1, nxt)
            tables[dest] = (nxt.tolist(), dist[row].tolist())
            arrays[dest] = dist[row]

    def _table(self, profile: Profile, dest: NodeId) -> tuple[list[int], list[float]]:
        table = self._tables[profile].get(dest)
        if table is None:
            self.prepare(profile, (dest,))
            table = self._tables[profile][dest]
        return table

    def next_hop(self, profile: Profile, node: NodeId, dest: NodeId) -> NodeId | None:
        """The node after ``node`` on the best path to ``dest``; None if unreachable or there."""
        table = self._tables[profile].get(dest) or self._table(profile, dest)
        nxt = table[0][self._index[node]]
        return None if nxt < 0 else self._ids[nxt]

    def cost(self, profile: Profile, node: NodeId, dest: NodeId) -> float:
        """Cost of the best path ``node -> dest`` (``inf`` if unreachable)."""
        table = self._tables[profile].get(dest) or self._table(profile, dest)
        return table[1][self._index[node]]

    def costs_to(self, profile: Profile, dest: NodeId) -> list[float]:
        """Cost from every node (in :meth:`node_ids` order) to ``dest``."""
        return self._table(profile, dest)[1]

    def cost_array(self, profile: Profile, dest: NodeId) -> np.ndarray:
        """Like :meth:`costs_to`, as a numpy array (for vectorised dispatch costs)."""
        arrays = self._arrays[profile]
        if dest not in arrays:
            self.prepare(profile, (dest,))
        return arrays[dest]

    def node_index(self, node: NodeId) -> int:
        return self._index[node]

    def path(self, profile: Profile, source: NodeId, dest: NodeId) -> list[NodeId] | None:
        """The whole best path, or None when ``dest`` cannot be reached."""
        if source == dest:
            return [source]
        if math.isinf(self.cost(profile, source, dest)):
            return None
        path = [source]
        node = source
        while node != dest:
            hop = self.next_hop(profile, node, dest)
            if hop is None:
                return None
            path.append(hop)
            node = hop
        return path

    def edge_cost(self, profile: Profile, source: NodeId, target: NodeId) -> float | None:
        edge = self._graph.edges[(source, target)]
        if self._blocked is not None and self._blocked(edge):
            return None
        return self._profiles[profile](edge)
