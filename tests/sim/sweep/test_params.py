"""One design point applied to a scenario: the derived parameters in their own units, and
values the scenario reader refuses caught before anything runs, naming the point."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import maps
from orchestrator.lanegraph import StationRole
from sim.errors import ScenarioError
from sim.scenario import SCENARIO_DIR
from sim.scenario_reader import ScenarioReader
from sim.sweep.params import apply_graph, apply_raw
from sim.sweep.plan import plan
from sim.sweep.spec import load_spec

SOURCE = str(SCENARIO_DIR / "erenhot_day.toml")
RAW = tomllib.loads(Path(SOURCE).read_text(encoding="utf-8"))


def scenario(point: dict[str, object]):  # type: ignore[no-untyped-def]
    return ScenarioReader(SOURCE).scenario(apply_raw(RAW, point, SOURCE))


def daily(sc) -> float:  # type: ignore[no-untyped-def]
    return sum(sc.arrivals.cn_to_mn_per_h) + sum(sc.arrivals.mn_to_cn_per_h)


def test_per_day_sets_the_daily_volume_and_keeps_the_shape() -> None:
    base = scenario({})
    sc = scenario({"arrivals.per_day": 1500})
    assert daily(sc) == pytest.approx(1500.0)
    ratio = sc.arrivals.cn_to_mn_per_h[9] / base.arrivals.cn_to_mn_per_h[9]
    assert ratio == pytest.approx(1500.0 / daily(base))
    assert sc.arrivals.mn_to_cn_per_h[0] == pytest.approx(base.arrivals.mn_to_cn_per_h[0] * ratio)
    assert RAW["arrivals"]["cn_to_mn_per_h"][9] == 44  # the parsed file is not changed


def test_direction_scale_mix_latency_and_plain_keys() -> None:
    point = {"arrivals.mn_to_cn_scale": 2.0, "risk.mix": [0.5, 0.3, 0.2],
             "risk.verdict_latency_min": 20, "scan.time_s": 240.0, "fleet.agvs": 7}  # fmt: skip
    sc = scenario(point)
    base = scenario({})
    assert sc.arrivals.mn_to_cn_per_h == tuple(2 * r for r in base.arrivals.mn_to_cn_per_h)
    assert sc.arrivals.cn_to_mn_per_h == base.arrivals.cn_to_mn_per_h
    assert (sc.customs.risk_low, sc.customs.risk_medium, sc.customs.risk_high) == (0.5, 0.3, 0.2)
    assert sc.customs.verdict_latency_s == (1200.0, 1200.0)
    assert sc.customs.scan_time_s == 240.0 and sc.fleet.agvs == 7


def test_closed_lanes_close_for_the_whole_run() -> None:
    sc = scenario({"closed_lanes": ["cn_inspection_3_spur"], "duration_h": 6.0})
    whole = [c for c in sc.closures if c.reason == "closed in the sweep"]
    assert [(c.target, c.from_s) for c in whole] == [("cn_inspection_3_spur", 0.0)]
    assert whole[0].to_s > 1000 * 24 * 3600.0  # reopens long after any run ends


def test_scanners_set_the_capacity_of_every_scanner_station() -> None:
    graph = maps.load_map(maps.bundled_map_path("erenhot_zamyn_uud"))
    one = apply_graph(graph, {"scanners": 1}, SOURCE)
    scanners = [s for s in one.stations.values() if s.role is StationRole.SCANNER]
    assert len(scanners) == 2 and {s.capacity_vehicles for s in scanners} == {1}
    others = [s for s in one.stations.values() if s.role is not StationRole.SCANNER]
    assert others == [s for s in graph.stations.values() if s.role is not StationRole.SCANNER]
    with pytest.raises(ScenarioError, match="integer >= 1"):
        apply_graph(graph, {"scanners": 0}, SOURCE)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ('"risk.mix" = [[0.8, 0.1, 0.0]]', "sum"),
        ('"fleet.wheels" = [4]', "fleet.wheels"),
        ('"fleet.agvs" = [3, 0]', "fleet.agvs"),
        ('closed_lanes = [["no_such_lane"]]', "no_such_lane"),
    ],
)
def test_plan_refuses_a_bad_point_before_anything_runs(
    tmp_path: Path, params: str, words: str
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'scenario = "test_small"\n[parameters]\n{params}\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        plan(load_spec(path))
    assert "is invalid" in str(err.value) and words in str(err.value)
    assert err.value.path == str(path) and "point" in err.value.key
