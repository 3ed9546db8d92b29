"""CDR (XCDR1, little endian) bytes of the messages a SimPy recording writes, without rclpy.

ROS 2 serialises a message as a 4-byte encapsulation header and then its fields in order, each
primitive aligned to its own size counted from the end of that header. :class:`Cdr` does
exactly that for the few types recorded (``nav_msgs/Odometry``, ``borderflow_interfaces/
VehicleState``, ``visualization_msgs/MarkerArray``). A simulated day has millions of vehicle
samples, so each encoder builds a message's fixed bytes once and packs only what changes (a
stamp, a pose); the tests decode every type with ``mcap_ros2``'s decoder from the schema text.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "ENCAPSULATION",
    "MARKER_CUBE",
    "MARKER_LINE_LIST",
    "MARKER_SPHERE",
    "MARKER_TEXT",
    "Cdr",
    "MarkerSpec",
    "OdometryEncoder",
    "StateEncoder",
    "marker_array",
    "marker_parts",
    "pose_bytes",
    "stamp_bytes",
    "yaw_quaternion",
]

ENCAPSULATION = b"\x00\x01\x00\x00"  # CDR_LE, no options
MARKER_CUBE, MARKER_SPHERE, MARKER_LINE_LIST, MARKER_TEXT = 1, 2, 5, 9
_STAMP = struct.Struct("<iI")
_U32 = struct.Struct("<I")
_ZERO36 = (0.0,) * 36


def stamp_bytes(t_ns: int) -> bytes:
    """``builtin_interfaces/Time`` of nanoseconds since 1970 (sec, nanosec)."""
    sec, nsec = divmod(t_ns, 1_000_000_000)
    return _STAMP.pack(sec, nsec)


def yaw_quaternion(yaw_rad: float) -> tuple[float, float, float, float]:
    """(x, y, z, w) of a rotation about z, counter-clockwise from x (REP 103)."""
    return (0.0, 0.0, math.sin(yaw_rad / 2.0), math.cos(yaw_rad / 2.0))


class Cdr:
    """Appends CDR fields; ``offset`` is where the buffer starts in the message body (after
    the encapsulation header), so a part can be encoded alone and spliced in later."""

    __slots__ = ("buf", "offset")

    def __init__(self, offset: int = 0) -> None:
        self.buf = bytearray()
        self.offset = offset

    def align(self, size: int) -> None:
        pad = -(self.offset + len(self.buf)) % size
        if pad:
            self.buf += b"\x00" * pad

    def pack(self, size: int, fmt: struct.Struct, *values: float | int) -> None:
        self.align(size)
        self.buf += fmt.pack(*values)

    def u32(self, value: int) -> None:
        self.align(4)
        self.buf += _U32.pack(value)

    def string(self, text: str) -> None:
        data = text.encode("utf-8")
        self.u32(len(data) + 1)
        self.buf += data
        self.buf += b"\x00"

    def header_tail(self, frame_id: str) -> None:
        """A header's ``frame_id`` (its stamp, 8 bytes at offset 0 mod 4, comes first)."""
        self.string(frame_id)


_F64_85 = struct.Struct("<85d")  # pose (7) + covariance (36) + twist (6) + covariance (36)
_F64_5 = struct.Struct("<5d")  # x, y, yaw, speed, battery
_F64_2 = struct.Struct("<2d")


class OdometryEncoder:
    """``nav_msgs/Odometry`` of one vehicle in ``map`` (child ``<id>/base_link``), as the ROS
    package's ``odometry_msg`` builds it: pose and forward speed, zero covariances."""

    def __init__(self, vehicle_id: str) -> None:
        self.vehicle_id = vehicle_id
        # Everything between the stamp and the 85 doubles is fixed per vehicle (frame ids and
        # the padding that aligns the doubles), so a sample is one struct pack.
        w = Cdr(8)  # after the header's stamp
        w.header_tail("map")
        w.string(f"{vehicle_id}/base_link")
        w.align(8)
        self._prefix = ENCAPSULATION, bytes(w.buf)

        self._rest_key: tuple[float, float] | None = None
        self._rest = b""

    def encode(self, t_ns: int, x_m: float, y_m: float, yaw_rad: float, speed_mps: float) -> bytes:
        return self.encode_stamped(stamp_bytes(t_ns), x_m, y_m, yaw_rad, speed_mps)

    def encode_stamped(
        self, stamp: bytes, x_m: float, y_m: float, yaw_rad: float, speed_mps: float
    ) -> bytes:
        """As :meth:`encode`, with the stamp's 8 bytes (:func:`stamp_bytes`) given: a recording
        stamps every message of a sample alike."""
        # On an edge only x and y change: the rest (z, orientation, covariances, twist) is
        # packed once per heading and speed.
        if (yaw_rad, speed_mps) != self._rest_key:
            qz, qw = math.sin(yaw_rad / 2.0), math.cos(yaw_rad / 2.0)
            packed = _F64_85.pack(0.0, 0.0, 0.0, 0.0, 0.0, qz, qw, *_ZERO36,
                                  speed_mps, 0.0, 0.0, 0.0, 0.0, 0.0, *_ZERO36)  # fmt: skip
            self._rest = packed[16:]
            self._rest_key = (yaw_rad, speed_mps)
        head, prefix = self._prefix
        return b"".join((head, stamp, prefix, _F64_2.pack(x_m, y_m), self._rest))


