"""The border line in metres and which side of it a point lies on.

This module owns the side test. A border line is open (it spans the map and stops), so "left of
the line" is decided against the nearest part of it: the nearest segment's direction when the
nearest point is inside a segment, the bisector of the two segments when it is a vertex (which is
exact for any point whose nearest point is that vertex), and the end segment's direction extended
beyond the ends. It also owns the bundled Natural Earth line used when a map declares none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from orchestrator.lanegraph import Side

__all__ = ["NE_BORDER_PATH", "BorderLine", "load_ne_border"]

NE_BORDER_PATH = Path(__file__).resolve().parent / "data" / "ne_border_erenhot.geojson"
FloatArray = npt.NDArray[np.float64]


def load_ne_border() -> dict[str, Any]:
    """The bundled Natural Earth China–Mongolia line near Erenhot, as a GeoJSON Feature."""
    feature: dict[str, Any] = json.loads(NE_BORDER_PATH.read_text(encoding="utf-8"))
    return feature


@dataclass(frozen=True)
class BorderLine:
    """A projected border polyline and the side on its left when walked in drawn order."""

    xy_m: FloatArray  # (n, 2), n >= 2
    left_side: Side

    def signed_offset_m(self, points_m: FloatArray) -> FloatArray:
        """Per point: distance to the line, positive on the left, negative on the right."""
        pts = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
        a = self.xy_m[:-1]  # (s, 2) segment starts
        d = self.xy_m[1:] - a  # (s, 2) segment vectors
        seg_len2 = np.einsum("ij,ij->i", d, d)
        rel = pts[:, None, :] - a[None, :, :]  # (p, s, 2)
        t_raw = np.einsum("psk,sk->ps", rel, d) / seg_len2
        t = np.clip(t_raw, 0.0, 1.0)
        nearest = a[None] + t[..., None] * d[None]
        dist = np.linalg.norm(pts[:, None, :] - nearest, axis=2)
        seg = np.argmin(dist, axis=1)
        rows = np.arange(len(pts))
        t_near = t_raw[rows, seg]
        unit = d / np.sqrt(seg_len2)[:, None]
        tangent = unit[seg].copy()
        # At an interior vertex the bisector of the two segments decides the side.
        last = len(d) - 1
        at_end = (t_near >= 1.0) & (seg < last)
        at_start = (t_near <= 0.0) & (seg > 0)
        tangent[at_end] = unit[seg[at_end]] + unit[seg[at_end] + 1]
        tangent[at_start] = unit[seg[at_start]] + unit[seg[at_start] - 1]
        r = pts - nearest[rows, seg]
        cross = tangent[:, 0] * r[:, 1] - tangent[:, 1] * r[:, 0]
        offset: FloatArray = np.sign(cross) * dist[rows, seg]
        return offset

    def sides(self, points_m: FloatArray) -> list[Side]:
        """The side of each point (a point exactly on the line counts as the left side)."""
        right = self.left_side.other
        return [self.left_side if o >= 0 else right for o in self.signed_offset_m(points_m)]
