"""The map's zones in metres: polygon validity, the side of the border each lies on, and which
(innermost) zone holds a point.

This module owns the zone checks of the geometry pass (an invalid polygon, a zone across the
border line or on the other side than declared, and the hint when nearly all of them are on the
other side: a border drawn the wrong way round) and the innermost-zone lookup used to tag nodes
and edges (one shapely STRtree, vectorised).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from maps.border import BorderLine
from maps.errors import MAP_ID, MapProblem, Severity
from maps.schema import ParsedMap
from orchestrator.lanegraph import Zone, ZoneId

__all__ = ["ZoneLocator", "build_zones"]


class ZoneLocator:
    """Innermost (smallest) zone holding each geometry, through one STRtree."""

    def __init__(self, polys: list[Any], ids: list[str]) -> None:
        self.polys = np.array(polys, dtype=object)
        self.ids = ids
        self.area = shapely.area(self.polys) if polys else np.empty(0)
        self.tree = shapely.STRtree(self.polys)

    def __call__(self, geoms: npt.NDArray[np.object_]) -> list[ZoneId | None]:
        out: list[ZoneId | None] = [None] * len(geoms)
        if not len(self.ids):
            return out
        g_idx, z_idx = self.tree.query(geoms, predicate="intersects")
        best: dict[int, int] = {}
        for g, z in zip(g_idx.tolist(), z_idx.tolist(), strict=True):
            if g not in best or self.area[z] < self.area[best[g]]:
                best[g] = z
        for g, z in best.items():
            out[g] = ZoneId(self.ids[z])
        return out


_LOCATION = re.compile(r"\[([-\d.e+]+) ([-\d.e+]+)\]")


def build_zones(
    parsed: ParsedMap,
    polys: list[Any],
    line: BorderLine,
    border_geom: Any,
    *,
    where: Any,
    problems: list[MapProblem],
) -> dict[ZoneId, Zone]:
    zones: dict[ZoneId, Zone] = {}
    sided, opposite = 0, 0  # zones whose side could be decided; those on the other side
    for z, poly in zip(parsed.zones, polys, strict=True):
        reason = shapely.is_valid_reason(poly)
        if reason != "Valid Geometry":
            m = _LOCATION.search(reason)
            at = f" at {where(np.array([float(m[1]), float(m[2])]))}" if m else ""
            problems.append(
                MapProblem(
                    z.id,
                    "invalid-polygon",
                    f"polygon is invalid: {reason.split('[')[0]}{at}; fix the ring so it does "
                    "not cross itself",
                )
            )
            continue
        if shapely.intersects(poly, border_geom):
            problems.append(
                MapProblem(
                    z.id,
                    "zone-crosses-border",
                    "the polygon crosses the border line; a zone lies on one side (split it)",
                )
            )
        else:
            rep = shapely.get_coordinates(shapely.point_on_surface(poly))
            side = line.sides(rep)[0]
            sided += 1
            if side is not z.side:
                opposite += 1
                problems.append(
                    MapProblem(
                        z.id,
                        "zone-side",
                        f"declared side {z.side.value} but the polygon lies on the "
                        f"{side.value} side of the border line",
                    )
                )
        zones[ZoneId(z.id)] = Zone(
            ZoneId(z.id), z.zone_kind, z.side, z.name, float(poly.area), z.capacity_vehicles
        )
    if _looks_reversed(sided, opposite):
        problems.append(_reversed_hint(parsed, line, sided, opposite))
    return zones


def _looks_reversed(sided: int, opposite: int) -> bool:
    # "Nearly all": a zone or two drawn on the wrong side is a zone's mistake; most of them
    # at once is the border's (or every side value's) mistake.
    return sided >= 2 and opposite >= max(2, 0.8 * sided)


def _reversed_hint(parsed: ParsedMap, line: BorderLine, sided: int, opposite: int) -> MapProblem:
    seen = f"{opposite} of {sided} zones lie on the other side of the border than declared"
    if parsed.border is None:
        return MapProblem(
            MAP_ID,
            "border-reversed",
            f"{seen}: the zones' 'side' values look swapped (CN for MN); check them against the "
            "bundled Natural Earth line (Mongolia west of it), or add the map's own border",
            Severity.WARNING,
        )
    return MapProblem(
        parsed.border.id,
        "border-reversed",
        f"{seen}: the border line is probably drawn the wrong way round; reverse its "
        f"coordinates, or set left_side to {line.left_side.other.value!r} (the side on the left "
        "when walking the line in drawn order)",
        Severity.WARNING,
    )
