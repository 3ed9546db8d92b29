"""MAPF graphs and instances: MovingAI ``.map`` / ``.scen`` text and general directed graphs.

This module owns :class:`MapfGraph` (vertices are the ints ``0..n-1``, adjacency as a tuple of
tuples so the solvers index flat structures instead of hashing labels) and :class:`MapfInstance`
(a graph plus one start and one goal vertex per agent). It parses text passed in by the caller
and never opens files: the CLI and the benchmark read them.

MovingAI formats (Stern et al., "Multi-Agent Pathfinding: Definitions, Variants, and Benchmarks",
SoCS 2019): a ``.map`` is ``type octile`` / ``height H`` / ``width W`` / ``map`` then H rows of W
characters, ``.`` and ``G`` passable, everything else blocked. A ``.scen`` is ``version 1`` then
one agent per line, tab-separated: bucket, map, width, height, start_x, start_y, goal_x, goal_y,
optimal_length, with x the column and y the row from the top-left. MAPF on these grids is
4-connected (the octile optimal length in the file is ignored).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from orchestrator.mapf.errors import InstanceError, MapFormatError, ScenarioFormatError

__all__ = [
    "MapfGraph",
    "MapfInstance",
    "graph_from_digraph",
    "instance_from_labels",
    "parse_map",
    "parse_scen",
]

PASSABLE = frozenset(".G")
# Order of a cell's neighbours: right, down, left, up. Fixed so runs replay exactly.
_STEPS = ((1, 0), (0, 1), (-1, 0), (0, -1))


@dataclass(frozen=True, slots=True)
class MapfGraph:
    """A directed graph over vertices ``0..n-1`` (an undirected grid has both directions).

    ``labels[v]`` is what the vertex stands for outside the solver: ``(x, y)`` for a grid cell,
    the node id for a converted lane graph. ``width`` / ``height`` are 0 for non-grid graphs.
    """

    name: str
    neighbors: tuple[tuple[int, ...], ...]
    labels: tuple[Hashable, ...]
    width: int = 0
    height: int = 0
    _index: dict[Hashable, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.neighbors) != len(self.labels):
            raise MapFormatError(
                f"graph {self.name!r}: {len(self.neighbors)} adjacency rows but "
                f"{len(self.labels)} labels; give one label per vertex"
            )
        object.__setattr__(self, "_index", {label: v for v, label in enumerate(self.labels)})

    @property
    def num_vertices(self) -> int:
        return len(self.neighbors)

    @property
    def num_edges(self) -> int:
        return sum(len(row) for row in self.neighbors)

    def vertex(self, label: Hashable) -> int:
        """The vertex a label names; raises :class:`InstanceError` naming the label if none."""
        try:
            return self._index[label]
        except KeyError:
            raise InstanceError(
                f"{label!r} is not a free vertex of graph {self.name!r}; "
                "pick a passable cell / an existing node"
            ) from None

    def has_vertex(self, label: Hashable) -> bool:
        return label in self._index

    def reverse_neighbors(self) -> tuple[tuple[int, ...], ...]:
        """In-neighbours of each vertex (for BFS towards a goal on a directed graph)."""
        rev: list[list[int]] = [[] for _ in self.neighbors]
        for v, row in enumerate(self.neighbors):
            for u in row:
                rev[u].append(v)
        return tuple(tuple(r) for r in rev)


@dataclass(frozen=True, slots=True)
class MapfInstance:
    """One-shot MAPF: agent ``i`` must move from ``starts[i]`` to ``goals[i]``."""

    graph: MapfGraph
    starts: tuple[int, ...]
    goals: tuple[int, ...]

    def __post_init__(self) -> None:
        n = self.graph.num_vertices
        if len(self.starts) != len(self.goals):
            raise InstanceError(
                f"{len(self.starts)} starts but {len(self.goals)} goals; give one of each per agent"
            )
        for kind, verts in (("start", self.starts), ("goal", self.goals)):
            seen: dict[int, int] = {}
            for agent, v in enumerate(verts):
                if not 0 <= v < n:
                    raise InstanceError(
                        f"agent {agent}: {kind} vertex {v} is outside graph {self.graph.name!r} "
                        f"(0..{n - 1})"
                    )
                if v in seen:
                    raise InstanceError(
                        f"agents {seen[v]} and {agent} share {kind} {self.graph.labels[v]!r}; "
                        f"every agent needs its own {kind}"
                    )
                seen[v] = agent

    @property
    def num_agents(self) -> int:
        return len(self.starts)


def parse_map(text: str, name: str = "map") -> MapfGraph:
    """Parse MovingAI ``.map`` text into a 4-connected grid graph over its passable cells."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    row0 = -1
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line == "map":
            row0 = lineno
            break
        key, _, value = line.partition(" ")
        header[key] = value.strip()
    if row0 < 0:
        raise MapFormatError(f"{name}: no 'map' line; a MovingAI map has a 4-line header first")
    try:
        height, width = int(header["height"]), int(header["width"])
    except (KeyError, ValueError):
        raise MapFormatError(
            f"{name}: header needs 'height H' and 'width W' with integers, got {header!r}"
        ) from None
    if height <= 0 or width <= 0:
        raise MapFormatError(f"{name}: height {height} x width {width}; both must be > 0")
    rows = [r.rstrip("\r\n") for r in lines[row0 : row0 + height]]
    if len(rows) < height:
        raise MapFormatError(f"{name}: header says height {height} but {len(rows)} rows follow")
    for y, row in enumerate(rows):
        if len(row) != width:
            raise MapFormatError(
                f"{name}: row {y} (line {row0 + 1 + y}) has {len(row)} cells; width is {width}"
            )
    index: dict[tuple[int, int], int] = {}
    labels: list[tuple[int, int]] = []
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            if ch in PASSABLE:
                index[(x, y)] = len(labels)
                labels.append((x, y))
    if not labels:
        raise MapFormatError(f"{name}: no passable cell ('.' or 'G'); nothing to plan on")
    neighbors: list[tuple[int, ...]] = []
    for x, y in labels:
        row_v = []
        for dx, dy in _STEPS:
            u = index.get((x + dx, y + dy))
            if u is not None:
                row_v.append(u)
        neighbors.append(tuple(row_v))
    return MapfGraph(name, tuple(neighbors), tuple(labels), width=width, height=height)


