"""Hand-built lane graphs for the core's tests (the map loader's output, made small).

``two_yard_crossing`` is a crossing with one yard per side: a one-way ring per side, stations
on one-way spurs off the ring (every edge lies on a cycle), and a pair of one-way lanes over
the border, each leaving from a gate checkpoint node.

    CN ring C0..C7 (clockwise)                         MN ring M0..M7
    C0->K->C1 charger   C1->B->C2 buffer   C2->G gate -> M6 (border lane, CN->MN)
    C3->S->C4 scanner   C4->H->C5 hold     C5->Yk->C6 yard slots   G->C3 turn-back
    (the MN side mirrors it; its gate lane goes MG -> C6)
"""

from __future__ import annotations

import math

from orchestrator.lanegraph import (
    Edge,
    EdgeKey,
    Gate,
    LaneGraph,
    Node,
    NodeId,
    Side,
    Station,
    StationRole,
    Zone,
    ZoneId,
    ZoneKind,
)

SPEED_MPS = 5.0


class GraphBuilder:
    def __init__(self, name: str = "test") -> None:
        self.name = name
        self.nodes: dict[NodeId, Node] = {}
        self.edges: dict[EdgeKey, Edge] = {}
        self.stations: dict[str, Station] = {}
        self.gates: dict[str, Gate] = {}
        self.zones: dict[ZoneId, Zone] = {}

    def node(self, nid: str, x_m: float, y_m: float, side: Side, zone: str | None = None) -> NodeId:
        n = NodeId(nid)
        self.nodes[n] = Node(n, x_m, y_m, side, None if zone is None else ZoneId(zone))
        return n

    def zone(self, zid: str, kind: ZoneKind, side: Side) -> None:
        self.zones[ZoneId(zid)] = Zone(ZoneId(zid), kind, side, zid, 1000.0)

    def edge(
        self,
        u: str,
        v: str,
        *,
        lane_id: str | None = None,
        length_m: float | None = None,
        lanes: int = 1,
        exclusive: bool = False,
        two_way: bool = False,
        speed_mps: float = SPEED_MPS,
    ) -> None:
        a, b = self.nodes[NodeId(u)], self.nodes[NodeId(v)]
        if length_m is None:
            length_m = max(1.0, math.hypot(a.x_m - b.x_m, a.y_m - b.y_m))
        lid = lane_id or f"{u}-{v}"
        for s, t in [(a, b), (b, a)] if two_way else [(a, b)]:
            self.edges[(s.id, t.id)] = Edge(
                source=s.id,
                target=t.id,
                lane_id=lid,
                length_m=length_m,
                speed_limit_mps=speed_mps,
                lane_count=lanes,
                two_way=two_way,
                exclusive=exclusive,
                crosses_border=s.side is not t.side,
                side=s.side,
                zone=s.zone,
            )

    def station(self, sid: str, role: StationRole, node: str, capacity: int = 1) -> None:
        n = self.nodes[NodeId(node)]
        self.stations[sid] = Station(sid, role, n.id, n.side, n.zone, capacity, sid)

    def gate(self, gid: str, node: str, crossing: list[tuple[str, str]]) -> None:
        self.gates[gid] = Gate(
            gid, gid, NodeId(node), tuple((NodeId(u), NodeId(v)) for u, v in crossing)
        )

    def build(self) -> LaneGraph:
        return LaneGraph(
            name=self.name,
            crs="EPSG:32649",
            nodes=self.nodes,
            edges=self.edges,
            zones=self.zones,
            stations=self.stations,
            gates=self.gates,
        )


def _side(
    b: GraphBuilder,
    p: str,
    side: Side,
    sign: float,
    *,
    slots: int,
    ring_m: float,
    spur_m: float,
    lanes: int,
    hold_capacity: int,
    charger_capacity: int,
    shortcut: bool,
) -> None:
    # Ring C0..C7 on a rectangle; x grows away from the border (x=0) on each side.
    corners = [(1, 0), (2, 0), (3, 0), (4, 0), (4, 1), (3, 1), (2, 1), (1, 1)]
    for i, (cx, cy) in enumerate(corners):
        b.node(f"{p}{i}", sign * cx * ring_m, cy * ring_m, side)
    for i in range(8):
        b.edge(f"{p}{i}", f"{p}{(i + 1) % 8}", length_m=ring_m, lanes=lanes)
    b.zone(f"{p}-scan", ZoneKind.NII_SCANNER, side)
    b.zone(f"{p}-hold", ZoneKind.HOLD_BAY, side)

    def spur(
        name: str, a: int, z: int, role: StationRole, cap: int, zone: str | None = None
    ) -> None:
        ax, ay = b.nodes[NodeId(f"{p}{a}")].x_m, b.nodes[NodeId(f"{p}{a}")].y_m
        b.node(f"{p}{name}", ax, ay - spur_m, side, zone)
        b.edge(f"{p}{a}", f"{p}{name}", length_m=spur_m)
        b.edge(f"{p}{name}", f"{p}{z}", length_m=spur_m)
        b.station(f"{p}-{name}", role, f"{p}{name}", cap)

    spur("K", 0, 1, StationRole.CHARGER, charger_capacity)
    spur("B", 1, 2, StationRole.BUFFER, 2)
    spur("S", 3, 4, StationRole.SCANNER, 1, f"{p}-scan")
    spur("H", 4, 5, StationRole.HOLD, hold_capacity, f"{p}-hold")
    for k in range(slots):
        spur(f"Y{k}", 5, 6, StationRole.YARD_SLOT, 1)
    gx = b.nodes[NodeId(f"{p}2")].x_m
    b.node(f"{p}G", gx - sign * 0.5 * ring_m, 0.0, side)
    b.edge(f"{p}2", f"{p}G", length_m=spur_m)
    # Turn-back lane: a vehicle refused at the gate (verdict changed) returns to its ring.
    b.edge(f"{p}G", f"{p}3", length_m=spur_m)
    if shortcut:
        # A two-way single-vehicle lane across the ring: the rmf#373 trap.
        b.edge(
            f"{p}0", f"{p}4", lane_id=f"{p}-short", exclusive=True, two_way=True, length_m=ring_m
        )


def two_yard_crossing(
    *,
    slots: int = 3,
    ring_m: float = 100.0,
    spur_m: float = 50.0,
    border_m: float = 200.0,
    lanes: int = 1,
    hold_capacity: int = 2,
    charger_capacity: int = 2,
    shortcut: bool = False,
    exclusive_border: bool = False,
) -> LaneGraph:
    b = GraphBuilder("two-yard-crossing")
    _side(
        b,
        "C",
        Side.CN,
        -1.0,
        slots=slots,
        ring_m=ring_m,
        spur_m=spur_m,
        lanes=lanes,
        hold_capacity=hold_capacity,
        charger_capacity=charger_capacity,
        shortcut=shortcut,
    )
    _side(
        b,
        "M",
        Side.MN,
        1.0,
        slots=slots,
        ring_m=ring_m,
        spur_m=spur_m,
        lanes=lanes,
        hold_capacity=hold_capacity,
        charger_capacity=charger_capacity,
        shortcut=shortcut,
    )
    b.edge("CG", "M6", lane_id="border-cn-mn", length_m=border_m, exclusive=exclusive_border)
    b.edge("MG", "C6", lane_id="border-mn-cn", length_m=border_m, exclusive=exclusive_border)
    b.station("C-gate", StationRole.GATE, "CG")
    b.station("M-gate", StationRole.GATE, "MG")
    b.gate("gate-cn", "CG", [("CG", "M6")])
    b.gate("gate-mn", "MG", [("MG", "C6")])
    return b.build()
