"""Parking: where an idle vehicle may stand without blocking work.

In order of preference: the spot off the lanes where it joined (its depot), the nearest free
depot parking place on its side, a buffer place on its side as long as one stays free for an
uncleared container, then a yard slot that no waiting container stands at, on a side whose
deliveries are not short of slots (the other side first, so the vehicle leaves the crowded one).
A circulating idle vehicle takes such a place as soon as one is free, or a charger when it needs
one; else it drives on to its next waypoint. Parking owns no data: it reads the dispatcher's
memory of which sides lacked delivery places in the last round.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from orchestrator.costs import Profile
from orchestrator.dispatch_plan import RoundMemory
from orchestrator.energy import EnergyRule
from orchestrator.lanegraph import Side, StationId, StationRole
from orchestrator.router import Router
from orchestrator.state import Purpose, VehicleRun
from orchestrator.stations import StationIndex
from orchestrator.stops import StopPolicy
from orchestrator.traffic.allocator import Allocator
from orchestrator.world import World

__all__ = ["Parking"]


class Parking:
    def __init__(
        self,
        world: World,
        stations: StationIndex,
        router: Router,
        alloc: Allocator,
        stops: StopPolicy,
        energy: EnergyRule,
        memory: RoundMemory,
    ) -> None:
        self._world = world
        self._graph = world.graph
        self._stations = stations
        self._router = router
        self._alloc = alloc
        self._stops = stops
        self._energy = energy
        self._memory = memory

    def plan_idle_circulation(self, v: VehicleRun) -> None:
        """At a waypoint: park if a place is free now, else drive on to the next waypoint."""
        side = self._graph.nodes[v.lanes.node].side
        if not self._world.orders.open:
            self._memory.forget_slot_shortage()  # no work waiting: any free slot will do
        if v.depot is not None and self.to_depot(v):
            return
        sid = None
        if self._energy.needs_charge(v.battery_kwh):
            chargers = self._stations.of(StationRole.CHARGER, side)
            sid = self._stops.reserve_nearest(v, v.lanes.node, chargers, Profile.TIME)
        sid = sid or self.parking_place(v, side, self._world.orders.busy_origins)
        if sid is not None:
            v.head_for(Purpose.PARK, sid, self._graph.stations[sid].node)
        else:
            v.target_node = self._stops.next_waypoint(v, side)

    def to_depot(self, v: VehicleRun) -> bool:
        """Send an idle vehicle back to the spot off the lanes where it joined (if reachable)."""
        if v.depot is None or (v.depot == v.lanes.node and not v.lanes.on_lanes):
            return False
        if math.isinf(self._router.cost(Profile.TIME, v.lanes.plan_end, v.depot)):
            return False
        v.head_for(Purpose.PARK, None, v.depot)
        return True

    def depot_place(self, v: VehicleRun, side: Side) -> StationId | None:
        """Reserve the nearest free depot parking place on ``side`` (None if none)."""
        depots = self._stations.of(StationRole.PARKING, side)
        if not depots:
            return None
        return self._stops.reserve_nearest(v, v.lanes.plan_end, depots, Profile.TIME)

    def parking_place(
        self, v: VehicleRun, side: Side, busy: Collection[StationId]
    ) -> StationId | None:
        """The best free place for an idle vehicle (reserved), or None."""
        # The nearest depot parking place on this side first: that is what depots are for.
        sid = self.depot_place(v, side)
        if sid is not None:
            return sid
        # Without one, a buffer on this side may take idle vehicles as long as one place stays
        # free for an uncleared container; then free slots on the other side.
        place, usage = self._stations.place, self._alloc.usage
        buffers = [
            st
            for st in self._stations.of(StationRole.BUFFER, side)
            if usage(place[st.id]) < st.capacity_vehicles - 1
        ]
        sid = self._stops.reserve_nearest(v, v.lanes.node, buffers, Profile.TIME)
        if sid is not None:
            return sid
        # Slots no waiting container stands at, on a side whose deliveries are not short of
        # slots: the other side first (the vehicle leaves the crowded one).
        short = self._memory.no_dest_sides
        for s in (side.other, side):
            places = [
                st
                for st in self._stations.of(StationRole.YARD_SLOT, s)
                if st.id not in busy and st.side not in short and st.id != v.station
            ]
            sid = self._stops.reserve_nearest(v, v.lanes.node, places, Profile.TIME)
            if sid is not None:
                return sid
        return None
