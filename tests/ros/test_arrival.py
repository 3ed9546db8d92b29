"""Node arrivals inferred from odometry (borderflow_ros.arrival), no spinning."""

from __future__ import annotations

from typing import Any

import pytest

# A straight east-west lane A - B - C - D, 20 m apart, plus E off to the north of C.
POSITIONS = {
    "A": (0.0, 0.0),
    "B": (20.0, 0.0),
    "C": (40.0, 0.0),
    "D": (60.0, 0.0),
    "E": (40.0, 30.0),
}


def _tracker(ros_env: dict[str, str], node: str = "A", tolerance_m: float = 1.5) -> Any:
    from borderflow_ros.arrival import ArrivalTracker

    return ArrivalTracker("agv_01", POSITIONS, tolerance_m, node=node)


def _drive_along(tracker: Any, xs: list[float], y_m: float = 0.0) -> list[str]:
    out: list[str] = []
    for x in xs:
        out.extend(tracker.update(x, y_m))
    return out


def test_straight_path_reports_every_node_once_in_order(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B", "C", "D"])
    # 0.5 m steps, so the vehicle sits inside each node's tolerance for several samples.
    xs = [i * 0.5 for i in range(0, 125)]
    assert _drive_along(t, xs) == ["B", "C", "D"]
    assert t.node == "D" and not t.pending
    assert _drive_along(t, [60.0, 60.2]) == []  # standing at the goal: nothing more


def test_overshoot_between_two_samples_still_reports_the_node(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B", "C"])
    # 10 Hz odometry at 50 m/s: samples 5 m apart, none within 1.5 m of B (20 m) or C (40 m).
    assert _drive_along(t, [0.0, 17.5, 22.5, 37.5, 42.5]) == ["B", "C"]


def test_overshoot_of_the_goal_within_tolerance_is_an_arrival(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B"])
    assert _drive_along(t, [0.0, 18.0]) == []  # 2 m short
    assert _drive_along(t, [21.2]) == ["B"]  # braked 1.2 m past B


def test_noise_within_tolerance_reports_once(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B", "C"])
    noisy = [(18.9, 0.6), (19.4, -0.8), (20.7, 1.0), (21.1, -1.1), (20.3, 0.9)]
    out = [n for x, y in noisy for n in t.update(x, y)]
    assert out == ["B"]
    # 1.2 m off the lane, 0.5 m short of C: 1.3 m away, within tolerance.
    assert t.update(39.5, 1.2) == ["C"]


def test_outside_tolerance_is_not_an_arrival(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B"])
    assert _drive_along(t, [0.0, 10.0, 20.0, 30.0], y_m=2.0) == []  # 2 m off B
    assert t.pending[0] == "B"


def test_a_skipped_node_is_not_reported_and_blocks_the_rest(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B", "C", "E"])
    # The vehicle cuts straight from A to E, far from B and C: nothing, not even E.
    assert t.update(0.0, 0.0) == []
    assert t.update(20.0, 15.0) == []
    assert t.update(40.0, 30.0) == []
    assert list(t.pending) == ["B", "C", "E"]
    # Back on the path, the nodes come in order.
    assert t.update(20.0, 0.0) == ["B"]
    assert t.update(40.0, 0.0) == ["C"]
    assert t.update(40.0, 30.0) == ["E"]


def test_a_new_drive_replaces_the_old_one(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B", "C", "D"])
    assert _drive_along(t, [0.0, 10.0, 20.0, 30.0]) == ["B"]
    # Rerouted mid-lane B -> C: the new path starts at the last reported node.
    t.drive(["B", "C", "E"])
    assert list(t.pending) == ["C", "E"]
    assert t.update(40.0, 0.0) == ["C"]
    assert t.update(60.0, 0.0) == []  # D belonged to the old plan
    assert t.update(40.0, 10.0) == []
    assert t.update(40.0, 30.0) == ["E"]


def test_stop_clears_what_was_expected(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B"])
    t.stop()
    assert t.update(20.0, 0.0) == [] and t.node == "A"


def test_bad_tolerance_and_unknown_nodes_are_refused(ros_env: dict[str, str]) -> None:
    from borderflow_ros.arrival import ArrivalTracker
    from borderflow_ros.errors import ParameterError

    with pytest.raises(ParameterError, match=r"agv_01.*must be > 0"):
        ArrivalTracker("agv_01", POSITIONS, 0.0)
    t = _tracker(ros_env)
    with pytest.raises(ValueError, match=r"agv_01.*'Z'.*same map"):
        t.drive(["A", "Z"])


def test_nearest_node_within_tolerance(ros_env: dict[str, str]) -> None:
    from borderflow_ros.arrival import nearest_node

    assert nearest_node(POSITIONS, 19.0, 0.5, 1.5) == "B"
    assert nearest_node(POSITIONS, 10.0, 0.0, 1.5) is None


def test_node_positions_are_in_the_map_frame(ros_env: dict[str, str], graph: Any) -> None:
    from borderflow_ros.arrival import node_positions
    from borderflow_ros.frame import map_origin

    origin = map_origin(graph)
    pos = node_positions(graph, origin)
    nid = sorted(graph.nodes)[0]
    n = graph.nodes[nid]
    assert pos[nid] == pytest.approx((n.x_m - origin[0], n.y_m - origin[1]))
    assert all(x >= 0.0 and y >= 0.0 for x, y in pos.values())  # origin = south-west corner


@pytest.fixture(scope="module")
def graph() -> Any:
    from maps import load_map

    return load_map("test_crossing")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [("arrival_tolerance_m", 0.0, "must be > 0"), ("standard_action_time_s", -1.0, "must be >= 0")],
)
def test_standard_mode_parameters_are_validated(
    ros_env: dict[str, str], name: str, value: float, problem: str
) -> None:
    from borderflow_ros.errors import ParameterError
    from borderflow_ros.orchestrator_node import PARAMS
    from borderflow_ros.params import validate

    values = {p.name: p.default for p in PARAMS}
    assert values["arrival_tolerance_m"] == 1.5
    validate("borderflow_orchestrator", PARAMS, values)  # the defaults are fine
    values[name] = value
    with pytest.raises(ParameterError, match=f"'{name}' = {value} {problem}"):
        validate("borderflow_orchestrator", PARAMS, values)


def test_a_drive_answering_an_arrival_is_checked_against_the_rest_of_the_track(
    ros_env: dict[str, str],
) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B", "C", "D"])
    t.update(15.0, 0.0)
    t.move(45.0, 0.0)  # one fast sample past B and C
    assert t.next_arrival() == "B"
    # The core answers B with a new plan (as it does at every node): C is still on this stretch,
    # A lies behind the point where B was met and is not taken for an arrival.
    t.drive(["B", "C", "E"])
    assert t.next_arrival() == "C"
    assert t.next_arrival() is None
    t.drive(["C", "A"])
    assert t.next_arrival() is None
    assert list(t.pending) == ["A"]


def test_restart_after_a_fault_forgets_the_path_and_the_track(ros_env: dict[str, str]) -> None:
    t = _tracker(ros_env)
    t.drive(["A", "B", "C"])
    assert _drive_along(t, [70.0]) == []  # its last pose before it fell silent: beyond D
    t.restart("C")  # heard again standing at C (it was moved there)
    assert t.node == "C" and not t.pending
    t.drive(["C", "D"])  # the rest of its Drive, re-sent from C
    # The first pose after the restart starts the track: the stretch from x = 70 (across D)
    # was never driven, so D is not reported until the vehicle gets there.
    assert _drive_along(t, [40.0]) == []
    assert _drive_along(t, [50.0, 60.0]) == ["D"]
