"""Vehicle faults: taking a vehicle out of service and bringing it back.

A faulted vehicle may stand anywhere on the path it was granted (a vehicle that stops
answering is not seen stopping), so it keeps every lane and place it holds: nobody is sent into
it. It gets no commands and reports nothing until :class:`VehicleRecovered` (a report from it in
between is refused, and changes nothing). An order it had not loaded yet goes back to the
waiting orders, oldest first as before, so another vehicle fetches the container; a container
already on it stays with it (custody does not move) and waits for the recovery.

On recovery the vehicle stands at its node or at a node of its granted path: the arrivals up to
there are booked (freeing the lanes behind it), and its work resumes: the rest of its path is
commanded again (a new Drive: reports of the old one are stale from now on), an action it was
doing is commanded again from the start, a loaded vehicle continues its trip, an empty one
becomes available for work.
"""

from __future__ import annotations

from orchestrator import lookups
from orchestrator.agenda import Agenda
from orchestrator.domain.events import (
    ContainerStranded,
    OrderReturned,
    VehicleBackInService,
    VehicleOutOfService,
)
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.energy import EnergyRule
from orchestrator.errors import UnexpectedEventError
from orchestrator.idle_moves import IdleMoves
from orchestrator.ids import OrderId
from orchestrator.jobs import Jobs
from orchestrator.journal import Journal
from orchestrator.messages import ActionKind, VehicleFaulted, VehicleRecovered
from orchestrator.outbox import Outbox
from orchestrator.state import ContainerRun, VehicleRun, on_board
from orchestrator.stations import StationIndex
from orchestrator.stops import StopPolicy
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import TrafficManager
from orchestrator.world import World

__all__ = ["Faults"]

V = VehicleState
# Actions a recovered vehicle is commanded again (the report of the first try never came).
_ACTION_OF = {
    V.LOADING: ActionKind.LOAD,
    V.UNLOADING: ActionKind.UNLOAD,
    V.SCANNING: ActionKind.SCAN,
}


