"""The map picture, the summary figures and the reproducible generator."""

from __future__ import annotations

import json

from maps import bundled_map_path, load_map
from maps.render import render_map
from maps.summary import summarize
from maps.tools import build_maps
from maps.tools.corridor import map_json


def test_render_writes_a_png(tmp_path):
    out = render_map(load_map("test_crossing"), tmp_path / "map.png", dpi=60)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a picture, not an empty canvas


def test_summary_counts_per_side():
    s = summarize(load_map("test_crossing"))
    cn, mn = s.sides
    assert (cn.side, mn.side) == ("CN", "MN")
    assert dict(cn.stations)["yard_slot"] == 4 and dict(mn.stations)["hold"] == 2
    assert cn.edges + mn.edges == s.edges
    assert [g.crossing_lanes for g in s.gates] == [("road_cn_to_mn",), ("road_mn_to_cn",)]
    yard = next(z for z in s.zones if z.id == "cn_yard")
    assert yard.stations == 4 and yard.lane_length_m > 100


def test_generator_reproduces_the_committed_maps():
    for name, doc in (
        ("erenhot_zamyn_uud", build_maps.erenhot_map()),
        ("test_crossing", build_maps.test_crossing_map()),
        ("ganqimaodu_gashuunsukhait", build_maps.ganqimaodu_map()),
    ):
        committed = bundled_map_path(name).read_text(encoding="utf-8")
        assert json.loads(json.dumps(doc)) == json.loads(committed), name
        assert map_json(doc) == committed, name  # byte for byte


def test_the_benchmark_grid_is_a_valid_map():
    from bench.bench_maps import synthetic_grid_map

    graph = load_map(synthetic_grid_map(9))
    assert len(graph.gates) == 9  # one per row crossing the border
    assert len([e for e in graph.edges.values() if e.lane_id.startswith(("r", "c"))]) == 144


def test_a_schematic_map_says_so_on_every_picture():
    from maps.render import draw_map, schematic_note

    graph = load_map("erenhot_zamyn_uud")
    note = schematic_note(graph)
    assert note is not None and note.startswith("Schematic map, not for geofencing")
    assert "SCHEMATIC LAYOUT" in note
    fig = draw_map(graph, size_in=8)
    shown = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "Schematic map, not for geofencing" in shown


def test_gate_names_do_not_overlap():
    from maps.render import draw_map

    for name in ("erenhot_zamyn_uud", "ganqimaodu_gashuunsukhait", "test_crossing"):
        fig = draw_map(load_map(name), size_in=8)
        ax = fig.axes[0]
        renderer = fig.canvas.get_renderer()
        gates = load_map(name).gates
        names = {g.name for g in gates.values()}
        boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
        assert len(boxes) == len(gates), name
        zones = {z.name for z in load_map(name).zones.values()}
        others = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in zones]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :] + others:
                assert not a.overlaps(b), name
