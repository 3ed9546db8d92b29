"""The self-contained HTML report of a run: the scenario's inputs, the KPI table with what each
KPI means (sim/report_tables.py) and matplotlib plots as inline PNGs.

Plots: throughput over time per direction, crossing-time histogram, per-AGV state timeline
(out-of-service periods in red),
queue lengths (scanner queue, order backlog, active holds) and a congestion map drawing every
lane on the map geometry, coloured by its mean occupancy. One file, no external assets.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.simtypes import AgvState

if TYPE_CHECKING:
    from sim.runner import RunResult, Simulation

__all__ = ["write_report"]

_STATE_COLOURS = {
    AgvState.IDLE: "#d9d9d9",
    AgvState.EMPTY: "#9ecae1",
    AgvState.LOADED: "#3182bd",
    AgvState.WORKING: "#fd8d3c",
    AgvState.CHARGING: "#74c476",
    AgvState.FAULTED: "#de2d26",
}
_MAX_TIMELINE_ROWS = 60


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _throughput(sim: Simulation, plt: Any) -> str:
    hours = max(1, int(sim.now_s // 3600 + (sim.now_s % 3600 > 0)))
    fig, ax = plt.subplots(figsize=(9, 3.2))
    directions = sorted({d for _, d in sim.kpi.delivery_times_s}) or ["CN->MN", "MN->CN"]
    width = 0.8 / len(directions)
    for i, d in enumerate(directions):
        counts = [0] * hours
        for t, dd in sim.kpi.delivery_times_s:
            if dd == d:
                counts[min(hours - 1, int(t // 3600))] += 1
        ax.bar([h + i * width for h in range(hours)], counts, width=width, label=d)
    ax.set_xlabel("simulated hour")
    ax.set_ylabel("containers delivered")
    ax.set_title("Throughput per hour")
    ax.legend()
    return _png(fig)


def _histogram(sim: Simulation, plt: Any) -> str:
    fig, ax = plt.subplots(figsize=(9, 3.2))
    minutes = [t / 60.0 for t in sim.kpi.crossing_times_s]
    if minutes:
        ax.hist(minutes, bins=min(40, max(5, len(minutes) // 5)), color="#3182bd")
    ax.set_xlabel("crossing time (min, pick-up to delivery)")
    ax.set_ylabel("containers")
    ax.set_title("Crossing-time distribution")
    return _png(fig)


def _timeline(sim: Simulation, plt: Any) -> str:
    vehicles = [sim.vehicles[v] for v in sorted(sim.vehicles)][:_MAX_TIMELINE_ROWS]
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.16 * len(vehicles) + 1)))
    end = sim.now_s
    for row, v in enumerate(vehicles):
        spans: dict[AgvState, list[tuple[float, float]]] = {}
        points = [*v.timeline, (end, v.state)]
        for (t0, state), (t1, _) in itertools.pairwise(points):
            if t1 > t0:
                spans.setdefault(state, []).append((t0 / 3600.0, (t1 - t0) / 3600.0))
        for state, bars in spans.items():
            ax.broken_barh(bars, (row - 0.4, 0.8), facecolors=_STATE_COLOURS[state])
    ax.set_yticks(range(len(vehicles)), [v.id for v in vehicles], fontsize=6)
    ax.set_xlabel("simulated hour")
    title = "AGV states"
    if len(sim.vehicles) > len(vehicles):
        title += f" (first {len(vehicles)} of {len(sim.vehicles)})"
    ax.set_title(title)
    from matplotlib.patches import Patch

    # Out of service appears in the legend only in runs that had faults.
    faulted = any(state is AgvState.FAULTED for v in vehicles for _, state in v.timeline)
    shown = [s for s in _STATE_COLOURS if s is not AgvState.FAULTED or faulted]
    ax.legend(
        handles=[Patch(color=_STATE_COLOURS[s], label=s.value) for s in shown],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=len(shown),
        fontsize=8,
    )
    return _png(fig)


def _queues(sim: Simulation, plt: Any) -> str:
    fig, ax = plt.subplots(figsize=(9, 3.2))
    end = sim.now_s / 3600.0
    for label, series in (
        ("scanner queue", sim.customs.scan_queue),
        ("orders waiting for pick-up", sim.kpi.backlog),
        ("containers on hold", sim.kpi.holds_active),
    ):
        xs = [t / 3600.0 for t, _ in series] + [end]
        ys = [n for _, n in series] + [series[-1][1]]
        ax.step(xs, ys, where="post", label=label)
    ax.set_xlabel("simulated hour")
    ax.set_ylabel("count")
    ax.set_title("Queues")
    ax.legend()
    return _png(fig)


def _congestion(sim: Simulation, plt: Any) -> str:
    from matplotlib.collections import LineCollection

    graph = sim.graph
    duration = max(sim.now_s, 1.0)
    segments, values = [], []
    for key in sorted(graph.edges):
        e = graph.edges[key]
        a, b = graph.nodes[e.source], graph.nodes[e.target]
        segments.append([(a.x_m, a.y_m), *e.shape_m, (b.x_m, b.y_m)])
        values.append(sim.monitor.occupancy_s.get(key, 0.0) / duration)
    fig, ax = plt.subplots(figsize=(9, 6))
    lc = LineCollection(segments, array=values, cmap="inferno_r", linewidths=2.5)
    ax.add_collection(lc)
    ax.autoscale()
    ax.set_aspect("equal")
    for i, gate in enumerate(sorted(graph.gates.values(), key=lambda g: g.id)):
        n = graph.nodes[gate.node]
        ax.plot(n.x_m, n.y_m, "s", color="#e31a1c", markersize=6,
                label="border gate" if i == 0 else None)  # fmt: skip
    fig.colorbar(lc, ax=ax, label="mean vehicles on the lane", shrink=0.7)
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.set_xlabel(f"x (m, {graph.crs})")
    ax.set_ylabel("y (m)")
    if graph.gates:
        ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"Lane occupancy: {graph.name}", fontsize=10)
    return _png(fig)


def write_report(sim: Simulation, result: RunResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.report_tables import inputs_html, kpis_html

    doc = result.kpis
    kpis: Any = doc["kpis"]
    plots = [
        ("Throughput", _throughput(sim, plt)),
        ("Crossing times", _histogram(sim, plt)),
        ("Queues", _queues(sim, plt)),
        ("AGV timeline", _timeline(sim, plt)),
        ("Congestion map", _congestion(sim, plt)),
    ]
    figures = "\n".join(
        f'<h2>{html.escape(t)}</h2><img alt="{html.escape(t)}" src="data:image/png;base64,{b}">'
        for t, b in plots
    )
    inv = kpis["invariants"]
    ok = all(v == 0 for v in inv.values())
    badge = "all invariants hold" if ok else "INVARIANT VIOLATIONS: see the event log"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>borderflow run: {html.escape(str(doc["scenario"]))}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2px 12px; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.meaning {{ color: #555; }}
tr.section th {{ background: #f0f0f0; padding-top: 8px; }}
table.inputs th {{ font-weight: normal; color: #555; }}
.badge {{ padding: 4px 10px; border-radius: 4px; color: #fff;
          background: {"#2ca25f" if ok else "#de2d26"}; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>borderflow simulation: {html.escape(str(doc["scenario"]))}</h1>
<p>Map <b>{html.escape(str(doc["map"]))}</b>, seed {doc["seed"]}, {doc["agvs"]} AGVs,
{sim.now_s / 3600.0:g} simulated hours. <span class="badge">{badge}</span></p>
<h2>Scenario inputs</h2>
{inputs_html(sim.scenario, str(doc["map"]))}
<h2>KPIs</h2>
<p>Times in minutes, shares in %. The KPI JSON (<code>--json</code>) holds the same figures
under machine keys, in seconds and fractions.</p>
{kpis_html(kpis)}
{figures}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
