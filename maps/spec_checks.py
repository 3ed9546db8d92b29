"""Value checks of the corridor spec (:mod:`maps.spec`): each returns the typed value or raises
:class:`Bad` with what is expected, and the caller names the key.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from typing import Any

__all__ = [
    "Bad",
    "Check",
    "LonLat",
    "choice",
    "did_you_mean",
    "int_in",
    "lonlat_list",
    "num_in",
    "text",
    "texts",
]

LonLat = tuple[float, float]
Check = Callable[[Any], Any]


class Bad(Exception):
    """A value is wrong; the message says what is expected (the caller adds the key)."""


def int_in(lo: int, hi: int) -> Check:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise Bad(f"must be a whole number in {lo}..{hi}, got {v!r}")
        return v

    return check


def num_in(lo: float, hi: float, *, open_lo: bool = False) -> Check:
    def check(v: Any) -> float:
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        if not ok or not (lo < v if open_lo else lo <= v) or not v <= hi:
            bracket = "(" if open_lo else "["
            raise Bad(f"must be a number in {bracket}{lo:g}, {hi:g}], got {v!r}")
        return float(v)

    return check


def text(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise Bad(f"must be a non-empty string, got {v!r}")
    return v


def texts(v: Any) -> Any:
    if isinstance(v, str) or (isinstance(v, list) and v and all(isinstance(x, str) for x in v)):
        return v
    raise Bad(f"must be a string or a list of strings, got {v!r}")


def choice(*allowed: str) -> Check:
    def check(v: Any) -> str:
        if v not in allowed:
            raise Bad(f"must be one of {', '.join(repr(a) for a in allowed)}, got {v!r}")
        return str(v)

    return check


def lonlat_list(min_points: int) -> Check:
    def check(v: Any) -> tuple[LonLat, ...]:
        if not isinstance(v, list) or len(v) < min_points:
            got = f"{len(v)} point(s)" if isinstance(v, list) else repr(v)
            raise Bad(f"must be a list of at least {min_points} [lon, lat] points, got {got}")
        out: list[LonLat] = []
        for i, p in enumerate(v):
            nums = isinstance(p, list) and len(p) == 2
            nums = nums and all(isinstance(c, int | float) and not isinstance(c, bool) for c in p)
            if not nums:
                raise Bad(f"point {i} must be [lon, lat] (two numbers), got {p!r}")
            lon, lat = float(p[0]), float(p[1])
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                swapped = abs(lon) <= 90 < abs(lat) <= 180
                why = (
                    f"longitude and latitude look swapped: write [{lat:g}, {lon:g}], lon first"
                    if swapped
                    else "it is not WGS84 degrees (lon -180..180, lat -90..90)"
                )
                raise Bad(f"point {i} [{p[0]!r}, {p[1]!r}]: {why}")
            if out and out[-1] == (lon, lat):
                raise Bad(f"point {i} repeats point {i - 1}; remove one of them")
            out.append((lon, lat))
        return tuple(out)

    return check


def did_you_mean(key: str, allowed: list[str]) -> str:
    """ " (did you mean 'x'?)" for a key close to an allowed one (a typo), else ""."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    close += [k for k in allowed if k.replace("_", "") in key.replace("_", "") or key in k]
    return f" (did you mean {close[0]!r}?)" if close else ""
