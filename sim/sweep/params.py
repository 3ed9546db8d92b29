"""The parameters a sweep may vary, and how one value changes a scenario.

A plain parameter is the scenario file's own dotted key (``fleet.agvs``, ``risk.high``,
``scan.time_s``, ``risk.verdict_latency_s``): the value replaces that key in the parsed TOML and
the scenario reader validates the result, so a sweep gets exactly the errors a scenario file
would. A few derived parameters answer the questions people ask in their own units:

- ``arrivals.per_day``: containers a day (both directions, the hourly shape kept);
- ``arrivals.scale``, ``arrivals.cn_to_mn_scale``, ``arrivals.mn_to_cn_scale``: rate multipliers;
- ``risk.mix``: ``[low, medium, high]`` together (a single share would break the sum);
- ``risk.verdict_latency_min``: a fixed latency from arrival to the first verdict, minutes;
- ``scanners``: vehicles each NII scanner serves at once (the map's scanner capacity);
- ``closed_lanes``: lane ids closed for the whole run.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from orchestrator.lanegraph import LaneGraph, StationRole
from sim.errors import ScenarioError

__all__ = ["DERIVED", "apply_graph", "apply_raw", "check_name"]

_TABLES = {"fleet", "arrivals", "risk", "scan", "inspection", "seals", "gates"}
_TOP = {"duration_h", "tick_s"}
DERIVED = {
    "arrivals.per_day": "containers a day, both directions (the hourly shape is kept)",
    "arrivals.scale": "multiplier on both directions' hourly rates",
    "arrivals.cn_to_mn_scale": "multiplier on the CN->MN hourly rates",
    "arrivals.mn_to_cn_scale": "multiplier on the MN->CN hourly rates",
    "risk.mix": "[low, medium, high] shares, summing to 1",
    "risk.verdict_latency_min": "fixed minutes from arrival to the first verdict",
    "scanners": "vehicles each NII scanner serves at once (the map's scanner capacity)",
    "closed_lanes": "list of lane ids closed for the whole run",
}
_GRAPH = {"scanners"}


def check_name(name: str, where: str) -> None:
    """A parameter name the sweep understands, else an error listing what is allowed."""
    if name in DERIVED or name in _TOP:
        return
    table, _, key = name.partition(".")
    if table in _TABLES and key and "." not in key:
        return
    raise ScenarioError(
        where,
        f"parameters.{name}",
        "unknown parameter; give a scenario key as table.key (tables: "
        + ", ".join(sorted(_TABLES))
        + ") or one of: "
        + ", ".join(sorted(DERIVED)),
    )


def _number(where: str, name: str, value: Any, *, lo: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(where, f"parameters.{name}", f"must be a number, got {value!r}")
    if value < lo:
        raise ScenarioError(where, f"parameters.{name}", f"must be >= {lo:g}, got {value!r}")
    return float(value)


def _scale(raw: dict[str, Any], key: str, factor: float) -> None:
    rates = raw.get("arrivals", {}).get(key)
    if isinstance(rates, list):
        raw["arrivals"][key] = [r * factor for r in rates if isinstance(r, int | float)]


def apply_raw(raw: Mapping[str, Any], point: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A copy of the parsed scenario TOML with the point's values in (``scanners`` aside: it
    changes the map, :func:`apply_graph`)."""
    out: dict[str, Any] = copy.deepcopy(dict(raw))
    for name in sorted(point):
        value = point[name]
        if name in _GRAPH:
            continue
        if name == "arrivals.per_day":
            per_day = _number(where, name, value)
            arr = out.get("arrivals", {})
            total = sum(
                float(r)
                for k in ("cn_to_mn_per_h", "mn_to_cn_per_h")
                for r in arr.get(k, [])
                if isinstance(r, int | float)
            )
            if total <= 0:
                raise ScenarioError(where, f"parameters.{name}", "the scenario has no arrivals")
            for k in ("cn_to_mn_per_h", "mn_to_cn_per_h"):
                _scale(out, k, per_day / total)
        elif name in ("arrivals.scale", "arrivals.cn_to_mn_scale", "arrivals.mn_to_cn_scale"):
            factor = _number(where, name, value)
            keys = {"arrivals.scale": ("cn_to_mn_per_h", "mn_to_cn_per_h")}.get(
                name, (name.split(".")[1].replace("_scale", "_per_h"),)
            )
            for k in keys:
                _scale(out, k, factor)
        elif name == "risk.mix":
            ok = isinstance(value, list) and len(value) == 3
            if not ok:
                raise ScenarioError(
                    where, f"parameters.{name}", f"must be [low, medium, high], got {value!r}"
                )
            risk = out.setdefault("risk", {})
            for share, level in zip(value, ("low", "medium", "high"), strict=True):
                risk[level] = share
        elif name == "risk.verdict_latency_min":
            minutes = _number(where, name, value)
            out.setdefault("risk", {})["verdict_latency_s"] = [minutes * 60.0, minutes * 60.0]
        elif name == "closed_lanes":
            lanes = value if isinstance(value, list) else None
            if lanes is None or not all(isinstance(lane, str) for lane in lanes):
                raise ScenarioError(
                    where, f"parameters.{name}", f"must be a list of lane ids, got {value!r}"
                )
            closures = list(out.get("closures", []))
            for lane in lanes:
                # Reopened long after any run ends, whatever hours the sweep runs.
                closures.append(
                    {"lane": lane, "from_h": 0.0, "to_h": 1e5, "reason": "closed in the sweep"}
                )
            out["closures"] = closures
        elif "." in name:
            table, key = name.split(".", 1)
            out.setdefault(table, {})[key] = value
        else:
            out[name] = value
    return out


def apply_graph(graph: LaneGraph, point: Mapping[str, Any], where: str) -> LaneGraph:
    """The map with the point's ``scanners`` capacity on every NII scanner station."""
    if "scanners" not in point:
        return graph
    value = point["scanners"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ScenarioError(where, "parameters.scanners", f"must be an integer >= 1, got {value!r}")
    stations = {
        sid: replace(s, capacity_vehicles=value) if s.role is StationRole.SCANNER else s
        for sid, s in graph.stations.items()
    }
    if stations == dict(graph.stations):
        return graph
    if not any(s.role is StationRole.SCANNER for s in graph.stations.values()):
        raise ScenarioError(where, "parameters.scanners", "the map has no NII scanner station")
    return replace(graph, stations=stations)
