"""Shared fakes and factories for the core's tests."""

from __future__ import annotations

from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.legality import CustodyTracker
from orchestrator.domain.iso6346 import check_digit


def container(i: int, owner: str = "MSCU") -> str:
    """A valid ISO 6346 number with serial ``i``."""
    base = f"{owner}{i:06d}"
    return base + str(check_digit(base))


class CheckingLedger:
    """A LedgerPort that admits events only in the custody helper's legal order."""

    def __init__(self) -> None:
        self.tracker = CustodyTracker()
        self.events: list[CustodyEvent] = []

    def append(self, event: CustodyEvent) -> int:
        self.tracker.apply(event)
        self.events.append(event)
        return len(self.events)

    def kinds(self, container_id: str) -> list[str]:
        return [e.kind.name for e in self.events if e.container_id == container_id]
