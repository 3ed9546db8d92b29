"""Movement: moving each vehicle one grant towards its target, and what it does on arrival.

:meth:`Movement.go` asks the traffic manager for the next grant towards the vehicle's target
and sends the Drive, or records why it waits (in the queue of what blocked it, or of an open
route); at the target it acts (load, unload, scan, hold, charge, park, wait for a place). The
node reports of a Drive come back through :meth:`Movement.check_arrival` /
:meth:`Movement.apply_arrival`. A border edge in a grant is a crossing: the pick-up place is
given up and custody passes to the other side. Movement owns the vehicle's ``station`` (the place
it stands in off the lanes), ``profile`` and the dedupe of its wait log lines.
"""

from __future__ import annotations

from orchestrator import lookups
from orchestrator.agenda import Agenda
from orchestrator.costs import Profile
from orchestrator.custody.events import CustodyEventKind
from orchestrator.domain.customs_events import BorderCrossed, ScanRequested
from orchestrator.domain.events import VehicleCharging
from orchestrator.domain.states import ContainerState, VehicleState
from orchestrator.domain.traffic_events import NoRoute, VehicleWaiting
from orchestrator.energy import EnergyRule
from orchestrator.errors import UnexpectedEventError
from orchestrator.journal import Journal
from orchestrator.lanegraph import EdgeKey, Gate
from orchestrator.messages import ActionKind, VehicleAtNode
from orchestrator.outbox import Outbox
from orchestrator.parking import Parking
from orchestrator.risk_policy import StopKind, next_stop
from orchestrator.state import ContainerRun, Purpose, VehicleRun, next_to_load, on_board
from orchestrator.stations import StationIndex
from orchestrator.stops import StopPolicy
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import Grant, Refusal, TrafficManager
from orchestrator.traffic.resources import Resources
from orchestrator.world import World

__all__ = ["Movement"]

K = CustodyEventKind
V = VehicleState


