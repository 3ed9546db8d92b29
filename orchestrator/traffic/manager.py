"""Traffic manager: grants lane segments edge by edge, keeps the fleet gridlock-free.

openTCS's split: a vehicle *claims* its route (the router's next-hop table towards its target)
but *allocates* only the next edge. Before the grant, every resource on it must have room:
the edge's FIFO lane (capacity by the headway rule), for an exclusive lane the lane itself and
the ordinary edge after it (nobody ever waits inside a single-vehicle section), for a vehicle
leaving a station an admission token, for a lane of a region (a group of small lane cycles)
the region's token (together: no cycle of lanes can fill, no gridlock; see
:mod:`orchestrator.traffic.regions`), and for a border edge the gate check (the vehicle starts
at the gate checkpoint and its container is cleared now). A vehicle that cannot go waits in the
FIFO queue of the resource that blocked it; the core wakes it when that resource frees.
"""

from __future__ import annotations

import math
from collections import deque
from enum import Enum

from orchestrator.config import OrchestratorConfig
from orchestrator.lanegraph import EdgeKey, Gate, LaneGraph, NodeId
from orchestrator.messages import Drive
from orchestrator.router import Router
from orchestrator.state import VehicleRun
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.regions import gridlock_bounds
from orchestrator.traffic.resources import ADMISSION, LaneResource, lane_resources

__all__ = ["MoveResult", "TrafficManager"]

UNLIMITED = 10**9


class MoveResult(Enum):
    MOVED = "moved"
    BLOCKED = "blocked"  # waits in the queue of ``vehicle.waiting_on``
    NO_ROUTE = "no_route"
    GATE_REFUSED = "gate_refused"


