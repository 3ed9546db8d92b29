"""A picture of a lane graph: zones, lanes, stations, gates and the border, to scale.

This module owns map rendering with matplotlib's object API on the Agg canvas (no pyplot global
state, no display needed). One-way lanes get arrows, exclusive single-vehicle sections are
highlighted, and every picture has a scale bar and a north arrow; gate names are moved off
each other, and a schematic map says so on the picture (its ``schematic`` note). Coordinates
are the graph's projected metres, shifted so the map's south-west corner is (0, 0).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from orchestrator.lanegraph import Edge, LaneGraph, StationRole, ZoneId, ZoneKind

__all__ = ["draw_map", "render_map", "schematic_note"]

ZONE_COLOURS = {
    ZoneKind.YARD: "#9ecae1",
    ZoneKind.CUSTOMS_CONTROL: "#fdd0a2",
    ZoneKind.NII_SCANNER: "#fb6a4a",
    ZoneKind.HOLD_BAY: "#cb181d",
    ZoneKind.PRE_BORDER_BUFFER: "#fee391",
    ZoneKind.BORDER_GATE: "#bcbddc",
    ZoneKind.INSPECTION: "#fc9272",
    ZoneKind.CHARGING: "#a1d99b",
    ZoneKind.DEPOT: "#bdbdbd",  # asphalt grey: a parking lot
}
STATION_STYLE = {  # role -> (marker, colour)
    StationRole.YARD_SLOT: ("s", "#08519c"),
    StationRole.SCANNER: ("D", "#a50f15"),
    StationRole.HOLD: ("X", "#67000d"),
    StationRole.BUFFER: ("o", "#b8860b"),
    StationRole.CHARGER: ("P", "#006d2c"),
    StationRole.INSPECTION: ("v", "#d94801"),
    StationRole.GATE: ("*", "#54278f"),
    StationRole.PARKING: ("p", "#252525"),  # one marker stands for the whole depot's places
}
MARKER_AREA = {StationRole.GATE: 90, StationRole.PARKING: 60}  # points²; the rest get 22
LABEL_MIN_AREA_SHARE = 0.005  # smaller zones get no name: the legend tells their kind
MAX_ARROWS = 3000  # beyond this the arrows are noise; lanes are still drawn


def _nice_length(span_m: float) -> float:
    raw = span_m / 5
    exp = 10 ** math.floor(math.log10(raw))
    return float(max(m * exp for m in (1, 2, 5) if m * exp <= raw))


def _polyline(graph: LaneGraph, e: Edge) -> list[tuple[float, float]]:
    s, t = graph.nodes[e.source], graph.nodes[e.target]
    return [(s.x_m, s.y_m), *e.shape_m, (t.x_m, t.y_m)]


def _midpoint_direction(line: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    pts = np.asarray(line)
    seg = np.diff(pts, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    half = lengths.sum() / 2
    i = int(np.searchsorted(np.cumsum(lengths), half))
    i = min(i, len(seg) - 1)
    before = lengths[:i].sum()
    f = (half - before) / lengths[i] if lengths[i] else 0.0
    x, y = pts[i] + f * seg[i]
    ux, uy = seg[i] / (lengths[i] or 1.0)
    return float(x), float(y), float(ux), float(uy)


def render_map(
    graph: LaneGraph,
    out_path: str | Path,
    *,
    dpi: int = 150,
    size_in: float = 11.0,
    labels: bool = True,
) -> Path:
    """Draw ``graph`` to a PNG (or any format matplotlib knows by the suffix)."""
    fig = draw_map(graph, size_in=size_in, labels=labels)
    out = Path(out_path)
    fig.savefig(out, dpi=dpi)
    return out


def schematic_note(graph: LaneGraph) -> str | None:
    """The line every picture of a schematic map carries (None for a surveyed one)."""
    raw = graph.metadata.get("schematic") or ""
    texts = [raw] if isinstance(raw, str) else [str(t) for t in cast(Iterable[object], raw)]
    texts = [t for t in texts if t.strip()]
    if not texts:
        return None
    return "Schematic map, not for geofencing or navigation: " + textwrap.shorten(
        " ".join(texts), width=300, placeholder=" ... (map info for the rest)"
    )


def draw_map(graph: LaneGraph, *, size_in: float = 11.0, labels: bool = True) -> Figure:
    """The picture of ``graph`` as a matplotlib Figure (Agg canvas, not saved)."""
    meta = graph.metadata
    x0, y0, x1, y1 = cast(tuple[float, float, float, float], meta["bbox_m"])
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    aspect = h / w
    fig = Figure(figsize=(size_in, max(4.0, min(size_in * aspect + 1.5, 2 * size_in))))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    pad = 0.06 * max(w, h)

    def sh(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x - x0, y - y0) for x, y in points]

    zones_m = cast(dict[ZoneId, tuple[tuple[tuple[float, float], ...], ...]], meta["zones_m"])
    zone_labels: list[Any] = []
    for zid in sorted(zones_m, key=lambda z: -graph.zones[z].area_m2):  # big ones first
        zone = graph.zones[zid]
        colour = ZONE_COLOURS[zone.kind]
        ax.add_patch(
            Polygon(sh(zones_m[zid][0]), closed=True, fc=colour, ec=colour, alpha=0.35, lw=0.8)
        )
        if labels and zone.area_m2 >= LABEL_MIN_AREA_SHARE * w * h:
            xs, ys = zip(*sh(zones_m[zid][0]), strict=True)
            zone_labels.append(
                ax.text(
                    (min(xs) + max(xs)) / 2,
                    max(ys),
                    zone.name,
                    fontsize=5,
                    ha="center",
                    va="bottom",
                    color="#333333",
                    clip_on=True,
                )
            )
    normal: list[list[tuple[float, float]]] = []
    exclusive: list[list[tuple[float, float]]] = []
    arrows: list[tuple[float, float, float, float]] = []
    for e in sorted(graph.edges.values(), key=lambda e: e.key):
        line = sh(_polyline(graph, e))
        (exclusive if e.exclusive else normal).append(line)
        if not e.two_way:
            arrows.append(_midpoint_direction(line))
    ax.add_collection(LineCollection(normal, colors="#444444", linewidths=1.2, zorder=3))
    ax.add_collection(LineCollection(exclusive, colors="#ff7f00", linewidths=2.2, zorder=3))
    if arrows and len(arrows) <= MAX_ARROWS:
        a = np.asarray(arrows)
        size = 0.012 * max(w, h)
        ax.quiver(
            a[:, 0],
            a[:, 1],
            a[:, 2] * size,
            a[:, 3] * size,
            angles="xy",
            scale_units="xy",
            scale=1,
            pivot="mid",
            color="#222222",
            width=0.0025,
            headwidth=4,
            headlength=5,
            zorder=4,
        )
    for role, (marker, colour) in STATION_STYLE.items():
        pts = [graph.nodes[s.node] for s in graph.stations_with(role)]
        if pts:
            ax.scatter(
                [p.x_m - x0 for p in pts],
                [p.y_m - y0 for p in pts],
                marker=marker,
                c=colour,
                s=MARKER_AREA.get(role, 22),
                zorder=5,
                edgecolors="white",
                linewidths=0.4,
            )
    gate_labels = []
    if labels:
        for gate in sorted(graph.gates.values(), key=lambda g: g.id):
            n = graph.nodes[gate.node]
            gate_labels.append(
                ax.annotate(
                    gate.name,
                    (n.x_m - x0, n.y_m - y0),
                    xytext=_LABEL_OFFSETS[0],
                    textcoords="offset points",
                    fontsize=6,
                    color="#54278f",
                    zorder=6,
                    bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 0.5},
                )
            )
    border = sh(cast(tuple[tuple[float, float], ...], meta["border_m"]))
    bx, by = zip(*border, strict=True)
    ax.plot(bx, by, ls="--", color="#e31a1c", lw=1.6, zorder=2)
    ax.set_xlim(-pad, w + pad)
    ax.set_ylim(-pad, h + pad)
    ax.set_aspect("equal")
    _scale_bar(ax, w, h, pad)
    _north_arrow(ax, w, h, pad)
    ax.set_xlabel(f"x (m east, {graph.crs}, from {x0:.0f})", fontsize=7)
    ax.set_ylabel(f"y (m north, from {y0:.0f})", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.set_title(graph.name, fontsize=10)
    ax.legend(
        handles=_legend(graph),
        fontsize=6,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    note = schematic_note(graph)
    if note is not None:
        fig.text(0.01, 0.005, textwrap.fill(note, 160), fontsize=5.5, color="#7f0000",
                 ha="left", va="bottom")  # fmt: skip
    fig.tight_layout(rect=(0.0, 0.04 if note else 0.0, 1.0, 1.0))
    _spread_labels(fig, gate_labels, zone_labels)
    return fig


# Where a gate's name may go, in points from its marker: tried in order until it overlaps
# no other gate's name (gates of one crossing sit close together).
_LABEL_OFFSETS = ((6, 6), (6, -12), (-6, 6), (-6, -12), (6, 18), (6, -24), (-6, 18), (-6, -24))


def _spread_labels(fig: Figure, texts: list[Any], fixed: list[Any]) -> None:
    """Move each label to the first offset where it overlaps no label placed before it nor a
    zone's name."""
    if not texts:
        return
    renderer = cast(Any, fig.canvas).get_renderer()
    placed: list[Any] = [t.get_window_extent(renderer) for t in fixed]
    for t in texts:
        for dx, dy in _LABEL_OFFSETS:
            t.set_position((dx, dy))
            t.set_horizontalalignment("left" if dx > 0 else "right")
            box = t.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
        placed.append(t.get_window_extent(renderer))