class Movement:
    def __init__(
        self,
        world: World,
        traffic: TrafficManager,
        alloc: Allocator,
        resources: Resources,
        stations: StationIndex,
        stops: StopPolicy,
        parking: Parking,
        journal: Journal,
        outbox: Outbox,
        agenda: Agenda,
        energy: EnergyRule,
    ) -> None:
        self._world = world
        self._graph = world.graph
        self._containers = world.containers
        self._vehicles = world.vehicles
        self._traffic = traffic
        self._alloc = alloc
        self._route = resources.route
        self._place = stations.place
        self._stops = stops
        self._parking = parking
        self._journal = journal
        self._outbox = outbox
        self._drives = outbox.drives
        self._forget_drive = outbox.forget_drive
        self._agenda = agenda
        self._energy = energy

    # ------------------------------------------------------------------ reports

    def check_arrival(self, e: VehicleAtNode) -> VehicleRun:
        """Refuse a node report that does not fit (before anything changes)."""
        v = self._vehicles.get(e.vehicle_id)  # every node report of every vehicle: no wrapper
        if v is None or v.fault is not None:
            v = lookups.working_vehicle(self._world, e.vehicle_id)  # raises, naming why
        if self._drives.get(v.id) != e.command_id:
            self._outbox.check_arrival(v.id, e.command_id)  # raises: stale
        path = v.lanes.path
        if not path or path[0] != e.node:
            expected = path[0] if path else "nothing (it has no Drive)"
            raise UnexpectedEventError(
                f"vehicle {v.id} reported node {e.node!r}, expected {expected}"
            )
        return v

    def apply_arrival(self, e: VehicleAtNode, v: VehicleRun) -> None:
        v.battery_kwh = e.battery_kwh
        if self._traffic.at_node(v.id, v.lanes, e.node):
            self._forget_drive(v.id, None)  # Outbox.drive_done
            self.go(v)

    # ------------------------------------------------------------------ movement

    def cleared(self, v: VehicleRun) -> bool:
        """May the vehicle cross the border now (empty, or every container on it cleared)?"""
        containers = self._containers
        for cid in v.cargo:
            c = containers[cid]
            if c.loaded and not c.risk.cleared:
                return False
        return True

    def go(self, v: VehicleRun) -> None:
        """Move a stationary vehicle one grant towards its target, or act on arrival."""
        lanes = v.lanes
        if lanes.path or v.target_node is None or v.fault is not None:
            return  # moving, nowhere to go, or out of service
        if lanes.node == v.target_node:
            if v.purpose is not Purpose.CIRCULATE:
                self.arrive(v)
                return
            if not v.cargo:
                self._parking.plan_idle_circulation(v)
            else:
                self._stops.plan_loaded(v, None)
            if v.target_node is None or lanes.node == v.target_node:
                if v.purpose is not Purpose.CIRCULATE and v.target_node is not None:
                    self.arrive(v)
                return
        cleared = True
        if v.cargo:  # self.cleared(v), inlined: this runs at every node of every vehicle
            containers = self._containers
            for cid in v.cargo:
                c = containers[cid]
                if c.loaded and not c.risk.cleared:
                    cleared = False
                    break
        v.profile = Profile.TIME if cleared else Profile.TIME_NO_BORDER
        result = self._traffic.try_move(v.id, lanes, v.profile, v.target_node, cleared)
        if result.__class__ is Grant:
            grant: Grant = result
            v.wait_logged = None
            if grant.entered and v.station is not None:
                if v.station not in (v.dest_station, v.home_station):  # places it keeps
                    self._alloc.release(v.id, self._place[v.station])
                v.station = None
            self._outbox.drive(v.id, grant.path)
            for key, gate in grant.crossings:
                self.crossed(v, key, gate)
            if v.state is not V.EN_ROUTE:
                v.set_state(V.EN_ROUTE)
            return
        if not lanes.on_lanes and v.state is V.IDLE:
            v.set_state(V.WAITING)
        if result is Refusal.BLOCKED:
            self._blocked(v)
        else:
            self._no_route(v, result is Refusal.GATE_REFUSED)

    def _blocked(self, v: VehicleRun) -> None:
        res = self._alloc.waiting_on(v.id)
        assert res is not None
        node = v.lanes.node
        if v.wait_logged != (node, res):
            v.wait_logged = (node, res)
            self._journal.emit(VehicleWaiting(self._world.now_s, v.id, node, res))

    def _no_route(self, v: VehicleRun, gate_refused: bool) -> None:
        self._alloc.wait(v.id, self._route)
        node = v.lanes.node
        if v.wait_logged != (node, self._route):
            v.wait_logged = (node, self._route)
            event = NoRoute(self._world.now_s, v.id, node, v.target_node, gate_refused)
            self._journal.emit(event)
            self._outbox.stop(v.id, f"{event.why} to {v.target_node}")

    # ------------------------------------------------------------------ arrival

    def arrive(self, v: VehicleRun) -> None:
        sid = v.target_station
        if sid is None and v.purpose is Purpose.PARK:
            # Back at its own depot spot (where it joined, off the lanes).
            if v.lanes.on_lanes:
                self._traffic.leave_lanes(v.id, v.lanes)
                v.station = None
            v.clear_target()
            v.set_state(V.IDLE)
            return
        assert sid is not None
        if v.lanes.on_lanes:
            self._traffic.leave_lanes(v.id, v.lanes)
            v.station = sid
        elif v.station != sid:
            if v.station is not None:
                self._alloc.release(v.id, self._place[v.station])
            v.station = sid
        purpose = v.purpose
        v.clear_target()
        if purpose is Purpose.PARK:
            v.set_state(V.IDLE)
            self._agenda.request_dispatch()
        elif purpose is Purpose.WAIT:
            v.set_state(V.WAITING)
            self._stops.plan_loaded(v, None)  # a place may have freed meanwhile; else it queues
            if v.target_node is None:
                self._outbox.stop(v.id, "waits for a scanner, hold, buffer or delivery place")
            else:
                self.go(v)
        elif purpose is Purpose.CHARGE:
            v.set_state(V.CHARGING)
            self._journal.emit(VehicleCharging(self._world.now_s, v.id, sid))
            self._outbox.charge(v.id, self._energy.charge_target_kwh)
        else:
            assert v.cargo and purpose is not None
            self._at_job_stop(v, purpose)

    def _at_job_stop(self, v: VehicleRun, purpose: Purpose) -> None:
        containers = self._containers
        if purpose is Purpose.PICKUP:
            c = next_to_load(v, containers)
            assert c is not None
            v.set_state(V.LOADING)
            v.acting_on = c.id
            self._outbox.perform(v.id, ActionKind.LOAD, c.id)
        elif purpose is Purpose.DELIVER:
            self.unload_next(v)
        elif purpose is Purpose.SCAN:
            nxt = self.to_scan(v)
            assert nxt is not None
            self.start_scan(v, nxt)
        else:
            v.set_state(V.HOLDING)
            held = []
            for c in on_board(v, containers):
                if c.risk.held:
                    held.append(c)
                    if purpose is Purpose.HOLD and c.state is ContainerState.ON_VEHICLE:
                        c.set_state(ContainerState.HELD)
            why = (
                "held: " + "; ".join(c.risk.hold_reason for c in held)
                if purpose is Purpose.HOLD and held
                else "waits at the pre-border buffer: no clearing verdict yet"
            )
            self._outbox.stop(v.id, why)

    def unload_next(self, v: VehicleRun) -> None:
        """At the delivery place: unload the first container on board."""
        c = on_board(v, self._containers)[0]
        v.set_state(V.UNLOADING)
        v.acting_on = c.id
        self._outbox.perform(v.id, ActionKind.UNLOAD, c.id)

    def to_scan(self, v: VehicleRun) -> ContainerRun | None:
        """The first container on board that needs an NII scan."""
        for c in on_board(v, self._containers):
            if next_stop(c.risk) is StopKind.SCANNER:
                return c
        return None

    def start_scan(self, v: VehicleRun, c: ContainerRun) -> None:
        v.set_state(V.SCANNING)
        c.set_state(ContainerState.SCANNING)
        v.scan_acted = False
        c.scan_outcome_seen = False
        v.acting_on = c.id
        assert v.station is not None
        self._journal.emit(ScanRequested(self._world.now_s, c.id, v.id, v.station))
        self._outbox.perform(v.id, ActionKind.SCAN, c.id)

    # ------------------------------------------------------------------ border

    def crossed(self, v: VehicleRun, key: EdgeKey, gate: Gate) -> None:
        to_side = self._graph.nodes[key[1]].side
        now = self._world.now_s
        cs = on_board(v, self._containers)
        if not cs:  # one notice per container across; an empty vehicle's names none
            self._journal.emit(BorderCrossed(now, v.id, None, gate.id, to_side, True))
        for c in cs:
            self._journal.emit(BorderCrossed(now, v.id, c.id, gate.id, to_side, c.risk.cleared))
        self._stops.release_home(v)
        for c in cs:
            c.crossed = True
            c.committed = (gate.id, now)
            self._journal.custody(
                K.BORDER_HANDOFF, c, key[0], None, gate.id, vehicle_id=v.id, side=to_side.value
            )
