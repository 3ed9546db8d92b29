"""Agenda: what the core still has to do after an event's own handler.

Owns the FIFO of vehicles to resume (a vehicle woken by a freed resource or a changed route,
resumed by :mod:`orchestrator.wakeups` without recursion, so the order of decisions is
deterministic) and the dispatch flag: any part that frees work or a vehicle asks for a round,
and a round runs at most every ``dispatch_interval_s`` (runtimes send Ticks). A round that held
work back until a time (a two-place vehicle's wait for a second container) books a round for
then: the first event at or after ``due_s`` asks for it.
"""

from __future__ import annotations

import math
from collections import deque

from orchestrator.ids import VehicleId

__all__ = ["Agenda"]


class Agenda:
    def __init__(self, interval_s: float) -> None:
        self.pending: deque[VehicleId] = deque()
        self._interval_s = interval_s
        self.dispatch_needed = False
        self._next_round_s = -math.inf  # no round before this time
        self.due_s = math.inf  # a round is wanted from this time on (work held back until then)

    def resume(self, vehicle: VehicleId) -> None:
        self.pending.append(vehicle)

    def request_dispatch(self) -> None:
        self.dispatch_needed = True

    def dispatch_at(self, t_s: float) -> None:
        """Ask for a round at ``t_s`` (the earliest of such times counts)."""
        self.due_s = min(self.due_s, t_s)

    def round_due(self, now_s: float) -> bool:
        """True (and the round is booked) when a round is wanted and allowed at ``now_s``."""
        if now_s >= self.due_s:
            self.due_s = math.inf
            self.dispatch_needed = True
        if self.dispatch_needed and now_s >= self._next_round_s:
            self._next_round_s = now_s + self._interval_s
            return True
        return False

    def round_started(self) -> None:
        self.dispatch_needed = False

    def snapshot(self) -> dict[str, object]:
        return {
            "pending": list(self.pending),
            "dispatch_needed": self.dispatch_needed,
            "next_round_s": self._next_round_s,
            "due_s": self.due_s,
        }
