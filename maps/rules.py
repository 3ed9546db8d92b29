"""Layout rules checked on a built lane graph: what the traffic manager's guarantees rely on.

This module owns the checks that need the whole graph: every station and every lane reachable
from the yards and able to return to them (one strongly connected network, so every road edge
lies on a directed cycle), every border-crossing edge at a declared gate, a turn-back lane at
each gate, stations off the through lanes (at the end of a spur, on an exclusive drive-through
section, or on a one-way drive-through loop that no other traffic needs, like a depot) and
inside a zone of the matching kind, and at least one yard slot on each side.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from maps.errors import MAP_ID, MapProblem
from orchestrator.lanegraph import (
    Edge,
    EdgeKey,
    Gate,
    Node,
    NodeId,
    Side,
    Station,
    StationId,
    StationRole,
    Zone,
    ZoneId,
    ZoneKind,
)

__all__ = ["ROLE_ZONE", "check_layout"]

# The zone kind a station of each role must stand in (its innermost zone).
ROLE_ZONE: dict[StationRole, ZoneKind] = {
    StationRole.YARD_SLOT: ZoneKind.YARD,
    StationRole.SCANNER: ZoneKind.NII_SCANNER,
    StationRole.HOLD: ZoneKind.HOLD_BAY,
    StationRole.BUFFER: ZoneKind.PRE_BORDER_BUFFER,
    StationRole.CHARGER: ZoneKind.CHARGING,
    StationRole.INSPECTION: ZoneKind.INSPECTION,
    StationRole.GATE: ZoneKind.BORDER_GATE,
    StationRole.PARKING: ZoneKind.DEPOT,
}


def check_layout(
    nodes: Mapping[NodeId, Node],
    edges: Mapping[EdgeKey, Edge],
    zones: Mapping[ZoneId, Zone],
    stations: Mapping[StationId, Station],
    gates: Mapping[str, Gate],
) -> list[MapProblem]:
    problems: list[MapProblem] = []
    problems += _check_gates(edges, gates)
    problems += _check_stations(edges, zones, stations)
    problems += _check_reachability(nodes, edges, zones, stations)
    return problems


def _check_gates(edges: Mapping[EdgeKey, Edge], gates: Mapping[str, Gate]) -> list[MapProblem]:
    problems: list[MapProblem] = []
    gate_nodes = {g.node for g in gates.values()}
    crossing = [e for e in edges.values() if e.crosses_border]
    if not crossing:
        problems.append(
            MapProblem(
                MAP_ID,
                "no-crossing",
                "no lane crosses the border line; add the crossing road (a pair of one-way "
                "lanes through the gates) or check the border feature",
            )
        )
    for e in sorted(crossing, key=lambda e: e.key):
        if e.source not in gate_nodes and e.target not in gate_nodes:
            problems.append(
                MapProblem(
                    e.lane_id,
                    "crossing-without-gate",
                    f"crosses the border between nodes {e.source} and {e.target}, but neither is "
                    "a declared gate; put a 'gate' feature on the lane vertex just before the "
                    "line",
                )
            )
    out: dict[NodeId, list[Edge]] = {}
    for e in edges.values():
        out.setdefault(e.source, []).append(e)
    for gate in sorted(gates.values(), key=lambda g: g.id):
        if not gate.crossing_edges:
            problems.append(
                MapProblem(
                    gate.id,
                    "gate-off-border",
                    "no lane from or to this gate crosses the border; place the gate on the "
                    "crossing road's vertex right before the line",
                )
            )
        if not any(not e.crosses_border for e in out.get(gate.node, [])):
            problems.append(
                MapProblem(
                    gate.id,
                    "gate-without-turn-back",
                    "has no turn-back lane: a vehicle stopped here without a clearing verdict "
                    "could only cross; add a lane from the gate back to the buffer/hold area",
                )
            )
    return problems


def _check_stations(
    edges: Mapping[EdgeKey, Edge],
    zones: Mapping[ZoneId, Zone],
    stations: Mapping[StationId, Station],
) -> list[MapProblem]:
    problems: list[MapProblem] = []
    graph: nx.DiGraph | None = None  # built only when a station needs the drive-through test
    incident: dict[NodeId, list[Edge]] = {}
    for e in edges.values():
        incident.setdefault(e.source, []).append(e)
        incident.setdefault(e.target, []).append(e)
    for side in Side:
        if not any(s.role is StationRole.YARD_SLOT and s.side is side for s in stations.values()):
            problems.append(
                MapProblem(
                    MAP_ID,
                    "no-yard",
                    f"no yard slot on the {side.value} side; a crossing needs yard stations on "
                    "both sides (or the border line is not where the map is)",
                )
            )
    for st in sorted(stations.values(), key=lambda s: s.id):
        want = ROLE_ZONE[st.role]
        zone = zones.get(st.zone) if st.zone is not None else None
        if zone is None or zone.kind is not want:
            found = "no zone" if zone is None else f"zone {zone.id} ({zone.kind.value})"
            problems.append(
                MapProblem(
                    st.id,
                    "station-zone",
                    f"a {st.role.value} station must stand in a {want.value} zone, but its "
                    f"innermost zone is {found}",
                )
            )
        if st.role is StationRole.GATE:
            continue  # gates are on the crossing road by definition
        around = incident.get(st.node, [])
        neighbours = {e.source if e.target == st.node else e.target for e in around}
        if len(neighbours) <= 1 or all(e.exclusive for e in around):
            continue
        if graph is None:
            graph = nx.DiGraph(list(edges))
        if not _is_drive_through(graph, st, around, stations):
            problems.append(
                MapProblem(
                    st.id,
                    "station-on-through-lane",
                    "sits on a through lane; a station must end a spur (one neighbouring node), "
                    "lie on an exclusive drive-through section, or lie on a one-way "
                    "drive-through loop that no other station's traffic needs (like a depot), "
                    "so a parked vehicle never blocks traffic",
                )
            )
    return problems


def _is_drive_through(
    graph: nx.DiGraph, st: Station, around: list[Edge], stations: Mapping[StationId, Station]
) -> bool:
    """True when ``st`` lies on a one-way loop off the main roads, e.g. a depot's in and out lanes.

    Such a station may use ordinary (non-exclusive) lanes, so a busy depot does not serialise its
    traffic on one exclusive spur: what matters for the layout rules is that no vehicle bound
    elsewhere ever has to drive through it. So: every lane at the station is one-way, and with
    the station's node removed every other station can still reach, and be reached from, the
    yard slots.
    """
    if any(e.two_way for e in around):
        return False
    others = sorted({s.node for s in stations.values() if s.node != st.node})
    roots = [
        s.node
        for s in sorted(stations.values(), key=lambda s: s.id)
        if s.role is StationRole.YARD_SLOT and s.node != st.node
    ]
    if not roots:
        return False
    rest = graph.subgraph(n for n in graph if n != st.node)
    root = roots[0]
    if root not in rest:
        return False
    reach = nx.descendants(rest, root) | {root}
    back = nx.ancestors(rest, root) | {root}
    return all(n in reach and n in back for n in others)


def _check_reachability(
    nodes: Mapping[NodeId, Node],
    edges: Mapping[EdgeKey, Edge],
    zones: Mapping[ZoneId, Zone],
    stations: Mapping[StationId, Station],
) -> list[MapProblem]:
    yards = sorted(
        (s for s in stations.values() if s.role is StationRole.YARD_SLOT), key=lambda s: s.id
    )
    if not yards:
        return []
    g: nx.DiGraph = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    root = yards[0].node
    from_yard = nx.descendants(g, root) | {root}
    to_yard = nx.ancestors(g, root) | {root}
    problems: list[MapProblem] = []
    at_station = {s.node: s for s in stations.values()}
    lanes_at: dict[NodeId, str] = {}
    for e in sorted(edges.values(), key=lambda e: (e.lane_id, e.key)):
        lanes_at.setdefault(e.source, e.lane_id)
        lanes_at.setdefault(e.target, e.lane_id)
    reported: set[str] = set()
    for nid in sorted(nodes):
        gaps = []
        if nid not in from_yard:
            gaps.append("cannot be reached from")
        if nid not in to_yard:
            gaps.append("cannot return to")
        if not gaps:
            continue
        what = " and ".join(gaps)
        st = at_station.get(nid)
        if st is not None:
            fid: str = st.zone if st.zone is not None else st.id
            msg = f"station {st.id} {what} the yard stations (e.g. {yards[0].id})"
            if st.zone is not None:
                msg = f"zone {st.zone}: {msg}"
        else:
            fid = lanes_at.get(nid, nid)
            if fid in reported:
                continue  # one problem per lane is enough to find it
            reported.add(fid)
            msg = (
                f"node {nid} {what} the yard stations (e.g. {yards[0].id}); main roads must be "
                "one-way loops or pairs of one-way lanes, spurs two-way"
            )
        problems.append(MapProblem(fid, "unreachable", msg))
    return problems
