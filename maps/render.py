"""A picture of a lane graph: zones, lanes, stations, gates and the border, to scale.

This module owns map rendering with matplotlib's object API on the Agg canvas (no pyplot global
state, no display needed). One-way lanes get arrows, exclusive single-vehicle sections are
highlighted, and every picture has a scale bar and a north arrow; gate names are moved off
each other, and a schematic map says so on the picture (its ``schematic`` note). Coordinates
are the graph's projected metres, shifted so the map's south-west corner is (0, 0).

Given ``lane_values`` (a number per lane, e.g. the run report's mean occupancy) the lanes are
coloured by it, with a colour bar, on the same picture: zones, border and gates as on the map.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from orchestrator.lanegraph import Edge, EdgeKey, LaneGraph, StationRole, ZoneId, ZoneKind

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
# Lanes coloured by a value: inferno reversed without its palest eighth, which would vanish on
# the pale zone fills.
_BAR_BAND_IN = 0.75  # inches under the map for a colour bar, its ticks and its label
_NOTE_PT = 5.5  # font size of the schematic note
_LANE_CMAP = ListedColormap(colormaps["inferno_r"](np.linspace(0.12, 1.0, 256)))


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


def draw_map(
    graph: LaneGraph,
    *,
    size_in: float = 11.0,
    labels: bool = True,
    lane_values: Mapping[EdgeKey, float] | None = None,
    lane_label: str = "",
    title: str | None = None,
) -> Figure:
    """The picture of ``graph`` as a matplotlib Figure (Agg canvas, not saved). With
    ``lane_values`` each lane is coloured by its value (missing lanes: 0), with a colour bar
    labelled ``lane_label``; ``title`` replaces the map's name above it."""
    meta = graph.metadata
    x0, y0, x1, y1 = cast(tuple[float, float, float, float], meta["bbox_m"])
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    aspect = h / w
    # A colour bar gets a band of its own under the map (the legend takes the right-hand side).
    bar_in = _BAR_BAND_IN if lane_values is not None else 0.0
    height_in = max(4.0, min(size_in * aspect + 1.5, 2 * size_in)) + bar_in
    fig = Figure(figsize=(size_in, height_in))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    pad = 0.06 * max(w, h)

    def sh(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x - x0, y - y0) for x, y in points]

    zones_m = cast(dict[ZoneId, tuple[tuple[tuple[float, float], ...], ...]], meta["zones_m"])
    zone_labels: list[Any] = []
    zone_spots: list[list[_Spot]] = []  # where each zone's name may go
    for zid in sorted(zones_m, key=lambda z: -graph.zones[z].area_m2):  # big ones first
        zone = graph.zones[zid]
        colour = ZONE_COLOURS[zone.kind]
        ax.add_patch(
            Polygon(sh(zones_m[zid][0]), closed=True, fc=colour, ec=colour, alpha=0.35, lw=0.8)
        )
        if labels and zone.area_m2 >= LABEL_MIN_AREA_SHARE * w * h:
            xs, ys = zip(*sh(zones_m[zid][0]), strict=True)
            cx = (min(xs) + max(xs)) / 2
            # Above the zone, else below it, else just inside its top edge.
            zone_spots.append([(cx, max(ys), "bottom"), (cx, min(ys), "top"), (cx, max(ys), "top")])
            zone_labels.append(
                ax.text(
                    cx,
                    max(ys),
                    zone.name,
                    fontsize=5,
                    ha="center",
                    va="bottom",
                    color="#333333",
                    clip_on=True,
                    zorder=6,  # over the lanes, on a light ground: readable where they cross
                    bbox={"fc": "white", "ec": "none", "alpha": 0.6, "pad": 0.3},
                )
            )
    normal: list[list[tuple[float, float]]] = []
    exclusive: list[list[tuple[float, float]]] = []
    arrows: list[tuple[float, float, float, float]] = []
    valued: list[tuple[list[tuple[float, float]], float, bool]] = []
    for e in sorted(graph.edges.values(), key=lambda e: e.key):
        line = sh(_polyline(graph, e))
        if lane_values is not None:
            valued.append((line, float(lane_values.get(e.key, 0.0)), e.exclusive))
        else:
            (exclusive if e.exclusive else normal).append(line)
        if not e.two_way:
            arrows.append(_midpoint_direction(line))
    coloured = None
    if lane_values is not None:
        coloured = LineCollection(
            [line for line, _, _ in valued],
            array=np.asarray([v for _, v, _ in valued]),
            cmap=_LANE_CMAP,
            linewidths=[3.4 if ex else 2.4 for _, _, ex in valued],
            zorder=3,
        )
        ax.add_collection(coloured)
    else:
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
    ax.set_title(graph.name if title is None else title, fontsize=10)
    ax.legend(
        handles=_legend(graph, coloured=coloured is not None),
        fontsize=6,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    note = schematic_note(graph)
    note_in = 0.0
    if note is not None:
        wrapped = textwrap.fill(note, 160)
        note_in = (wrapped.count("\n") + 1) * _NOTE_PT * 1.3 / 72 + 0.06
        fig.text(0.01, 0.005, wrapped, fontsize=_NOTE_PT, color="#7f0000", ha="left",
                 va="bottom")  # fmt: skip
    fig.tight_layout(rect=(0.0, (note_in + bar_in) / height_in, 1.0, 1.0))
    if coloured is not None:
        _colour_bar(fig, ax, coloured, lane_label, note_in)
    _spread_labels(fig, gate_labels, zone_labels, zone_spots)
    return fig


def _colour_bar(fig: Figure, ax: Any, lines: LineCollection, label: str, note_in: float) -> None:
    """A horizontal colour bar under the map's x label, above the schematic note."""
    height_in = fig.get_figheight()
    ax.apply_aspect()  # the drawn box: an equal-aspect map may be shorter than its slot
    box = ax.get_position()
    # Under the axes' tick labels and x label (about 0.45 in), never into the note.
    y_in = max(box.y0 * height_in - 0.6, note_in + 0.38)
    bar = fig.add_axes((box.x0 + box.width * 0.25, y_in / height_in, box.width * 0.5,
                        0.1 / height_in))  # fmt: skip
    fig.colorbar(lines, cax=bar, orientation="horizontal")
    bar.set_xlabel(label, fontsize=7, labelpad=2)
    bar.tick_params(labelsize=6, pad=1)


# Where a gate's name may go, in points from its marker: tried in order until it overlaps
# no other gate's name (gates of one crossing sit close together).
_LABEL_OFFSETS = ((6, 6), (6, -12), (-6, 6), (-6, -12), (6, 18), (6, -24), (-6, 18), (-6, -24))


_Spot = tuple[float, float, str]  # x, y (map metres), vertical alignment of a zone's name


def _spread_labels(
    fig: Figure, texts: list[Any], zones: list[Any], zone_spots: list[list[_Spot]]
) -> None:
    """Place the zones' names (biggest zone first) each at the first of its spots where it
    overlaps no name placed before it, then move each gate's name to the first offset where it
    overlaps no name placed before it."""
    if not texts and not zones:
        return
    renderer = cast(Any, fig.canvas).get_renderer()
    placed: list[Any] = []
    for t, spots in zip(zones, zone_spots, strict=True):
        for x, y, va in spots:
            t.set_position((x, y))
            t.set_verticalalignment(va)
            box = t.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
        placed.append(t.get_window_extent(renderer))
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


def _legend(graph: LaneGraph, *, coloured: bool = False) -> list[Patch | Line2D]:
    kinds = sorted({z.kind for z in graph.zones.values()}, key=lambda k: k.value)
    handles: list[Patch | Line2D] = [
        Patch(fc=ZONE_COLOURS[k], alpha=0.5, label=k.value.replace("_", " ")) for k in kinds
    ]
    if coloured:
        mid = _LANE_CMAP(0.6)
        handles += [
            Line2D([], [], color=mid, lw=2.4, label="lane, coloured (arrow: one-way)"),
            Line2D([], [], color=mid, lw=3.4, label="exclusive single-vehicle section"),
        ]
    else:
        handles += [
            Line2D([], [], color="#444444", lw=1.2, label="lane (arrow: one-way)"),
            Line2D([], [], color="#ff7f00", lw=2.2, label="exclusive single-vehicle section"),
        ]
    handles.append(Line2D([], [], color="#e31a1c", ls="--", lw=1.6, label="border line"))
    roles = sorted({s.role for s in graph.stations.values()}, key=lambda r: r.value)
    for role in roles:
        marker, colour = STATION_STYLE[role]
        handles.append(
            Line2D([], [], ls="", marker=marker, color=colour, label=role.value.replace("_", " "))
        )
    return handles
