"""A dispatch round, carried out: charging first, then the plan's assignments, then idle moves.

1. Idle vehicles low on energy go charging (those that find no charger stay available).
2. :class:`orchestrator.dispatch_plan.Dispatcher` plans the assignments; each is applied in
   order of the orders' age, re-checked against what the earlier ones took (the pick-up place
   must still be free, a delivery place must still exist): both places are reserved, the
   vehicle heads for the pick-up. A vehicle with two container places also gets a partner of
   like risk for the same delivery place where one fits (:mod:`orchestrator.pairing`).
3. Vehicles left without work: too little charge for the waiting work -> charge now; idle in a
   depot -> top up if a charger is free; idle in a yard slot, charger or buffer place that work
   needs -> make room (:mod:`orchestrator.idle_moves`); chargers full of charged idle vehicles
   while others need one -> those move out.
"""

from __future__ import annotations

from orchestrator.agenda import Agenda
from orchestrator.delivery_slots import DeliverySlots
from orchestrator.dispatch_plan import Dispatcher, RoundPlan
from orchestrator.domain.events import OrderAssigned
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.energy import EnergyRule
from orchestrator.idle_moves import IdleMoves
from orchestrator.ids import VehicleId
from orchestrator.journal import Journal
from orchestrator.lanegraph import Side, Station, StationId, StationRole
from orchestrator.movement import Movement
from orchestrator.pairing import Pairing
from orchestrator.state import ContainerRun, Purpose, VehicleRun
from orchestrator.stations import StationIndex
from orchestrator.stops import StopPolicy
from orchestrator.traffic.allocator import Allocator
from orchestrator.world import World

__all__ = ["DispatchRound"]

V = VehicleState
CIRCULATE, PARK = Purpose.CIRCULATE, Purpose.PARK
_SIDES = (Side.CN, Side.MN)


