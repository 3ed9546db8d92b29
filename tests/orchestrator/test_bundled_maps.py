"""The core on the maps the loader ships (integration with ``maps/``)."""

from __future__ import annotations

import pytest

from maps.loader import bundled_map_path, load_map
from orchestrator.config import OrchestratorConfig
from orchestrator.traffic.capacity import min_cycle_capacity
from orchestrator.traffic.resources import Resources
from tests.orchestrator.scenarios import Scenario, run_scenario


@pytest.mark.parametrize(
    ("name", "vehicles"),
    [("test_crossing", 8), ("erenhot_zamyn_uud", 30), ("ganqimaodu_gashuunsukhait", 30)],
)
def test_bundled_map_delivers_every_order_safely(name: str, vehicles: int) -> None:
    graph = load_map(bundled_map_path(name))
    sc = Scenario(seed=5, vehicles=vehicles, orders=40, horizon_s=4000.0)
    fleet = run_scenario(graph, sc)
    fleet.run(200_000)
    assert len(fleet.delivered) == sc.orders
    assert fleet.crossings > 0
    assert fleet.core.views.admission_limit >= 1


def test_erenhot_two_lane_roads_admit_a_60_agv_fleet() -> None:
    # With erenhot_day's vehicle spacing (15 m + 8 m headway) the smallest lane cycle (the MN
    # customs ring through the gate turn-back) holds 61 vehicles, so 60 may be on the lanes.
    graph = load_map(bundled_map_path("erenhot_zamyn_uud"))
    config = OrchestratorConfig(vehicle_length_m=15.0, headway_m=8.0)
    assert min_cycle_capacity(graph, Resources(graph, config)) == 61
