"""What a map file may say: the allowed properties of each feature kind and their checks.

This module owns the property vocabulary (kind -> geometry type -> {property: (required,
validator)}) and the one function that checks a properties object against it. Unknown
properties are errors, with a "did you mean" hint, so a typo never passes silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from maps.errors import MapProblem
from orchestrator.lanegraph import GateType, StationRole, ZoneKind

__all__ = [
    "COMMON_PROPERTIES",
    "FEATURE_PROPERTIES",
    "FILE_STATION_ROLES",
    "MAP_PROPERTIES",
    "MAX_SPEED_KPH",
    "PropertySpec",
    "check_props",
]

# Station roles a file may declare; gate checkpoints are "gate" features and become GATE
# stations automatically, so a second way of declaring them would only invite disagreement.
FILE_STATION_ROLES = tuple(r.value for r in StationRole if r is not StationRole.GATE)
MAX_SPEED_KPH = 60.0  # AGVs in a customs area; anything above is a unit mistake (m/s vs km/h)
PropertySpec = Mapping[str, tuple[bool, Callable[[Any], Any]]]


class _Bad(Exception):
    """A property value is wrong; the message says what is expected."""


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _Bad("must be a non-empty string")
    return v


def _pos_int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise _Bad(f"must be an integer >= 1, got {v!r}")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Bad(f"must be true or false, got {v!r}")
    return v


def _speed(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= MAX_SPEED_KPH:
        raise _Bad(f"must be a number of km/h in (0, {MAX_SPEED_KPH:g}], got {v!r}")
    return float(v)


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in allowed:
            raise _Bad(f"must be one of {', '.join(repr(a) for a in allowed)}; got {v!r}")
        return str(v)

    return check


def _str_or_list(v: Any) -> Any:
    ok = isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
    if not ok:
        raise _Bad("must be a string or a list of strings")
    return v


_SIDES = _choice("CN", "MN")
COMMON_PROPERTIES: dict[str, tuple[bool, Callable[[Any], Any]]] = {
    "kind": (True, _str),
    "note": (False, _str_or_list),
}
# kind -> geometry type, {property: (required, validator)}
FEATURE_PROPERTIES: dict[str, tuple[str, dict[str, tuple[bool, Callable[[Any], Any]]]]] = {
    "zone": (
        "Polygon",
        {
            "zone_kind": (True, _choice(*(k.value for k in ZoneKind))),
            "side": (True, _SIDES),
            "name": (True, _str),
            "capacity_vehicles": (False, _pos_int),
        },
    ),
    "lane": (
        "LineString",
        {
            "direction": (True, _choice("one-way", "two-way")),
            "speed_limit_kph": (True, _speed),
            "lane_count": (False, _pos_int),
            "exclusive": (False, _bool),
            "name": (False, _str),
        },
    ),
    "station": (
        "Point",
        {
            "role": (True, _choice(*FILE_STATION_ROLES)),
            "name": (True, _str),
            "capacity_vehicles": (False, _pos_int),
        },
    ),
    "gate": (
        "Point",
        {"name": (True, _str), "gate_type": (False, _choice(*(t.value for t in GateType)))},
    ),
    "border": (
        "LineString",
        {
            "left_side": (True, _SIDES),
            "name": (False, _str),
            "source": (False, _str_or_list),
            "source_url": (False, _str),
            "licence": (False, _str),
            "accuracy": (False, _str),
        },
    ),
}
MAP_PROPERTIES: dict[str, tuple[bool, Callable[[Any], Any]]] = {
    "name": (True, _str),
    "schema": (True, _choice("borderflow-map/1")),
    "description": (False, _str_or_list),
    "sources": (False, _str_or_list),
    "schematic": (False, _str_or_list),
    "accuracy": (False, _str_or_list),
    "licence": (False, _str),
    "generator": (False, _str),
    # The projected CRS of the graph's metres, e.g. "EPSG:32648" (checked by maps.projection);
    # without it the loader uses the UTM zone of the map's centroid.
    "projected_crs": (False, _str),
}


def check_props(
    fid: str,
    props: Mapping[str, Any],
    spec: PropertySpec,
    problems: list[MapProblem],
    what: str,
) -> dict[str, Any] | None:
    """Validated property values, or None (with problems appended) when any is wrong."""
    out: dict[str, Any] = {}
    ok = True
    for key in sorted(set(props) - set(spec)):
        close = [k for k in spec if k.replace("_", "") in key.replace("_", "") or key in k]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            MapProblem(
                fid,
                "unknown-property",
                f"unknown property {key!r} on a {what}{hint}; allowed: {', '.join(sorted(spec))}",
            )
        )
        ok = False
    for key, (required, check) in spec.items():
        if key not in props:
            if required:
                problems.append(
                    MapProblem(fid, "missing-property", f"{what} needs property {key!r}")
                )
                ok = False
            continue
        try:
            out[key] = check(props[key])
        except _Bad as bad:
            problems.append(MapProblem(fid, "bad-property", f"property {key!r} {bad}"))
            ok = False
    return out if ok else None