class DispatchRound:
    def __init__(
        self,
        world: World,
        stations: StationIndex,
        alloc: Allocator,
        dispatcher: Dispatcher,
        slots: DeliverySlots,
        stops: StopPolicy,
        idle: IdleMoves,
        movement: Movement,
        journal: Journal,
        agenda: Agenda,
        energy: EnergyRule,
        pairing: Pairing | None = None,
    ) -> None:
        self._world = world
        self._graph = world.graph
        self._stations = stations
        self._alloc = alloc
        self._dispatcher = dispatcher
        self._slots = slots
        self._stops = stops
        self._idle = idle
        self._movement = movement
        self._journal = journal
        self._agenda = agenda
        self._energy = energy
        self._pairing = pairing  # vehicles with two container places only

    def run(self) -> None:
        self._agenda.round_started()
        idle = self._dispatcher.idle_vehicles()
        if not idle:
            return
        ready: list[VehicleRun] = []
        want_charger = False
        for v in idle:
            if self._energy.needs_charge(v.battery_kwh):
                if self._idle.send_to_charger(v, None):
                    continue
                want_charger = True
            ready.append(v)
        orders = self._dispatcher.waiting_orders()
        memory = self._dispatcher.memory
        memory.reset()
        for side in _SIDES:
            # Loaded vehicles queue for a delivery slot there: the side is short of slots, so
            # idle vehicles standing in its slots make room.
            if self._alloc.has_waiters(self._stations.waiting_for[(StationRole.YARD_SLOT, side)]):
                memory.no_dest_sides.add(side)
        assigned: set[VehicleId] = set()
        if orders and ready:
            plan = self._dispatcher.plan(ready, orders)
            if plan is not None:
                assigned = self._apply(plan)
        for v in ready:
            # Already making room (it parks or gets work on the way), or busy now.
            if v.id not in assigned and v.purpose is not CIRCULATE and v.purpose is not PARK:
                want_charger |= self._without_work(v)
        if want_charger:
            self._free_chargers(ready, assigned)

    def _apply(self, plan: RoundPlan) -> set[VehicleId]:
        """Carry out the plan's assignments, each re-checked against the ones before it."""
        world, alloc, place = self._world, self._alloc, self._stations.place
        busy = world.orders.busy_origins
        done: set[VehicleId] = set()
        planned = {a.order_id for a in plan.assignments}
        for a in plan.assignments:
            v = plan.vehicles[a.vehicle_id]
            c = world.containers[world.orders.container_of[a.order_id]]
            if c.vehicle_id is not None:
                continue  # taken as an earlier vehicle's second container
            pickup = self._graph.stations[c.order.origin_station]
            pres = place[pickup.id]
            if v.station != pickup.id and not alloc.has_room(pres):
                continue
            if a.order_id in plan.round_trip:
                dest = v.station
            else:
                dest = self._slots.dest_for(c, pickup, busy)
            if dest is None:
                continue
            if v.station != pickup.id:
                alloc.take(v.id, [pres])
            if dest != v.station:
                alloc.take(v.id, [place[dest]])
            v.dest_station = dest
            self._assign(v, c, pickup, dest, a.empty_time_s)
            if self._pairing is not None and a.order_id not in plan.round_trip:
                tail_m = self._dispatcher.charger_len(self._graph.stations[dest].node)
                p = self._pairing.partner(v, c, pickup, dest, tail_m, planned)
                if p is not None:
                    if p.take_place:
                        alloc.take(v.id, [place[p.pickup.id]])
                    self._assign(v, p.container, p.pickup, dest, a.empty_time_s)
            if v.purpose is Purpose.PARK:
                # Work for a vehicle on its way to park: drop the parking place it reserved.
                parked_at, v.target_station = v.target_station, None
                self._stops.unreserve(v, parked_at)
            v.head_for(Purpose.PICKUP, pickup.id, pickup.node)
            done.add(v.id)
            self._movement.go(v)
        return done

    def _assign(
        self, v: VehicleRun, c: ContainerRun, pickup: Station, dest: StationId, empty_time_s: float
    ) -> None:
        """``c`` becomes part of ``v``'s job (places are taken by the caller)."""
        v.cargo.append(c.id)
        c.vehicle_id = v.id
        c.set_state(ContainerState.ASSIGNED)
        c.set_order_state(OrderState.ASSIGNED)
        oid = c.order.order_id
        self._world.orders.assigned(oid, pickup.id)
        self._journal.emit(
            OrderAssigned(self._world.now_s, oid, c.id, v.id, pickup.id, dest, empty_time_s)
        )

    def _without_work(self, v: VehicleRun) -> bool:
        """A ready vehicle the round gave no work; True if it wants a charger and found none."""
        origins = self._world.orders.busy_origins
        here = self._graph.stations.get(v.station) if v.station is not None else None
        if v.id in self._dispatcher.memory.energy_short:
            # Too little charge for the work waiting: top up now rather than idle.
            return not self._idle.send_to_charger(v, None)
        if here is None or here.role is StationRole.PARKING:
            if self._idle.top_up(v, here):
                self._idle.send_to_charger(v, here.side if here else None)
        elif self._stations.of(StationRole.PARKING, here.side):
            if here.role is StationRole.CHARGER:
                if v.state is V.IDLE and v.battery_kwh >= self._energy.full_kwh:
                    # Charged and nothing to do: free the charger, wait in the depot.
                    self._idle.relocate(v, here.side, origins, to_charger=False)
            elif here.role in (StationRole.YARD_SLOT, StationRole.BUFFER):
                # Nothing to do: free the slot (or buffer place) for work and wait in a
                # depot on this side; a low vehicle charges first.
                self._idle.relocate(v, here.side, origins, to_charger=self._idle.top_up(v, here))
        elif here.role is StationRole.YARD_SLOT:
            # A map without depots: make room where work needs it, else free the slot for
            # deliveries by parking at a charger on this side.
            short = self._dispatcher.memory.no_dest_sides
            if here.side in short or (here.id in origins and self._world.orders.open):
                self._idle.relocate(v, here.side, origins)
            else:
                self._idle.send_to_charger(v, here.side)
        return False

    def _free_chargers(self, ready: list[VehicleRun], assigned: set[VehicleId]) -> None:
        """Chargers full of charged, idle vehicles while others need one: make them room."""
        full = self._energy.full_kwh
        origins = self._world.orders.busy_origins
        for v in ready:
            here = self._graph.stations.get(v.station) if v.station is not None else None
            if (
                v.id not in assigned
                and v.purpose is None
                and v.state is V.IDLE
                and here is not None
                and here.role is StationRole.CHARGER
                and v.battery_kwh >= full
            ):
                self._idle.relocate(v, here.side, origins, to_charger=False)
