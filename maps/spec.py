"""The corridor spec of ``borderflow map new``: a compact TOML file -> typed, checked records.

This module owns the spec's vocabulary (sections, keys, types, defaults and ranges) and the
checks that need no geometry: unknown keys (with a "did you mean"), wrong types and values,
positions that are not WGS84 ``[lon, lat]`` (or look swapped), a border given twice or not at
all, both ends on the same side. Every mistake is collected, and one :class:`SpecError` lists
them, each naming its dotted key (``ends.a.yard.slots``). What needs metres (the border
crossing the centreline, room for each end's layout) is checked by :mod:`maps.tools.corridor`.
The format, with a complete example, is in docs/maps.md ("Building a map from a spec").
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maps.properties import MAX_SPEED_KPH
from maps.spec_checks import (
    Bad,
    Check,
    LonLat,
    choice,
    did_you_mean,
    int_in,
    lonlat_list,
    num_in,
    text,
    texts,
)
from orchestrator.errors import BorderflowError
from orchestrator.lanegraph import GateType, Side

__all__ = [
    "BorderSpec",
    "CorridorSpec",
    "EndSpec",
    "MapInfo",
    "Places",
    "Spec",
    "SpecError",
    "SpecProblem",
    "load_spec",
    "parse_spec",
]

_REQUIRED = object()


@dataclass(frozen=True, slots=True, order=True)
class SpecProblem:
    key: str  # dotted key, e.g. "ends.a.yard.slots"; "(spec)" for the file as a whole
    message: str  # what is wrong and how to fix it

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class SpecError(BorderflowError, ValueError):
    """A spec was rejected; ``problems`` lists every mistake, sorted by key."""

    def __init__(self, problems: list[SpecProblem], source: str = "") -> None:
        self.problems = sorted(problems)
        self.source = source
        where = f" {source}" if source else ""
        lines = [f"map spec{where} is invalid ({len(self.problems)} problem(s)):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class Places:
    """``count`` stations of a kind, each with ``places`` vehicle places."""

    count: int
    places: int


@dataclass(frozen=True, slots=True)
class EndSpec:
    """One end of the corridor: its side, its town, and its yard and customs layout."""

    key: str  # "a" or "b"
    side: Side
    name: str
    slots: Places  # yard slots, handover places per slot
    gate_type: GateType
    gate_distance_m: float  # checkpoint to the border line, along the road
    buffers: Places
    hold_bays: Places
    scanner_lanes: int
    inspection_docks: int
    chargers: Places
    depots: Places


@dataclass(frozen=True, slots=True)
class CorridorSpec:
    centreline: tuple[LonLat, ...]  # from end a's yard to end b's yard, WGS84
    lanes_each_way: int
    speed_limit_kph: float
    border_at_m: float | None  # along the centreline from end a, when no [border] line


@dataclass(frozen=True, slots=True)
class BorderSpec:
    line: tuple[LonLat, ...]
    properties: Mapping[str, Any]  # name, source, accuracy: copied onto the border feature


@dataclass(frozen=True, slots=True)
class MapInfo:
    name: str
    properties: Mapping[str, Any]  # description, sources, schematic, accuracy, licence
    projected_crs: str | None


@dataclass(frozen=True, slots=True)
class Spec:
    info: MapInfo
    corridor: CorridorSpec
    border: BorderSpec | None
    a: EndSpec
    b: EndSpec
    source: str  # the spec's file name (written into the map's 'generator')


# section -> {key: (check, default or _REQUIRED)}
_MAP_KEYS: dict[str, tuple[Check, Any]] = {
    "name": (text, _REQUIRED),
    "description": (texts, None),
    "sources": (texts, None),
    "schematic": (texts, None),
    "accuracy": (texts, None),
    "licence": (text, None),
    "projected_crs": (text, None),
}
_CORRIDOR_KEYS: dict[str, tuple[Check, Any]] = {
    "centreline": (lonlat_list(2), _REQUIRED),
    "lanes_each_way": (int_in(1, 4), _REQUIRED),
    "speed_limit_kph": (num_in(0, MAX_SPEED_KPH, open_lo=True), _REQUIRED),
    "border_at_m": (num_in(0, 1e6, open_lo=True), None),
}
_BORDER_KEYS: dict[str, tuple[Check, Any]] = {
    "line": (lonlat_list(2), _REQUIRED),
    "name": (text, None),
    "source": (texts, None),
    "accuracy": (text, None),
}
_END_KEYS: dict[str, tuple[Check, Any]] = {
    "side": (choice("CN", "MN"), _REQUIRED),
    "name": (text, _REQUIRED),
}
_COUNT = int_in(0, 20)
_PLACES = int_in(1, 500)
# end sub-table -> its keys; every sub-table may be left out (its defaults apply) but "yard".
_END_TABLES: dict[str, dict[str, tuple[Check, Any]]] = {
    "yard": {"slots": (int_in(1, 200), _REQUIRED), "places_per_slot": (int_in(1, 20), 1)},
    "gate": {
        "type": (choice(*(t.value for t in GateType)), GateType.SMART.value),
        "distance_to_line_m": (num_in(5, 500), 25.0),
    },
    "buffers": {"count": (int_in(1, 20), 2), "places": (_PLACES, 2)},
    "hold_bays": {"count": (int_in(1, 26), 2), "places": (_PLACES, 4)},
    "scanner": {"lanes": (int_in(1, 8), 1)},
    "inspection": {"docks": (int_in(1, 20), 2)},
    "chargers": {"count": (int_in(1, 20), 2), "places": (_PLACES, 2)},
    "depots": {"count": (int_in(0, 6), 1), "places": (_PLACES, 20)},
}
_TOP = {"map", "corridor", "border", "ends"}


class _Reader:
    """Collects every problem while typed values are pulled out of the raw TOML tables."""

    def __init__(self) -> None:
        self.problems: list[SpecProblem] = []

    def bad(self, key: str, message: str) -> None:
        self.problems.append(SpecProblem(key, message))

    def table(self, raw: Any, key: str, *, required: bool = True) -> dict[str, Any] | None:
        if raw is None:
            if required:
                self.bad(key, f"missing table [{key}]; see `borderflow map new --help`")
            return None
        if not isinstance(raw, dict):
            self.bad(key, f"must be a table ([{key}]), got {raw!r}")
            return None
        return raw

    def keys(
        self, raw: dict[str, Any], key: str, spec: Mapping[str, tuple[Check, Any]]
    ) -> dict[str, Any]:
        allowed = sorted(spec)
        for k in sorted(set(raw) - set(spec)):
            self.bad(
                f"{key}.{k}",
                f"unknown key{did_you_mean(k, allowed)}; [{key}] takes {', '.join(allowed)}",
            )
        out: dict[str, Any] = {}
        for k, (check, default) in spec.items():
            if k not in raw:
                if default is _REQUIRED:
                    self.bad(f"{key}.{k}", f"missing; [{key}] needs {k!r}")
                else:
                    out[k] = default
                continue
            try:
                out[k] = check(raw[k])
            except Bad as bad:
                self.bad(f"{key}.{k}", str(bad))
        return out


def _end(r: _Reader, raw: Any, key: str) -> EndSpec | None:
    table = r.table(raw, key)
    if table is None:
        return None
    allowed = sorted([*_END_KEYS, *_END_TABLES])
    for k in sorted(set(table) - set(allowed)):
        r.bad(
            f"{key}.{k}",
            f"unknown key{did_you_mean(k, allowed)}; [{key}] takes {', '.join(allowed)}",
        )
    got = r.keys({k: v for k, v in table.items() if k in _END_KEYS}, key, _END_KEYS)
    sub: dict[str, dict[str, Any]] = {}
    for name, spec in _END_TABLES.items():
        part = r.table(table.get(name, {} if name != "yard" else None), f"{key}.{name}")
        sub[name] = r.keys(part, f"{key}.{name}", spec) if part is not None else {}
    needed = [*_END_KEYS, *(f"{t}.{k}" for t, s in _END_TABLES.items() for k in s)]
    flat = {**got, **{f"{t}.{k}": v for t, vals in sub.items() for k, v in vals.items()}}
    if any(k not in flat for k in needed):
        return None
    return EndSpec(
        key=key.removeprefix("ends."),
        side=Side(flat["side"]),
        name=flat["name"],
        slots=Places(flat["yard.slots"], flat["yard.places_per_slot"]),
        gate_type=GateType(flat["gate.type"]),
        gate_distance_m=flat["gate.distance_to_line_m"],
        buffers=Places(flat["buffers.count"], flat["buffers.places"]),
        hold_bays=Places(flat["hold_bays.count"], flat["hold_bays.places"]),
        scanner_lanes=flat["scanner.lanes"],
        inspection_docks=flat["inspection.docks"],
        chargers=Places(flat["chargers.count"], flat["chargers.places"]),
        depots=Places(flat["depots.count"], flat["depots.places"]),
    )


def parse_spec(doc: Mapping[str, Any], source: str = "<spec>") -> Spec:
    """The typed spec of a parsed TOML document; raises :class:`SpecError` listing every
    mistake."""
    r = _Reader()
    for k in sorted(set(doc) - _TOP):
        r.bad(
            k,
            f"unknown table{did_you_mean(k, sorted(_TOP))}; a spec has [map], [corridor], "
            "[border] (optional) and [ends.a], [ends.b]",
        )
    m = r.table(doc.get("map"), "map")
    info = r.keys(m, "map", _MAP_KEYS) if m is not None else {}
    c = r.table(doc.get("corridor"), "corridor")
    corridor = r.keys(c, "corridor", _CORRIDOR_KEYS) if c is not None else {}
    b = r.table(doc.get("border"), "border", required=False)
    border = r.keys(b, "border", _BORDER_KEYS) if b is not None else None
    ends = r.table(doc.get("ends"), "ends")
    a_end = b_end = None
    if ends is not None:
        for k in sorted(set(ends) - {"a", "b"}):
            r.bad(
                f"ends.{k}",
                "unknown end; a corridor has two: [ends.a] (where the "
                "centreline starts) and [ends.b] (where it ends)",
            )
        a_end, b_end = _end(r, ends.get("a"), "ends.a"), _end(r, ends.get("b"), "ends.b")
    if a_end and b_end and a_end.side is b_end.side:
        r.bad(
            "ends.b.side",
            f"both ends are on the {a_end.side.value} side; one end is CN and the other MN",
        )
    if c is not None and b is not None and "border_at_m" in c:
        r.bad(
            "corridor.border_at_m",
            "the border is given twice: as [border] line and as corridor.border_at_m; keep one",
        )
    if c is not None and b is None and "border_at_m" not in c:
        r.bad(
            "corridor.border_at_m",
            "where is the border? give corridor.border_at_m (metres "
            "along the centreline from end a; the line is drawn across the corridor there) "
            "or a [border] table with line = [[lon, lat], ...]",
        )
    if r.problems or a_end is None or b_end is None:
        raise SpecError(r.problems, source)
    props = {k: info[k] for k in ("description", "sources", "schematic", "accuracy", "licence")}
    return Spec(
        info=MapInfo(
            info["name"], {k: v for k, v in props.items() if v is not None}, info["projected_crs"]
        ),
        corridor=CorridorSpec(
            corridor["centreline"],
            corridor["lanes_each_way"],
            corridor["speed_limit_kph"],
            corridor["border_at_m"],
        ),
        border=(
            None
            if border is None
            else BorderSpec(
                border["line"],
                {k: border[k] for k in ("name", "source", "accuracy") if border[k] is not None},
            )
        ),
        a=a_end,
        b=b_end,
        source=source,
    )


def load_spec(path: str | Path) -> Spec:
    """Read and check a spec file; raises :class:`SpecError` (also for unreadable TOML)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        problem = SpecProblem("(spec)", f"cannot read {p}: {exc.strerror}")
        raise SpecError([problem], str(p)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError([SpecProblem("(spec)", f"{p.name} is not TOML: {exc}")], str(p)) from None
    return parse_spec(doc, p.name)
