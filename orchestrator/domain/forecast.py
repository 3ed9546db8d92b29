"""What a look-ahead forecast is asked: how far ahead, how many seeds, and the what-if.

The request is plain data shared by every runtime that can forecast (the SimPy fleet forks its
live run; sim/forecast/) and the bridge that takes it over HTTP. :meth:`ForecastRequest.check`
refuses what no world could answer (a horizon of a week, 500 seeds, a negative surge) with the
field's name; whether the named lanes, containers and vehicles exist is the runtime's check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orchestrator.errors import ConfigError

__all__ = ["MAX_HORIZON_H", "MAX_SEEDS", "ForecastRequest", "LiveCore", "WhatIf"]

MAX_HORIZON_H = 12.0  # beyond half a day the arrivals, not the state, decide: run a study
MAX_SEEDS = 16
MAX_SURGE = 10.0
MAX_CHANGES = 200  # lanes or containers named in one what-if


@dataclass(frozen=True, slots=True)
class WhatIf:
    """Changes applied at the fork, all at once (empty: the no-change forecast)."""

    close_lanes: tuple[str, ...] = ()
    hold_containers: tuple[str, ...] = ()  # held as on a HIGH verdict of the origin's customs
    scanners_down: tuple[str, ...] = ()  # sides ("CN", "MN") whose NII scanners are down
    add_agvs: int = 0
    remove_agvs: int = 0  # taken out of service (idle ones first)
    surge: float = 1.0  # factor on the arrival rates still to come

    @property
    def changes(self) -> bool:
        return self != WhatIf()

    def describe(self) -> list[str]:
        """One line per change, for people."""
        out = []
        if self.close_lanes:
            out.append("close lanes " + ", ".join(self.close_lanes))
        if self.hold_containers:
            out.append(f"hold {len(self.hold_containers)} containers")
        if self.scanners_down:
            out.append("NII scanners down: " + ", ".join(self.scanners_down))
        if self.add_agvs:
            out.append(f"add {self.add_agvs} AGVs")
        if self.remove_agvs:
            out.append(f"remove {self.remove_agvs} AGVs")
        if self.surge != 1.0:
            out.append(f"arrivals x{self.surge:g}")
        return out


@dataclass(frozen=True, slots=True)
class ForecastRequest:
    horizon_h: float = 2.0
    seeds: int = 1  # seed 0 is the run's own future; more seeds redraw the arrivals to come
    what_if: WhatIf = WhatIf()
    bin_min: float = 10.0  # width of the KPI-over-time bins

    def check(self) -> None:
        """Raise :class:`ConfigError` naming the first field out of range."""
        if not (0.0 < self.horizon_h <= MAX_HORIZON_H) or math.isnan(self.horizon_h):
            raise ConfigError(f"horizon_h must be in (0, {MAX_HORIZON_H:g}], got {self.horizon_h}")
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise ConfigError(f"seeds must be in [1, {MAX_SEEDS}], got {self.seeds}")
        if not 1.0 <= self.bin_min <= 60.0 or self.bin_min * 200 < self.horizon_h * 60:
            raise ConfigError(
                f"bin_min must be in [1, 60] min and give at most 200 bins, got {self.bin_min}"
            )
        w = self.what_if
        if not (0.0 <= w.surge <= MAX_SURGE):  # also False for NaN
            raise ConfigError(f"what_if.surge must be in [0, {MAX_SURGE:g}], got {w.surge}")
        for name in ("add_agvs", "remove_agvs"):
            n = getattr(w, name)
            if not 0 <= n <= 500:
                raise ConfigError(f"what_if.{name} must be in [0, 500], got {n}")
        for name in ("close_lanes", "hold_containers"):
            items = getattr(w, name)
            if len(items) > MAX_CHANGES or len(set(items)) != len(items):
                raise ConfigError(f"what_if.{name}: at most {MAX_CHANGES} distinct ids")
        for side in w.scanners_down:
            if side not in ("CN", "MN"):
                raise ConfigError(f"what_if.scanners_down: sides are CN and MN, got {side!r}")


@dataclass(frozen=True, slots=True)
class LiveCore:
    """A live core frozen for a forecast by a runtime whose vehicles are real (ROS 2, VDA
    5050): the bytes of :meth:`~orchestrator.core.Orchestrator.freeze`, signed with the key
    the runtime shares with whoever thaws them, and the core's clock at the freeze. The
    forecast builds a simulated world around the thawed copy (sim/forecast/world.py)."""

    core: bytes
    now_s: float
    source: str  # who froze it, for messages ("orchestrator node", "VDA 5050 fleet")
