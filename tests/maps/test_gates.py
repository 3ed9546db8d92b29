"""Gates: their type (``gate_type``) and their distance to the border line along the road."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from maps import load_map, validate_map
from maps.gates import line_distance_m
from orchestrator.lanegraph import Edge, GateType, Node, NodeId, Side
from tests.maps.conftest import feature


def test_gate_type_defaults_to_smart_and_is_read_from_the_map(small):
    assert {g.gate_type for g in load_map(small).gates.values()} == {GateType.SMART}
    feature(small, "gate_cn")["properties"]["gate_type"] = "drive_through"
    feature(small, "gate_mn")["properties"]["gate_type"] = "manual"
    gates = load_map(small).gates
    assert gates["gate_cn"].gate_type is GateType.DRIVE_THROUGH
    assert gates["gate_mn"].gate_type is GateType.MANUAL


def test_an_unknown_gate_type_names_the_property(small):
    feature(small, "gate_cn")["properties"]["gate_type"] = "automatic"
    problems = validate_map(small)
    assert [(p.feature_id, p.code) for p in problems] == [("gate_cn", "bad-property")]
    assert "'gate_type'" in problems[0].message and "'drive_through'" in problems[0].message


def test_line_distance_on_the_test_crossing_by_hand():
    # The test crossing's road runs east-west, the border north-south, in a straight line
    # (in UTM): the gate's distance to the line is its x offset from the line at its y. The
    # generator puts each gate 8 m before the line.
    graph = load_map("test_crossing")
    (x0, y0), (x1, y1) = graph.metadata["border_m"]
    for gate in graph.gates.values():
        node = graph.nodes[gate.node]
        x_line = x0 + (x1 - x0) * (node.y_m - y0) / (y1 - y0)
        assert gate.line_distance_m == pytest.approx(abs(node.x_m - x_line), abs=1e-3)
        assert gate.line_distance_m == pytest.approx(8.0, abs=0.05)


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("erenhot_zamyn_uud", 24.9, 25.1), ("ganqimaodu_gashuunsukhait", 30.0, 35.0)],
)
def test_line_distance_on_the_other_bundled_maps(name, low, high):
    # Erenhot: gates drawn 25 m before the Natural Earth line; Ganqimaodu: the spec asks for
    # at least 30 m, a little more where the drawn line meets the road at an angle.
    for gate in load_map(name).gates.values():
        assert low <= gate.line_distance_m <= high, gate.id


def test_line_distance_is_measured_along_the_edge_to_the_first_meeting():
    nodes = {
        NodeId("a"): Node(NodeId("a"), 0.0, 0.0, Side.CN, None),
        NodeId("b"): Node(NodeId("b"), 10.0, 10.0, Side.MN, None),
    }
    # a -> (10, 0) -> b: an L-shaped edge.
    edge = Edge(
        NodeId("a"),
        NodeId("b"),
        "L",
        20.0,
        5.0,
        1,
        False,
        False,
        True,
        Side.CN,
        None,
        ((10.0, 0.0),),
    )
    north_south = shapely.linestrings([(5.0, -50.0), (5.0, 50.0)])
    east_west = shapely.linestrings([(-50.0, 5.0), (50.0, 5.0)])
    assert line_distance_m(edge, nodes, north_south) == pytest.approx(5.0)
    assert line_distance_m(edge, nodes, east_west) == pytest.approx(15.0)  # round the corner
    zigzag = shapely.linestrings(np.array([(2.0, -5.0), (2.0, 5.0), (8.0, 5.0), (8.0, -5.0)]))
    assert line_distance_m(edge, nodes, zigzag) == pytest.approx(2.0)  # the first meeting
    far = shapely.linestrings([(100.0, 0.0), (100.0, 10.0)])
    assert math.isinf(line_distance_m(edge, nodes, far))
