"""When the ledger says things happened: stamping events and dating tree heads.

The core has no wall clock, so its custody events carry only ``t_s`` (its own clock). The
ledger stamps an event that arrives without a ``timestamp`` with the runtime's clock (a
function returning microseconds since 1970-01-01T00:00:00Z: :func:`wall_clock_us` under
``borderflow serve``); a simulation stamps its events itself, with the scenario's epoch plus
simulated seconds, so its ledgers are the same on every run. A signed tree head carries the
timestamp of the newest entry it covers, never earlier than the head before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.timestamps import format_timestamp, parse_timestamp

__all__ = ["ClockUs", "head_time_ms", "stamp_events", "wall_clock_us"]

ClockUs = Callable[[], int]  # now, microseconds since 1970-01-01T00:00:00Z


def wall_clock_us() -> int:
    """Now by the wall clock: the live runtimes' ledger clock."""
    return time.time_ns() // 1000


def stamp_events(events: list[CustodyEvent], clock_us: ClockUs) -> list[CustodyEvent]:
    """The events, those without a timestamp stamped with ``clock_us()`` (read once)."""
    if all(e.timestamp is not None for e in events):
        return events
    now = format_timestamp(clock_us())
    return [e if e.timestamp is not None else replace(e, timestamp=now) for e in events]


def head_time_ms(staged: Sequence[CustodyEvent], clock_us: ClockUs, last_ms: int | None) -> int:
    """A new head's timestamp: the newest entry's time in ms, never before ``last_ms`` (the
    previous head's)."""
    newest = staged[-1].timestamp
    ms = clock_us() // 1000 if newest is None else parse_timestamp(newest) // 1000
    return ms if last_ms is None else max(ms, last_ms)
