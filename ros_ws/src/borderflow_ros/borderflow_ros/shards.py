"""Which fleet adapter shard serves which vehicle, and the orchestrator's bookkeeping of shards.

Plain Python (tested without ROS). A vehicle belongs to shard ``n % adapters`` where ``n`` is the
number its id ends in (``agv_07`` -> 7: a numbered fleet is dealt out evenly), else
``crc32(id) % adapters``: stable across processes and hosts, so every shard and the orchestrator
node agree without talking. The
orchestrator node feeds the core each shard's reports in the order the shard sent them
(:class:`ShardBook` checks the per-incarnation sequence numbers) and calls a shard dead when it
has been silent for the timeout. A report from another incarnation is taken only once the one
it knows is dead (the shard restarted): while the known one is alive, a second process claiming
its place is refused, so it cannot make the node drop a working shard.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

__all__ = [
    "ADAPTER_EVENTS_TOPIC",
    "Arrival",
    "ShardBook",
    "control_topic",
    "shard_of",
]

ADAPTER_EVENTS_TOPIC = "/borderflow/adapters/events"
_TRAILING_DIGITS = re.compile(r"[0-9]{1,9}$")  # bounded: a hostile id cannot make a huge int


def control_topic(shard: int) -> str:
    return f"/borderflow/adapters/shard_{shard}/control"


def shard_of(vehicle_id: str, adapters: int) -> int:
    """The shard (0 .. adapters-1) that serves ``vehicle_id``."""
    digits = _TRAILING_DIGITS.search(vehicle_id)
    if digits is not None:
        return int(digits.group()) % adapters
    return zlib.crc32(vehicle_id.encode("utf-8")) % adapters


@dataclass(slots=True)
class _Shard:
    incarnation: int
    seq: int
    heard_s: float
    alive: bool = True


@dataclass(slots=True, frozen=True)
class Arrival:
    """What :meth:`ShardBook.arrive` made of one report."""

    accepted: bool  # False: a duplicate or late report, dropped
    first: bool = False  # the first report ever heard of this shard
    restarted: bool = False  # a new incarnation took the place of the dead one
    revived: bool = False  # the shard was dead and is heard again (same or new incarnation)
    lost: int = 0  # reports missing before this one (a gap in the sequence)
    conflict: bool = False  # another incarnation while the known one is alive: refused


@dataclass(slots=True)
class ShardBook:
    adapters: int
    timeout_s: float
    shards: dict[int, _Shard] = field(default_factory=dict)
    lost: int = 0  # reports that never arrived (gaps), over all shards
    dropped: int = 0  # duplicate or late reports refused
    conflicts: int = 0  # reports of a second incarnation while the first is alive

    def arrive(self, shard: int, incarnation: int, seq: int, now_s: float) -> Arrival:
        """Book one report of ``shard``; ``now_s`` is the receiver's monotonic clock."""
        s = self.shards.get(shard)
        if s is None:
            self.shards[shard] = _Shard(incarnation, seq, now_s)
            return Arrival(True, first=True)
        if s.incarnation != incarnation:
            if s.alive:
                self.conflicts += 1
                return Arrival(False, conflict=True)
            self.shards[shard] = _Shard(incarnation, seq, now_s)
            return Arrival(True, restarted=True, revived=True)
        if seq <= s.seq:
            self.dropped += 1
            return Arrival(False)
        gap = seq - s.seq - 1
        self.lost += gap
        s.seq, s.heard_s = seq, now_s
        revived, s.alive = not s.alive, True
        return Arrival(True, revived=revived, lost=gap)

    def check(self, now_s: float) -> list[int]:
        """Shards that have just gone silent for longer than the timeout (sorted)."""
        dead = sorted(
            k for k, s in self.shards.items() if s.alive and now_s - s.heard_s > self.timeout_s
        )
        for k in dead:
            self.shards[k].alive = False
        return dead

    def incarnation(self, shard: int) -> int:
        """The incarnation last heard of ``shard`` (0: never heard)."""
        s = self.shards.get(shard)
        return s.incarnation if s is not None else 0

    def is_alive(self, shard: int) -> bool:
        s = self.shards.get(shard)
        return s is not None and s.alive
