"""Intake: vehicles joining the fleet and transport orders arriving.

A vehicle joins at a node: in a station's place if one is there (counted even if the place is
over-booked at start-up), else, if the node is not the end of a single-vehicle lane, at a depot
spot of its own off the lanes. A vehicle already known may join again only when it is idle and
parked (a rejoin forgets its old commands and waits). An order names an ISO 6346 container, a
yard slot on the side the order starts from, and the container's seals (each affixed in the
custody ledger); a verdict that came before the order applies from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator import lookups
from orchestrator.agenda import Agenda
from orchestrator.custody.events import CustodyEventKind
from orchestrator.domain.events import OrderReceived, VehicleAdded
from orchestrator.domain.iso6346 import ContainerId, parse_container_number
from orchestrator.domain.records import TransportOrder
from orchestrator.domain.seals import Seal
from orchestrator.domain.states import ContainerState
from orchestrator.errors import DuplicateIdError, UnexpectedEventError, UnknownStationError
from orchestrator.journal import Journal
from orchestrator.lanegraph import Station
from orchestrator.messages import OrderArrived, VehicleJoined
from orchestrator.outbox import Outbox
from orchestrator.risk_policy import RiskStatus
from orchestrator.state import ContainerRun, VehicleRun
from orchestrator.stations import StationIndex
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import TrafficManager
from orchestrator.world import World

__all__ = ["Intake"]

K = CustodyEventKind


@dataclass(frozen=True, slots=True)
class _CheckedOrder:
    container_id: ContainerId
    station: Station
    seals: tuple[Seal, ...]


class Intake:
    def __init__(
        self,
        world: World,
        traffic: TrafficManager,
        alloc: Allocator,
        stations: StationIndex,
        journal: Journal,
        outbox: Outbox,
        agenda: Agenda,
    ) -> None:
        self._world = world
        self._graph = world.graph
        self._traffic = traffic
        self._alloc = alloc
        self._stations = stations
        self._journal = journal
        self._outbox = outbox
        self._agenda = agenda

    # ------------------------------------------------------------------ vehicles

    def check_join(self, e: VehicleJoined) -> VehicleRun | None:
        """The vehicle it replaces (a rejoin), or None."""
        lookups.node(self._world, e.node)
        old = self._world.vehicles.get(e.vehicle_id)
        if old is not None and (old.lanes.on_lanes or old.cargo):
            raise DuplicateIdError(
                f"vehicle {e.vehicle_id!r} is already active ({old.state.name} at "
                f"{old.lanes.node}); it can rejoin only when idle and parked"
            )
        return old

    def apply_join(self, e: VehicleJoined, old: VehicleRun | None) -> None:
        if old is not None:
            self._alloc.release_all(old.id)
            self._alloc.stop_waiting(old.id)
            self._outbox.forget(old.id)
        v = VehicleRun(e.vehicle_id, self._traffic.add(e.vehicle_id, e.node), e.battery_kwh)
        self._world.vehicles[v.id] = v
        here = self._stations.at.get(e.node, [])
        if here:
            place = self._stations.place
            free = [s for s in here if self._alloc.has_room(place[s])]
            sid = (free or here)[0]
            # Start-up may put more vehicles on a station than it holds: count them anyway.
            self._alloc.take(v.id, [place[sid]])
            v.station = sid
        elif not any(
            self._graph.edges[(u, e.node)].exclusive for u in self._graph.graph.pred[e.node]
        ):
            # Its own parking spot off the lanes (not at the end of a single-vehicle lane,
            # where stopping would block the section).
            v.depot = e.node
        self._journal.emit(VehicleAdded(self._world.now_s, v.id, e.node, e.battery_kwh))
        self._agenda.request_dispatch()

    # ------------------------------------------------------------------ orders

    def check_order(self, e: OrderArrived) -> _CheckedOrder:
        world = self._world
        cid = parse_container_number(e.container_id)
        station = self._graph.stations.get(e.origin_station)
        if station is None:
            raise UnknownStationError(
                f"order {e.order_id}: origin station {e.origin_station!r} is not on the map "
                f"{self._graph.name}"
            )
        if station.side is not e.direction.origin:
            raise UnexpectedEventError(
                f"order {e.order_id}: origin station {station.id} is on the {station.side.value} "
                f"side but a {e.direction.value} order starts on the "
                f"{e.direction.origin.value} side"
            )
        if e.order_id in world.orders.container_of:
            raise DuplicateIdError(f"order {e.order_id!r} was already received")
        existing = world.containers.get(cid)
        if existing is not None:
            if existing.state is not ContainerState.DELIVERED:
                raise DuplicateIdError(
                    f"container {cid} already has the open order {existing.order.order_id}"
                )
            # Its custody record ends at delivery (orchestrator.custody.legality): a second
            # trip would be refused by the ledger after the core had applied it.
            raise DuplicateIdError(
                f"container {cid} was already delivered (order {existing.order.order_id}); "
                "a container is carried once per custody ledger"
            )
        seals = tuple(Seal(s) for s in e.seal_numbers)
        seen: set[str] = set()
        for seal in seals:
            owner = self._journal.seal_owner(seal.number)
            if owner is not None:
                raise DuplicateIdError(
                    f"order {e.order_id}: seal {seal.number} is already affixed to {owner}; "
                    "seals are single-use"
                )
            if seal.number in seen:
                raise DuplicateIdError(f"order {e.order_id}: seal {seal.number} is named twice")
            seen.add(seal.number)
        return _CheckedOrder(cid, station, seals)

    def apply_order(self, e: OrderArrived, ok: _CheckedOrder) -> None:
        world, cid, station = self._world, ok.container_id, ok.station
        order = TransportOrder(e.order_id, cid, e.direction, station.id, ok.seals, e.t_s)
        c = ContainerRun(order, world.early_verdicts.pop(cid, RiskStatus()))
        c.hold_cause = world.early_causes.pop(cid, "")
        world.containers[cid] = c
        world.orders.add(e.order_id, cid, station.id)
        self._journal.emit(OrderReceived(world.now_s, e.order_id, cid, e.direction, station.id))
        for seal in ok.seals:
            self._journal.custody(
                K.SEAL_AFFIXED, c, station.node, seal.number, "system",
                seal_class=seal.seal_class.value, maker="manifest",
            )  # fmt: skip
        self._agenda.request_dispatch()
