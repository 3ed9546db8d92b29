"""WGS84 lon/lat <-> the map's local metric frame, through one reused pyproj Transformer.

This module owns the choice and use of the projected CRS (UTM 49N, EPSG:32649, by default: the
Erenhot – Zamyn-Uud crossing lies at about 112 E). Creating a Transformer is costly and its
results must agree everywhere, so each map gets exactly one, used on whole coordinate arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

__all__ = ["DEFAULT_CRS", "Projector", "suggest_utm"]

DEFAULT_CRS = "EPSG:32649"
FloatArray = npt.NDArray[np.float64]


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
    def for_crs(cls, crs: str = DEFAULT_CRS) -> Projector:
        target = CRS.from_user_input(crs)
        if not target.is_projected:
            raise ValueError(
                f"crs {crs!r} is not a projected (metric) CRS; use e.g. a UTM zone such as "
                f"{DEFAULT_CRS}"
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
