"""The VDA 5050 fleet file: which vehicles there are and how each speaks (TOML).

    map = "test_crossing"        # bundled map name or .geojson path
    interface = "uagv"           # the topics' first level (VDA 5050's default)
    battery_kwh = 200.0          # the vehicles' capacity (their states say a percentage)
    drive_kwh_per_km = 1.5       # what driving costs them (the core plans charging with it)
    vehicle_length_m = 12.0      # with the headway kept behind each: the lane room one takes
    headway_m = 8.0

    [[vehicle]]
    id = "agv_01"                # the id borderflow (and its console) uses
    manufacturer = "AcmeAGV"
    serial = "SN-0001"
    version = "2.1"              # 2.1 or 3.0 (per vehicle)
    start = "cn_parking_1"       # station (or node) where the simulator starts it

Every problem is one line naming the vehicle and the key, before anything connects: unknown
keys, a duplicate id or manufacturer/serial pair, a bad topic level, an unknown version or start.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.lanegraph import LaneGraph
from vda5050.orders import VehicleRef
from vda5050.versions import TopicError, Version, topic

__all__ = ["FleetFile", "FleetFileError", "FleetVehicle", "load_fleet_file"]

_TOP = {"map", "interface", "battery_kwh", "drive_kwh_per_km", "vehicle_length_m", "headway_m",
        "vehicle"}  # fmt: skip
_NUMBERS = {
    "battery_kwh": (200.0, True),
    "drive_kwh_per_km": (1.5, False),
    "vehicle_length_m": (12.0, True),
    "headway_m": (8.0, False),
}  # default, must be > 0
_VEHICLE = {"id", "manufacturer", "serial", "version", "start"}


class FleetFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class FleetVehicle:
    ref: VehicleRef
    start: str  # a station or node id ("" when not given)


@dataclass(frozen=True, slots=True)
class FleetFile:
    map_ref: str
    interface: str
    battery_kwh: float
    vehicles: tuple[FleetVehicle, ...]
    drive_kwh_per_km: float = 1.5
    vehicle_length_m: float = 12.0
    headway_m: float = 8.0

    def start_node(self, graph: LaneGraph, v: FleetVehicle) -> str:
        """The node ``v`` starts at (its station's node, or the node itself)."""
        if v.start in graph.stations:
            return str(graph.stations[v.start].node)  # type: ignore[index]
        if v.start in graph.nodes:
            return v.start
        raise FleetFileError(f"vehicle {v.ref.vehicle_id}: start {v.start!r} is neither a "
                             "station nor a node of the map")  # fmt: skip


def _fail(where: str, why: str) -> FleetFileError:
    return FleetFileError(f"{where}: {why}")


def parse_fleet(data: dict[str, Any], where: str = "fleet file") -> FleetFile:
    unknown = set(data) - _TOP
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)} (known: {sorted(_TOP)})")
    map_ref = data.get("map")
    if not isinstance(map_ref, str) or not map_ref:
        raise _fail(where, "'map' (a bundled map name or .geojson path) is required")
    interface = data.get("interface", "uagv")
    nums: dict[str, float] = {}
    for key, (default, positive) in _NUMBERS.items():
        val = data.get(key, default)
        if (isinstance(val, bool) or not isinstance(val, int | float)
                or not (val > 0 if positive else val >= 0) or val > 1e6):  # fmt: skip
            raise _fail(where, f"'{key}' must be a number {'>' if positive else '>='} 0, "
                               f"not {val!r}")  # fmt: skip
        nums[key] = float(val)
    raw = data.get("vehicle", [])
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "at least one [[vehicle]] is required")
    out: list[FleetVehicle] = []
    ids: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for i, v in enumerate(raw, 1):
        at = f"{where}, vehicle {i}"
        if not isinstance(v, dict):
            raise _fail(at, "must be a table")
        bad = set(v) - _VEHICLE
        if bad:
            raise _fail(at, f"unknown keys {sorted(bad)} (known: {sorted(_VEHICLE)})")
        vals = {k: v.get(k) for k in ("id", "manufacturer", "serial")}
        for k, val in vals.items():
            if not isinstance(val, str) or not val:
                raise _fail(at, f"'{k}' must be a non-empty string")
        vid, man, serial = str(vals["id"]), str(vals["manufacturer"]), str(vals["serial"])
        try:
            version = Version.parse(str(v.get("version", "2.1")))
            topic(str(interface), version, man, serial, "state")
        except (TopicError, ValueError) as exc:
            raise _fail(at, str(exc)) from None
        if vid in ids:
            raise _fail(at, f"id {vid!r} twice")
        if (man, serial) in pairs:
            raise _fail(at, f"{man}/{serial} twice (one vehicle per manufacturer and serial)")
        ids.add(vid)
        pairs.add((man, serial))
        out.append(FleetVehicle(VehicleRef(vid, man, serial, version), str(v.get("start", ""))))
    return FleetFile(
        map_ref,
        str(interface),
        nums["battery_kwh"],
        tuple(out),
        nums["drive_kwh_per_km"],
        nums["vehicle_length_m"],
        nums["headway_m"],
    )


def load_fleet_file(path: Path) -> FleetFile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FleetFileError(f"cannot read the fleet file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FleetFileError(f"{path} is not TOML: {exc}") from None
    return parse_fleet(data, str(path))
