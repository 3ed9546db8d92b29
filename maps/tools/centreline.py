"""A corridor's centreline in projected metres: arc length, points, directions and offsets.

This module owns the plain polyline geometry that ``borderflow map new`` places a layout
along: the point and direction at a distance ``s`` from the start, a stretch of it, and a stretch
offset sideways (the one-way link roads, ``v`` metres left of the direction of travel).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["Centreline", "left_of"]

FloatArray = npt.NDArray[np.float64]


def left_of(direction: FloatArray) -> FloatArray:
    """The unit vector 90 degrees anticlockwise of ``direction``."""
    return np.array([-direction[1], direction[0]])


@dataclass(frozen=True)
class Centreline:
    xy_m: FloatArray  # (k, 2), k >= 2, consecutive points distinct
    s_m: FloatArray = field(init=False)  # arc length at each point

    def __post_init__(self) -> None:
        seg = np.hypot(*np.diff(self.xy_m, axis=0).T)
        object.__setattr__(self, "s_m", np.concatenate([[0.0], np.cumsum(seg)]))

    @property
    def length_m(self) -> float:
        return float(self.s_m[-1])

    def segment(self, s: float) -> int:
        """Index of the segment holding arc length ``s`` (the later one at a vertex)."""
        i = int(np.searchsorted(self.s_m, s, side="right")) - 1
        return min(max(i, 0), len(self.xy_m) - 2)

    def direction(self, i: int) -> FloatArray:
        d = self.xy_m[i + 1] - self.xy_m[i]
        unit: FloatArray = d / np.hypot(*d)
        return unit

    def point(self, s: float) -> FloatArray:
        i = self.segment(s)
        out: FloatArray = self.xy_m[i] + (s - self.s_m[i]) * self.direction(i)
        return out

    def stretch(self, s0: float, s1: float) -> FloatArray:
        """The polyline from ``s0`` to ``s1`` (reversed when ``s1 < s0``)."""
        lo, hi = sorted((s0, s1))
        inner = self.xy_m[(self.s_m > lo) & (self.s_m < hi)]
        pts: FloatArray = np.vstack([self.point(lo), inner, self.point(hi)])
        return pts if s0 <= s1 else pts[::-1]

    def offset(self, s0: float, s1: float, v_m: float) -> FloatArray:
        """The stretch from ``s0`` to ``s1``, moved ``v_m`` metres to the left of its travel
        direction (mitred corners, so straight parts stay exactly parallel)."""
        line = shapely.linestrings(self.stretch(s0, s1))
        moved = shapely.offset_curve(line, v_m, join_style="mitre", mitre_limit=10.0)
        out: FloatArray = shapely.get_coordinates(moved)
        return out

    def turn_deg(self) -> list[float]:
        """Change of direction at each interior point, in degrees."""
        out = []
        for i in range(1, len(self.xy_m) - 1):
            a, b = self.direction(i - 1), self.direction(i)
            out.append(float(np.degrees(np.arccos(np.clip(a @ b, -1.0, 1.0)))))
        return out
