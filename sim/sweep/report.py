"""The HTML report of a sweep: what was swept, the answer to the target, plots, the table.

For each swept parameter one figure: throughput and p95 crossing time against the parameter,
mean over seeds with its 95 % band, one line per combination of the other parameters (grid
designs; a random design is a scatter of every run). The target, when given, is drawn as a line
and answered as "the smallest fleet that meets it". One self-contained file: plots are inline
PNGs, no external assets, so it opens from a mail attachment; the same plots are also written
as ``plots/<parameter>.png`` beside it.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.sweep.spec import SweepSpec
from sim.sweep.stats import PointStats, point_stats, smallest_fleets

__all__ = ["KPIS", "write_report"]

KPIS = ("throughput_per_h", "crossing_p95_min", "delivered_share", "utilisation",
        "crossing_p50_min", "scanner_wait_max_min")  # fmt: skip
_LABELS = {
    "throughput_per_h": "throughput, containers / h",
    "crossing_p95_min": "p95 crossing time, min",
    "crossing_p50_min": "median crossing time, min",
    "delivered_share": "delivered / arrived",
    "utilisation": "AGV utilisation",
    "scanner_wait_max_min": "longest scanner wait, min",
}
_MAX_LINES = 8


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _figure(
    spec: SweepSpec, stats: Sequence[PointStats], rows: Sequence[dict[str, Any]], name: str
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    values = [p.point[name] for p in stats]
    numeric = _numeric(values)
    labels = sorted({repr(v) for v in values}) if not numeric else []
    xpos = (lambda v: v) if numeric else (lambda v: labels.index(repr(v)))
    for ax, kpi in zip(axes, ("throughput_per_h", "crossing_p95_min"), strict=True):
        if spec.design == "random":
            ax.scatter(
                [xpos(r[f"param:{name}"]) for r in rows], [r[kpi] for r in rows], s=10, alpha=0.6
            )
        else:
            lines: dict[str, list[PointStats]] = {}
            for p in stats:
                rest = ", ".join(f"{k}={v}" for k, v in p.point.items() if k != name)
                lines.setdefault(rest, []).append(p)
            for rest, members in list(lines.items())[:_MAX_LINES]:
                members.sort(key=lambda p: xpos(p.point[name]))
                xs = [xpos(p.point[name]) for p in members]
                b = [p.kpi[kpi] for p in members]
                (line,) = ax.plot(xs, [x.mean for x in b], marker="o", label=rest or None)
                ax.fill_between(
                    xs, [x.lo for x in b], [x.hi for x in b], color=line.get_color(), alpha=0.2
                )
            if len(lines) > 1:
                ax.legend(fontsize=7)
        if kpi == "crossing_p95_min" and spec.target_p95_min is not None:
            ax.axhline(spec.target_p95_min, color="#de2d26", ls="--", lw=1, label="target")
        if not numeric:
            ax.set_xticks(range(len(labels)), labels, fontsize=8, rotation=20)
        ax.set_xlabel(name)
        ax.set_ylabel(_LABELS[kpi])
        ax.grid(alpha=0.3)
    seeds = len(spec.seeds)
    fig.suptitle(f"{name}: mean over {seeds} seed{'s' * (seeds > 1)}, 95 % band", fontsize=10)
    return _png(fig)


def _file_name(parameter: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in parameter)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.3g}"
    return html.escape(str(value))


def _answer(spec: SweepSpec, stats: Sequence[PointStats]) -> str:
    if spec.target_p95_min is None:
        return ""
    head = (
        f"<h2>Target</h2><p>p95 crossing time ≤ {spec.target_p95_min:g} min (upper end of the "
        f"95 % band over seeds), delivered share ≥ {spec.target_delivered_share:g}, no safety "
        "invariant broken.</p>"
    )
    if "fleet.agvs" not in spec.parameters:
        return head + "<p>Sweep <code>fleet.agvs</code> to get the smallest fleet.</p>"
    items = []
    for others, agvs in smallest_fleets(stats, spec.target_p95_min, spec.target_delivered_share):
        where = ", ".join(f"{k} = {v}" for k, v in others.items()) or "the scenario as it is"
        got = f"<b>{agvs} AGVs</b>" if agvs is not None else "<b>no swept fleet size</b>"
        items.append(f"<li>{html.escape(where)}: {got}</li>")
    return head + "<p>Smallest fleet that meets it:</p><ul>" + "".join(items) + "</ul>"


def write_report(
    spec: SweepSpec,
    points: Sequence[dict[str, Any]],
    rows: Sequence[dict[str, Any]],
    path: Path,
    failures: int = 0,
) -> None:
    stats = point_stats(rows, points, KPIS)
    plots = path.parent / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    figures = ""
    for n in spec.parameters:
        png = _figure(spec, stats, rows, n)
        (plots / f"{_file_name(n)}.png").write_bytes(png)  # the same picture, for slides
        data = base64.b64encode(png).decode("ascii")
        figures += (
            f'<h3>{html.escape(n)}</h3><img alt="{html.escape(n)}" '
            f'src="data:image/png;base64,{data}">'
        )
    head = ["point", *spec.parameters, "seeds", *(_LABELS[k] for k in KPIS)]
    body = []
    for p in stats:
        cells = [
            str(p.point_index),
            *(_fmt(p.point[n]) for n in spec.parameters),
            str(p.kpi[KPIS[0]].n),
        ]
        for k in KPIS:
            b = p.kpi[k]
            cells.append(_fmt(b.mean) + (f" ± {(b.hi - b.lo) / 2:.2g}" if b.n > 1 else ""))
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    failed = f'<p class="bad">{failures} runs failed: see the sweep output.</p>' if failures else ""
    doc = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sweep {html.escape(spec.name)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 6px}}
img{{max-width:100%}}.bad{{color:#b00}}</style></head><body>
<h1>Sweep {html.escape(spec.name)}</h1>
<p>Scenario <code>{html.escape(spec.scenario_path.name)}</code>, {spec.design} design,
{len(points)} points × {len(spec.seeds)} seeds = {len(points) * len(spec.seeds)} runs
({len(rows)} finished){f", {spec.hours:g} simulated h each" if spec.hours else ""}.</p>
{failed}{_answer(spec, stats)}<h2>Plots</h2>{figures or "<p>No parameter swept.</p>"}
<h2>Per point (mean ± half the 95 % band)</h2>
<table><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in head)}</tr>{"".join(body)}</table>
</body></html>
"""
    path.write_text(doc, encoding="utf-8")
