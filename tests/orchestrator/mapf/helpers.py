"""Tiny hand-made MAPF maps shared by the MAPF tests."""

from __future__ import annotations

from hypothesis import strategies as st

from orchestrator.mapf import MapfGraph, MapfInstance, instance_from_labels, parse_map


def grid(*rows: str, name: str = "test") -> MapfGraph:
    """A MovingAI map from its rows ('.' free, '@' blocked)."""
    header = f"type octile\nheight {len(rows)}\nwidth {len(rows[0])}\nmap\n"
    return parse_map(header + "\n".join(rows) + "\n", name)


def instance(
    graph: MapfGraph, starts: list[tuple[int, int]], goals: list[tuple[int, int]]
) -> MapfInstance:
    return instance_from_labels(graph, starts, goals)


def scen_text(width: int, height: int, pairs: list[tuple[int, int, int, int]]) -> str:
    lines = ["version 1"]
    for sx, sy, gx, gy in pairs:
        lines.append(f"1\tt.map\t{width}\t{height}\t{sx}\t{sy}\t{gx}\t{gy}\t1.0")
    return "\n".join(lines) + "\n"


@st.composite
def random_instances(draw: st.DrawFn) -> MapfInstance:
    width = draw(st.integers(3, 7))
    height = draw(st.integers(2, 6))
    cells = draw(st.lists(st.booleans(), min_size=width * height, max_size=width * height))
    rows = [
        "".join("@" if cells[y * width + x] and (x + y) % 3 == 0 else "." for x in range(width))
        for y in range(height)
    ]
    g = grid(*rows)
    free = list(range(g.num_vertices))
    k = draw(st.integers(1, max(1, min(6, len(free) // 2))))
    starts = draw(st.permutations(free))[:k]
    goals = draw(st.permutations(free))[:k]
    return MapfInstance(g, tuple(starts), tuple(goals))
