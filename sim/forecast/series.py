"""KPIs over time in a forecast: one sample per bin in each copy, bands across the copies.

A copy samples at every bin's end: containers delivered so far and in the bin, the p95 crossing
time of the bin's deliveries, orders waiting to be picked up, containers on board, active holds
and AGVs at work. Across seeds each KPI becomes a mean with a 10-90 % band per bin (one seed: the
band is the line), plus a summary over the whole horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.kpi import percentile
from sim.simtypes import AgvState, ProcessGen

__all__ = ["SERIES", "Sampler", "bands"]

SERIES = ("delivered", "delivered_in_bin", "crossing_p95_min", "waiting_orders", "in_flight",
          "holds_active", "busy_agvs")  # fmt: skip
_SUMMARY = ("delivered", "crossing_p95_min", "waiting_orders_end", "holds_active_end")


class Sampler:
    """Samples one copy (a :class:`~sim.runner.Simulation`) from its fork time on."""

    def __init__(self, sim: Any, bin_s: float) -> None:
        self.sim = sim
        self.bin_s = bin_s
        self.t0_s = float(sim.now_s)
        kpi = sim.kpi
        self._delivered0 = sum(kpi.delivered.values())
        self._times_at = len(kpi.crossing_times_s)
        self._times0 = self._times_at
        self.rows: dict[str, list[float | None]] = {k: [] for k in SERIES}
        self.t_s: list[float] = []

    def run(self, end_s: float) -> ProcessGen:
        """Sample at every bin's end before ``end_s`` (SimPy stops a run before the events
        at its ``until``: :meth:`finish` takes the last one)."""
        env = self.sim.env
        while env.now + self.bin_s < end_s - 1e-9:
            yield env.timeout(self.bin_s)
            self.sample()

    def finish(self) -> dict[str, Any]:
        """The last sample (now: the end of the horizon) and the result."""
        self.sample()
        return self.result()

    def sample(self) -> None:
        kpi, rows = self.sim.kpi, self.rows
        delivered = sum(kpi.delivered.values()) - self._delivered0
        times = kpi.crossing_times_s[self._times_at :]
        self._times_at = len(kpi.crossing_times_s)
        self.t_s.append(float(self.sim.now_s))
        rows["delivered"].append(delivered)
        previous = rows["delivered"][-2] if len(rows["delivered"]) > 1 else 0
        rows["delivered_in_bin"].append(delivered - (previous or 0))
        rows["crossing_p95_min"].append(percentile(times, 95) / 60.0 if times else None)
        rows["waiting_orders"].append(kpi.received - kpi.picked_up)
        rows["in_flight"].append(kpi.picked_up - sum(kpi.delivered.values()))
        rows["holds_active"].append(kpi.holds_active[-1][1])
        busy = sum(
            v.state not in (AgvState.IDLE, AgvState.FAULTED) for v in self.sim.vehicles.values()
        )
        rows["busy_agvs"].append(busy)

    def result(self) -> dict[str, Any]:
        times = self.sim.kpi.crossing_times_s[self._times0 :]
        rows = self.rows
        summary = {
            "delivered": rows["delivered"][-1] if rows["delivered"] else 0,
            "crossing_p95_min": percentile(times, 95) / 60.0 if times else None,
            "waiting_orders_end": rows["waiting_orders"][-1] if rows["waiting_orders"] else 0,
            "holds_active_end": rows["holds_active"][-1] if rows["holds_active"] else 0,
        }
        return {"t_s": self.t_s, "series": rows, "summary": summary}


def _band(values: Sequence[float | None]) -> dict[str, float | None]:
    got = [float(v) for v in values if v is not None]
    if not got:
        return {"mean": None, "lo": None, "hi": None}
    return {
        "mean": sum(got) / len(got),
        "lo": percentile(got, 10),
        "hi": percentile(got, 90),
    }


def bands(copies: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and 10-90 % band per bin and KPI across the copies (same bins in each)."""
    n_bins = min(len(c["t_s"]) for c in copies)
    series = {
        k: [_band([c["series"][k][i] for c in copies]) for i in range(n_bins)] for k in SERIES
    }
    summary = {k: _band([c["summary"][k] for c in copies]) for k in _SUMMARY}
    return {
        "t_s": copies[0]["t_s"][:n_bins],
        "seeds": len(copies),
        "series": series,
        "summary": summary,
    }
