"""The HTML tables of the run report: the scenario's inputs and the KPIs with their definitions.

The KPI rows, labels, units and meanings come from :mod:`sim.kpi_labels`, the same table
``borderflow simulate`` prints; this module only lays them out as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.kpi_labels import kpi_rows

if TYPE_CHECKING:
    from sim.scenario import Scenario

__all__ = ["inputs_html", "kpis_html", "scenario_inputs"]


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def _span_min(span_s: tuple[float, float]) -> str:
    lo, hi = (s / 60.0 for s in span_s)
    return f"{lo:.1f}–{hi:.1f} min" if lo != hi else f"{lo:.1f} min"


def _rates(per_h: Sequence[float], sc: Scenario) -> str:
    """Mean and peak of the 24 hourly rates (by local hour of day), and the mean count over the
    run (from its local start time, as sim/arrivals.py draws them)."""
    mean = sum(per_h) / len(per_h)
    peak = max(per_h)
    hour = per_h.index(peak)
    blocks = sc.timebase.hour_blocks(sc.duration_h * 3600.0)
    expected = sum(per_h[h] * (end - start) / 3600.0 for start, end, h in blocks)
    return (
        f"{mean:.1f} containers/h on average over the day, peak {peak:g}/h at "
        f"{hour:02d}:00 local time; about {expected:.0f} expected in this run"
    )


def scenario_inputs(sc: Scenario, map_name: str) -> list[tuple[str, str]]:
    """What the run was given, as ``(input, value)`` rows for people."""
    a, c, f = sc.arrivals, sc.customs, sc.fleet
    rows = [
        ("scenario", f"{sc.name}: {sc.description}" if sc.description else sc.name),
        ("map", f"{map_name} ({sc.map_ref})"),
        (
            "simulated time",
            f"{sc.duration_h:g} h, {sc.timebase.span(sc.duration_h * 3600.0)} (starts "
            f"{sc.timebase.describe()})",
        ),
        (
            "AGVs",
            f"{f.agvs} ({f.container_places} container place(s) each, "
            f"up to {f.max_speed_mps * 3.6:.0f} km/h)",
        ),
        ("seed", str(sc.seed)),
        ("arrivals CN → MN", _rates(a.cn_to_mn_per_h, sc)),
        ("arrivals MN → CN", _rates(a.mn_to_cn_per_h, sc)),
    ]
    if a.cn_to_mn_empty_share or a.mn_to_cn_empty_share:
        shares = f"CN → MN {_pct(a.cn_to_mn_empty_share)}, MN → CN {_pct(a.mn_to_cn_empty_share)}"
        rows.append(("empty containers", shares))
    rows += [
        (
            "risk mix",
            f"LOW {_pct(c.risk_low)}, MEDIUM {_pct(c.risk_medium)} (X-ray scan), "
            f"HIGH {_pct(c.risk_high)} (hold)",
        ),
        ("verdict latency", _span_min(c.verdict_latency_s)),
        ("verdict changes", f"{_pct(c.change_fraction)} of containers get a second verdict"),
        ("X-ray scan", f"{c.scan_time_s / 60:.1f} min; {_pct(c.escalation_rate)} suspicious"),
        ("seal mismatches", f"{_pct(c.seal_mismatch_rate)} of seal reads"),
        ("lane and zone closures", str(len(sc.closures))),
        ("scheduled breakdowns", str(len(sc.faults))),
        ("random breakdowns", f"{f.breakdowns_per_agv_day:g} per AGV and day"),
        ("scenario file", _source(sc.source)),
    ]
    return rows


def _source(path: str) -> str:
    """A bundled scenario by its place in the repository, not this machine's checkout."""
    from sim.scenario import SCENARIO_DIR

    p = Path(path)
    return f"sim/scenarios/{p.name}" if p.resolve().parent == SCENARIO_DIR else path


def inputs_html(sc: Scenario, map_name: str) -> str:
    cells = "\n".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in scenario_inputs(sc, map_name)
    )
    return f'<table class="inputs">{cells}</table>'


def kpis_html(kpis: Mapping[str, Any]) -> str:
    """The KPI table: a header row per section; label, value, unit and what it means."""
    out = ["<table class=\"kpis\"><tr><th>KPI</th><th>value</th><th>unit</th>"
           "<th>what it means</th></tr>"]  # fmt: skip
    section = None
    for row in kpi_rows(kpis):
        if row.section != section:
            section = row.section
            out.append(f'<tr class="section"><th colspan="4">{html.escape(section)}</th></tr>')
        out.append(
            f'<tr><td>{html.escape(row.label)}</td><td class="num">{html.escape(row.shown)}</td>'
            f"<td>{html.escape(row.unit)}</td>"
            f'<td class="meaning">{html.escape(row.meaning)}</td></tr>'
        )
    out.append("</table>")
    return "\n".join(out)
