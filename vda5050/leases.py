"""Leases of the border's RELEASE zones (VDA 5050 3.0): who asked, who holds one, what to say.

A 3.0 vehicle asks (``zoneRequests`` in its state, ``ACCESS``) before it drives into a border
zone (:mod:`vda5050.zones`). :class:`LeaseDesk` answers on the vehicle's ``responses`` topic:

- ``GRANTED`` only when the zone's crossing lane is ahead in the vehicle's order (released
  by the traffic manager, or in the horizon of its planned route: a vehicle asks early, so it
  need not stop at the line) **and** ``may_cross`` says every container on board holds a
  clearing verdict now (or its crossing is already committed); otherwise ``QUEUED``, looked at
  again whenever its order grows (:meth:`recheck`) and granted then. A lease never releases
  the lane itself: the vehicle needs both, the lane from the core and the lease;
- ``REJECTED`` for a zone or zone set that is not this map's border;
- ``REVOKED`` for every lease it holds when the core stops it (:meth:`revoke`) or when a
  container on board stops being cleared (:meth:`audit`, after every event the core took: a
  HIGH verdict), unless its last reported position is already inside the zone, past the point
  of no return, where stopping on the line would be worse than going on.

A request the vehicle no longer reports is forgotten (used up, dropped, expired). Each answer
is the vehicle's own; one vehicle's requests never touch another's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from orchestrator.ids import NodeId
from vda5050.orders import OrderTrack
from vda5050.zones import BorderZone, point_in_polygon

__all__ = ["LeaseDesk"]

Answer = tuple[str, str]  # (requestId, grantType)


@dataclass
class _Book:
    track: OrderTrack
    queued: dict[str, str] = field(default_factory=dict)  # requestId -> zoneId
    granted: dict[str, str] = field(default_factory=dict)
    pose: tuple[float, float] | None = None


class LeaseDesk:
    def __init__(self, zones: Sequence[BorderZone], zone_set_id: str,
                 may_cross: Callable[[str], bool]) -> None:  # fmt: skip
        self.zones = {z.zone_id: z for z in zones}
        self.zone_set_id = zone_set_id
        self._may_cross = may_cross
        self._books: dict[str, _Book] = {}
        self.granted = 0
        self.revoked = 0
        self._holding: set[str] = set()  # vehicles granted a lease (some may be used up)

    def add(self, track: OrderTrack) -> None:
        self._books[track.ref.vehicle_id] = _Book(track)

    def _lanes_ahead(self, track: OrderTrack) -> set[tuple[NodeId, NodeId]]:
        base = track.base
        if track.cancelled:
            return set()
        return set(track.horizon_lanes) | {
            (base.nodes[s], base.nodes[s + 2])
            for s in range(base.reached_seq, base.last_seq, 2)
            if s in base.nodes and s + 2 in base.nodes
        }

    def _decide(self, book: _Book, zone_id: str) -> str:
        zone = self.zones[zone_id]
        vid = book.track.ref.vehicle_id
        if zone.lanes & self._lanes_ahead(book.track) and self._may_cross(vid):
            return "GRANTED"
        return "QUEUED"

    def read(self, vehicle_id: str, requests: Iterable[tuple[str, str, str, str]],
             pose: tuple[float, float] | None) -> list[Answer]:  # fmt: skip
        """A state's zone requests: the answers to send (new requests only)."""
        book = self._books[vehicle_id]
        book.pose = pose
        out: list[Answer] = []
        seen = set()
        for req_id, zone_id, zone_set_id, status in requests:
            seen.add(req_id)
            if status != "REQUESTED" or req_id in book.granted or req_id in book.queued:
                continue
            if zone_set_id != self.zone_set_id or zone_id not in self.zones:
                out.append((req_id, "REJECTED"))
                continue
            answer = self._decide(book, zone_id)
            (book.granted if answer == "GRANTED" else book.queued)[req_id] = zone_id
            if answer == "GRANTED":
                self._holding.add(vehicle_id)
            self.granted += answer == "GRANTED"
            out.append((req_id, answer))
        book.granted = {r: z for r, z in book.granted.items() if r in seen}
        if not book.granted:
            self._holding.discard(vehicle_id)
        book.queued = {r: z for r, z in book.queued.items() if r in seen}
        return out

    def recheck(self, vehicle_id: str) -> list[Answer]:
        """Its order grew: the queued requests that may be granted now."""
        book = self._books.get(vehicle_id)
        if book is None or not book.queued:
            return []
        out = []
        for req_id, zone_id in list(book.queued.items()):
            if self._decide(book, zone_id) == "GRANTED":
                del book.queued[req_id]
                book.granted[req_id] = zone_id
                self._holding.add(vehicle_id)
                self.granted += 1
                out.append((req_id, "GRANTED"))
        return out

    def _inside(self, book: _Book, zone_id: str) -> bool:
        return book.pose is not None and point_in_polygon(book.pose, self.zones[zone_id].vertices)

    def revoke(self, vehicle_id: str) -> list[Answer]:
        """The core stopped it: every lease it holds outside the zone is revoked."""
        book = self._books.get(vehicle_id)
        if book is None:
            return []
        out = []
        for req_id, zone_id in list(book.granted.items()):
            if not self._inside(book, zone_id):
                del book.granted[req_id]
                self.revoked += 1
                out.append((req_id, "REVOKED"))
        return out

    def audit(self) -> dict[str, list[Answer]]:
        """After the core took an event: leases of vehicles whose load is no longer cleared
        (only the few holding a lease are looked at)."""
        out: dict[str, list[Answer]] = {}
        for vid, book in self._holders():
            if book.granted and not self._may_cross(vid):
                answers = self.revoke(vid)
                if answers:
                    out[vid] = answers
        return out

    def _holders(self) -> list[tuple[str, _Book]]:
        return [(vid, self._books[vid]) for vid in sorted(self._holding)
                if self._books[vid].granted]  # fmt: skip

    def holds(self, vehicle_id: str) -> dict[str, str]:
        """Its granted leases (requestId -> zoneId)."""
        book = self._books.get(vehicle_id)
        return dict(book.granted) if book is not None else {}
