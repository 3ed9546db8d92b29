"""The HTML run report: the scenario's inputs and the KPIs with their definitions; time axes
on the scenario's local clock; the congestion plot as the map picture, in local metres."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim import report
from sim.report import write_report
from sim.runner import Simulation
from sim.scenario import load_scenario


def test_report_shows_inputs_and_explains_each_kpi(tmp_path: Path) -> None:
    sc = load_scenario("test_small").with_overrides(hours=1.0, agvs=3, seed=5)
    sim = Simulation(sc)
    result = sim.run()
    path = tmp_path / "r.html"
    write_report(sim, result, path)
    page = path.read_text(encoding="utf-8")
    inputs = page[page.index("<h2>Scenario inputs</h2>") : page.index("<h2>KPIs</h2>")]
    for text in (
        "Test crossing (two small yards, fictitious) (test_crossing)",
        "<th>simulated time</th><td>1 h, 08:00–09:00, Asia/Shanghai (starts 2026-12-03 08:00 "
        "Asia/Shanghai (UTC+08:00))</td>",
        "<th>AGVs</th><td>3 (1 container place(s) each",
        "<th>seed</th><td>5</td>",
        "5.0 containers/h on average over the day, peak 5/h at 00:00 local time; about 5 expected",
        "LOW 60 %, MEDIUM 30 % (X-ray scan), HIGH 10 % (hold)",
        "<td>sim/scenarios/test_small.toml</td>",
    ):
        assert text in inputs, text
    kpis = page[page.index("<h2>KPIs</h2>") :]
    assert (
        '<tr class="section"><th colspan="4">Safety invariants (each must be 0)</th></tr>' in kpis
    )
    assert "<td>95th percentile</td>" in kpis and "<td>min</td>" in kpis
    assert "the slowest delivered container" in kpis
    assert "crossing_time_s" not in kpis and "log_kinds" not in kpis


def _figures(sim: Simulation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """The report's figures, in page order, kept instead of encoded."""
    figures: list[Figure] = []

    def keep(fig: Figure, dpi: int = 90) -> str:
        figures.append(fig)
        return ""

    monkeypatch.setattr(report, "_png", keep)
    write_report(sim, sim.result(), tmp_path / "r.html")
    return figures


@pytest.fixture(scope="module")
def small() -> Simulation:
    sim = Simulation(load_scenario("test_small").with_overrides(hours=1.0, agvs=3, seed=5))
    sim.run()
    return sim


def test_time_axes_show_the_scenarios_local_clock(
    small: Simulation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    throughput, _histogram, queues, timeline, _map = _figures(small, tmp_path, monkeypatch)
    for fig in (throughput, queues, timeline):
        ax = fig.axes[0]
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        assert ticks[0] == "08:00" and ticks[-1] == "09:00", ticks  # test_small starts 08:00
        assert ax.get_xlabel() == "local time, 08:00–09:00, Asia/Shanghai"
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "1 h: 08:00–09:00, Asia/Shanghai (from 2026-12-03 08:00 Asia/Shanghai" in page
    assert "simulated hour" not in page


def _labels(fig: Figure) -> list[Any]:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [t.get_window_extent(renderer) for t in fig.axes[0].texts if t.get_text().strip()]


@pytest.mark.parametrize("scenario", ["test_small", "erenhot_day", "ganqimaodu_day"])
def test_the_congestion_plot_is_the_map_in_local_metres_with_border_and_zones(
    scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = Simulation(load_scenario(scenario).with_overrides(hours=0.5))
    sim.run()
    fig = _figures(sim, tmp_path, monkeypatch)[-1]
    ax = fig.axes[0]
    graph = sim.graph
    x0, y0, x1, y1 = cast(tuple[float, float, float, float], graph.metadata["bbox_m"])
    w, h = x1 - x0, y1 - y0
    # Local metres from the map's south-west corner, as on the map pictures (not UTM).
    (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    pad = 0.1 * max(w, h)
    assert -pad <= left < 0 < w < right <= w + pad, (left, right, w)
    assert -pad <= bottom < 0 < h < top <= h + pad, (bottom, top, h)
    # The border line, shifted as the map is.
    border_m = cast(list[tuple[float, float]], graph.metadata["border_m"])
    border = [(x - x0, y - y0) for x, y in border_m]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert any(
        [tuple(p) for p in np.column_stack(line.get_data()).tolist()] == border for line in dashed
    )
    # Zones as polygons, lanes coloured by their mean occupancy, with the scale.
    assert len(ax.patches) >= len(graph.zones)
    lanes = [
        c for c in ax.collections if isinstance(c, LineCollection) and c.get_array() is not None
    ]
    assert len(lanes) == 1 and len(lanes[0].get_segments()) == len(graph.edges)
    occupancy = sorted(lanes[0].get_array().tolist())  # type: ignore[union-attr]
    duration = sim.now_s
    expected = sorted(sim.monitor.occupancy_s.get(k, 0.0) / duration for k in graph.edges)
    assert occupancy == pytest.approx(expected) and max(occupancy) > 0
    assert any(a.get_xlabel() == "mean vehicles on the lane" for a in fig.axes[1:])
    # Names of zones and gates, none over another; the schematic note of a schematic map.
    names = {z.name for z in graph.zones.values()} | {g.name for g in graph.gates.values()}
    shown = {t.get_text() for t in ax.texts}
    assert {g.name for g in graph.gates.values()} <= shown and len(shown & names) > len(graph.gates)
    boxes = _labels(fig)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    note = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "Schematic map, not for geofencing or navigation" in note
