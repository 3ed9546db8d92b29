"""Allocator: counts who holds which resource, and who waits for it (FIFO).

Resources are plain string ids with a capacity. A vehicle holds a resource at most once however
many edges of it it has been granted (an exclusive lane split into several edges is one
resource); the allocator counts the grants so the resource is released with the last one.
Waiters queue per resource in arrival order; the core wakes them when the resource frees.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["Allocator"]


class Allocator:
    def __init__(self) -> None:
        self._capacity: dict[str, int] = {}
        self._usage: dict[str, int] = {}
        # vehicle -> resource -> number of grants it holds on that resource
        self._held: dict[str, dict[str, int]] = {}
        self._waiters: dict[str, deque[str]] = {}

    def define(self, resource: str, capacity: int) -> None:
        self._capacity[resource] = capacity
        self._usage.setdefault(resource, 0)

    def capacity(self, resource: str) -> int:
        return self._capacity[resource]

    def usage(self, resource: str) -> int:
        return self._usage.get(resource, 0)

    def has_room(self, resource: str) -> bool:
        return self._usage[resource] < self._capacity[resource]

    def tables(self) -> tuple[Mapping[str, int], Mapping[str, int]]:
        """Read-only ``(usage, capacity)`` per resource, for hot loops that test many
        resources (``usage[r] < capacity[r]`` is :meth:`has_room`)."""
        return self._usage, self._capacity

    def free_room(self, resources: Iterable[str], enough: int | None = None) -> int:
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

    def holds(self, vehicle: str, resource: str) -> bool:
        return resource in self._held.get(vehicle, ())

    def held_by(self, vehicle: str) -> list[str]:
        return sorted(self._held.get(vehicle, ()))

    def blocker(self, vehicle: str, resources: Sequence[str]) -> str | None:
        """The first of ``resources`` the vehicle cannot take now, or None if it can take all."""
        held = self._held.get(vehicle, {})
        for res in resources:
            if res not in held and self._usage[res] >= self._capacity[res]:
                return res
        return None

    def take(self, vehicle: str, resources: Iterable[str]) -> None:
        """Grant ``resources`` (call :meth:`blocker` first; ``take`` does not check room)."""
        held = self._held.setdefault(vehicle, {})
        for res in resources:
            count = held.get(res, 0)
            if count == 0:
                self._usage[res] += 1
            held[res] = count + 1

    def release(self, vehicle: str, resource: str) -> bool:
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
        return True

    def release_all(self, vehicle: str) -> list[str]:
        held = self._held.pop(vehicle, {})
        for res in held:
            self._usage[res] -= 1
        return sorted(held)

    def wait(self, vehicle: str, resource: str) -> None:
        queue = self._waiters.setdefault(resource, deque())
        if vehicle not in queue:
            queue.append(vehicle)

    def unwait(self, vehicle: str, resource: str) -> None:
        queue = self._waiters.get(resource)
        if queue and vehicle in queue:
            queue.remove(vehicle)

    def waiters(self, resource: str) -> list[str]:
        return list(self._waiters.get(resource, ()))

    def has_waiters(self, resource: str) -> bool:
        return bool(self._waiters.get(resource))

    def pop_waiter(self, resource: str) -> str | None:
        queue = self._waiters.get(resource)
        if not queue:
            return None
        return queue.popleft()
