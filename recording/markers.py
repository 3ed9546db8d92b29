"""The crossing and the fleet as marker specs, drawn as the ROS package's markers node draws them.

Map (written once, at the start of a recording): lane centre lines (grey; border-crossing lanes
red, wider), one sphere per station coloured by role with its id above it, and, beyond what the
markers node shows, every zone's outline in its map colour with its name, and the border line.
Fleet (every sample): one box per vehicle (faulted red, loaded orange, empty blue) with its id.
Coordinates are in ``map``: the lane graph's metres minus :func:`maps.frame.map_origin` (the ROS
package's origin too).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from orchestrator.lanegraph import LaneGraph, StationRole, ZoneKind
from recording.cdr import (
    ENCAPSULATION,
    MARKER_CUBE,
    MARKER_LINE_LIST,
    MARKER_SPHERE,
    MARKER_TEXT,
    MarkerSpec,
    marker_parts,
    pose_bytes,
    stamp_bytes,
)

__all__ = ["FLEET_COLOURS", "FleetArray", "FleetPose", "fleet_markers", "map_markers"]

MARKER_LINE_STRIP = 4
_WHITE = (1.0, 1.0, 1.0, 1.0)
_ROLE_RGB = {
    StationRole.YARD_SLOT: (0.2, 0.6, 0.2),
    StationRole.SCANNER: (0.6, 0.2, 0.8),
    StationRole.HOLD: (0.9, 0.1, 0.1),
    StationRole.BUFFER: (0.9, 0.7, 0.1),
    StationRole.CHARGER: (0.1, 0.7, 0.9),
    StationRole.INSPECTION: (0.8, 0.4, 0.1),
    StationRole.GATE: (0.1, 0.1, 0.1),
}
_ZONE_HEX = {  # as maps.render's zone colours (the map pictures)
    ZoneKind.YARD: "#9ecae1",
    ZoneKind.CUSTOMS_CONTROL: "#fdd0a2",
    ZoneKind.NII_SCANNER: "#fb6a4a",
    ZoneKind.HOLD_BAY: "#cb181d",
    ZoneKind.PRE_BORDER_BUFFER: "#fee391",
    ZoneKind.BORDER_GATE: "#bcbddc",
    ZoneKind.INSPECTION: "#fc9272",
    ZoneKind.CHARGING: "#a1d99b",
    ZoneKind.DEPOT: "#bdbdbd",
}


def _hex_rgba(text: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    r, g, b = (int(text[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
    return (r, g, b, alpha)


def _rings(value: object) -> list[list[tuple[float, float]]]:
    """A zone's rings from the loader's metadata (outer ring first), or none."""
    if not isinstance(value, Sequence):
        return []
    out = []
    for ring in value:
        if isinstance(ring, Sequence):
            out.append([(float(p[0]), float(p[1])) for p in ring])
    return out


def map_markers(graph: LaneGraph, origin: tuple[float, float]) -> list[MarkerSpec]:
    ox, oy = origin
    lanes: list[tuple[float, float, float]] = []
    border_lanes: list[tuple[float, float, float]] = []
    for key in sorted(graph.edges):
        e = graph.edges[key]
        a, b = graph.nodes[e.source], graph.nodes[e.target]
        pts = [(a.x_m, a.y_m), *e.shape_m, (b.x_m, b.y_m)]
        target = border_lanes if e.crosses_border else lanes
        for (ax, ay), (bx, by) in pairwise(pts):
            target += [(ax - ox, ay - oy, 0.0), (bx - ox, by - oy, 0.0)]
    out = [
        MarkerSpec("lanes", 0, MARKER_LINE_LIST, scale=(0.8, 0.0, 0.0),
                   rgba=(0.5, 0.5, 0.5, 1.0), points=tuple(lanes)),
        MarkerSpec("border_lanes", 0, MARKER_LINE_LIST, scale=(1.2, 0.0, 0.0),
                   rgba=(0.9, 0.1, 0.1, 1.0), points=tuple(border_lanes)),
    ]  # fmt: skip
    for i, sid in enumerate(sorted(graph.stations)):
        st = graph.stations[sid]
        n = graph.nodes[st.node]
        x, y = n.x_m - ox, n.y_m - oy
        rgb = _ROLE_RGB.get(st.role, (0.7, 0.7, 0.7))
        out.append(MarkerSpec("stations", i, MARKER_SPHERE, (x, y, 0.0), scale=(4.0, 4.0, 4.0),
                              rgba=(*rgb, 1.0)))  # fmt: skip
        out.append(MarkerSpec("station_labels", i, MARKER_TEXT, (x, y, 4.0),
                              scale=(0.0, 0.0, 3.0), rgba=_WHITE, text=sid))  # fmt: skip
    zones_m = graph.metadata.get("zones_m")
    zone_rings = zones_m if isinstance(zones_m, dict) else {}
    for i, zid in enumerate(sorted(graph.zones)):
        zone = graph.zones[zid]
        rings = _rings(zone_rings.get(zid))
        if not rings:
            continue
        ring = [(x - ox, y - oy, 0.0) for x, y in rings[0]]
        rgba = _hex_rgba(_ZONE_HEX.get(zone.kind, "#bdbdbd"))
        out.append(MarkerSpec("zones", i, MARKER_LINE_STRIP, scale=(0.6, 0.0, 0.0), rgba=rgba,
                              points=tuple(ring)))  # fmt: skip
        cx = sum(p[0] for p in ring) / len(ring)
        top = max(p[1] for p in ring)
        out.append(MarkerSpec("zone_labels", i, MARKER_TEXT, (cx, top, 2.0),
                              scale=(0.0, 0.0, 5.0), rgba=rgba, text=zone.name))  # fmt: skip
    border = graph.metadata.get("border_m")
    if isinstance(border, Sequence) and len(border) >= 2:
        line = tuple((float(p[0]) - ox, float(p[1]) - oy, 0.0) for p in border)
        out.append(MarkerSpec("border", 0, MARKER_LINE_STRIP, scale=(2.0, 0.0, 0.0),
                              rgba=(0.8, 0.0, 0.0, 1.0), points=line))  # fmt: skip
    return out


@dataclass(frozen=True, slots=True)
class FleetPose:
    vehicle_id: str
    x_m: float  # in ``map``
    y_m: float
    yaw_rad: float
    loaded: bool = False
    faulted: bool = False


_FAULTED, _LOADED, _EMPTY = (0.9, 0.0, 0.0, 1.0), (1.0, 0.55, 0.0, 1.0), (0.1, 0.4, 0.9, 1.0)
FLEET_COLOURS = (_EMPTY, _LOADED, _FAULTED)  # FleetArray's colour index: empty, loaded, faulted
_BOX_Z_M, _LABEL_Z_M = 1.5, 5.0
_BOX_SIZE_M = (12.0, 3.0, 3.0)
_XY = struct.Struct("<2d")
# A label's pose after its x and y: z, and no rotation (x, y, z, w).
_LABEL_POSE_REST = struct.pack("<5d", _LABEL_Z_M, 0.0, 0.0, 0.0, 1.0)


def fleet_markers(
    poses: Iterable[FleetPose], lifetime_s: int = 2, ids: Mapping[str, int] | None = None
) -> list[MarkerSpec]:
    """A box and a label per vehicle, by id; each lives ``lifetime_s`` (0: until replaced; the
    markers node's 2 s let a vehicle that stops reporting fade out). Marker ids: ``ids``'
    number for each vehicle when given (so an array of some vehicles replaces just theirs),
    else the position in id order."""
    out = []
    for i, p in enumerate(sorted(poses, key=lambda p: p.vehicle_id)):
        mid = ids[p.vehicle_id] if ids is not None else i
        rgba = _FAULTED if p.faulted else _LOADED if p.loaded else _EMPTY
        out.append(MarkerSpec("fleet", mid, MARKER_CUBE, (p.x_m, p.y_m, _BOX_Z_M), p.yaw_rad,
                              _BOX_SIZE_M, rgba, lifetime_s))  # fmt: skip
        out.append(MarkerSpec("fleet_labels", mid, MARKER_TEXT, (p.x_m, p.y_m, _LABEL_Z_M),
                              scale=(0.0, 0.0, 3.0), rgba=_WHITE, lifetime_s=lifetime_s,
                              text=p.vehicle_id))  # fmt: skip
    return out


class FleetArray:
    """The fleet markers' ``MarkerArray`` bytes for some vehicles, fast (a recording writes one
    per sample): the same bytes as ``marker_array(t, fleet_markers(poses, lifetime_s, ids))``,
    but each marker's bytes around its pose are built once per vehicle, kind, colour and
    alignment, so a sample packs only poses. ``ids``: each vehicle's marker id."""

    def __init__(self, ids: Mapping[str, int], lifetime_s: int = 0) -> None:
        self._ids = dict(ids)
        self._lifetime_s = lifetime_s
        self._pairs: dict[tuple[str, int, int], tuple[bytes, bytes, bytes, bytes, int]] = {}

    def _part(self, vid: str, box: bool, colour: int, align: int) -> tuple[bytes, bytes]:
        mid = self._ids[vid]
        if box:
            rgba = FLEET_COLOURS[colour]
            spec = MarkerSpec("fleet", mid, MARKER_CUBE, scale=_BOX_SIZE_M, rgba=rgba,
                              lifetime_s=self._lifetime_s)  # fmt: skip
        else:
            spec = MarkerSpec("fleet_labels", mid, MARKER_TEXT, scale=(0.0, 0.0, 3.0),
                              rgba=_WHITE, lifetime_s=self._lifetime_s, text=vid)  # fmt: skip
        return marker_parts(spec, align)

    def _pair(self, vid: str, colour: int, offset: int) -> tuple[bytes, bytes, bytes, bytes, int]:
        """A vehicle's box and label starting at body ``offset`` (4-aligned): the bytes around
        the box's pose, between the two poses, after the label's, and the pair's length. They
        depend on ``offset`` only mod 8, so they are built once per vehicle, colour and that."""
        key = (vid, colour, offset % 8)
        found = self._pairs.get(key)
        if found is None:
            at = offset + 8  # after the box's stamp
            b_before, b_after = self._part(vid, True, colour, at % 8)
            at += len(b_before) + 56 + len(b_after)
            pad = -at % 4
            at += pad + 8  # after the label's stamp
            l_before, l_after = self._part(vid, False, colour, at % 8)
            at += len(l_before) + 56 + len(l_after)
            between = b"".join((b_after, b"\x00" * pad))
            found = (b_before, between, l_before, _LABEL_POSE_REST + l_after, at - offset)
            self._pairs[key] = found
        return found

    def encode(self, t_ns: int, poses: Sequence[tuple[str, float, float, float, int]]) -> bytes:
        """``poses``: (vehicle id, x, y, yaw, colour index) in vehicle id order."""
        return self.encode_stamped(stamp_bytes(t_ns), poses)

    def encode_stamped(
        self, stamp: bytes, poses: Sequence[tuple[str, float, float, float, int]]
    ) -> bytes:
        """As :meth:`encode`, with the stamp's 8 bytes given."""
        parts = [ENCAPSULATION, (2 * len(poses)).to_bytes(4, "little")]
        offset = 4
        for vid, x, y, yaw, colour in poses:
            pad = -offset % 4
            if pad:
                parts.append(b"\x00" * pad)
                offset += pad
            b_before, between, l_before, l_after, length = self._pair(vid, colour, offset)
            parts += (stamp, b_before, pose_bytes(x, y, _BOX_Z_M, yaw), between, stamp,
                      l_before, _XY.pack(x, y), l_after)  # fmt: skip
            offset += length
        return b"".join(parts)
