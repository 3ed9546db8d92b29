"""The self-contained HTML report of a run: the scenario's inputs, the KPI table with what each
KPI means (sim/report_tables.py) and matplotlib plots as inline PNGs.

Plots: throughput per local clock hour and direction, crossing-time histogram, per-AGV state
timeline (out-of-service periods in red), queue lengths (scanner queue, order backlog, active
holds) and a congestion map: the map picture of :func:`maps.render.draw_map` (local metres,
zones, border line, gates, the schematic note of a schematic map) with every lane coloured by
its mean occupancy. Time axes show the scenario's local clock (sim/timebase.py). One file, no
external assets.
"""

from __future__ import annotations

import base64
import bisect
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


def _png(fig: Any, dpi: int = 90) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _clock_axis(ax: Any, sim: Simulation) -> None:
    """The x axis in hours since the epoch, labelled with the scenario's local clock times."""
    tb = sim.scenario.timebase
    positions, labels = tb.hour_ticks(sim.now_s)
    ax.set_xticks(positions, labels, fontsize=8)
    ax.set_xlim(0.0, max(sim.now_s, 1.0) / 3600.0)
    ax.set_xlabel(f"local time, {tb.span(sim.now_s)}")


def _throughput(sim: Simulation, plt: Any) -> str:
    # One bar group per local clock hour (the first and last may be part hours).
    blocks = list(sim.scenario.timebase.hour_blocks(max(sim.now_s, 1.0)))
    starts = [b[0] for b in blocks]
    fig, ax = plt.subplots(figsize=(9, 3.2))
    directions = sorted({d for _, d in sim.kpi.delivery_times_s}) or ["CN->MN", "MN->CN"]
    share = 0.8 / len(directions)
    for i, d in enumerate(directions):
        counts = [0] * len(blocks)
        for t, dd in sim.kpi.delivery_times_s:
            if dd == d:
                counts[max(0, bisect.bisect_right(starts, t) - 1)] += 1
        ax.bar(
            [(start + i * share * (end - start)) / 3600.0 for start, end, _ in blocks],
            counts,
            width=[share * (end - start) / 3600.0 for start, end, _ in blocks],
            align="edge",
            label=d,
        )
    _clock_axis(ax, sim)
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
    _clock_axis(ax, sim)
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
    _clock_axis(ax, sim)
    ax.set_ylabel("count")
    ax.set_title("Queues")
    ax.legend()
    return _png(fig)


def _congestion(sim: Simulation, plt: Any) -> str:
    from maps.render import draw_map

    duration = max(sim.now_s, 1.0)
    occupancy = {key: sim.monitor.occupancy_s.get(key, 0.0) / duration for key in sim.graph.edges}
    fig = draw_map(
        sim.graph,
        size_in=9.0,
        lane_values=occupancy,
        lane_label="mean vehicles on the lane",
        title=f"Lane occupancy: {sim.graph.name}",
    )
    return _png(fig, dpi=120)  # zone and gate names stay legible at the page's width


def write_report(sim: Simulation, result: RunResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.report_tables import inputs_html, kpis_html

    doc = result.kpis
    kpis: Any = doc["kpis"]
    tb = sim.scenario.timebase
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
{sim.now_s / 3600.0:g} h: {html.escape(tb.span(sim.now_s))} (from {html.escape(tb.describe())}).
<span class="badge">{badge}</span></p>
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
