"""Types shared by the runtime's SimPy processes: the process body, an AGV's activity."""

from __future__ import annotations

from collections.abc import Generator
from enum import Enum
from typing import Any

import simpy

__all__ = ["AgvState", "ProcessGen"]

# A SimPy process body: yields events, receives their values, returns nothing.
ProcessGen = Generator[simpy.Event, Any, None]


class AgvState(Enum):
    """What a vehicle is doing, for utilisation and the per-AGV timeline."""

    IDLE = "idle"
    EMPTY = "driving empty"
    LOADED = "driving loaded"
    WORKING = "load/unload/scan"
    CHARGING = "charging"
    FAULTED = "out of service"