class Faults:
    def __init__(
        self,
        world: World,
        traffic: TrafficManager,
        alloc: Allocator,
        stations: StationIndex,
        stops: StopPolicy,
        idle: IdleMoves,
        jobs: Jobs,
        journal: Journal,
        outbox: Outbox,
        agenda: Agenda,
        energy: EnergyRule,
    ) -> None:
        self._world = world
        self._traffic = traffic
        self._alloc = alloc
        self._stations = stations
        self._stops = stops
        self._idle = idle
        self._jobs = jobs
        self._journal = journal
        self._outbox = outbox
        self._agenda = agenda
        self._energy = energy

    # ------------------------------------------------------------------ fault

    def check_fault(self, e: VehicleFaulted) -> VehicleRun:
        v = lookups.vehicle(self._world, e.vehicle_id)
        if v.fault is not None:
            raise UnexpectedEventError(f"vehicle {v.id} is already out of service ({v.fault})")
        return v

    def apply_fault(self, e: VehicleFaulted, v: VehicleRun) -> None:
        reason = e.reason.strip() or "no reason given"
        v.fault = reason
        self._alloc.stop_waiting(v.id)  # it waits for nothing while out of service
        now = self._world.now_s
        path = v.lanes.path
        heading = path[-1] if path else None
        self._journal.emit(VehicleOutOfService(now, v.id, v.lanes.node, heading, reason))
        containers = self._world.containers
        for c in on_board(v, containers):
            self._journal.emit(ContainerStranded(now, c.id, v.id))
        waiting = [containers[cid] for cid in v.cargo if not containers[cid].loaded]
        for c in waiting:
            self._return_order(v, c)
        if waiting:
            if v.state is V.LOADING:
                v.acting_on = None
                v.set_state(V.WAITING)  # that load is not done any more
            self._agenda.request_dispatch()

    def _return_order(self, v: VehicleRun, c: ContainerRun) -> None:
        """Undo the assignment of ``c`` to ``v`` (not loaded yet): the order waits again. The
        delivery place goes too unless a container stays on board."""
        order = c.order
        pickup = order.origin_station
        v.cargo.remove(c.id)
        dest = None
        if not v.cargo:
            dest, v.dest_station = v.dest_station, None
        if v.purpose is not None:
            target, v.target_station = v.target_station, None
            self._stops.unreserve(v, target)
        v.clear_target()
        self._outbox.action_done(v.id)  # a load it was doing is not answered any more
        # The places the assignment reserved, unless it stands in one of them (or its other
        # container, on board, came from the same slot: it holds that place as its home).
        for sid in (pickup, dest):
            if sid is not None and sid not in (v.station, v.home_station):
                self._alloc.release(v.id, self._stations.place[sid])
        c.vehicle_id = None
        c.set_state(ContainerState.WAITING)
        c.set_order_state(OrderState.OPEN)
        # Back among the waiting orders in arrival order, so it keeps its turn.
        world = self._world

        def arrived_s(oid: OrderId) -> float:
            return world.containers[world.orders.container_of[oid]].order.received_t_s

        world.orders.reopen(order.order_id, pickup, arrived_s)
        self._journal.emit(OrderReturned(world.now_s, order.order_id, c.id, v.id, pickup))

    # ------------------------------------------------------------------ recovery

    def check_recovery(self, e: VehicleRecovered) -> VehicleRun:
        v = lookups.vehicle(self._world, e.vehicle_id)
        if v.fault is None:
            raise UnexpectedEventError(f"vehicle {v.id} is not out of service")
        lookups.node(self._world, e.node)
        granted = [v.lanes.node, *v.lanes.path]
        if e.node not in granted:
            where = (
                f"on its granted path {' -> '.join(granted)}"
                if v.lanes.path
                else (f"at {v.lanes.node}")
            )
            raise UnexpectedEventError(
                f"vehicle {v.id} cannot recover at {e.node}: it stands {where}; bring it to one "
                "of these nodes, or park it off the lanes and send VehicleJoined again"
            )
        return v

    def apply_recovery(self, e: VehicleRecovered, v: VehicleRun) -> None:
        v.fault = None
        v.battery_kwh = e.battery_kwh
        lanes = v.lanes
        while lanes.node != e.node:  # the arrivals it made while nobody heard it
            if self._traffic.at_node(v.id, lanes, lanes.path[0]):
                self._outbox.drive_done(v.id)
        self._journal.emit(VehicleBackInService(self._world.now_s, v.id, e.node, e.battery_kwh))
        self._agenda.request_dispatch()
        rest = tuple(lanes.path)
        if rest:
            self._outbox.drive(v.id, (lanes.node, *rest))  # the rest of its grant
        if not v.cargo and lanes.on_lanes and v.target_node is None:
            # Its order went to another vehicle: make room like any idle vehicle on the lanes
            # (if still driving, it heads there from the end of its grant).
            side = self._world.graph.nodes[lanes.plan_end].side
            self._idle.relocate(v, side, self._world.orders.busy_origins)
        if not rest:
            self._resume_work(v)

    def _resume_work(self, v: VehicleRun) -> None:
        """A recovered vehicle standing still: command again what it was doing."""
        if v.state is V.CHARGING:
            self._outbox.charge(v.id, self._energy.charge_target_kwh)
            return
        action = _ACTION_OF.get(v.state)
        if action is not None and v.acting_on is not None:
            c = self._world.containers[v.acting_on]
            if action is ActionKind.SCAN and c.scan_outcome_seen:
                v.scan_acted = True  # only the vehicle's own report was missing
                self._outbox.action_done(v.id)
                self._jobs.maybe_leave_scanner(v)
            else:
                self._outbox.perform(v.id, action, c.id)
            return
        if not v.cargo and not v.lanes.on_lanes and v.target_node is None:
            if v.state is not V.IDLE:
                v.set_state(V.IDLE)
            return
        self._agenda.resume(v.id)  # the usual retry: plan (if loaded) and drive on
