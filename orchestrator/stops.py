"""Core state and stop choice: where a vehicle goes next and which place it reserves.

Owns the run's bookkeeping (vehicles, containers, orders, closures, router, allocator, traffic
manager) and the decisions that pick a vehicle's next stop: the station a loaded vehicle's risk
status calls for, circulation waypoints when no place is free, parking for idle vehicles.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Collection, Iterable

import networkx as nx

from orchestrator.config import OrchestratorConfig
from orchestrator.costs import (
    closures,
    compose,
    exclusive_penalty,
    length_m,
    no_border,
    travel_time_s,
)
from orchestrator.custody.events import CustodyEventKind, LedgerPort
from orchestrator.dispatcher import needs_charge
from orchestrator.domain.iso6346 import ContainerId
from orchestrator.domain.states import VehicleState
from orchestrator.journal import Journal
from orchestrator.lanegraph import LaneGraph, NodeId, Side, Station, StationRole
from orchestrator.ports import EventSink
from orchestrator.risk_policy import RiskStatus, StopKind, next_stop
from orchestrator.router import Router
from orchestrator.state import ContainerRun, Purpose, VehicleRun
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import TrafficManager
from orchestrator.traffic.resources import station_resource

__all__ = ["ROUTE_TOKEN", "Stops", "places_token"]

K = CustodyEventKind
V = VehicleState
_BUSY = frozenset({V.LOADING, V.UNLOADING, V.SCANNING, V.CHARGING})
_STOP_ROLE = {
    StopKind.SCANNER: (StationRole.SCANNER, Purpose.SCAN),
    StopKind.HOLD: (StationRole.HOLD, Purpose.HOLD),
    StopKind.BUFFER: (StationRole.BUFFER, Purpose.BUFFER),
}
ROUTE_TOKEN = "route"


def places_token(role: StationRole, side: Side) -> str:
    return f"places:{role.value}:{side.value}"


class Stops(Journal):
    def __init__(
        self,
        graph: LaneGraph,
        config: OrchestratorConfig,
        *,
        sink: EventSink,
        ledger: LedgerPort | None,
    ) -> None:
        super().__init__(graph, sink, ledger)
        self.config = config
        self.vehicles: dict[str, VehicleRun] = {}
        self.containers: dict[ContainerId, ContainerRun] = {}
        self.orders: dict[str, ContainerId] = {}
        self.open_orders: dict[str, None] = {}  # insertion order = arrival order
        self.open_origins: Counter[str] = Counter()  # origin station -> open orders there
        self.early_verdicts: dict[ContainerId, RiskStatus] = {}
        self.early_causes: dict[ContainerId, str] = {}
        self.closed_lanes: set[str] = set()
        self.closed_zones: set[str] = set()
        self.lane_ids = frozenset(e.lane_id for e in graph.edges.values())
        closed = closures(self.closed_lanes, self.closed_zones, graph.nodes)  # type: ignore[arg-type]
        time_cost = compose(travel_time_s, exclusive_penalty(config.exclusive_penalty_s))
        self.router = Router(
            graph,
            {
                "time": time_cost,
                "time_nb": compose(time_cost, no_border),
                "length": length_m,
            },
            blocked=lambda edge: closed(edge) is None,
        )
        self.alloc = Allocator()
        for sid in sorted(graph.stations):
            self.alloc.define(station_resource(sid), graph.stations[sid].capacity_vehicles)
        self.traffic = TrafficManager(graph, config, self.router, self.alloc)
        self.stations_at: dict[NodeId, list[str]] = {}
        self.stations_by: dict[tuple[StationRole, Side], list[Station]] = {}
        for sid in sorted(graph.stations):
            st = graph.stations[sid]
            self.stations_at.setdefault(st.node, []).append(sid)
            self.stations_by.setdefault((st.role, st.side), []).append(st)
        self.pending: deque[str] = deque()
        self.dispatch_needed = False
        self.next_dispatch_s = -math.inf  # no round before this time (dispatch_interval_s)
        self._waypoints: dict[Side, list[NodeId]] = {}
        self._charger_len: tuple[int, dict[NodeId, float]] = (-1, {})
        self._energy_short: set[str] = set()
        self._no_dest_sides: set[Side] = set()
        self._blocked_pickups: set[str] = set()
        self._slot_order: tuple[int, dict[tuple[str, Side], list[tuple[Station, str]]]] = (-1, {})
        self._slot_rank: tuple[int, dict[tuple[str, Side], dict[str, int]]] = (-1, {})
        self._slot_resources: dict[Side, list[str]] = {}  # yard-slot resource ids per side
        self._slot_places: dict[Side, list[tuple[Station, str]]] = {}  # (slot, its resource)

    # ------------------------------------------------------------------ stops

    def station_open(self, st: Station) -> bool:
        if not self.closed_zones:
            return True
        return st.zone not in self.closed_zones and (
            self.graph.nodes[st.node].zone not in self.closed_zones
        )

    def reserve_nearest(
        self, v: VehicleRun, from_node: NodeId, candidates: Iterable[Station], profile: str
    ) -> str | None:
        """Reserve the reachable station with room that is cheapest from ``from_node``."""
        options = [st for st in candidates if self.station_open(st)]
        self.router.prepare(profile, [st.node for st in options])
        best: tuple[float, str] | None = None
        for st in options:
            res = station_resource(st.id)
            if not (self.alloc.holds(v.id, res) or self.alloc.has_room(res)):
                continue
            cost = self.router.cost(profile, from_node, st.node)
            if math.isfinite(cost) and (best is None or cost < best[0]):
                best = (cost, st.id)
        if best is None:
            return None
        res = station_resource(best[1])
        if not self.alloc.holds(v.id, res):
            self.alloc.take(v.id, [res])
        return best[1]

    def release_home(self, v: VehicleRun) -> None:
        home, v.home_station = v.home_station, None
        if home is not None and home not in (v.station, v.dest_station):
            res = station_resource(home)
            if self.alloc.release(v.id, res):
                self.traffic.freed.append(res)

    def unreserve(self, v: VehicleRun, sid: str | None) -> None:
        if sid is None or sid in (v.dest_station, v.station, v.home_station):
            return
        res = station_resource(sid)
        if self.alloc.release(v.id, res):
            self.traffic.freed.append(res)

    def plan_loaded(self, v: VehicleRun, reason: str | None) -> None:
        """Choose the next stop of a loaded vehicle from its container's risk status."""
        assert v.container_id is not None
        c = self.containers[v.container_id]
        kind = next_stop(c.risk)
        side = self.graph.nodes[v.plan_end].side
        placed = False
        if kind is StopKind.HOLD and c.risk.needs_hold:
            c.risk = c.risk.with_hold(side, c.hold_cause or "HIGH risk")
            placed = True
        old = (v.purpose, v.target_station)
        sid: str | None
        role: StationRole | None = None
        if kind is StopKind.DESTINATION:
            purpose, sid = Purpose.DELIVER, v.dest_station
        else:
            role, purpose = _STOP_ROLE[kind]
            here = None if v.on_lanes or v.station is None else self.graph.stations[v.station]
            if here is not None and here.role is role and v.state is V.HOLDING:
                sid = here.id
            elif (
                v.purpose is purpose
                and v.target_station is not None
                and (self.graph.stations[v.target_station].side is side)
            ):
                sid = v.target_station
            else:
                profile = "time" if c.risk.cleared else "time_nb"
                roles = [role] if role is not StationRole.BUFFER else [role, StationRole.HOLD]
                sid = None
                for r in roles:
                    sid = self.reserve_nearest(
                        v, v.plan_end, self.stations_by.get((r, side), []), profile
                    )
                    if sid is not None:
                        break
        if old[1] != sid:
            self.unreserve(v, old[1])
        fallback = None
        if sid is None and v.on_lanes:
            # Back to a place it owns on this side (its pick-up slot before the line, its
            # delivery slot after it) and wait there, off the lanes, for a place to free.
            for own in (v.home_station, v.dest_station):
                if own is not None and self.graph.stations[own].side is side:
                    fallback = own
                    break
        if sid is None and fallback is not None:
            v.purpose = Purpose.WAIT
            v.target_station = fallback
            v.target_node = self.graph.stations[fallback].node
        elif sid is None:
            assert role is not None
            if v.on_lanes:
                v.purpose = Purpose.CIRCULATE
                v.target_station = None
                v.target_node = self.next_waypoint(v, side)
            else:
                v.purpose = None
                v.target_station = None
                v.target_node = None
                token = places_token(role, side)
                if v.waiting_on is not None and v.waiting_on != token:
                    self.alloc.unwait(v.id, v.waiting_on)
                v.waiting_on = token
                self.alloc.wait(v.id, token)
        else:
            v.purpose = purpose
            v.target_station = sid
            v.target_node = self.graph.stations[sid].node
        if placed:
            self.log(
                "hold.placed",
                c.id,
                f"{c.id} on vehicle {v.id} held on the {side.value} side"
                f" at {sid or 'the first hold bay to free up'}: {c.risk.hold_reason}",
                container_id=c.id,
                vehicle_id=v.id,
                station=sid or "",
                side=side.value,
                reason=c.risk.hold_reason,
            )
            self.custody(
                K.HOLD_PLACED,
                c,
                v.plan_end,
                None,
                "system",
                vehicle_id=v.id,
                reason=c.risk.hold_reason,
            )
        if reason is not None and old[0] is not None and old != (v.purpose, v.target_station):
            dest = v.target_station or f"circulating on the {side.value} side"
            self.log(
                "risk.reroute",
                v.id,
                f"vehicle {v.id} with {c.id} now heads for {dest} ({reason})",
                vehicle_id=v.id,
                container_id=c.id,
                destination=dest,
                reason=reason,
            )

    def next_waypoint(self, v: VehicleRun, side: Side) -> NodeId | None:
        points = self.waypoints(side)
        for _ in range(len(points)):
            v.waypoint_index += 1
            point = points[v.waypoint_index % len(points)]
            if point != v.plan_end:
                return point
        return None

    def waypoints(self, side: Side) -> list[NodeId]:
        """Two far-apart ring nodes of ``side`` to circulate between when no place is free."""
        cached = self._waypoints.get(side)
        if cached is not None:
            return cached
        g = self.graph
        exclusive_in = {k[1] for k, e in g.edges.items() if e.exclusive or e.crosses_border}
        candidates = [
            n
            for n in sorted(g.nodes)
            if g.nodes[n].side is side
            and n not in self.stations_at
            and n not in exclusive_in
            and g.graph.out_degree(n) > 0
        ]
        gates = sorted(gt.node for gt in g.gates.values() if g.nodes[gt.node].side is side)
        sub = g.graph.edge_subgraph([k for k, e in g.edges.items() if not e.crosses_border])
        points: list[NodeId] = []
        if candidates:
            # Anchor near the gate (where uncleared vehicles queue up), partner far from it.
            near = self.router.costs_to("time_nb", gates[0]) if gates else None
            anchor = min(
                candidates,
                key=lambda n: (near[self.router.node_index(n)] if near else 0.0, n),
            )
            back = self.router.costs_to("time_nb", anchor)
            fwd = nx.single_source_dijkstra_path_length(sub, anchor, weight="travel_time_s")
            best: tuple[float, NodeId] | None = None
            for n in candidates:
                total = fwd.get(n, math.inf) + back[self.router.node_index(n)]
                if n != anchor and math.isfinite(total) and (best is None or total > best[0]):
                    best = (total, n)
            points = [anchor] + ([best[1]] if best else [])
        self._waypoints[side] = points
        return points

    # ------------------------------------------------------------------ idle vehicles

    def plan_idle_circulation(self, v: VehicleRun) -> None:
        """At a waypoint: park if a place is free now, else drive on to the next waypoint."""
        side = self.graph.nodes[v.node].side
        if not self.open_orders:
            self._no_dest_sides = set()  # no work waiting: any free slot will do
        if v.depot is not None and self.to_depot(v):
            return
        sid = None
        if needs_charge(v.battery_kwh, self.config):
            chargers = self.stations_by.get((StationRole.CHARGER, side), [])
            sid = self.reserve_nearest(v, v.node, chargers, "time")
        sid = sid or self.parking_place(v, side, self.open_origins.keys())
        if sid is not None:
            v.purpose = Purpose.PARK
            v.target_station = sid
            v.target_node = self.graph.stations[sid].node
        else:
            v.target_node = self.next_waypoint(v, side)

    def to_depot(self, v: VehicleRun) -> bool:
        """Send an idle vehicle back to the spot off the lanes where it joined (if reachable)."""
        if v.depot is None or (v.depot == v.node and not v.on_lanes):
            return False
        if math.isinf(self.router.cost("time", v.plan_end, v.depot)):
            return False
        v.purpose = Purpose.PARK
        v.target_station = None
        v.target_node = v.depot
        return True

    def depot_place(self, v: VehicleRun, side: Side) -> str | None:
        """Reserve the nearest free depot parking place on ``side`` (None if none)."""
        depots = self.stations_by.get((StationRole.PARKING, side), [])
        if not depots:
            return None
        return self.reserve_nearest(v, v.plan_end, depots, "time")

    def parking_place(self, v: VehicleRun, side: Side, busy: Collection[str]) -> str | None:
        # The nearest depot parking place on this side first: that is what depots are for.
        # Without one, a buffer on this side may take idle vehicles as long as one place stays
        # free for an uncleared container; then free slots on the other side.
        sid = self.depot_place(v, side)
        if sid is not None:
            return sid
        buffers = [
            st
            for st in self.stations_by.get((StationRole.BUFFER, side), [])
            if self.alloc.usage(station_resource(st.id)) < st.capacity_vehicles - 1
        ]
        sid = self.reserve_nearest(v, v.node, buffers, "time")
        if sid is None:
            # Slots no waiting container stands at, on a side whose deliveries are not short
            # of slots: the other side first (the vehicle leaves the crowded one).
            for s in (side.other, side):
                places = [
                    st
                    for st in self.stations_by.get((StationRole.YARD_SLOT, s), [])
                    if st.id not in busy
                    and st.side not in self._no_dest_sides
                    and st.id != v.station
                ]
                sid = self.reserve_nearest(v, v.node, places, "time")
                if sid is not None:
                    break
        return sid
