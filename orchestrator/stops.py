"""Stop policy: where a loaded vehicle goes next, and the places it reserves on the way.

A loaded vehicle's next stop follows its containers' risk status
(:func:`orchestrator.risk_policy.next_stop`, the strictest of them for a vehicle carrying two):
its delivery place when all are cleared, else a scanner, a hold bay (placing the hold) or a
pre-border buffer on the side it is on. A container waiting for customs keeps no place another
container needs; a cleared one held back by its co-loaded container's customs is booked
(``CoLoadWait``). The place is reserved
before the vehicle drives there; with none free it goes back to a place it owns and waits, or
circulates between two waypoints of its side, or (off the lanes) queues for the first place of
that kind to free. The stop policy owns the circulation waypoints it computes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import networkx as nx

from orchestrator.agenda import Agenda
from orchestrator.closures import Closures
from orchestrator.costs import Profile
from orchestrator.custody.events import CustodyEventKind
from orchestrator.delivery_slots import DESTINATION, DeliverySlots
from orchestrator.domain.customs_events import HoldPlaced, Rerouted
from orchestrator.domain.events import CoLoadWait
from orchestrator.domain.states import VehicleState
from orchestrator.journal import Journal
from orchestrator.lanegraph import NodeId, Side, Station, StationId, StationRole
from orchestrator.risk_policy import StopKind, next_stop
from orchestrator.router import Router
from orchestrator.state import ContainerRun, Purpose, VehicleRun, on_board
from orchestrator.stations import StationIndex
from orchestrator.traffic.allocator import Allocator
from orchestrator.world import World

__all__ = ["StopPolicy", "combined_stop"]

K = CustodyEventKind
# Where a loaded vehicle may wait without blocking anybody's work.
_WAITING_ROLES = (StationRole.BUFFER, StationRole.HOLD)
_STOP_ROLE = {
    StopKind.SCANNER: (StationRole.SCANNER, Purpose.SCAN),
    StopKind.HOLD: (StationRole.HOLD, Purpose.HOLD),
    StopKind.BUFFER: (StationRole.BUFFER, Purpose.BUFFER),
}


def combined_stop(cs: list[ContainerRun]) -> StopKind:
    """Where a vehicle carrying ``cs`` goes next: the strictest stop any of them needs."""
    kinds = {next_stop(c.risk) for c in cs}
    for kind in (StopKind.HOLD, StopKind.SCANNER, StopKind.BUFFER):
        if kind in kinds:
            return kind
    return StopKind.DESTINATION


class StopPolicy:
    def __init__(
        self,
        world: World,
        stations: StationIndex,
        closures: Closures,
        router: Router,
        alloc: Allocator,
        slots: DeliverySlots,
        journal: Journal,
        agenda: Agenda,
    ) -> None:
        self._world = world
        self._slots = slots
        self._agenda = agenda
        self._graph = world.graph
        self._stations = stations
        self._closures = closures
        self._router = router
        self._alloc = alloc
        self._journal = journal
        self._waypoints: dict[Side, list[NodeId]] = {}

    # ------------------------------------------------------------------ places

    def reserve_nearest(
        self, v: VehicleRun, from_node: NodeId, candidates: Iterable[Station], profile: Profile
    ) -> StationId | None:
        """Reserve the reachable station with room that is cheapest from ``from_node``."""
        options = [st for st in candidates if self._closures.station_open(st)]
        self._router.prepare(profile, [st.node for st in options])
        place = self._stations.place
        alloc = self._alloc
        best: tuple[float, StationId] | None = None
        for st in options:
            res = place[st.id]
            if not (alloc.holds(v.id, res) or alloc.has_room(res)):
                continue
            cost = self._router.cost(profile, from_node, st.node)
            if math.isfinite(cost) and (best is None or cost < best[0]):
                best = (cost, st.id)
        if best is None:
            return None
        res = place[best[1]]
        if not alloc.holds(v.id, res):
            alloc.take(v.id, [res])
        return best[1]

    def release_home(self, v: VehicleRun) -> None:
        """Give up the pick-up place (kept until the border is crossed or the job ends)."""
        home, v.home_station = v.home_station, None
        if home is not None and home not in (v.station, v.dest_station):
            self._alloc.release(v.id, self._stations.place[home])

    def unreserve(self, v: VehicleRun, sid: StationId | None) -> None:
        """Give up a reserved place, unless the vehicle still needs it for its job."""
        if sid is None or sid in (v.dest_station, v.station, v.home_station):
            return
        self._alloc.release(v.id, self._stations.place[sid])

    # ------------------------------------------------------------------ loaded vehicles

    def plan_loaded(
        self, v: VehicleRun, reason: str | None, cause: ContainerRun | None = None
    ) -> None:
        """Choose the next stop of a loaded vehicle from its containers' risk status: the
        strictest of them (hold, then scanner, then buffer) until every one may cross, then its
        delivery place. ``cause``: the container whose status changed (for the reroute event)."""
        cs = on_board(v, self._world.containers)
        assert cs, f"vehicle {v.id} has nothing on board to plan for"
        kind = combined_stop(cs)
        side = self._graph.nodes[v.lanes.plan_end].side
        placed = []
        if kind is StopKind.HOLD:
            for c in cs:
                if c.risk.needs_hold:
                    # The hold is the authority's whose verdict caused it (an MN HIGH held on
                    # the CN side is still MN's to release); a finding of its own, the side's.
                    owner = c.risk.high_by or side
                    c.risk = c.risk.with_hold(owner, c.hold_cause or "HIGH risk")
                    placed.append(c)
        cleared = kind is StopKind.DESTINATION
        old = (v.purpose, v.target_station)
        if cleared:
            sid = v.dest_station if v.dest_station is not None else self._new_dest(v, cs[0])
            if old[1] != sid:
                self.unreserve(v, old[1])
            if sid is not None:
                v.head_for(Purpose.DELIVER, sid, self._graph.stations[sid].node)
            else:
                self._wait_for_slot(v, cs[0], side)
        else:
            role, purpose = _STOP_ROLE[kind]
            sid = self._stop_place(v, role, purpose, side)
            if old[1] != sid:
                self.unreserve(v, old[1])
            if sid is not None:
                v.head_for(purpose, sid, self._graph.stations[sid].node)
                self._give_up_job_places(v)
            else:
                self._no_place(v, role, side)
        for c in placed:
            assert c.risk.hold_side is not None
            self._hold_placed(v, c, sid, c.risk.hold_side)
        self._held_back(v, cs, cleared)
        if reason is not None and old[0] is not None and old != (v.purpose, v.target_station):
            dest = v.target_station or f"circulating on the {side.value} side"
            cid = (cause or cs[0]).id
            self._journal.emit(Rerouted(self._world.now_s, v.id, cid, dest, reason))

    def _held_back(self, v: VehicleRun, cs: list[ContainerRun], cleared: bool) -> None:
        """Book the time a cleared container waits for the customs of its co-loaded one."""
        now = self._world.now_s
        for c in cs:
            waits = not cleared and c.risk.cleared
            if waits and c.held_back_since is None:
                c.held_back_since = now
            elif not waits and c.held_back_since is not None:
                since, c.held_back_since = c.held_back_since, None
                self._journal.emit(CoLoadWait(now, c.id, v.id, now - since))

    def _give_up_job_places(self, v: VehicleRun) -> None:
        """A container waiting for customs keeps no place another container needs: its pick-up
        slot and its delivery slot go back (it owns the scanner, hold or buffer place it heads
        for instead; the delivery slot is chosen again when it may move on)."""
        keep = (v.station, v.target_station)
        for sid in (v.dest_station, v.home_station):
            if sid is not None and sid not in keep:
                self._alloc.release(v.id, self._stations.place[sid])
        v.dest_station = None
        v.home_station = None

    def _new_dest(self, v: VehicleRun, c: ContainerRun) -> StationId | None:
        """Reserve a delivery place again (it gave its own up while it waited for customs):
        the nearest free yard slot on the destination side, from where it stands."""
        stations = self._graph.stations
        ref = stations[v.station] if v.station is not None else None
        if ref is None and v.target_station is not None:
            ref = stations[v.target_station]
        if ref is None:
            ref = stations[c.order.origin_station]
        sid = self._slots.dest_for(c, ref, self._world.orders.busy_origins)
        if sid is not None:
            if sid != v.station:
                self._alloc.take(v.id, [self._stations.place[sid]])
            v.dest_station = sid
        return sid

    def _stop_place(
        self, v: VehicleRun, role: StationRole, purpose: Purpose, side: Side
    ) -> StationId | None:
        """The scanner, hold or buffer place for the next stop: the one it holds or drives to
        already on this side, else the nearest free one (a buffer may also be a hold bay)."""
        here = self._here(v)
        if here is not None and here.role is role and v.state is VehicleState.HOLDING:
            return here.id
        if (
            v.purpose is purpose
            and v.target_station is not None
            and self._graph.stations[v.target_station].side is side
        ):
            return v.target_station
        roles: list[StationRole] = (
            [role] if role is not StationRole.BUFFER else [role, StationRole.HOLD]
        )
        return self._reserve_side(v, roles, side)

    def _reserve_side(
        self, v: VehicleRun, roles: list[StationRole], side: Side
    ) -> StationId | None:
        cleared = all(c.risk.cleared for c in on_board(v, self._world.containers))
        profile = Profile.TIME if cleared else Profile.TIME_NO_BORDER
        for r in roles:
            sid = self.reserve_nearest(v, v.lanes.plan_end, self._stations.of(r, side), profile)
            if sid is not None:
                return sid
        return None

    def _here(self, v: VehicleRun) -> Station | None:
        """The station whose place it stands in, off the lanes (None on the lanes)."""
        if v.lanes.on_lanes or v.station is None:
            return None
        return self._graph.stations[v.station]

    def _waiting_place(self, v: VehicleRun, side: Side) -> bool:
        """Head for a buffer or hold place of ``side`` to wait in, where it blocks nobody
        (False if none is free)."""
        sid = self._reserve_side(v, list(_WAITING_ROLES), side)
        if sid is None:
            return False
        v.head_for(Purpose.WAIT, sid, self._graph.stations[sid].node)
        self._give_up_job_places(v)
        return True

    def _no_place(self, v: VehicleRun, role: StationRole, side: Side) -> None:
        """No place of ``role`` free on ``side``: wait in a buffer or hold place (it blocks
        nobody there), else in a place it owns, else circulate (on the lanes) or queue."""
        here = self._here(v)
        if (here is None or here.role not in _WAITING_ROLES) and self._waiting_place(v, side):
            return
        if v.lanes.on_lanes:
            # Back to a place it still owns on this side (its pick-up slot before the line, its
            # delivery slot after it) and wait there, off the lanes, for a place to free.
            for own in (v.home_station, v.dest_station):
                if own is not None and self._graph.stations[own].side is side:
                    v.head_for(Purpose.WAIT, own, self._graph.stations[own].node)
                    return
            v.head_for(Purpose.CIRCULATE, None, self.next_waypoint(v, side))
            return
        v.clear_target()
        self._alloc.wait(v.id, self._stations.waiting_for[(role, side)])

    def _wait_for_slot(self, v: VehicleRun, c: ContainerRun, side: Side) -> None:
        """Cleared, but every delivery place is taken: wait where it blocks nobody and queue
        for a yard slot of the destination side (a freed one resumes it)."""
        here = self._here(v)
        if here is None or here.role not in _WAITING_ROLES:
            if self._waiting_place(v, side):
                return
            if v.lanes.on_lanes:
                v.head_for(Purpose.CIRCULATE, None, self.next_waypoint(v, side))
                return
        v.clear_target()
        dest_side = DESTINATION[c.order.direction]
        self._alloc.wait(v.id, self._stations.waiting_for[(StationRole.YARD_SLOT, dest_side)])
        # A dispatch round moves idle vehicles out of that side's slots (see rounds.py).
        self._agenda.request_dispatch()

    def _hold_placed(
        self, v: VehicleRun, c: ContainerRun, sid: StationId | None, side: Side
    ) -> None:
        reason = c.risk.hold_reason
        self._journal.emit(HoldPlaced(self._world.now_s, c.id, v.id, sid, side, reason))
        self._journal.custody(
            K.HOLD_PLACED, c, v.lanes.plan_end, None, "system", vehicle_id=v.id, reason=reason
        )

    # ------------------------------------------------------------------ circulation

    def next_waypoint(self, v: VehicleRun, side: Side) -> NodeId | None:
        points = self.waypoints(side)
        for _ in range(len(points)):
            v.waypoint_index += 1
            point = points[v.waypoint_index % len(points)]
            if point != v.lanes.plan_end:
                return point
        return None

    def waypoints(self, side: Side) -> list[NodeId]:
        """Two far-apart ring nodes of ``side`` to circulate between when no place is free."""
        cached = self._waypoints.get(side)
        if cached is not None:
            return cached
        g = self._graph
        exclusive_in = {k[1] for k, e in g.edges.items() if e.exclusive or e.crosses_border}
        candidates = [
            n
            for n in sorted(g.nodes)
            if g.nodes[n].side is side
            and n not in self._stations.at
            and n not in exclusive_in
            and g.graph.out_degree(n) > 0
        ]
        gates = sorted(gt.node for gt in g.gates.values() if g.nodes[gt.node].side is side)
        points = self._far_apart(candidates, gates) if candidates else []
        self._waypoints[side] = points
        return points

    def _far_apart(self, candidates: list[NodeId], gates: list[NodeId]) -> list[NodeId]:
        # Anchor near the gate (where uncleared vehicles queue up), partner far from it.
        g, router = self._graph, self._router
        sub = g.graph.edge_subgraph([k for k, e in g.edges.items() if not e.crosses_border])
        near = router.costs_to(Profile.TIME_NO_BORDER, gates[0]) if gates else None
        anchor = min(
            candidates,
            key=lambda n: (near[router.node_index(n)] if near else 0.0, n),
        )
        back = router.costs_to(Profile.TIME_NO_BORDER, anchor)
        fwd = nx.single_source_dijkstra_path_length(sub, anchor, weight="travel_time_s")
        best: tuple[float, NodeId] | None = None
        for n in candidates:
            total = fwd.get(n, math.inf) + back[router.node_index(n)]
            if n != anchor and math.isfinite(total) and (best is None or total > best[0]):
                best = (total, n)
        return [anchor] + ([best[1]] if best else [])
