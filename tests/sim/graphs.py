"""A hand-built miniature crossing for runtime tests that must not depend on the map loader.

    cn_yard --200m-- cn_scan --100m-- cn_gate ==50m border== mn_gate --200m-- mn_yard
                        |
                     cn_hold (40 m spur)

All lanes two-way, 1 lane, 10 m/s limit (above the AGV's own limit), CN side west of x=350.
"""

from __future__ import annotations

from orchestrator.lanegraph import (
    Edge,
    Gate,
    LaneGraph,
    Node,
    NodeId,
    Side,
    Station,
    StationRole,
)

N = NodeId


def tiny_crossing(*, exclusive_border: bool = False, speed_mps: float = 10.0) -> LaneGraph:
    coords = {
        "cn_yard": (0.0, 0.0, Side.CN),
        "cn_scan": (200.0, 0.0, Side.CN),
        "cn_hold": (200.0, -40.0, Side.CN),
        "cn_gate": (300.0, 0.0, Side.CN),
        "mn_gate": (350.0, 0.0, Side.MN),
        "mn_yard": (550.0, 0.0, Side.MN),
    }
    nodes = {N(k): Node(N(k), x, y, s, None) for k, (x, y, s) in coords.items()}
    lanes = [
        ("L1", "cn_yard", "cn_scan", 200.0, False),
        ("L2", "cn_scan", "cn_gate", 100.0, False),
        ("L3", "cn_gate", "mn_gate", 50.0, True),
        ("L4", "mn_gate", "mn_yard", 200.0, False),
        ("L5", "cn_scan", "cn_hold", 40.0, False),
    ]
    edges = {}
    for lane, a, b, length, border in lanes:
        for s, t in ((a, b), (b, a)):
            e = Edge(
                source=N(s),
                target=N(t),
                lane_id=lane,
                length_m=length,
                speed_limit_mps=speed_mps,
                lane_count=1,
                two_way=True,
                exclusive=border and exclusive_border,
                crosses_border=border,
                side=nodes[N(s)].side,
                zone=None,
            )
            edges[e.key] = e
    stations = {
        "CN-Y1": Station("CN-Y1", StationRole.YARD_SLOT, N("cn_yard"), Side.CN, None, 4),
        "MN-Y1": Station("MN-Y1", StationRole.YARD_SLOT, N("mn_yard"), Side.MN, None, 4),
        "CN-S1": Station("CN-S1", StationRole.SCANNER, N("cn_scan"), Side.CN, None),
        "CN-H1": Station("CN-H1", StationRole.HOLD, N("cn_hold"), Side.CN, None),
    }
    gates = {
        "G1": Gate("G1", "Gate 1", N("cn_gate"), ((N("cn_gate"), N("mn_gate")),)),
        "G2": Gate("G2", "Gate 2", N("mn_gate"), ((N("mn_gate"), N("cn_gate")),)),
    }
    return LaneGraph("tiny", "EPSG:32649", nodes, edges, {}, stations, gates)
