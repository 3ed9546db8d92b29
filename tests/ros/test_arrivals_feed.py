"""The orchestrator node's own arrivals without spinning: the command line makes the file from a
scenario or a manifest (cli/ros_arrivals.py), the node reads it (borderflow_ros.arrivals_feed)
and hands each arrival to the core when its time has come on the ROS clock."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from cli.ros_arrivals import demo_scenario, plan_arrivals, write_arrivals
from maps import load_map
from orchestrator.domain.iso6346 import container_number
from orchestrator.messages import Direction
from risk_bridge.errors import BadInput

STATIONS = set(load_map("test_crossing").stations)


@pytest.fixture()
def feed(ros_env: dict[str, str]) -> Any:
    from borderflow_ros import arrivals_feed

    return arrivals_feed


def test_a_scenarios_arrivals_reach_the_node_as_the_simulation_draws_them(
    feed: Any, tmp_path: Path
) -> None:
    from sim.live import SimFleet
    from sim.scenario import load_scenario

    plan = plan_arrivals("test_small", None)
    assert plan.map_ref == "test_crossing" and plan.identity.map_id == "test_crossing"
    out = tmp_path / "arrivals.json"
    write_arrivals(plan, out)
    got = feed.read_arrivals(str(out), STATIONS)
    sim = SimFleet(load_scenario("test_small"), realtime=False)
    drawn = sim.sim.arrivals
    # The same containers, directions, seals and gaps, counted from the first arrival.
    assert [a.container_id for a in got.arrivals] == [a.container_id for a in drawn]
    assert [a.direction for a in got.arrivals] == [a.direction for a in drawn]
    assert [a.seal_numbers for a in got.arrivals] == [a.seals for a in drawn]
    assert got.arrivals[0].t_s == 0.0
    gaps = [b.t_s - a.t_s for a, b in itertools.pairwise(drawn)]
    got_gaps = [b.t_s - a.t_s for a, b in itertools.pairwise(got.arrivals)]
    assert got_gaps == pytest.approx(gaps, abs=0.002)
    # Declared as `serve --fleet sim` declares them; each from a yard slot of its origin side.
    declared = {c.container_id: c for c in sim.manifest()}
    graph = load_map("test_crossing")
    for a in got.arrivals:
        assert (a.consignor, a.hs_code) == (declared[a.container_id].consignor,
                                            declared[a.container_id].hs_code)  # fmt: skip
        assert graph.stations[a.origin_station].side is a.direction.origin
    assert got.source.startswith("scenario test_small") and got.map_id == "test_crossing"


def test_due_arrivals_follow_the_ros_clock_at_the_time_scale(feed: Any, tmp_path: Path) -> None:
    rows = [_row(i, t) for i, t in enumerate((100.0, 0.0, 250.0))]
    path = _write(tmp_path, rows)
    arrivals = feed.read_arrivals(str(path), STATIONS).arrivals
    assert [a.t_s for a in arrivals] == [0.0, 100.0, 250.0]  # sorted by time
    f = feed.ArrivalsFeed(arrivals, time_scale=10.0)
    assert f.due(1000.0) == [] and f.next_in_s(1000.0) is None  # not started
    f.start(1000.0)
    first = f.due(1000.0)
    assert [e.order_id for e in first] == ["M1"] and first[0].t_s == 1000.0
    assert f.next_in_s(1000.0) == pytest.approx(10.0)
    assert f.due(1009.9) == []
    assert [e.order_id for e in f.due(1030.0)] == ["M0", "M2"]  # both due: 100 s and 250 s
    assert f.fed == 3 and f.due(2000.0) == [] and f.next_in_s(2000.0) is None
    event = first[0]
    assert (event.direction, event.origin_station, event.seal_numbers) == (
        Direction.CN_TO_MN, "cn_slot_01", ("CN0000002",))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"direction": "CN-MN"}, r"direction 'CN-MN' is not one of CN->MN, MN->CN"),
        ({"origin_station": "nowhere"}, r"origin station 'nowhere' is not on this node's map"),
        ({"container_id": "BFLU0000055"}, r"arrivals\[0\]: BFLU0000055: check digit is 5"),
        ({"t_s": -1}, r"'t_s' must be seconds >= 0"),
        ({"consignor": ""}, r"'consignor' must be a non-empty string"),
        ({"seal_numbers": "CN1"}, r"'seal_numbers' must be a list"),
    ],
)
def test_a_bad_entry_is_named(feed: Any, tmp_path: Path, change: dict[str, Any],
                              message: str) -> None:  # fmt: skip
    from borderflow_ros.errors import ParameterError

    with pytest.raises(ParameterError, match=message):
        feed.read_arrivals(str(_write(tmp_path, [{**_row(0, 0.0), **change}])), STATIONS)


def test_a_bad_file_is_refused_whole(feed: Any, tmp_path: Path) -> None:
    from borderflow_ros.errors import ParameterError

    with pytest.raises(ParameterError, match="order M0 twice"):
        feed.read_arrivals(str(_write(tmp_path, [_row(0, 0.0), _row(0, 5.0) | {
            "container_id": container_number("BFL", 99)}])), STATIONS)  # fmt: skip
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"arrivals": []}), encoding="utf-8")
    with pytest.raises(ParameterError, match="not a borderflow-arrivals/1 file"):
        feed.read_arrivals(str(other), STATIONS)
    with pytest.raises(ParameterError, match="borderflow ros arrivals"):
        feed.read_arrivals(str(tmp_path / "absent.json"), STATIONS)
    with pytest.raises(ParameterError, match="must be > 0"):
        feed.ArrivalsFeed((), time_scale=0.0)


def test_a_manifest_becomes_one_order_per_row(feed: Any, tmp_path: Path) -> None:
    a, b, c = (container_number("BFL", n) for n in (41, 42, 43))
    csv = tmp_path / "cargo.csv"
    csv.write_text(
        "container_id,consignor,hs_code,origin_country,direction,arrive_s\n"
        f"{a},Erlian Trading Co,8429,CN,,\n"
        f"{b},Gobi Cashmere,5102,MN,,\n"  # Mongolian goods go south by default
        f"{c},Tianjin Machinery,8471,DE,MN->CN,5\n",
        encoding="utf-8",
    )
    plan = plan_arrivals(str(csv), None)
    assert plan.map_ref == "test_crossing" and plan.source == "manifest cargo.csv (3 containers)"
    write_arrivals(plan, tmp_path / "arrivals.json")
    got = feed.read_arrivals(str(tmp_path / "arrivals.json"), STATIONS).arrivals
    by_id = {x.container_id: x for x in got}
    assert by_id[a].direction is Direction.CN_TO_MN and by_id[b].direction is Direction.MN_TO_CN
    assert by_id[c].direction is Direction.MN_TO_CN and by_id[c].t_s == 5.0
    assert (by_id[a].t_s, by_id[b].t_s) == (0.0, 30.0)  # a row every 30 s without arrive_s
    assert by_id[b].origin_station != by_id[c].origin_station  # the MN slots in turn
    bad = tmp_path / "bad.csv"
    bad.write_text("container_id,consignor,hs_code,origin_country,direction\n"
                   f"{a},X,1,CN,sideways\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(BadInput, match=r"line 2: direction 'sideways'"):
        plan_arrivals(str(bad), None)


def test_scenario_and_map_must_agree_and_each_map_has_its_demo() -> None:
    with pytest.raises(ValueError, match=r"scenario erenhot_day runs on map erenhot_zamyn_uud"):
        plan_arrivals("erenhot_day", "test_crossing")
    assert plan_arrivals("test_small", "test_crossing").map_ref == "test_crossing"
    assert demo_scenario("test_crossing") == "test_small"
    assert demo_scenario("erenhot_zamyn_uud") == "erenhot_day"
    assert demo_scenario("my_own_crossing") is None


def _row(i: int, t_s: float) -> dict[str, Any]:
    return {"t_s": t_s, "order_id": f"M{i}", "container_id": container_number("BFL", i + 1),
            "direction": "CN->MN", "origin_station": "cn_slot_01",
            "seal_numbers": [f"CN{i + 1:07d}"], "consignor": "Erlian Trading Co",
            "hs_code": "8429", "origin_country": "CN"}  # fmt: skip


def _write(folder: Path, rows: list[dict[str, Any]]) -> Path:
    path = folder / "arrivals.json"
    doc = {"format": "borderflow-arrivals/1", "source": "test", "map": "test_crossing",
           "arrivals": rows}  # fmt: skip
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
