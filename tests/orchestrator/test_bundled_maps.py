"""The core on the maps the loader ships (integration with ``maps/``)."""

from __future__ import annotations

import pytest

from maps.loader import bundled_map_path, load_map
from tests.orchestrator.scenarios import Scenario, run_scenario


@pytest.mark.parametrize(("name", "vehicles"), [("test_crossing", 8), ("erenhot_zamyn_uud", 30)])
def test_bundled_map_delivers_every_order_safely(name: str, vehicles: int) -> None:
    graph = load_map(bundled_map_path(name))
    sc = Scenario(seed=5, vehicles=vehicles, orders=40, horizon_s=4000.0)
    fleet = run_scenario(graph, sc)
    fleet.run(200_000)
    assert len(fleet.delivered) == sc.orders
    assert fleet.crossings > 0
    assert fleet.core.admission_limit >= 1
