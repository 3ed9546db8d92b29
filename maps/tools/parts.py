"""Building blocks of the bundled maps' layout: one side's parameters and feature makers.

This module owns the plain feature records the layout modules emit (id, properties, geometry as
a (type, coordinates) pair in local (u, v) metres) and the parameters of one side of a crossing;
:mod:`maps.tools.layout` and :mod:`maps.tools.yard` arrange them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["UV", "Feature", "SideParams", "lane", "spur", "station", "zone"]

Feature = dict[str, Any]
UV = tuple[float, float]


@dataclass(frozen=True)
class SideParams:
    side: str  # "CN" or "MN"
    town: str  # for names: "Erenhot", "Zamyn-Uud"
    gate_u: float  # checkpoint distance from the border line
    off: float  # half the distance between the two one-way crossing carriageways
    customs: tuple[float, float, float]  # ring u0, u1, half-height
    yard: tuple[float, float, float]  # ring u0, u1, half-height
    spur: float  # length of a station spur
    scanner_inset: float  # where the scanner bypass leaves / rejoins the customs ring
    scanner_rise: float  # how far the bypass runs outside the ring
    hold_u: tuple[float, ...]  # u of the hold bay spurs (south side of the customs ring)
    inspection_u: tuple[float, ...]
    buffer_u: tuple[float, ...]  # u of the buffer spurs on the outbound carriageway
    buffer_spur: float
    yard_east_v: tuple[float, ...]  # v of the yard-slot spurs on the yard ring's far side
    yard_south_u: tuple[float, ...]
    charger_u: tuple[float, ...]  # u of the charger spurs (north side of the yard ring)
    margin: float  # zone polygons extend this far around what they hold
    road_kph: float = 25.0
    ring_kph: float = 20.0
    yard_kph: float = 10.0
    scanner_kph: float = 5.0
    hold_capacity: int = 4
    buffer_capacity: int = 2
    note: str = ""  # copied into every zone and gate (e.g. "schematic position")
    # AGV depots (idle vehicles wait there, never on a yard slot), beyond the yard ring's
    # charger side: the u of each depot's centre, its size (along u, along v), the distance from
    # the ring to the depot's near edge, and the half distance between its in and out lanes.
    depot_u: tuple[float, ...] = ()
    depot_size: tuple[float, float] = (100.0, 90.0)
    depot_gap: float = 80.0
    depot_lane_off: float = 30.0
    parking_capacity: int = 150
    # Lanes per travel direction on the main roads (rings, customs-yard links, crossing and
    # entry roads): port roads are two lanes, which doubles what each ring can hold.
    main_lanes: int = 1
    # Charging places per charger station (bays side by side at the end of its spur).
    charger_capacity: int = 1
    # Handover places per yard slot (AGVs side by side under the gantry / reach stacker): a
    # job reserves its pick-up and delivery places for the trip, so the yards' places bound
    # how many jobs can be under way at once.
    slot_capacity: int = 1
    # Scan lanes in the NII portal (vehicles scanned side by side): one portal lane scans
    # about 7 containers an hour once the drive to it is counted, too few for a busy side.
    scanner_capacity: int = 1
    # The gate's "gate_type" property ("smart", "manual", "drive_through"); "" writes none
    # (the loader's default, smart).
    gate_type: str = ""


def lane(
    fid: str,
    pts: list[UV],
    direction: str,
    kph: float,
    *,
    exclusive: bool,
    name: str,
    lanes: int = 1,
) -> Feature:
    props: dict[str, Any] = {
        "kind": "lane",
        "direction": direction,
        "speed_limit_kph": kph,
        "lane_count": lanes,
        "exclusive": exclusive,
        "name": name,
    }
    return {"id": fid, "properties": props, "geometry": ("LineString", pts)}


def spur(fid: str, start: UV, end: UV, p: SideParams, name: str) -> Feature:
    return lane(fid, [start, end], "two-way", p.yard_kph, exclusive=True, name=name)


def station(fid: str, role: str, at: UV, name: str, capacity: int = 1) -> Feature:
    props = {"kind": "station", "role": role, "name": name, "capacity_vehicles": capacity}
    return {"id": fid, "properties": props, "geometry": ("Point", at)}


def zone(
    fid: str,
    kind: str,
    p: SideParams,
    name: str,
    box: tuple[float, float, float, float],
    *,
    capacity: int | None = None,
) -> Feature:
    u0, v0, u1, v1 = box
    props: dict[str, Any] = {"kind": "zone", "zone_kind": kind, "side": p.side, "name": name}
    if capacity is not None:
        props["capacity_vehicles"] = capacity
    if p.note:
        props["note"] = p.note
    ring = [(u0, v0), (u1, v0), (u1, v1), (u0, v1), (u0, v0)]
    return {"id": fid, "properties": props, "geometry": ("Polygon", ring)}
