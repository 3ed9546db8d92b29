"""The orchestrator node's own arrivals, made from a scenario or a manifest (``ros up
--arrivals``, ``ros arrivals``).

The ROS package does not import the SimPy runtime or the bridge, so the command line reads the
formats that exist — a scenario (``sim/scenarios/*.toml`` or a TOML path: its arrivals drawn from
its seed by :func:`sim.arrivals.draw_arrivals`, the declarations as ``serve --fleet sim`` makes
them) or a manifest CSV (``risk_bridge/manifest_file.py``, one order per row) — and writes the
plain JSON list the node reads (:mod:`borderflow_ros.arrivals_feed`, format
``borderflow-arrivals/1``). Only a scenario's arrivals are taken (times counted from its first
arrival): its fleet, closures, faults and customs belong to the SimPy runtime.

A manifest row may carry three more columns: ``direction`` (``CN->MN`` / ``MN->CN``; default:
``MN->CN`` for goods of Mongolian origin, else ``CN->MN``), ``arrive_s`` (seconds from the start;
default one row every 30 s) and ``origin_station`` (default: the origin side's yard slots in
turn).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maps.fingerprint import MapIdentity, map_identity
from orchestrator.lanegraph import LaneGraph, StationRole
from orchestrator.messages import Direction

__all__ = [
    "ARRIVALS_FORMAT",
    "ArrivalsPlan",
    "demo_scenario",
    "plan_arrivals",
    "write_arrivals",
]

ARRIVALS_FORMAT = "borderflow-arrivals/1"  # = borderflow_ros.arrivals_feed.FORMAT
MANIFEST_GAP_S = 30.0  # a manifest row without arrive_s comes this long after the one before


@dataclass(frozen=True)
class ArrivalsPlan:
    source: str  # for people: "scenario test_small (seed 7, 2 h)"
    map_ref: str  # what ros up passes as the nodes' map (bundled name or path)
    identity: MapIdentity
    rows: list[dict[str, Any]]  # the JSON entries, by time

    @property
    def span_s(self) -> float:
        return max((float(r["t_s"]) for r in self.rows), default=0.0)


def demo_scenario(map_id: str) -> str | None:
    """The bundled scenario a plain ``ros up`` on ``map_id`` takes its arrivals from: the map's
    ``*_day`` scenario, else its first by name (None: no bundled scenario runs on it)."""
    from sim.mapref import resolve_map_path
    from sim.scenario import bundled_scenarios, load_scenario

    on_map = []
    for name in bundled_scenarios():
        sc = load_scenario(name)
        if map_identity(resolve_map_path(sc)).map_id == map_id:
            on_map.append(name)
    days = [n for n in on_map if n.endswith("_day")]
    return (days or on_map)[0] if on_map else None


def plan_arrivals(ref: str, map_ref: str | None) -> ArrivalsPlan:
    """The arrivals of a bundled scenario name, a scenario TOML or a manifest CSV, on the map
    ``map_ref`` (None: the scenario's own map; test_crossing for a manifest). Raises ValueError
    (or a ScenarioError / BadInput naming the file) when they do not fit the map."""
    path = Path(ref)
    if path.suffix.lower() == ".csv":
        return _from_manifest(path, map_ref or "test_crossing")
    return _from_scenario(ref, map_ref)


def _from_scenario(ref: str, map_ref: str | None) -> ArrivalsPlan:
    from sim.live import SimFleet
    from sim.mapref import resolve_map_path
    from sim.scenario import load_scenario

    sc = load_scenario(ref)
    own = map_identity(resolve_map_path(sc))
    ident = own if map_ref is None else map_identity(map_ref)
    if (ident.map_id, ident.sha256) != (own.map_id, own.sha256):
        raise ValueError(
            f"--arrivals {ref}: scenario {sc.name} runs on map {own.map_id} (sha256 "
            f"{own.short}), not on --map {ident.map_id} (sha256 {ident.short}); leave --map "
            f"out to take the scenario's map, or give arrivals of {ident.map_id}"
        )
    # The declarations as `serve --fleet sim` makes them for this scenario (seeded cargo).
    fleet = SimFleet(sc, realtime=False)
    cargo = {c.container_id: c for c in fleet.manifest()}
    graph = fleet.sim.graph
    rows = []
    # The fleet's clock starts at the first arrival: nobody should watch an idle crossing for
    # the scenario's first quiet minutes (the gaps between arrivals are the scenario's).
    first_s = fleet.sim.arrivals[0].t_s if fleet.sim.arrivals else 0.0
    for a in fleet.sim.arrivals:
        slots = _slots(graph, a.direction)
        # As the SimPy runtime places one-place AGVs' containers (the ROS nodes run one place).
        station = slots[int(a.order_id[1:]) % len(slots)]
        c = cargo[a.container_id]
        rows.append(_row(a.t_s - first_s, a.order_id, a.container_id, a.direction, station,
                         list(a.seals), c.consignor, c.hs_code, c.origin_country))  # fmt: skip
    source = (f"scenario {sc.name} (seed {sc.seed}, {sc.duration_h:g} h, from its first "
              f"arrival at {first_s / 60:.1f} min)")  # fmt: skip
    return ArrivalsPlan(source, _as_ref(own) if map_ref is None else map_ref, own, rows)


def _from_manifest(path: Path, map_ref: str) -> ArrivalsPlan:
    from maps import load_map
    from risk_bridge.errors import BadInput
    from risk_bridge.manifest_file import read_manifest

    cargo = read_manifest(path)  # the columns every manifest has, every bad line named
    graph = load_map(map_ref)
    extra = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    t_s = 0.0
    turn = dict.fromkeys(Direction, 0)
    for i, (c, raw) in enumerate(zip(cargo, extra, strict=True)):
        line = i + 2
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        try:
            default = Direction.MN_TO_CN if c.origin_country == "MN" else Direction.CN_TO_MN
            direction = Direction(values["direction"]) if values.get("direction") else default
        except ValueError:
            problems.append(f"line {line}: direction {values['direction']!r} is not CN->MN "
                            "or MN->CN")  # fmt: skip
            continue
        if values.get("arrive_s"):
            try:
                t_s = float(values["arrive_s"])
            except ValueError:
                t_s = -1.0
            if not 0 <= t_s < 1e9:
                problems.append(f"line {line}: arrive_s {values['arrive_s']!r} is not seconds "
                                ">= 0")  # fmt: skip
                continue
        elif i:
            t_s += MANIFEST_GAP_S
        slots = _slots(graph, direction)
        station = values.get("origin_station") or slots[turn[direction] % len(slots)]
        turn[direction] += 1
        if station not in graph.stations:
            problems.append(f"line {line}: origin_station {station!r} is not a station of "
                            f"map {map_ref}")  # fmt: skip
            continue
        rows.append(_row(t_s, f"M{i + 1:06d}", c.container_id, direction, station, [],
                         c.consignor, c.hs_code, c.origin_country))  # fmt: skip
    if problems:
        raise BadInput(f"manifest {path}: {len(problems)} bad rows, no arrivals made: "
                       + "; ".join(problems[:20]))  # fmt: skip
    rows.sort(key=lambda r: (r["t_s"], r["order_id"]))
    return ArrivalsPlan(f"manifest {path.name} ({len(rows)} containers)", map_ref,
                        map_identity(map_ref), rows)  # fmt: skip


def _as_ref(ident: MapIdentity) -> str:
    """A bundled map by its name (what people type), any other by its path."""
    from maps import BUNDLED_MAPS

    bundled = BUNDLED_MAPS.get(ident.map_id)
    same = bundled is not None and bundled.resolve() == Path(ident.source).resolve()
    return ident.map_id if same else ident.source


def _slots(graph: LaneGraph, direction: Direction) -> list[str]:
    slots = [str(s.id) for s in graph.stations_with(StationRole.YARD_SLOT, direction.origin)]
    if not slots:
        raise ValueError(
            f"map {graph.name!r} has no yard slot on the {direction.origin.value} side for "
            f"{direction.value} containers"
        )
    return slots


def _row(
    t_s: float,
    order_id: str,
    cid: str,
    direction: Direction,
    station: str,
    seals: list[str],
    consignor: str,
    hs_code: str,
    origin: str,
) -> dict[str, Any]:
    return {"t_s": round(t_s, 3), "order_id": order_id, "container_id": cid,
            "direction": direction.value, "origin_station": station, "seal_numbers": seals,
            "consignor": consignor, "hs_code": hs_code, "origin_country": origin}  # fmt: skip


def write_arrivals(plan: ArrivalsPlan, out: Path) -> None:
    """The node's arrivals file (``arrivals_file`` parameter)."""
    doc = {"format": ARRIVALS_FORMAT, "source": plan.source, "map": plan.identity.map_id,
           "arrivals": plan.rows}  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