class StateEncoder:
    """``borderflow_interfaces/VehicleState`` of one vehicle (pose in ``map``)."""

    def __init__(self, vehicle_id: str) -> None:
        self.vehicle_id = vehicle_id
        self._key: tuple[object, ...] | None = None
        self._tail = b""

    def encode(
        self,
        t_ns: int,
        mode: int,
        node: str,
        next_node: str,
        pose: tuple[float, float, float],
        speed_mps: float,
        battery_kwh: float,
        container_id: str,
    ) -> bytes:
        key = (mode, node, next_node, pose, speed_mps, battery_kwh, container_id)
        if key != self._key:
            w = Cdr(8)
            w.header_tail("map")
            w.string(self.vehicle_id)
            w.buf.append(mode)
            w.string(node)
            w.string(next_node)
            w.pack(8, _F64_5, *pose, speed_mps, battery_kwh)
            w.string(container_id)
            self._key, self._tail = key, bytes(w.buf)
        return ENCAPSULATION + stamp_bytes(t_ns) + self._tail


_POSE = struct.Struct("<10d")  # position (3), orientation (4), scale (3)
_COLOR = struct.Struct("<4f")
_LIFE = struct.Struct("<iIB")  # lifetime sec, nanosec, frame_locked
_POINT = struct.Struct("<3d")


@dataclass(frozen=True, slots=True)
class MarkerSpec:
    """One ``visualization_msgs/Marker`` (action ADD, frame ``map``)."""

    ns: str
    marker_id: int
    kind: int  # MARKER_CUBE, ...
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    yaw_rad: float = 0.0
    scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    rgba: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    lifetime_s: int = 0  # 0: forever
    points: Sequence[tuple[float, float, float]] = field(default=())
    text: str = ""


def _marker_tail(m: MarkerSpec, offset: int) -> tuple[bytes, int]:
    """A marker from its header's ``frame_id`` on, the stamp before it ending at ``offset``;
    and where in those bytes its pose (7 doubles) starts."""
    w = Cdr(offset)
    w.header_tail("map")
    w.string(m.ns)
    w.align(4)
    w.buf += struct.pack("<iii", m.marker_id, m.kind, 0)
    qx, qy, qz, qw = yaw_quaternion(m.yaw_rad) if m.yaw_rad else (0.0, 0.0, 0.0, 1.0)
    w.align(8)
    pose_at = len(w.buf)
    w.buf += _POSE.pack(*m.position, qx, qy, qz, qw, *m.scale)
    w.buf += _COLOR.pack(*m.rgba)  # 8-aligned after the doubles
    w.buf += _LIFE.pack(m.lifetime_s, 0, 0)
    w.u32(len(m.points))
    for p in m.points:
        w.pack(8, _POINT, *p)
    w.u32(0)  # colors
    w.string("")  # texture_resource
    w.align(4)
    w.buf += b"\x00" * 8  # texture: header stamp
    w.string("")  # texture.header.frame_id
    w.string("")  # texture.format
    w.u32(0)  # texture.data
    w.u32(0)  # uv_coordinates
    w.string(m.text)
    w.string("")  # mesh_resource
    w.string("")  # mesh_file.filename
    w.u32(0)  # mesh_file.data
    w.buf.append(0)  # mesh_use_embedded_materials
    return bytes(w.buf), pose_at


_POSE7 = struct.Struct("<7d")
# (everything but the pose, alignment) -> (the marker's bytes with some pose, where it is):
# a moving vehicle's box differs from its last one only in the 56 pose bytes.
_TAILS: dict[tuple[object, ...], tuple[bytes, int]] = {}
_TAIL_CACHE_MAX = 50_000


def marker_parts(m: MarkerSpec, align: int) -> tuple[bytes, bytes]:
    """``m``'s bytes after its header's stamp (ending at ``align`` mod 8) around its pose: a
    marker that only moves is ``before + pose_bytes(...) + after``."""
    tail, at = _marker_tail(m, align)
    return tail[:at], tail[at + 56 :]


def pose_bytes(x_m: float, y_m: float, z_m: float, yaw_rad: float) -> bytes:
    """A marker's pose (position, a rotation about z) as its 7 doubles."""
    if yaw_rad:
        half = yaw_rad / 2.0
        return _POSE7.pack(x_m, y_m, z_m, 0.0, 0.0, math.sin(half), math.cos(half))
    return _POSE7.pack(x_m, y_m, z_m, 0.0, 0.0, 0.0, 1.0)


def _tail(m: MarkerSpec, align: int) -> bytes:
    key = (m.ns, m.marker_id, m.kind, m.scale, m.rgba, m.lifetime_s, m.points, m.text, align)
    found = _TAILS.get(key)
    if found is None:
        if len(_TAILS) > _TAIL_CACHE_MAX:
            _TAILS.clear()
        found = _TAILS[key] = _marker_tail(m, align)
    tail, at = found
    x, y, z = m.position
    qz, qw = (math.sin(m.yaw_rad / 2.0), math.cos(m.yaw_rad / 2.0)) if m.yaw_rad else (0.0, 1.0)
    return b"".join((tail[:at], _POSE7.pack(x, y, z, 0.0, 0.0, qz, qw), tail[at + 56 :]))


def marker_array(t_ns: int, markers: Sequence[MarkerSpec]) -> bytes:
    """A ``visualization_msgs/MarkerArray`` of ``markers``, every header stamped ``t_ns``."""
    stamp = stamp_bytes(t_ns)
    parts = [ENCAPSULATION, _U32.pack(len(markers))]
    offset = 4
    for m in markers:
        pad = -offset % 4
        if pad:
            parts.append(b"\x00" * pad)
            offset += pad
        offset += 8
        tail = _tail(m, offset % 8)
        parts += (stamp, tail)
        offset += len(tail)
    return b"".join(parts)
