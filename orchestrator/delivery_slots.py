"""Delivery places: which free yard slot an order would be delivered to.

The nearest free slot on the destination side to the pick-up, preferring slots no waiting
container stands at (delivering there would lock it in). The part owns its caches: slot orders
by distance per routing (dropped when the router's tables change); a dispatch round lists its
free slots once and picks among them by rank (the same choice as the nearest-first walk,
tests/orchestrator/test_dispatch_slots.py).
"""

from __future__ import annotations

import math
from collections.abc import Collection

from orchestrator.closures import Closures
from orchestrator.costs import Profile
from orchestrator.lanegraph import Side, Station, StationId, StationRole
from orchestrator.messages import Direction
from orchestrator.router import Router
from orchestrator.state import ContainerRun
from orchestrator.stations import StationIndex
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.resources import Resource

__all__ = ["DeliverySlots"]

# Direction.destination is a property computed per call; the hot order loop looks it up here.
DESTINATION = {d: d.destination for d in Direction}

Ranked = list[tuple[Station, Resource]]


class DeliverySlots:
    def __init__(
        self, stations: StationIndex, closures: Closures, router: Router, alloc: Allocator
    ) -> None:
        self._stations = stations
        self._closures = closures
        self._router = router
        self._alloc = alloc
        self._order: tuple[int, dict[tuple[StationId, Side], Ranked]] = (-1, {})
        self._rank: tuple[int, dict[tuple[StationId, Side], dict[StationId, int]]] = (-1, {})
        self._slots: dict[Side, Ranked] = {}  # (slot, its place resource), map order

    def _side_slots(self, side: Side) -> Ranked:
        slots = self._slots.get(side)
        if slots is None:
            place = self._stations.place
            slots = self._slots[side] = [
                (st, place[st.id]) for st in self._stations.of(StationRole.YARD_SLOT, side)
            ]
        return slots

    def by_distance(self, pickup: Station, side: Side) -> Ranked:
        """Reachable yard slots of ``side`` with their place resources, nearest to ``pickup``
        first (cached per routing)."""
        key = (pickup.id, side)
        version, cache = self._order
        if version != self._router.version:
            cache = {}
            self._order = (self._router.version, cache)
        order = cache.get(key)
        if order is None:
            slots = self._stations.of(StationRole.YARD_SLOT, side)
            self._router.prepare(Profile.TIME, [st.node for st in slots])
            cost = self._router.cost
            ranked = sorted((cost(Profile.TIME, pickup.node, st.node), st.id, st) for st in slots)
            place = self._stations.place
            order = [(st, place[st.id]) for c, _, st in ranked if math.isfinite(c)]
            cache[key] = order
        return order

    def dest_for(
        self, c: ContainerRun, pickup: Station, busy: Collection[StationId]
    ) -> StationId | None:
        """The free yard slot on the destination side nearest the pick-up.

        Slots no waiting container stands at come first: delivering there would lock it in.
        """
        fallback = None
        usage, capacity = self._alloc.tables()
        zones_closed = bool(self._closures.zones)
        station_open = self._closures.station_open
        for st, res in self.by_distance(pickup, DESTINATION[c.order.direction]):
            if usage[res] >= capacity[res] or (zones_closed and not station_open(st)):
                continue
            if st.id not in busy:
                return st.id
            fallback = fallback or st.id
        return fallback

    def free_ids(self, side: Side) -> list[StationId]:
        """Yard slots of ``side`` with a free place (and open), in map order."""
        usage, capacity = self._alloc.tables()
        slots = self._side_slots(side)
        if self._closures.zones:
            station_open = self._closures.station_open
            return [st.id for st, res in slots if usage[res] < capacity[res] and station_open(st)]
        return [st.id for st, res in slots if usage[res] < capacity[res]]

    def ranks(self, pickup: Station, side: Side) -> dict[StationId, int]:
        """Rank of each reachable yard slot of ``side`` by distance from ``pickup`` (0 =
        nearest; :meth:`by_distance`'s order, cached with it)."""
        key = (pickup.id, side)
        version, cache = self._rank
        if version != self._router.version:
            cache = {}
            self._rank = (self._router.version, cache)
        ranks = cache.get(key)
        if ranks is None:
            ranks = {st.id: r for r, (st, _) in enumerate(self.by_distance(pickup, side))}
            cache[key] = ranks
        return ranks

    def dest_among(
        self,
        pickup: Station,
        side: Side,
        free_ids: list[StationId],
        busy: Collection[StationId],
    ) -> StationId | None:
        """:meth:`dest_for` for a round's list of free slots (nothing taken since): the
        nearest free slot no waiting container stands at, else the nearest free one. A
        saturated port has few free slots, so this looks at those instead of walking every
        slot by distance."""
        ranks = self.ranks(pickup, side)
        best: tuple[int, StationId] | None = None
        fallback: tuple[int, StationId] | None = None
        for sid in free_ids:
            rank = ranks.get(sid)
            if rank is None:
                continue  # not reachable from the pick-up
            if sid in busy:
                if fallback is None or rank < fallback[0]:
                    fallback = (rank, sid)
            elif best is None or rank < best[0]:
                best = (rank, sid)
        if best is not None:
            return best[1]
        return fallback[1] if fallback is not None else None

    def free_places(self, side: Side, enough: int) -> int:
        """Free yard-slot places on ``side``, counted up to ``enough`` (a round considers at
        most that many orders, so a larger count changes nothing)."""
        slots = self._side_slots(side)
        if self._closures.zones:
            station_open = self._closures.station_open
            return self._alloc.free_room([r for st, r in slots if station_open(st)], enough)
        return self._alloc.free_room([r for _, r in slots], enough)
