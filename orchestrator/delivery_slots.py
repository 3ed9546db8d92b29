"""Delivery places for a dispatch round: which free yard slot an order would be delivered to.

The nearest free slot on the destination side to the pick-up, preferring slots no waiting
container stands at (delivering there would lock it in). Slot orders by distance are cached per
routing; a round lists its free slots once and picks among them by rank (the same choice as the
nearest-first walk, tests/orchestrator/test_dispatch_slots.py).
"""

from __future__ import annotations

import math
from collections.abc import Collection

from orchestrator.lanegraph import Side, Station, StationRole
from orchestrator.messages import Direction
from orchestrator.planning import Planner
from orchestrator.state import ContainerRun
from orchestrator.traffic.resources import station_resource

__all__ = ["DeliverySlots"]

# Direction.destination is a property computed per call; the hot order loop looks it up here.
DESTINATION = {d: d.destination for d in Direction}


class DeliverySlots(Planner):
    def _slots_by_distance(self, pickup: Station, side: Side) -> list[tuple[Station, str]]:
        """Reachable yard slots of ``side`` with their resource ids, nearest to ``pickup``
        first (cached per routing)."""
        key = (pickup.id, side)
        version, cache = self._slot_order
        if version != self.router.version:
            cache = {}
            self._slot_order = (self.router.version, cache)
        order = cache.get(key)
        if order is None:
            slots = self.stations_by.get((StationRole.YARD_SLOT, side), [])
            self.router.prepare("time", [st.node for st in slots])
            ranked = sorted(
                (self.router.cost("time", pickup.node, st.node), st.id, st) for st in slots
            )
            order = [(st, station_resource(st.id)) for cost, _, st in ranked if math.isfinite(cost)]
            cache[key] = order
        return order

    def _dest_for(self, c: ContainerRun, busy: Collection[str]) -> str | None:
        """The free yard slot on the destination side nearest the pick-up.

        Slots no waiting container stands at come first: delivering there would lock it in.
        """
        pickup = self.graph.stations[c.order.origin_station]
        fallback = None
        usage, capacity = self.alloc.tables()
        zones_closed = bool(self.closed_zones)
        for st, res in self._slots_by_distance(pickup, DESTINATION[c.order.direction]):
            if usage[res] >= capacity[res] or (zones_closed and not self.station_open(st)):
                continue
            if st.id not in busy:
                return st.id
            fallback = fallback or st.id
        return fallback

    def _free_slot_ids(self, side: Side) -> list[str]:
        """Yard slots of ``side`` with a free place (and open), in map order."""
        usage, capacity = self.alloc.tables()
        slots = self._slot_places.get(side)
        if slots is None:
            slots = self._slot_places[side] = [
                (st, station_resource(st.id))
                for st in self.stations_by.get((StationRole.YARD_SLOT, side), [])
            ]
        if self.closed_zones:
            return [
                st.id for st, res in slots if usage[res] < capacity[res] and self.station_open(st)
            ]
        return [st.id for st, res in slots if usage[res] < capacity[res]]

    def _slot_ranks(self, pickup: Station, side: Side) -> dict[str, int]:
        """Rank of each reachable yard slot of ``side`` by distance from ``pickup`` (0 =
        nearest; :meth:`_slots_by_distance`'s order, cached with it)."""
        key = (pickup.id, side)
        version, cache = self._slot_rank
        if version != self.router.version:
            cache = {}
            self._slot_rank = (self.router.version, cache)
        ranks = cache.get(key)
        if ranks is None:
            ranks = {st.id: r for r, (st, _) in enumerate(self._slots_by_distance(pickup, side))}
            cache[key] = ranks
        return ranks

    def _dest_among(
        self, pickup: Station, side: Side, free_ids: list[str], busy: Collection[str]
    ) -> str | None:
        """:meth:`_dest_for` for a round's list of free slots (nothing taken since): the
        nearest free slot no waiting container stands at, else the nearest free one. A
        saturated port has few free slots, so this looks at those instead of walking every
        slot by distance."""
        ranks = self._slot_ranks(pickup, side)
        best: tuple[int, str] | None = None
        fallback: tuple[int, str] | None = None
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

    def _free_slots(self, side: Side, enough: int) -> int:
        """Free yard-slot places on ``side``, counted up to ``enough`` (a round considers at
        most that many orders, so a larger count changes nothing)."""
        if self.closed_zones:
            slots = self.stations_by.get((StationRole.YARD_SLOT, side), [])
            return self.alloc.free_room(
                [station_resource(st.id) for st in slots if self.station_open(st)], enough
            )
        names = self._slot_resources.get(side)
        if names is None:
            slots = self.stations_by.get((StationRole.YARD_SLOT, side), [])
            names = self._slot_resources[side] = [station_resource(st.id) for st in slots]
        return self.alloc.free_room(names, enough)
