"""Type aliases shared by the runtime's SimPy processes."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

__all__ = ["ProcessGen"]

# A SimPy process body: yields events, receives their values, returns nothing.
ProcessGen = Generator[simpy.Event, Any, None]
