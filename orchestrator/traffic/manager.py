"""Traffic manager: grants lane segments edge by edge, keeps the fleet gridlock-free.

openTCS's split: a vehicle *claims* its route (the router's next-hop table towards its target)
but *allocates* only the next edge. Before the grant, every resource on it must have room:
the edge's FIFO lane (capacity by the headway rule), for an exclusive lane the lane itself and
the ordinary edge after it (nobody ever waits inside a single-vehicle section), for a vehicle
leaving a station an admission token, for a lane of a region (a group of small lane cycles)
the region's token (together: no cycle of lanes can fill, no gridlock; see
:mod:`orchestrator.traffic.regions`), and for a border edge the gate check (the vehicle starts
at the gate checkpoint and its container is cleared now). A vehicle that cannot go waits in the
FIFO queue of the resource that blocked it; the allocator queues the resource as freed when it
gets room, and the core's wake-ups resume the waiters.

The manager owns each vehicle's :class:`LaneRecord` (where it is on the lane graph, what it was
granted, whether it holds an admission token) and is its only writer. A grant comes back as a
typed :class:`Grant` (the edges, the Drive path, the border crossings, the resources let go);
a refusal as a :class:`Refusal`.
"""

from __future__ import annotations

import math
from collections import deque
from enum import Enum

from orchestrator.config import OrchestratorConfig
from orchestrator.costs import Profile
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import EdgeKey, Gate, LaneGraph, NodeId
from orchestrator.router import Router
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.regions import gridlock_bounds
from orchestrator.traffic.resources import Resource, ResourceKind, Resources

__all__ = ["Grant", "LaneRecord", "Refusal", "TrafficManager"]

UNLIMITED = 10**9


class Refusal(Enum):
    BLOCKED = "blocked"  # waits in the queue of the allocator's ``waiting_on(vehicle)``
    NO_ROUTE = "no_route"
    GATE_REFUSED = "gate_refused"


class LaneRecord:
    """Where one vehicle is on the lane graph and what it holds there (traffic's own data)."""

    __slots__ = ("admitted", "current_edge", "edges", "node", "on_lanes", "path", "prev_node")

    def __init__(self, node: NodeId) -> None:
        self.node = node  # the node it was last reported at
        self.prev_node: NodeId | None = None
        self.path: deque[NodeId] = deque()  # granted nodes not reached yet
        self.edges: deque[EdgeKey] = deque()  # granted edges not left yet
        self.current_edge: EdgeKey | None = None  # edge it stands at the end of, on the lanes
        self.on_lanes = False
        self.admitted = False  # holds an admission token

    @property
    def moving(self) -> bool:
        return bool(self.path)

    @property
    def plan_end(self) -> NodeId:
        """Where the vehicle will stand when its granted path is done."""
        return self.path[-1] if self.path else self.node


class Grant:
    """What one grant gave a vehicle: drive ``path`` (its node first), covering ``edges``."""

    __slots__ = ("crossings", "edges", "entered", "path", "released")

    def __init__(
        self,
        edges: tuple[EdgeKey, ...],
        path: tuple[NodeId, ...],
        crossings: tuple[tuple[EdgeKey, Gate], ...],
        released: tuple[Resource, ...],
        entered: bool,
    ) -> None:
        self.edges = edges
        self.path = path
        self.crossings = crossings  # border edges granted, with their gate
        self.released = released  # resources of the edge it stood on, let go
        self.entered = entered  # it was off the lanes (at a station or depot) before


