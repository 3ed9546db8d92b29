"""The control room's live KPIs, tallied from the fleet's notices as they come.

This module owns the running counts the console charts: deliveries per simulated hour and
direction, crossing times (ready in the origin yard -> delivered), crossings of the line, seal
mismatches. It is fed from the fleet pump thread and read from the event loop, under one lock.
Utilisation and active holds are read where they live (the vehicles, the bridge state) when the
KPIs are asked for.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from orchestrator.domain.customs_events import BorderCrossed, TamperAlert
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.events import OrderDelivered
from orchestrator.messages import Direction

__all__ = ["KpiTally", "percentile"]

_KEEP = 20_000  # crossing times kept for the percentiles (a busy day is ~1,200)


def percentile(sorted_values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation; None for no values."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


class KpiTally:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._per_hour: dict[int, list[int]] = {}  # hour -> [northbound, southbound]
        self._times: deque[float] = deque(maxlen=_KEEP)
        self.delivered = 0
        self.crossings = 0
        self.empty_crossings = 0
        self.seal_mismatches = 0

    def observe(self, notice: CustomsNotice) -> None:
        with self._lock:
            if isinstance(notice, OrderDelivered):
                row = self._per_hour.setdefault(int(notice.t_s // 3600), [0, 0])
                # CN -> MN is northbound at Erenhot - Zamyn-Uud (and at Ganqimaodu).
                row[0 if notice.direction is Direction.CN_TO_MN else 1] += 1
                self._times.append(notice.crossing_time_s)
                self.delivered += 1
            elif isinstance(notice, BorderCrossed):
                self.crossings += 1
                self.empty_crossings += notice.container_id is None
            elif isinstance(notice, TamperAlert):
                self.seal_mismatches += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            hours = sorted(self._per_hour)
            times = sorted(self._times)
            return {
                "throughput_per_h": [
                    {
                        "hour": h,
                        "northbound": self._per_hour[h][0],
                        "southbound": self._per_hour[h][1],
                    }
                    for h in hours
                ],
                "crossing_time_s": {
                    "p50": percentile(times, 0.5),
                    "p95": percentile(times, 0.95),
                    "count": len(times),
                },
                "delivered": self.delivered,
                "crossings": self.crossings,
                "empty_crossings": self.empty_crossings,
                "seal_mismatches": self.seal_mismatches,
            }
