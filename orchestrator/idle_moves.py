"""Idle moves: what a vehicle without a job does between jobs.

A vehicle low on energy goes to the nearest charger; one with nothing to do tops up if a charger
on its side is free, or moves out of a yard slot, charger or buffer place others need (to a
depot place, its own depot spot, a place :mod:`orchestrator.parking` finds, or circulating on
its side when every place is taken). Idle circulators never hold more than half the admission
tokens, so loaded vehicles always find one.
"""

from __future__ import annotations

from collections.abc import Collection

from orchestrator.closures import Closures
from orchestrator.costs import Profile
from orchestrator.domain.events import VehicleRelocated
from orchestrator.energy import EnergyRule
from orchestrator.journal import Journal
from orchestrator.lanegraph import Side, Station, StationId, StationRole
from orchestrator.movement import Movement
from orchestrator.parking import Parking
from orchestrator.state import Purpose, VehicleRun
from orchestrator.stations import StationIndex
from orchestrator.stops import StopPolicy
from orchestrator.traffic.allocator import Allocator
from orchestrator.world import World

__all__ = ["IdleMoves"]


class IdleMoves:
    def __init__(
        self,
        world: World,
        stations: StationIndex,
        closures: Closures,
        alloc: Allocator,
        stops: StopPolicy,
        parking: Parking,
        movement: Movement,
        journal: Journal,
        energy: EnergyRule,
        admission_limit: int,
    ) -> None:
        self._world = world
        self._graph = world.graph
        self._stations = stations
        self._closures = closures
        self._alloc = alloc
        self._stops = stops
        self._parking = parking
        self._movement = movement
        self._journal = journal
        self._energy = energy
        self._admission_limit = admission_limit

    def send_to_charger(self, v: VehicleRun, side: Side | None) -> bool:
        """To the charger it stands at, or the nearest free one (on ``side``, if given)."""
        chargers = self._graph.stations_with(StationRole.CHARGER, side)
        here = self._graph.stations.get(v.station) if v.station is not None else None
        if here is not None and here.role is StationRole.CHARGER:
            sid: StationId | None = here.id
        else:
            sid = self._stops.reserve_nearest(v, v.lanes.node, chargers, Profile.TIME)
        if sid is None:
            return False
        v.head_for(Purpose.CHARGE, sid, self._graph.stations[sid].node)
        self._movement.go(v)
        return True

    def top_up(self, v: VehicleRun, here: Station | None) -> bool:
        """With no work waiting, an idle vehicle below the top-up level charges if a charger on
        its side is free.

        Idle time is the cheapest time to charge: topping up between jobs keeps the fleet
        out of the low-battery zone in the busy hours (no queueing for a charger here).
        """
        if self._world.orders.open or v.battery_kwh >= self._energy.top_up_below_kwh:
            return False  # work is waiting: it charges only when it must
        side = here.side if here is not None else self._graph.nodes[v.lanes.node].side
        place, has_room = self._stations.place, self._alloc.has_room
        return any(
            has_room(place[st.id]) and self._closures.station_open(st)
            for st in self._stations.of(StationRole.CHARGER, side)
        )

    def relocate(
        self, v: VehicleRun, side: Side, busy: Collection[StationId], *, to_charger: bool = True
    ) -> None:
        """Move an idle vehicle out of a yard slot, charger or buffer place others need.

        To a charger (if asked), the nearest depot parking place on its side, its own depot
        spot, a buffer place, or a free slot on the other side; with none free it circulates
        on its side's ring (if few enough idle vehicles circulate already).
        """
        if to_charger and self.send_to_charger(v, None):
            return
        now = self._world.now_s
        sid = self._parking.depot_place(v, side)
        if sid is None and v.depot is not None and self._parking.to_depot(v):
            self._journal.emit(VehicleRelocated(now, v.id, depot=v.depot))
            self._movement.go(v)
            return
        sid = sid or self._parking.parking_place(v, side, busy)
        if sid is None:
            self._circulate(v, side)
            return
        self._journal.emit(VehicleRelocated(now, v.id, station=sid))
        v.head_for(Purpose.PARK, sid, self._graph.stations[sid].node)
        self._movement.go(v)

    def _circulate(self, v: VehicleRun, side: Side) -> None:
        circulating = sum(
            1
            for w in self._world.vehicles.values()
            if w.purpose is Purpose.CIRCULATE and not w.cargo
        )
        if (circulating + 1) * 2 > self._admission_limit or self._energy.needs_charge(
            v.battery_kwh
        ):
            return
        point = self._stops.next_waypoint(v, side)
        if point is None:
            return
        self._journal.emit(VehicleRelocated(self._world.now_s, v.id, circulates_on=side))
        v.head_for(Purpose.CIRCULATE, None, point)
        self._movement.go(v)
