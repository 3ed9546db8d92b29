"""Parsing MovingAI text and converting lane graphs."""

from __future__ import annotations

import networkx as nx
import pytest

from orchestrator.mapf import (
    DistanceTable,
    InstanceError,
    MapfInstance,
    MapFormatError,
    ScenarioFormatError,
    graph_from_digraph,
    parse_map,
    parse_scen,
)
from tests.orchestrator.mapf.helpers import grid, scen_text


def test_map_cells_and_four_connected_neighbours() -> None:
    g = grid("..@", ".G.", "T..")
    assert g.width == 3 and g.height == 3
    assert g.num_vertices == 7
    assert g.labels == ((0, 0), (1, 0), (0, 1), (1, 1), (2, 1), (1, 2), (2, 2))
    centre = g.vertex((1, 1))  # 'G' is passable
    assert sorted(g.labels[u] for u in g.neighbors[centre]) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    # (0, 1) has (0, 0) above and (1, 1) right; (0, 2) is a tree, no diagonal moves.
    assert sorted(g.labels[u] for u in g.neighbors[g.vertex((0, 1))]) == [(0, 0), (1, 1)]
    assert g.num_edges == 16


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("type octile\nheight 2\nwidth 2\n..\n..\n", "no 'map' line"),
        ("type octile\nheight x\nwidth 2\nmap\n..\n..\n", "height H"),
        ("type octile\nheight 2\nwidth 2\nmap\n..\n", "2 but 1 rows"),
        ("type octile\nheight 2\nwidth 3\nmap\n...\n..\n", "row 1"),
        ("type octile\nheight 1\nwidth 2\nmap\n@@\n", "no passable cell"),
    ],
)
def test_malformed_maps_are_refused_with_the_reason(text: str, fragment: str) -> None:
    with pytest.raises(MapFormatError, match=fragment):
        parse_map(text, "bad.map")


def test_scenario_first_n_agents() -> None:
    g = grid("...", "...")
    text = scen_text(3, 2, [(0, 0, 2, 1), (2, 0, 0, 1), (1, 0, 1, 1)])
    inst = parse_scen(text, g, agents=2)
    assert inst.num_agents == 2
    assert [g.labels[v] for v in inst.starts] == [(0, 0), (2, 0)]
    assert [g.labels[v] for v in inst.goals] == [(2, 1), (0, 1)]
    assert parse_scen(text, g).num_agents == 3


@pytest.mark.parametrize(
    ("text", "agents", "fragment"),
    [
        ("1\tt\t3\t2\t0\t0\t1\t1\t1\n", None, "version 1"),
        (scen_text(3, 2, [(0, 0, 2, 1)]), 2, "use --agents 1"),
        (scen_text(4, 2, [(0, 0, 2, 1)]), 1, "made for a 4x2 map"),
        (scen_text(3, 2, [(5, 0, 2, 1)]), 1, r"start \(5, 0\) is blocked or off"),
        ("version 1\n1\tt\t3\t2\ta\t0\t1\t1\t1\n", 1, "must be integers"),
        ("version 1\n1 t 3\n", 1, "3 columns"),
    ],
)
def test_malformed_scenarios_are_refused(text: str, agents: int | None, fragment: str) -> None:
    with pytest.raises(ScenarioFormatError, match=fragment):
        parse_scen(text, grid("...", "..."), agents)


def test_shared_start_is_refused_naming_both_agents() -> None:
    g = grid("...")
    with pytest.raises(InstanceError, match="agents 0 and 1 share start"):
        MapfInstance(g, (0, 0), (1, 2))


def test_digraph_conversion_keeps_direction_and_sorted_ids() -> None:
    dg = nx.DiGraph()
    dg.add_edges_from([("b", "c"), ("a", "b"), ("b", "a"), ("c", "c")])
    g = graph_from_digraph(dg, "lanes")
    assert g.labels == ("a", "b", "c")
    assert g.neighbors == ((1,), (0, 2), ())  # one-way b -> c; the self-loop is dropped
    dist = DistanceTable(g)
    assert dist.to_goal(g.vertex("c")) == [2, 1, 0]
    assert dist.to_goal(g.vertex("a")) == [0, 1, dist.unreachable]  # c is a dead end


def test_bulk_distances_equal_single_bfs() -> None:
    g = grid("....@...", ".@@.@.@.", "........", "@..@@...")
    bulk = DistanceTable(g)
    goals = list(range(g.num_vertices))
    rows = bulk.rows(goals)  # scipy path (many goals)
    single = DistanceTable(g)
    assert rows == [single.to_goal(v) for v in goals]


def test_bulk_distances_on_a_directed_graph_follow_edge_direction() -> None:
    # A one-way ring 0 -> 1 -> ... -> 11 -> 0 with a two-way chord 0 <-> 6.
    dg = nx.DiGraph()
    dg.add_edges_from((k, (k + 1) % 12) for k in range(12))
    dg.add_edges_from([(0, 6), (6, 0)])
    g = graph_from_digraph(dg, "ring")
    rows = DistanceTable(g).rows(list(range(12)))  # 12 goals: the scipy path
    single = DistanceTable(g)
    assert rows == [single.to_goal(v) for v in range(12)]
    assert rows[0][1] == 6  # 1 -> ... -> 6 -> 0, not backwards against the ring
    assert rows[1][0] == 1 and rows[5][0] == 5
