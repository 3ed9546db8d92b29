"""WGS84 lon/lat <-> the map's local metric frame, through one reused pyproj Transformer.

This module owns the choice and use of the projected CRS. The projection comes from the map:
an explicit ``crs`` argument (an override) wins, else the map's own ``projected_crs`` property,
else the WGS84 UTM zone of the centroid of the map's coordinates, so a map anywhere on Earth
loads without a setting (the bundled Erenhot maps lie at about 112 E: UTM 49N, EPSG:32649).
Creating a Transformer is costly and its results must agree everywhere, so each map gets
exactly one, used on whole coordinate arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from maps.errors import MAP_ID, MapProblem

__all__ = ["DEFAULT_CRS", "CrsSource", "Projector", "choose_crs", "suggest_utm"]

# UTM 49N: the zone of the bundled Erenhot maps (what suggest_utm gives for them). Not the
# loader's default any more: the projection comes from the map (see choose_crs).
DEFAULT_CRS = "EPSG:32649"
FloatArray = npt.NDArray[np.float64]
# Why a graph is in its CRS (LaneGraph.metadata["crs_source"]).
CrsSource = Literal["given", "map", "utm-of-centroid"]


def suggest_utm(lon: float, lat: float) -> str:
    """The WGS84 UTM zone CRS holding (lon, lat): what to pass as ``crs`` for a new map."""
    zone = min(60, max(1, int((lon + 180.0) // 6.0) + 1))
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


@dataclass(frozen=True)
class Projector:
    """Forward (lon/lat -> x_m, y_m) and inverse projection for one map."""

    crs: str
    _fwd: Transformer
    _inv: Transformer

    @classmethod
    def for_crs(cls, crs: str) -> Projector:
        target = CRS.from_user_input(crs)
        if not target.is_projected:
            raise ValueError(
                f"crs {crs!r} is not a projected (metric) CRS; use e.g. the map's UTM zone "
                f"such as {DEFAULT_CRS} (UTM 49N)"
            )
        fwd = Transformer.from_crs("EPSG:4326", target, always_xy=True)
        inv = Transformer.from_crs(target, "EPSG:4326", always_xy=True)
        return cls(crs, fwd, inv)

    def area_of_use(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) in degrees where the CRS is meant to be used."""
        area = CRS.from_user_input(self.crs).area_of_use
        return None if area is None else (area.west, area.south, area.east, area.north)

    def forward(self, lonlat: FloatArray) -> FloatArray:
        """(n, 2) lon/lat degrees -> (n, 2) metres, in one transformer call."""
        if lonlat.size == 0:
            return np.empty((0, 2))
        x, y = self._fwd.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y]).astype(np.float64)

    def inverse(self, xy_m: FloatArray) -> FloatArray:
        """(n, 2) metres -> (n, 2) lon/lat degrees."""
        if xy_m.size == 0:
            return np.empty((0, 2))
        lon, lat = self._inv.transform(xy_m[:, 0], xy_m[:, 1])
        return np.column_stack([lon, lat]).astype(np.float64)


def choose_crs(
    given: str | None,
    properties: Mapping[str, Any],
    lonlat: FloatArray,
    problems: list[MapProblem],
) -> tuple[Projector, CrsSource] | None:
    """The map's projection and why it was chosen, or None (with a problem appended).

    ``given`` (the caller's override) wins over the map's ``projected_crs`` property, which
    wins over the UTM zone of the centroid of ``lonlat`` (the map's coordinates, border
    excluded).
    """
    if given is not None:
        try:
            return Projector.for_crs(given), "given"
        except (CRSError, ValueError) as exc:
            problems.append(MapProblem(MAP_ID, "wrong-crs", f"cannot use crs {given!r}: {exc}"))
            return None
    declared = properties.get("projected_crs")
    if declared is not None:
        if not isinstance(declared, str):
            return None  # the schema check reports a value that is not a string
        centre = _centroid(lonlat)
        hint = f" such as {suggest_utm(*centre)} (its UTM zone)" if centre else ""
        try:
            return Projector.for_crs(declared), "map"
        except (CRSError, ValueError) as exc:
            problems.append(
                MapProblem(
                    MAP_ID,
                    "bad-property",
                    f"property 'projected_crs' must name a projected (metric) CRS, e.g. "
                    f'"EPSG:32648"{hint}, or be left out (the loader then uses the UTM zone '
                    f"of the map's centre): {exc}",
                )
            )
            return None
    centre = _centroid(lonlat)
    if centre is None:
        problems.append(MapProblem(MAP_ID, "empty-map", "the map has no lanes, zones or points"))
        return None
    return Projector.for_crs(suggest_utm(*centre)), "utm-of-centroid"


def _centroid(lonlat: FloatArray) -> tuple[float, float] | None:
    if not len(lonlat):
        return None
    lon, lat = lonlat.mean(axis=0)
    return float(lon), float(lat)
