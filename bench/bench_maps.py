"""Map loader benchmarks: load + validate + build the lane graph.

- the bundled Erenhot – Zamyn-Uud map (goal < 0.5 s) and the test crossing;
- a synthetic map of about 20,000 lane segments (goal < 10 s): a Manhattan grid of one-way
  lanes (rows alternate east/west, columns north/south, so it is strongly connected), one
  GeoJSON feature per segment, cut by a file-declared border with a gate on every row that
  crosses it, yard slots on spurs on both sides. It is a *valid* map, so every check runs.
"""

from __future__ import annotations

import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench.figures import Figure, best_of

__all__ = ["run", "synthetic_grid_map"]

SPACING_M = 20.0


def synthetic_grid_map(n: int) -> dict[str, Any]:
    """A valid map: an n x n grid of junctions (2 n (n - 1) one-way segments), n odd."""
    from maps.projection import Projector

    proj = Projector.for_crs("EPSG:32649")
    origin = proj.forward(np.array([[112.0, 43.6]]))[0]
    k = n // 2  # the border runs between columns k - 1 (MN, west) and k (CN, east)
    border_x = (k - 0.5) * SPACING_M

    def ll(points: list[tuple[float, float]]) -> list[list[float]]:
        xy = np.asarray(points, dtype=np.float64) + origin
        return [[float(a), float(b)] for a, b in proj.inverse(xy)]

    feats: list[dict[str, Any]] = []

    def add(fid: str, props: dict[str, Any], gtype: str, coords: Any) -> None:
        feats.append(
            {
                "type": "Feature",
                "id": fid,
                "properties": props,
                "geometry": {"type": gtype, "coordinates": coords},
            }
        )

    lane = {"kind": "lane", "direction": "one-way", "speed_limit_kph": 20}
    s = SPACING_M
    # The outer ring runs anticlockwise (bottom row east, right column north, top row west,
    # left column south) and inner rows/columns alternate, so every vertex is on a cycle.
    for j in range(n):
        east = j % 2 == 0 and j != n - 1
        for i in range(n - 1):
            a, b = (i * s, j * s), ((i + 1) * s, j * s)
            add(f"r{j}_{i}", lane, "LineString", ll([a, b] if east else [b, a]))
        gate_col = k - 1 if east else k
        add(
            f"gate_{j}",
            {"kind": "gate", "name": f"gate {j}"},
            "Point",
            ll([(gate_col * s, j * s)])[0],
        )
    for i in range(n):
        north = i % 2 == 1 or i == n - 1
        for j in range(n - 1):
            a, b = (i * s, j * s), (i * s, (j + 1) * s)
            add(f"c{i}_{j}", lane, "LineString", ll([a, b] if north else [b, a]))
    spur = {"kind": "lane", "direction": "two-way", "speed_limit_kph": 10, "exclusive": True}
    for side, col in (("MN", 1), ("CN", n - 2)):
        for t in range(2):
            x = (col + t) * s
            add(f"{side}_slot_{t}_spur", spur, "LineString", ll([(x, 0.0), (x, -s)]))
            add(
                f"{side}_slot_{t}",
                {"kind": "station", "role": "yard_slot", "name": f"{side} slot {t}"},
                "Point",
                ll([(x, -s)])[0],
            )
        x0 = (col - 0.5) * s
        box = [(x0, -1.5 * s), (x0 + 2 * s, -1.5 * s), (x0 + 2 * s, -0.5 * s), (x0, -0.5 * s)]
        yard = {"kind": "zone", "zone_kind": "yard", "side": side, "name": f"{side} yard"}
        add(f"{side}_yard", yard, "Polygon", [ll([*box, box[0]])])
        gx = (k - 1) * s if side == "MN" else k * s
        strip = [(gx - 5, -5), (gx + 5, -5), (gx + 5, (n - 1) * s + 5), (gx - 5, (n - 1) * s + 5)]
        gate_zone = {"kind": "zone", "zone_kind": "border_gate", "side": side, "name": "gates"}
        add(f"{side}_gates", gate_zone, "Polygon", [ll([*strip, strip[0]])])
    top = (n + 2) * s
    add(
        "border",
        {"kind": "border", "left_side": "MN"},
        "LineString",
        ll([(border_x, -3 * s), (border_x, top)]),
    )
    return {
        "type": "FeatureCollection",
        "properties": {"schema": "borderflow-map/1", "name": f"synthetic {n}x{n} grid"},
        "features": feats,
    }


def run(quick: bool) -> list[Figure]:
    from maps import load_map

    figures: list[Figure] = []
    for name, target in (("erenhot_zamyn_uud", 0.5), ("test_crossing", None)):
        graph = load_map(name)  # warm imports and caches outside the measurement
        t = best_of(partial(load_map, name), repeat=3 if quick else 7)
        figures.append(
            Figure(
                area="maps",
                name=f"load + validate + build {name}",
                value=t,
                unit="s",
                target="" if target is None else f"< {target} s",
                ok=None if target is None else t < target,
                notes=f"{len(graph.nodes)} nodes, {len(graph.edges)} edges, best of runs",
            )
        )
    n = 41 if quick else 101  # 101: 20,200 segments
    doc = synthetic_grid_map(n)
    segments = 2 * n * (n - 1)
    t0 = time.perf_counter()
    graph = load_map(doc)
    t = time.perf_counter() - t0
    figures.append(
        Figure(
            area="maps",
            name=f"load + validate + build synthetic grid, {segments:,} lane segments",
            value=t,
            unit="s",
            target="< 10 s" if not quick else "",
            ok=t < 10 if not quick else None,
            notes=(
                f"{len(doc['features']):,} features, {len(graph.nodes):,} nodes, "
                f"{len(graph.edges):,} edges, {len(graph.gates)} gates; one run"
            ),
        )
    )

    from maps.render import render_map

    big = load_map("erenhot_zamyn_uud")
    with tempfile.TemporaryDirectory() as tmp:
        t = best_of(lambda: render_map(big, Path(tmp) / "m.png"), repeat=1 if quick else 3)
    figures.append(
        Figure(area="maps", name="render erenhot_zamyn_uud to PNG (150 dpi)", value=t, unit="s")
    )
    return figures