class TrafficManager:
    def __init__(
        self, graph: LaneGraph, config: OrchestratorConfig, router: Router, alloc: Allocator
    ) -> None:
        self.graph = graph
        self.router = router
        self.alloc = alloc
        self.resources: dict[EdgeKey, LaneResource] = lane_resources(graph, config)
        for res in {r.id: r for r in self.resources.values()}.values():
            alloc.define(res.id, res.capacity)
        self.bounds = gridlock_bounds(graph, self.resources, config.region_factor)
        self.min_cycle_capacity = self.bounds.min_cycle
        fleet_bound = self.bounds.admission_limit
        limit = UNLIMITED if math.isinf(fleet_bound) else max(1, int(fleet_bound))
        # Region tokens: a vehicle holds one per granted or occupied lane of the region.
        self._region = self.bounds.region_of
        for token, region_limit in sorted(self.bounds.region_limit.items()):
            alloc.define(token, region_limit)
        if config.max_vehicles_on_lanes is not None:
            limit = min(limit, config.max_vehicles_on_lanes)
        self.admission_limit = limit
        alloc.define(ADMISSION, limit)
        self.gate_of: dict[EdgeKey, Gate] = {}
        for gid in sorted(graph.gates):
            gate = graph.gates[gid]
            for key in gate.crossing_edges:
                self.gate_of[key] = gate
        self._out: dict[NodeId, list[NodeId]] = {}
        for u, v in sorted(graph.edges):
            self._out.setdefault(u, []).append(v)
        self._border = {k for k, e in graph.edges.items() if e.crosses_border}
        self._res_id = {k: r.id for k, r in self.resources.items()}
        # Edges that start a single-vehicle run (looked up on every grant).
        self._exclusive = frozenset(k for k, r in self.resources.items() if r.exclusive)
        # What a plain one-edge grant takes (lane, then its region token), per edge: the grant
        # of nearly every node arrival, so it is a lookup (edges that start an exclusive run or
        # cross the border take the general path).
        self._single: dict[EdgeKey, tuple[str, ...]] = {
            key: (res.id,) if (r := self._region.get(key)) is None else (res.id, r)
            for key, res in self.resources.items()
            if key not in self._exclusive and key not in self._border
        }
        self.freed: deque[str] = deque()  # resources that got room, for the core to wake
        self.crossings: list[tuple[VehicleRun, EdgeKey]] = []  # granted border edges

    # ------------------------------------------------------------------ route following

    def _first_hop(self, v: VehicleRun, dest: NodeId) -> NodeId | None:
        hop = self.router.next_hop(v.profile, v.node, dest)
        if hop is None or hop != v.prev_node or not v.on_lanes:
            return hop
        outs = self._out.get(v.node, [])
        if len(outs) > 1:
            # A U-turn on a two-way road could wait against oncoming traffic (the one wait
            # the gridlock bound does not count): drive on and let the table bring it back.
            best: tuple[float, NodeId] | None = None
            for w in outs:
                if w == hop:
                    continue
                step = self.router.edge_cost(v.profile, v.node, w)
                if step is None:
                    continue
                total = step + self.router.cost(v.profile, w, dest)
                if math.isfinite(total) and (best is None or total < best[0]):
                    best = (total, w)
            if best is not None:
                hop = best[1]
        return hop

    def chain(self, v: VehicleRun, dest: NodeId) -> list[EdgeKey] | None:
        """Edges to grant next: one, or a run of exclusive ones plus the ordinary edge after."""
        hop = self._first_hop(v, dest)
        if hop is None:
            return None
        return self._chain_from(v, dest, (v.node, hop))

    def _chain_from(self, v: VehicleRun, dest: NodeId, key: EdgeKey) -> list[EdgeKey] | None:
        edges = [key]
        exclusive = self._exclusive
        while key in exclusive and key[1] != dest:
            here = key[1]
            nxt = self.router.next_hop(v.profile, here, dest)
            if nxt is None:
                return None
            key = (here, nxt)
            edges.append(key)
        return edges

    # ------------------------------------------------------------------ grants

    def try_move(self, v: VehicleRun, dest: NodeId, cleared: bool, out: list[object]) -> MoveResult:
        hop = self._first_hop(v, dest)
        if hop is None:
            return MoveResult.NO_ROUTE
        node = v.node
        key = (node, hop)
        single = self._single.get(key)
        if single is None:
            return self._try_chain(v, dest, key, cleared, out)
        # The common case, as _try_chain would do it for one ordinary edge.
        alloc = self.alloc
        if v.on_lanes:
            blocker = alloc.blocker(v.id, single)
            needed: tuple[str, ...] = single
        else:
            needed = (*single, ADMISSION)
            blocker = alloc.blocker(v.id, needed)
        if blocker is not None:
            if v.waiting_on != blocker:
                if v.waiting_on is not None:
                    alloc.unwait(v.id, v.waiting_on)
                v.waiting_on = blocker
                alloc.wait(v.id, blocker)
            return MoveResult.BLOCKED
        if v.waiting_on is not None:
            alloc.unwait(v.id, v.waiting_on)
            v.waiting_on = None
        v.wait_logged = None
        alloc.take(v.id, needed)
        if not v.on_lanes:
            self._enter_lanes(v)
        elif v.current_edge is not None:
            self._release_edge(v, v.current_edge)
        v.current_edge = None
        v.lane_edges = deque((key,))
        v.path = deque((hop,))
        out.append(Drive(v.id, key))
        return MoveResult.MOVED

    def _enter_lanes(self, v: VehicleRun) -> None:
        v.on_lanes = True
        v.admitted = True
        if v.station is not None:
            if v.station not in (v.dest_station, v.home_station):  # places it keeps
                self._release(v, f"station:{v.station}")
            v.station = None

    def _try_chain(
        self, v: VehicleRun, dest: NodeId, first: EdgeKey, cleared: bool, out: list[object]
    ) -> MoveResult:
        """A grant starting with ``first`` that crosses the border or enters an exclusive run."""
        edges = self._chain_from(v, dest, first)
        if edges is None:
            return MoveResult.NO_ROUTE
        crossing = [key for key in edges if key in self._border] if self._border else ()
        for key in crossing:
            gate = self.gate_of.get(key)
            # Defence in depth: the router already hides border edges from uncleared
            # containers; this check holds even if a table were stale.
            if gate is None or gate.node != key[0] or not cleared:
                return MoveResult.GATE_REFUSED
        res_id = self._res_id
        needed = [res_id[key] for key in edges]
        region_of = self._region
        if region_of:
            needed += [r for key in edges if (r := region_of.get(key)) is not None]
        if not v.on_lanes:
            needed.append(ADMISSION)
        blocker = self.alloc.blocker(v.id, needed)
        if blocker is not None:
            if v.waiting_on != blocker:
                if v.waiting_on is not None:
                    self.alloc.unwait(v.id, v.waiting_on)
                v.waiting_on = blocker
                self.alloc.wait(v.id, blocker)
            return MoveResult.BLOCKED
        if v.waiting_on is not None:
            self.alloc.unwait(v.id, v.waiting_on)
            v.waiting_on = None
        v.wait_logged = None
        self.alloc.take(v.id, needed)
        if not v.on_lanes:
            self._enter_lanes(v)
        elif v.current_edge is not None:
            self._release_edge(v, v.current_edge)
        v.current_edge = None
        v.lane_edges = deque(edges)
        v.path = deque([key[1] for key in edges])
        for key in crossing:
            self.crossings.append((v, key))
        out.append(Drive(v.id, (v.node, *v.path)))
        return MoveResult.MOVED

    def _release_edge(self, v: VehicleRun, key: EdgeKey) -> None:
        self._release(v, self._res_id[key])
        region = self._region.get(key)
        if region is not None:
            self._release(v, region)

    def _release(self, v: VehicleRun, resource: str) -> None:
        # A lane or token nobody waits for needs no wake-up (the core's wake would find no
        # one); station places always go, as freeing one may call for a dispatch round.
        if self.alloc.release(v.id, resource) and (
            resource.startswith("station:") or self.alloc.has_waiters(resource)
        ):
            self.freed.append(resource)

    def at_node(self, v: VehicleRun, node: NodeId) -> bool:
        """Book the vehicle's arrival at ``node``; True when its granted path ends here."""
        v.path.popleft()
        edge = v.lane_edges.popleft()
        v.prev_node = v.node
        v.node = node
        if v.path:
            self._release_edge(v, edge)
            return False
        v.current_edge = edge
        return True

    def leave_lanes(self, v: VehicleRun, station: str | None) -> None:
        """The vehicle has pulled into ``station`` (whose place it reserved before), or into
        its own depot spot off the lanes (``None``)."""
        if v.current_edge is not None:
            self._release_edge(v, v.current_edge)
            v.current_edge = None
        if v.admitted:
            self._release(v, ADMISSION)
            v.admitted = False
        v.on_lanes = False
        v.station = station

    def on_lanes_count(self) -> int:
        return self.alloc.usage(ADMISSION)
