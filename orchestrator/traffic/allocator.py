"""Allocator: who holds which resource, who waits for which, and what got room again.

A vehicle holds a resource at most once however many edges of it it has been granted (an
exclusive lane split into several edges is one resource); the allocator counts the grants, so
the resource is released with the last one. A vehicle waits for at most one resource at a time,
in that resource's FIFO queue; :meth:`Allocator.wait` moves it from its previous queue. When a
release gives a resource room that somebody may want (a station place always: freeing one may
call for a dispatch round; any other resource only if vehicles wait for it), the resource is
queued in :attr:`Allocator.freed`, which the core's wake-ups drain. The allocator is the only
writer of all of this.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from orchestrator.ids import VehicleId
from orchestrator.traffic.resources import Resource, ResourceKind

__all__ = ["Allocator"]

_STATION = ResourceKind.STATION


class Allocator:
    def __init__(self) -> None:
        self._capacity: dict[Resource, int] = {}
        self._usage: dict[Resource, int] = {}
        # vehicle -> resource -> number of grants it holds on that resource
        self._held: dict[VehicleId, dict[Resource, int]] = {}
        self._waiters: dict[Resource, deque[VehicleId]] = {}
        self._waiting: dict[VehicleId, Resource] = {}  # the one resource each vehicle waits for
        self.waiting: Mapping[VehicleId, Resource] = self._waiting  # read-only for others
        self.freed: deque[Resource] = deque()  # resources with new room, for the wake-ups

    # ------------------------------------------------------------------ capacity and holdings

    def define(self, resource: Resource, capacity: int) -> None:
        self._capacity[resource] = capacity
        self._usage.setdefault(resource, 0)

    def capacity(self, resource: Resource) -> int:
        return self._capacity[resource]

    def usage(self, resource: Resource) -> int:
        return self._usage.get(resource, 0)

    def has_room(self, resource: Resource) -> bool:
        return self._usage[resource] < self._capacity[resource]

    def tables(self) -> tuple[Mapping[Resource, int], Mapping[Resource, int]]:
        """Read-only ``(usage, capacity)`` per resource, for hot loops that test many
        resources (``usage[r] < capacity[r]`` is :meth:`has_room`)."""
        return self._usage, self._capacity

    def free_room(self, resources: Iterable[Resource], enough: int | None = None) -> int:
        """Total free capacity of ``resources`` (over-booked ones count as 0); with
        ``enough``, the count stops once it reaches that (the answer is then ``>= enough``)."""
        cap, usage = self._capacity, self._usage
        if enough is None:
            return sum(max(0, cap[r] - usage.get(r, 0)) for r in resources)
        total = 0
        for r in resources:
            room = cap[r] - usage.get(r, 0)
            if room > 0:
                total += room
                if total >= enough:
                    break
        return total

    def holds(self, vehicle: VehicleId, resource: Resource) -> bool:
        return resource in self._held.get(vehicle, ())

    def held_by(self, vehicle: VehicleId) -> list[Resource]:
        return sorted(self._held.get(vehicle, ()), key=str)

    def blocker(self, vehicle: VehicleId, resources: Sequence[Resource]) -> Resource | None:
        """The first of ``resources`` the vehicle cannot take now, or None if it can take all."""
        held = self._held.get(vehicle, {})
        for res in resources:
            if res not in held and self._usage[res] >= self._capacity[res]:
                return res
        return None

    def take(self, vehicle: VehicleId, resources: Iterable[Resource]) -> None:
        """Grant ``resources`` (call :meth:`blocker` first; ``take`` does not check room)."""
        held = self._held.setdefault(vehicle, {})
        for res in resources:
            count = held.get(res, 0)
            if count == 0:
                self._usage[res] += 1
            held[res] = count + 1

    def release(self, vehicle: VehicleId, resource: Resource) -> bool:
        """Drop one grant; True when the vehicle no longer holds the resource."""
        held = self._held.get(vehicle)
        if not held or resource not in held:
            return False
        count = held[resource] - 1
        if count:
            held[resource] = count
            return False
        del held[resource]
        self._usage[resource] -= 1
        # Nobody to wake for a lane or token nobody waits for (the wake-up would find no one).
        if resource.kind is _STATION or self._waiters.get(resource):
            self.freed.append(resource)
        return True

    def release_all(self, vehicle: VehicleId) -> list[Resource]:
        held = self._held.pop(vehicle, {})
        for res in held:
            self._usage[res] -= 1
            if res.kind is _STATION or self._waiters.get(res):
                self.freed.append(res)
        return sorted(held, key=str)

    # ------------------------------------------------------------------ waiting

    def wait(self, vehicle: VehicleId, resource: Resource) -> None:
        """Queue the vehicle for ``resource`` (leaving the queue it was in, if another)."""
        old = self._waiting.get(vehicle)
        if old is resource:
            return  # already in that queue (the record and the queues always agree)
        if old is not None:
            self._leave(vehicle, old)
        self._waiting[vehicle] = resource
        queue = self._waiters.get(resource)
        if queue is None:
            queue = self._waiters[resource] = deque()
        queue.append(vehicle)

    def stop_waiting(self, vehicle: VehicleId) -> None:
        old = self._waiting.pop(vehicle, None)
        if old is not None:
            self._leave(vehicle, old)

    def _leave(self, vehicle: VehicleId, resource: Resource) -> None:
        queue = self._waiters.get(resource)
        if queue and vehicle in queue:
            queue.remove(vehicle)

    def waiting_on(self, vehicle: VehicleId) -> Resource | None:
        return self._waiting.get(vehicle)

    def waiters(self, resource: Resource) -> list[VehicleId]:
        return list(self._waiters.get(resource, ()))

    def has_waiters(self, resource: Resource) -> bool:
        return bool(self._waiters.get(resource))

    def pop_waiter(self, resource: Resource) -> VehicleId | None:
        """The first vehicle in the queue of ``resource``, which then waits for nothing."""
        queue = self._waiters.get(resource)
        if not queue:
            return None
        vehicle = queue.popleft()
        if self._waiting.get(vehicle) is resource:
            del self._waiting[vehicle]
        return vehicle

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, object]:
        """Plain data of everything above, sorted (tests compare it before and after)."""
        return {
            "usage": sorted((str(r), n) for r, n in self._usage.items() if n),
            "capacity": sorted((str(r), n) for r, n in self._capacity.items()),
            "held": sorted(
                (v, sorted((str(r), n) for r, n in h.items())) for v, h in self._held.items() if h
            ),
            "queues": sorted((str(r), list(q)) for r, q in self._waiters.items() if q),
            "waiting": sorted((v, str(r)) for v, r in self._waiting.items()),
            "freed": [str(r) for r in self.freed],
        }
