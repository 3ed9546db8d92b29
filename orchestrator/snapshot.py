"""A deterministic plain-data picture of the core's whole state (not its caches).

Two snapshots compare equal exactly when the core would behave the same from then on, so a
test can prove that a refused event changed nothing. Caches that only speed decisions up (the
router's tables, slot orders, waypoints, charger distances) are left out: a refused event may
warm them.
"""

from __future__ import annotations

from dataclasses import astuple
from enum import Enum

from orchestrator.state import ContainerRun, VehicleRun

__all__ = ["container_data", "plain", "vehicle_data"]


def plain(value: object) -> object:
    """Enums as their values, containers as lists/tuples, recursively (sorted where a set)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, set | frozenset):
        return sorted(str(plain(v)) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def vehicle_data(v: VehicleRun) -> object:
    return plain({name: getattr(v, name) for name in VehicleRun.__slots__ if name != "lanes"})


def container_data(c: ContainerRun) -> object:
    fields = {name: getattr(c, name) for name in ContainerRun.__slots__}
    fields["risk"] = astuple(c.risk)
    fields["order"] = astuple(c.order)
    return plain(fields)
