"""Jobs: a container's transport steps that a vehicle's finished action completes.

A load hands the container from the yard to the vehicle (custody) and sends it on to the
co-loaded container's pick-up if it carries two, an unload delivers it (then the next one), a
finished scan (the vehicle's action and the scanner's result, in either order) scans the next
container that needs it or sends the vehicle on; a finished charge makes the vehicle
available. Each step updates the container's and the order's state machines, writes the custody
ledger in the legal order, emits its domain event and lets the stop policy pick the vehicle's
next stop.
"""

from __future__ import annotations

from orchestrator import lookups
from orchestrator.agenda import Agenda
from orchestrator.custody.events import CustodyEventKind
from orchestrator.domain.events import OrderDelivered, OrderPickedUp, VehicleCharged
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.errors import UnexpectedEventError
from orchestrator.journal import Journal
from orchestrator.lanegraph import NodeId
from orchestrator.messages import ActionDone, ActionKind
from orchestrator.movement import Movement
from orchestrator.outbox import Outbox
from orchestrator.state import (
    ContainerRun,
    Purpose,
    VehicleRun,
    loading_done,
    next_to_load,
    on_board,
)
from orchestrator.stops import StopPolicy
from orchestrator.world import World

__all__ = ["Jobs"]

K = CustodyEventKind
V = VehicleState
_STATE_OF = {
    ActionKind.LOAD: V.LOADING,
    ActionKind.UNLOAD: V.UNLOADING,
    ActionKind.SCAN: V.SCANNING,
    ActionKind.CHARGE: V.CHARGING,
}


class Jobs:
    def __init__(
        self,
        world: World,
        stops: StopPolicy,
        movement: Movement,
        journal: Journal,
        outbox: Outbox,
        agenda: Agenda,
    ) -> None:
        self._world = world
        self._stops = stops
        self._movement = movement
        self._journal = journal
        self._outbox = outbox
        self._agenda = agenda

    def where(self, c: ContainerRun) -> NodeId:
        """The node the container is at: its vehicle's, if loaded, else its pick-up's."""
        if c.vehicle_id is not None and c.loaded:
            return self._world.vehicles[c.vehicle_id].lanes.node
        return self._world.graph.stations[c.order.origin_station].node

    # ------------------------------------------------------------------ ActionDone

    def check_action_done(self, e: ActionDone) -> VehicleRun:
        v = lookups.working_vehicle(self._world, e.vehicle_id)
        self._outbox.check_action(v.id, e.command_id)
        if v.state is not _STATE_OF[e.action] or (e.action is ActionKind.SCAN and v.scan_acted):
            raise UnexpectedEventError(
                f"vehicle {v.id}: ActionDone({e.action.value}) but it is {v.state.name}"
            )
        return v

    def apply_action_done(self, e: ActionDone, v: VehicleRun) -> None:
        self._outbox.action_done(v.id)
        v.battery_kwh = e.battery_kwh
        if e.action is ActionKind.LOAD:
            self.loaded(v)
        elif e.action is ActionKind.UNLOAD:
            self.unloaded(v)
        elif e.action is ActionKind.SCAN:
            v.scan_acted = True
            self.maybe_leave_scanner(v)
        else:
            v.set_state(V.IDLE)
            self._journal.emit(VehicleCharged(self._world.now_s, v.id, e.battery_kwh))
            self._agenda.request_dispatch()

    # ------------------------------------------------------------------ steps

    def loaded(self, v: VehicleRun) -> None:
        assert v.acting_on is not None
        c = self._world.containers[v.acting_on]
        v.acting_on = None
        c.set_state(ContainerState.ON_VEHICLE)
        c.set_order_state(OrderState.PICKED_UP)
        c.loaded = True
        self._journal.custody(
            K.HANDOFF_YARD_TO_AGV, c, v.lanes.node, None, "system", vehicle_id=v.id
        )
        self._journal.emit(OrderPickedUp(self._world.now_s, c.order.order_id, c.id, v.id))
        v.set_state(V.WAITING)
        nxt = next_to_load(v, self._world.containers)
        if nxt is not None:
            # The co-loaded container next (at this slot or another one of the yard); the
            # customs stops are planned once both are on board.
            pickup = self._world.graph.stations[nxt.order.origin_station]
            v.head_for(Purpose.PICKUP, pickup.id, pickup.node)
        else:
            v.home_station = v.station
            self._stops.plan_loaded(v, None)
        self._movement.go(v)

    def unloaded(self, v: VehicleRun) -> None:
        assert v.acting_on is not None
        containers = self._world.containers
        c = containers[v.acting_on]
        v.acting_on = None
        c.set_state(ContainerState.DELIVERED)
        c.set_order_state(OrderState.DELIVERED)
        c.loaded = False
        node = v.lanes.node
        self._journal.custody(K.HANDOFF_AGV_TO_YARD, c, node, None, "system", vehicle_id=v.id)
        self._journal.custody(K.DELIVERED, c, node, None, "system")
        now = self._world.now_s
        order = c.order
        self._journal.emit(
            OrderDelivered(
                now, order.order_id, c.id, v.id, v.station, order.direction,
                now - order.received_t_s,
            )
        )  # fmt: skip
        c.vehicle_id = None
        v.cargo.remove(c.id)
        rest = on_board(v, containers)
        if rest:
            if all(r.risk.cleared for r in rest):
                self._movement.unload_next(v)
            else:  # its status changed while the first was unloaded: customs first
                v.set_state(V.WAITING)
                self._stops.plan_loaded(v, None)
                self._movement.go(v)
            return
        self._stops.release_home(v)
        v.dest_station = None
        v.set_state(V.IDLE)
        self._agenda.request_dispatch()

    def maybe_leave_scanner(self, v: VehicleRun) -> None:
        """Both halves of a scan are in (the vehicle's action, the scanner's result): scan the
        co-loaded container next if it needs it, else go on."""
        assert v.acting_on is not None
        c = self._world.containers[v.acting_on]
        if not (v.scan_acted and c.scan_outcome_seen):
            return
        self._outbox.scan_done(c.id)
        v.scan_acted = False
        c.scan_outcome_seen = False
        v.acting_on = None
        c.set_state(ContainerState.ON_VEHICLE)
        nxt = self._movement.to_scan(v)
        if nxt is not None:
            self._movement.start_scan(v, nxt)
            return
        v.set_state(V.WAITING)
        self._stops.plan_loaded(v, None)
        self._movement.go(v)

    def risk_changed(self, c: ContainerRun, reason: str) -> None:
        """Reroute or hold the vehicle carrying ``c`` at once (after a running action)."""
        if c.vehicle_id is None or not c.loaded:
            return  # still in the yard: the status counts when it is loaded
        v = self._world.vehicles[c.vehicle_id]
        if not loading_done(v, self._world.containers):
            return  # decided when the co-loaded container is on board too
        if v.state in (V.LOADING, V.UNLOADING, V.SCANNING):
            return  # decided when the action is done
        if v.state is V.HOLDING:
            v.set_state(V.WAITING)  # re-planned below; it stays if it must stay
        self._stops.plan_loaded(v, reason, c)
        self._movement.go(v)