def _scale_bar(ax: object, w: float, h: float, pad: float) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    length = _nice_length(w)
    x, y = -pad / 2, -pad / 2
    ax.plot([x, x + length], [y, y], color="black", lw=3, solid_capstyle="butt", zorder=7)
    ax.text(
        x + length / 2,
        y + 0.01 * h + 1,
        f"{length:g} m",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=7,
    )


def _north_arrow(ax: object, w: float, h: float, pad: float) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    x, top = w + pad / 2, h + pad / 2
    ax.annotate(
        "N",
        xy=(x, top),
        xytext=(x, top - 0.08 * max(w, h)),
        ha="center",
        va="top",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5},
        zorder=7,
    )


def _legend(graph: LaneGraph) -> list[Patch | Line2D]:
    kinds = sorted({z.kind for z in graph.zones.values()}, key=lambda k: k.value)
    handles: list[Patch | Line2D] = [
        Patch(fc=ZONE_COLOURS[k], alpha=0.5, label=k.value.replace("_", " ")) for k in kinds
    ]
    handles += [
        Line2D([], [], color="#444444", lw=1.2, label="lane (arrow: one-way)"),
        Line2D([], [], color="#ff7f00", lw=2.2, label="exclusive single-vehicle section"),
        Line2D([], [], color="#e31a1c", ls="--", lw=1.6, label="border line"),
    ]
    roles = sorted({s.role for s in graph.stations.values()}, key=lambda r: r.value)
    for role in roles:
        marker, colour = STATION_STYLE[role]
        handles.append(
            Line2D([], [], ls="", marker=marker, color=colour, label=role.value.replace("_", " "))
        )
    return handles
