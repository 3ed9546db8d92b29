"""How big each part of a corridor end is: a spec's counts -> the layout's positions in metres.

This module owns the spacing rules of ``borderflow map new``. From an end's counts (yard slots,
buffers, hold bays, inspection docks, chargers, depots) it lays out, in the side's local (u, v)
metres of :mod:`maps.tools.layout`, the border end (gate, buffers, customs ring) from the line
outward and the yard ring from ``y0`` (where the corridor reaches the yard) on. The spacings
keep every ordinary lane segment at least :data:`MIN_SEGMENT_M` long, longer than an AGV of
15 m plus 8 m headway, so no junction silently makes a lane hold one vehicle only; the
customs end follows the bundled Erenhot map's numbers, the yard packs its slots tighter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from maps.spec import EndSpec
from maps.tools.parts import SideParams

__all__ = ["MARGIN_M", "MIN_SEGMENT_M", "OFF_M", "NearExtent", "near_extent", "side_params"]

MARGIN_M = 20.0  # zones reach this far around what they hold
OFF_M = 40.0  # half the distance between the two one-way carriageways
MIN_SEGMENT_M = 30.0  # shortest ring or road segment the layout draws
_SPUR_M = 30.0
_CUSTOMS_HALF_M = 140.0  # customs ring half-height (v)
_SCANNER_INSET_M, _SCANNER_RISE_M = 60.0, 40.0
_BUFFER_SPUR_M = 25.0
_FIRST_BUFFER_M = 125.0  # gate -> first buffer junction
# Spur spacing along a road. Yard slots are packed tighter than on the Erenhot map (40 / 50 m)
# so a yard of many slots keeps a short ring: 30 m still exceeds an AGV plus its headway.
_STEP = {"buffer": 50.0, "hold": 60.0, "inspection": 40.0, "slot_far": 30.0, "slot_side": 30.0}
_CHARGER_STEP_M = 50.0
_DEPOT_GAP_M = 80.0  # yard ring -> depot lot
_MIN_YARD_HALF_M = 140.0
_MIN_YARD_LENGTH_M = 300.0


@dataclass(frozen=True, slots=True)
class NearExtent:
    """How far the border end of a side reaches: along the road (from the line) and across."""

    length_m: float  # u of the customs area's far edge
    half_width_m: float  # largest |v| of its zones


def _customs(end: EndSpec) -> tuple[tuple[float, ...], float, tuple[float, ...], tuple[float, ...]]:
    """buffer u's, customs ring u0, hold u's, inspection u's."""
    g = end.gate_distance_m
    buffers = tuple(g + _FIRST_BUFFER_M + _STEP["buffer"] * i for i in range(end.buffers.count))
    c0 = buffers[-1] + 150.0
    holds = tuple(c0 + 70.0 + _STEP["hold"] * i for i in range(end.hold_bays.count))
    docks = tuple(holds[-1] + 80.0 + _STEP["inspection"] * i for i in range(end.inspection_docks))
    return buffers, c0, holds, docks


def near_extent(end: EndSpec) -> NearExtent:
    _, c0, _, docks = _customs(end)
    c1 = max(docks[-1] + 60.0, c0 + 200.0)
    south = _CUSTOMS_HALF_M + _SPUR_M + 2 * MARGIN_M
    north = _CUSTOMS_HALF_M + _SCANNER_RISE_M + MARGIN_M
    return NearExtent(c1 + MARGIN_M, max(south, north))


def _depot_size(places: int) -> tuple[float, float]:
    # About 60 m2 per 15 m x 3 m AGV with its aisles: 100 m x 90 m for 150 places (Erenhot).
    k = math.sqrt(places / 150.0)
    return (max(50.0, round(100.0 * k, 1)), max(45.0, round(90.0 * k, 1)))


def _yard(end: EndSpec, y0: float) -> dict[str, Any]:
    """Yard ring size and its spurs: depots, then chargers along the ring's charger side,
    yard slots on the far side, then along the other side."""
    w, d = _depot_size(end.depots.places)
    lane_off = min(30.0, w / 2 - 10.0)
    depots, u = [], y0 + 40.0
    for _ in range(end.depots.count):
        depots.append(u + w / 2)
        u += w + 30.0
    start = (depots[-1] + w / 2 + 40.0) if depots else y0 + 60.0
    chargers = tuple(start + _CHARGER_STEP_M * i for i in range(end.chargers.count))
    length = max(_MIN_YARD_LENGTH_M, chargers[-1] + 60.0 - y0)
    half = _MIN_YARD_HALF_M

    def far(h: float) -> int:
        return int((2 * h - 80.0) // _STEP["slot_far"]) + 1

    def side(n: float) -> int:
        return int((n - 100.0) // _STEP["slot_side"]) + 1

    grow_half = True  # grow the ring squarely: a little taller, then a little longer
    while far(half) + side(length) < end.slots.count:
        if grow_half:
            half += _STEP["slot_far"] / 2
        else:
            length += _STEP["slot_side"]
        grow_half = not grow_half
    n_far = min(end.slots.count, far(half))
    far_v = tuple(_STEP["slot_far"] * (j - (n_far - 1) / 2) for j in range(n_far))
    side_u = tuple(y0 + 50.0 + _STEP["slot_side"] * j for j in range(end.slots.count - n_far))
    return {
        "yard": (y0, y0 + length, half),
        "yard_east_v": far_v,
        "yard_south_u": side_u,
        "charger_u": chargers,
        "depot_u": tuple(depots),
        "depot_size": (w, d),
        "depot_gap": _DEPOT_GAP_M,
        "depot_lane_off": lane_off,
    }


def side_params(
    end: EndSpec, *, y0: float, lanes: int, speed_kph: float, note: str = ""
) -> SideParams:
    """The layout parameters of one end; its yard ring starts at u = ``y0``."""
    buffers, c0, holds, docks = _customs(end)
    c1 = near_extent(end).length_m - MARGIN_M
    yard = _yard(end, y0)
    return SideParams(
        side=end.side.value,
        town=end.name,
        gate_u=end.gate_distance_m,
        off=OFF_M,
        customs=(c0, c1, _CUSTOMS_HALF_M),
        spur=_SPUR_M,
        scanner_inset=_SCANNER_INSET_M,
        scanner_rise=_SCANNER_RISE_M,
        hold_u=holds,
        inspection_u=docks,
        buffer_u=buffers,
        buffer_spur=_BUFFER_SPUR_M,
        margin=MARGIN_M,
        road_kph=speed_kph,
        ring_kph=min(20.0, speed_kph),
        yard_kph=min(10.0, speed_kph),
        scanner_kph=min(5.0, speed_kph),
        hold_capacity=end.hold_bays.places,
        buffer_capacity=end.buffers.places,
        note=note,
        parking_capacity=end.depots.places,
        main_lanes=lanes,
        charger_capacity=end.chargers.places,
        slot_capacity=end.slots.places,
        scanner_capacity=end.scanner_lanes,
        gate_type=end.gate_type.value,
        **yard,
    )
