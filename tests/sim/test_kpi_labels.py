"""The KPI definitions (sim/kpi_labels.py): every KPI a run writes has one, shown for people."""

from __future__ import annotations

import pytest

from sim.kpi_labels import SECTIONS, format_number, kpi_rows, undefined_kpis
from sim.runner import Simulation
from sim.scenario import load_scenario

# Between them these runs write every optional section: breakdowns (faults), two containers
# per AGV (co_load) and empty containers (containers.delivered_by_cargo).
_RUNS = [("test_small", 1.0, None), ("erenhot_breakdowns", 0.5, None), ("ganqimaodu_day", 0.5, 20)]


@pytest.mark.parametrize(("name", "hours", "agvs"), _RUNS)
def test_every_kpi_a_run_writes_has_a_definition(name: str, hours: float, agvs: int | None) -> None:
    sc = load_scenario(name).with_overrides(hours=hours, agvs=agvs)
    kpis = Simulation(sc).run().kpis["kpis"]
    assert isinstance(kpis, dict)
    # A new KPI fails here: give it a label, a unit and a meaning in sim/kpi_labels.py.
    assert undefined_kpis(kpis) == []
    if name == "erenhot_breakdowns":
        assert "faults" in kpis
    if name == "ganqimaodu_day":
        assert "co_load" in kpis and "delivered_by_cargo" in kpis["containers"]


def test_rows_are_grouped_scaled_and_labelled() -> None:
    kpis = {
        "fleet": {"utilisation": 0.288832, "agvs": 4},
        "crossing_time_s": {"p95": 1538.087025, "p50": 631.2},
        "containers": {"arrived": {"MN->CN": 6, "CN->MN": 9}},
        "log_kinds": {"order.delivered": 14},
    }
    rows = [(r.section, r.label, r.shown, r.unit) for r in kpi_rows(kpis)]
    assert rows == [
        ("Throughput", "arrived, CN → MN", "9", "containers"),
        ("Throughput", "arrived, MN → CN", "6", "containers"),
        ("Crossing time", "median", "10.5", "min"),
        ("Crossing time", "95th percentile", "25.6", "min"),
        ("Fleet", "AGVs", "4", "AGVs"),
        ("Fleet", "utilisation", "28.9", "%"),
    ]


def test_a_kpi_without_definition_is_listed_and_still_shown() -> None:
    kpis = {"fleet": {"agvs": 2, "warp_factor": 9.5}}
    assert undefined_kpis(kpis) == ["fleet.warp_factor"]
    last = kpi_rows(kpis)[-1]
    assert (last.section, last.label, last.shown) == ("Other", "fleet.warp_factor", "9.500")


def test_every_definition_has_label_unit_and_a_short_meaning() -> None:
    keys = [d.key for s in SECTIONS for d in s.kpis]
    assert len(keys) == len(set(keys))
    for section in SECTIONS:
        for d in section.kpis:
            assert d.label and d.meaning and len(d.meaning) <= 90, d.key
            if d.key.endswith("_s") or "_s." in d.key:
                assert d.unit == "min", d.key  # times for people are in minutes


def test_format_number() -> None:
    assert format_number(1234.56, 1) == "1,234.6"
    assert format_number(12345, 1) == "12,345"
    assert format_number(3.0, 0) == "3"
