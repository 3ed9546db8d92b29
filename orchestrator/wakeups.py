"""Wake-ups: resuming waiting vehicles when what they wait for gets room or routes change.

After every event the core settles: vehicles on the agenda are resumed first, then the
resources the allocator queued as freed wake their waiters, FIFO, until nothing more can move.
It is a work queue, never recursion, so a release that frees a long queue stays cheap and the
order of decisions is deterministic. A freed station place wakes the vehicles queued for a place
of its role on its side, and calls for a dispatch round if the last round lacked exactly it.
"""

from __future__ import annotations

from orchestrator.agenda import Agenda
from orchestrator.costs import Profile
from orchestrator.dispatch_plan import RoundMemory
from orchestrator.domain.states import VehicleState
from orchestrator.lanegraph import NodeId
from orchestrator.movement import Movement
from orchestrator.router import Router
from orchestrator.state import VehicleRun, loading_done
from orchestrator.stations import StationIndex
from orchestrator.stops import StopPolicy
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.resources import Resource, ResourceKind
from orchestrator.world import World

__all__ = ["Wakeups"]

V = VehicleState
_BUSY = frozenset({V.LOADING, V.UNLOADING, V.SCANNING, V.CHARGING})
_WAIT_LISTS = frozenset({ResourceKind.ROUTE, ResourceKind.PLACES})


class Wakeups:
    def __init__(
        self,
        world: World,
        alloc: Allocator,
        stations: StationIndex,
        router: Router,
        stops: StopPolicy,
        movement: Movement,
        agenda: Agenda,
        memory: RoundMemory,
    ) -> None:
        self._world = world
        self._vehicles = world.vehicles
        self._alloc = alloc
        self._stations = stations
        self._router = router
        self._stops = stops
        self._movement = movement
        self._agenda = agenda
        self._memory = memory

    def settle(self) -> None:
        """Resume woken vehicles until nothing more can move."""
        pending, freed = self._agenda.pending, self._alloc.freed
        vehicles = self._vehicles
        while pending or freed:
            if pending:
                self.resume(vehicles[pending.popleft()])
            else:
                self._wake(freed.popleft())

    def _wake(self, resource: Resource) -> None:
        alloc = self._alloc
        st = resource.station
        if st is not None:
            token = self._stations.waiting_for[(st.role, st.side)]
            while (vid := alloc.pop_waiter(token)) is not None:
                self._agenda.resume(vid)
            # Re-dispatch only if the last round lacked exactly this kind of place.
            if self._world.orders.open and self._memory.lacked(st):
                self._agenda.request_dispatch()
        while alloc.has_room(resource):
            vid = alloc.pop_waiter(resource)
            if vid is None:
                break
            self.resume(self._vehicles[vid])

    def resume(self, v: VehicleRun) -> None:
        if v.state in _BUSY or v.lanes.path or v.fault is not None:
            return
        token = self._alloc.waiting_on(v.id)
        if token is not None and token.kind in _WAIT_LISTS:
            self._alloc.stop_waiting(v.id)
        if (
            v.purpose is None
            and loading_done(v, self._world.containers)
            and v.state is not V.HOLDING
        ):
            self._stops.plan_loaded(v, None)
        self._movement.go(v)

    def resume_all_waiting(self) -> None:
        """Retry every stationary vehicle with somewhere to go (routes or places changed).

        Vehicles queued for an admission token are left in their FIFO queue: a closure does
        not change tokens, and they take the new route when their turn comes.
        """
        alloc = self._alloc
        for vid in sorted(self._vehicles):
            v = self._vehicles[vid]
            waits = alloc.waiting_on(vid)
            if v.lanes.path or (waits is not None and waits.kind is ResourceKind.ADMISSION):
                continue
            if v.target_node is not None or waits is not None:
                self._agenda.resume(vid)

    def replan_routes(self) -> None:
        """After a closure or opening: rebuild the tables in use in one batch, resume waiters.

        Vehicles on the move follow the new tables from their next node on; doing the Dijkstra
        runs here keeps that per-node step a table lookup.
        """
        wanted: dict[Profile, set[NodeId]] = {}
        for v in self._vehicles.values():
            if v.target_node is not None:
                wanted.setdefault(v.profile, set()).add(v.target_node)
        for profile in sorted(wanted, key=lambda p: p.value):
            self._router.prepare(profile, wanted[profile])
        self.resume_all_waiting()