class TrafficManager:
    def __init__(
        self,
        graph: LaneGraph,
        config: OrchestratorConfig,
        router: Router,
        alloc: Allocator,
        resources: Resources,
    ) -> None:
        self.graph = graph
        self.router = router
        self.alloc = alloc
        self._admission = resources.admission
        self._lane = resources.lane
        for res in resources.lanes():
            alloc.define(res, resources.capacity[res])
        self.bounds = gridlock_bounds(graph, resources, config.region_factor)
        self.min_cycle_capacity = self.bounds.min_cycle
        fleet_bound = self.bounds.admission_limit
        limit = UNLIMITED if math.isinf(fleet_bound) else max(1, int(fleet_bound))
        # Region tokens: a vehicle holds one per granted or occupied lane of the region.
        for index, region_limit in sorted(self.bounds.region_limit.items()):
            alloc.define(resources.make_region(index), region_limit)
        self._region = {k: resources.make_region(i) for k, i in self.bounds.region_of.items()}
        if config.max_vehicles_on_lanes is not None:
            limit = min(limit, config.max_vehicles_on_lanes)
        self.admission_limit = limit
        alloc.define(self._admission, limit)
        self.gate_of: dict[EdgeKey, Gate] = {}
        for gid in sorted(graph.gates):
            gate = graph.gates[gid]
            for key in gate.crossing_edges:
                self.gate_of[key] = gate
        self._out: dict[NodeId, list[NodeId]] = {}
        for u, v in sorted(graph.edges):
            self._out.setdefault(u, []).append(v)
        self._border = frozenset(k for k, e in graph.edges.items() if e.crosses_border)
        # Edges that start a single-vehicle run (looked up on every grant).
        self._exclusive = frozenset(
            k for k, r in self._lane.items() if r.kind is ResourceKind.EXCLUSIVE
        )
        # What standing on (or being granted) an edge takes: its lane, then its region token.
        self._edge_res: dict[EdgeKey, tuple[Resource, ...]] = {
            key: (res,) if (r := self._region.get(key)) is None else (res, r)
            for key, res in self._lane.items()
        }
        # A plain one-edge grant (nearly every node arrival) takes exactly that: a lookup.
        # Edges that start an exclusive run or cross the border take the chain path.
        special = self._exclusive | self._border
        self._single = {k: r for k, r in self._edge_res.items() if k not in special}
        self.records: dict[VehicleId, LaneRecord] = {}

    # ------------------------------------------------------------------ vehicles

    def add(self, vehicle: VehicleId, node: NodeId) -> LaneRecord:
        """A (new or rejoined) vehicle stands at ``node`` off the lanes."""
        rec = self.records[vehicle] = LaneRecord(node)
        return rec

    # ------------------------------------------------------------------ route following

    def _first_hop(self, rec: LaneRecord, profile: Profile, dest: NodeId) -> NodeId | None:
        hop = self.router.next_hop(profile, rec.node, dest)
        if hop is None or hop != rec.prev_node or not rec.on_lanes:
            return hop
        outs = self._out.get(rec.node, [])
        if len(outs) > 1:
            # A U-turn on a two-way road could wait against oncoming traffic (the one wait
            # the gridlock bound does not count): drive on and let the table bring it back.
            best: tuple[float, NodeId] | None = None
            for w in outs:
                if w == hop:
                    continue
                step = self.router.edge_cost(profile, rec.node, w)
                if step is None:
                    continue
                total = step + self.router.cost(profile, w, dest)
                if math.isfinite(total) and (best is None or total < best[0]):
                    best = (total, w)
            if best is not None:
                hop = best[1]
        return hop

    def _chain_from(self, profile: Profile, dest: NodeId, key: EdgeKey) -> list[EdgeKey] | None:
        """Edges to grant from ``key`` on: it, or a run of exclusive ones plus the ordinary
        edge after it."""
        edges = [key]
        exclusive = self._exclusive
        while key in exclusive and key[1] != dest:
            here = key[1]
            nxt = self.router.next_hop(profile, here, dest)
            if nxt is None:
                return None
            key = (here, nxt)
            edges.append(key)
        return edges

    # ------------------------------------------------------------------ grants

    def try_move(
        self, vehicle: VehicleId, rec: LaneRecord, profile: Profile, dest: NodeId, cleared: bool
    ) -> Grant | Refusal:
        """Grant the next edge (or exclusive run) towards ``dest``, or say why not."""
        hop = self._first_hop(rec, profile, dest)
        if hop is None:
            return Refusal.NO_ROUTE
        key = (rec.node, hop)
        single = self._single.get(key)
        if single is not None:  # the common case: one ordinary edge
            needed = single if rec.on_lanes else (*single, self._admission)
            return self._grant(vehicle, rec, (key,), needed, (), hop)
        chain = self._chain_from(profile, dest, key)
        if chain is None:
            return Refusal.NO_ROUTE
        crossings: list[tuple[EdgeKey, Gate]] = []
        for edge in chain:
            if edge not in self._border:
                continue
            gate = self.gate_of.get(edge)
            # Defence in depth: the router already hides border edges from uncleared
            # containers; this check holds even if a table were stale.
            if gate is None or gate.node != edge[0] or not cleared:
                return Refusal.GATE_REFUSED
            crossings.append((edge, gate))
        edge_res = self._edge_res
        lanes = [edge_res[k][0] for k in chain]
        regions = [r[1] for k in chain if len(r := edge_res[k]) > 1]
        needed = (*lanes, *regions) if rec.on_lanes else (*lanes, *regions, self._admission)
        return self._grant(vehicle, rec, tuple(chain), needed, tuple(crossings))

    def _grant(
        self,
        vehicle: VehicleId,
        rec: LaneRecord,
        edges: tuple[EdgeKey, ...],
        needed: tuple[Resource, ...],
        crossings: tuple[tuple[EdgeKey, Gate], ...],
        hop: NodeId | None = None,  # the one node granted, when it is one edge
    ) -> Grant | Refusal:
        alloc = self.alloc
        blocker = alloc.blocker(vehicle, needed)
        if blocker is not None:
            alloc.wait(vehicle, blocker)
            return Refusal.BLOCKED
        if vehicle in alloc.waiting:  # (it seldom waits: no call when it does not)
            alloc.stop_waiting(vehicle)
        alloc.take(vehicle, needed)
        released: tuple[Resource, ...] = ()
        entered = not rec.on_lanes
        if entered:
            rec.on_lanes = True
            rec.admitted = True
        elif rec.current_edge is not None:
            released = self._release_edge(vehicle, rec.current_edge)
        rec.current_edge = None
        rec.edges = deque(edges)
        if hop is not None:  # one edge: nearly every grant
            rec.path = deque((hop,))
            return Grant(edges, (rec.node, hop), crossings, released, entered)
        path = tuple(k[1] for k in edges)
        rec.path = deque(path)
        return Grant(edges, (rec.node, *path), crossings, released, entered)

    def _release_edge(self, vehicle: VehicleId, key: EdgeKey) -> tuple[Resource, ...]:
        held = self._edge_res[key]
        release = self.alloc.release
        for res in held:
            release(vehicle, res)
        return held

    def at_node(self, vehicle: VehicleId, rec: LaneRecord, node: NodeId) -> bool:
        """Book the vehicle's arrival at ``node``; True when its granted path ends here."""
        rec.path.popleft()
        edge = rec.edges.popleft()
        rec.prev_node = rec.node
        rec.node = node
        if rec.path:
            self._release_edge(vehicle, edge)
            return False
        rec.current_edge = edge
        return True

    def leave_lanes(self, vehicle: VehicleId, rec: LaneRecord) -> None:
        """The vehicle has pulled off the lanes (into a station place or its depot spot)."""
        if rec.current_edge is not None:
            self._release_edge(vehicle, rec.current_edge)
            rec.current_edge = None
        if rec.admitted:
            self.alloc.release(vehicle, self._admission)
            rec.admitted = False
        rec.on_lanes = False

    def on_lanes_count(self) -> int:
        return self.alloc.usage(self._admission)

    def snapshot(self) -> dict[str, object]:
        """Plain data of every vehicle's lane record (tests compare it before and after)."""
        return {
            vid: (
                r.node, r.prev_node, list(r.path), list(r.edges), r.current_edge,
                r.on_lanes, r.admitted,
            )
            for vid, r in sorted(self.records.items())
        }  # fmt: skip
