"""The HTML run report: the scenario's inputs and the KPIs with their definitions."""

from __future__ import annotations

from pathlib import Path

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
        "<th>simulated hours</th><td>1 h</td>",
        "<th>AGVs</th><td>3 (1 container place(s) each",
        "<th>seed</th><td>5</td>",
        "5.0 containers/h on average over the day, peak 5/h at 00:00; about 5 expected",
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
