"""The record every benchmark returns, and the timing helper they share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

__all__ = ["Figure", "best_of"]


@dataclass(frozen=True)
class Figure:
    area: str  # e.g. "maps", "sim", "mapf", "custody"
    name: str  # what was measured, in words
    value: float
    unit: str  # "s", "ms", "events/s", "x" (a ratio) ...
    target: str = ""  # the goal from the issue, in words ("< 0.5 s"), empty when none
    ok: bool | None = None  # whether the goal is met; None when there is no goal
    notes: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls, in seconds (the least disturbed run)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