def parse_scen(text: str, graph: MapfGraph, agents: int | None = None) -> MapfInstance:
    """Parse MovingAI ``.scen`` text for ``graph``; the first ``agents`` lines form the instance."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].lower().startswith("version"):
        raise ScenarioFormatError("scenario: first line must be 'version 1'")
    body = lines[1:]
    if agents is None:
        agents = len(body)
    if agents <= 0:
        raise ScenarioFormatError(f"scenario: asked for {agents} agents; ask for at least 1")
    if agents > len(body):
        raise ScenarioFormatError(
            f"scenario has {len(body)} agents, {agents} asked for; use --agents {len(body)} or less"
        )
    starts: list[int] = []
    goals: list[int] = []
    for i, line in enumerate(body[:agents]):
        lineno = i + 2
        cols = line.split("\t") if "\t" in line else line.split()
        if len(cols) < 8:
            raise ScenarioFormatError(
                f"scenario line {lineno}: {len(cols)} columns; expected 9 tab-separated "
                "(bucket, map, width, height, start_x, start_y, goal_x, goal_y, optimal_length)"
            )
        try:
            w, h, sx, sy, gx, gy = (int(c) for c in cols[2:8])
        except ValueError:
            raise ScenarioFormatError(
                f"scenario line {lineno}: width/height/x/y columns must be integers: {line!r}"
            ) from None
        if graph.width and (w, h) != (graph.width, graph.height):
            raise ScenarioFormatError(
                f"scenario line {lineno}: made for a {w}x{h} map but {graph.name!r} is "
                f"{graph.width}x{graph.height}; pair the .scen with its own .map"
            )
        for what, cell in (("start", (sx, sy)), ("goal", (gx, gy))):
            if not graph.has_vertex(cell):
                raise ScenarioFormatError(
                    f"scenario line {lineno} (agent {i}): {what} {cell} is blocked or off the map "
                    f"{graph.name!r}"
                )
        starts.append(graph.vertex((sx, sy)))
        goals.append(graph.vertex((gx, gy)))
    return MapfInstance(graph, tuple(starts), tuple(goals))


def graph_from_digraph(g: nx.DiGraph, name: str = "graph") -> MapfGraph:
    """Convert a directed graph (e.g. ``LaneGraph.graph``) to a :class:`MapfGraph`.

    Vertices are numbered in sorted node order so the result does not depend on insertion
    order; self-loops are dropped (waiting is always allowed). A two-way lane must appear as two
    directed edges, as :class:`~orchestrator.lanegraph.LaneGraph` stores it.
    """
    try:
        nodes: list[Hashable] = sorted(g.nodes)
    except TypeError:
        raise MapFormatError(
            f"graph {name!r}: node ids of mixed types cannot be ordered; use one id type"
        ) from None
    index = {node: v for v, node in enumerate(nodes)}
    neighbors = tuple(
        tuple(sorted(index[t] for t in g.successors(node) if t != node)) for node in nodes
    )
    return MapfGraph(name, neighbors, tuple(nodes))


def instance_from_labels(
    graph: MapfGraph, starts: Sequence[Hashable], goals: Iterable[Hashable]
) -> MapfInstance:
    """An instance from start / goal labels (grid cells or lane-graph node ids)."""
    return MapfInstance(
        graph,
        tuple(graph.vertex(s) for s in starts),
        tuple(graph.vertex(g) for g in goals),
    )
