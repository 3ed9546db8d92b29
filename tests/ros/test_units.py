"""Plain parts of borderflow_ros, no spinning: heartbeats, fault lanes, kinematic AGV, pure
pursuit, markers and parameter validation."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from orchestrator.ids import CommandId as C
from orchestrator.lanegraph import NodeId
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Drive,
    Perform,
    ScanCompleted,
    ScanOutcome,
    Stop,
    VehicleAtNode,
)


@pytest.fixture(scope="module")
def graph() -> Any:
    from maps import load_map

    return load_map("test_crossing")


def test_heartbeat_faults_a_silent_vehicle_once(ros_env: dict[str, str]) -> None:
    from borderflow_ros.heartbeat import HeartbeatMonitor

    m = HeartbeatMonitor(timeout_s=1.0)
    assert m.seen("agv_01", 0.0) and m.seen("agv_02", 0.0)
    assert not m.seen("agv_01", 0.5)
    m.seen("agv_02", 1.4)
    assert m.check(1.4) == []
    assert m.check(1.6) == ["agv_01"]
    assert m.check(5.0) == ["agv_02"]  # each vehicle faulted once, in id order
    assert m.check(9.0) == [] and m.is_faulted("agv_01")


def test_fault_lanes_edge_driven_node_on_lanes_and_station(
    ros_env: dict[str, str], graph: Any
) -> None:
    from borderflow_ros.heartbeat import lanes_to_close

    assert lanes_to_close(graph, "cn_customs_ring@0", "cn_customs_ring@1") == ["cn_customs_ring"]
    assert lanes_to_close(graph, "cn_buffer_1", "") == []  # parked at a station: off the lanes
    on_lane = lanes_to_close(graph, "cn_customs_ring@0", "")
    assert "cn_customs_ring" in on_lane and "road_cn_to_mn" in on_lane


def _agv(graph: Any, node: str = "cn_buffer_1") -> Any:
    from borderflow_ros.kinematic import AgvSpec, KinematicAgv

    spec = AgvSpec(load_time_s=10.0, unload_time_s=10.0, scan_time_s=20.0)
    return KinematicAgv("agv_01", NodeId(node), graph, spec)


def test_kinematic_agv_drives_at_the_speed_limit_and_reports_each_node(
    ros_env: dict[str, str], graph: Any
) -> None:
    agv = _agv(graph)
    path = (NodeId("cn_buffer_1"), NodeId("cn_buffer_1_spur@0"), NodeId("gate_cn"))
    agv.send(Drive("agv_01", path, C(5)))
    e1, e2 = graph.edges[path[:2]], graph.edges[path[1:]]
    t1 = e1.length_m / min(8.0, e1.speed_limit_mps)
    events = agv.step(t1 * 0.5, 1.0)
    assert events == [] and agv.speed_mps == pytest.approx(min(8.0, e1.speed_limit_mps))
    events = agv.step(t1 * 0.5 + 1e-6, 2.0)
    assert [type(e) for e in events] == [VehicleAtNode] and events[0].node == path[1]
    assert events[0].command_id == 5  # the report names the Drive it answers
    t2 = e2.length_m / min(8.0, e2.speed_limit_mps)
    events = agv.step(t2 + 1.0, 3.0)
    assert [e.node for e in events] == ["gate_cn"]
    assert agv.speed_mps == 0.0 and agv.node == "gate_cn"
    gate = graph.nodes[NodeId("gate_cn")]
    assert (agv.x_m, agv.y_m) == pytest.approx((gate.x_m, gate.y_m))


def test_kinematic_agv_stop_ends_at_the_next_node(ros_env: dict[str, str], graph: Any) -> None:
    agv = _agv(graph)
    path = (NodeId("cn_buffer_1"), NodeId("cn_buffer_1_spur@0"), NodeId("gate_cn"))
    agv.send(Drive("agv_01", path, C(1)))
    agv.step(0.5, 0.5)
    agv.send(Stop("agv_01", "held", C(2)))
    events = agv.step(60.0, 60.0)
    assert [e.node for e in events] == ["cn_buffer_1_spur@0"]


def test_kinematic_agv_load_and_scan(ros_env: dict[str, str], graph: Any) -> None:
    agv = _agv(graph)
    agv.send(Perform("agv_01", ActionKind.LOAD, "ABCU1234560", C(3)))
    assert agv.step(9.0, 9.0) == []
    done = agv.step(1.5, 10.5)
    assert done == [ActionDone(10.5, "agv_01", ActionKind.LOAD, agv.battery_kwh, C(3))]
    assert agv.container_id == "ABCU1234560"
    agv.scan_outcome = ScanOutcome.ESCALATE
    agv.send(Perform("agv_01", ActionKind.SCAN, "ABCU1234560", C(4)))
    events = agv.step(25.0, 40.0)
    assert events[0] == ScanCompleted(40.0, "ABCU1234560", ScanOutcome.ESCALATE, C(4))
    assert isinstance(events[1], ActionDone) and events[1].action is ActionKind.SCAN


def test_kinematic_agv_rejects_a_path_not_starting_where_it_is(
    ros_env: dict[str, str], graph: Any
) -> None:
    agv = _agv(graph)
    with pytest.raises(ValueError, match="must start at 'cn_buffer_1'"):
        agv.send(Drive("agv_01", (NodeId("gate_cn"), NodeId("mn_entry_road@0")), C(1)))


def test_pure_pursuit_turns_towards_the_path(ros_env: dict[str, str]) -> None:
    from borderflow_ros.fleet_adapter import pure_pursuit

    lin, ang = pure_pursuit((0.0, 0.0, 0.0), [(10.0, 0.0)])
    assert lin > 0 and ang == pytest.approx(0.0)
    _, left = pure_pursuit((0.0, 0.0, 0.0), [(5.0, 5.0)])
    _, right = pure_pursuit((0.0, 0.0, 0.0), [(5.0, -5.0)])
    assert left > 0 > right  # REP 103: positive yaw rate turns left
    assert pure_pursuit((10.0, 0.0, 0.0), [(10.2, 0.0)]) == (0.0, 0.0)  # at the goal


def test_map_and_fleet_markers(ros_env: dict[str, str], graph: Any) -> None:
    from borderflow_ros.frame import map_origin
    from borderflow_ros.markers import FleetPose, fleet_markers, map_markers
    from visualization_msgs.msg import Marker

    origin = map_origin(graph)
    arr = map_markers(graph, origin)
    lanes = next(m for m in arr.markers if m.ns == "lanes")
    assert lanes.header.frame_id == "map" and len(lanes.points) % 2 == 0
    assert all(-1.0 <= p.x <= 1000.0 for p in lanes.points)  # local frame, not UTM
    stations = [m for m in arr.markers if m.ns == "stations"]
    assert len(stations) == len(graph.stations)
    assert {m.type for m in stations} == {Marker.SPHERE} and lanes.type == Marker.LINE_LIST
    # The scene every recording holds too: zone outlines with their names, the border line.
    zones = [m for m in arr.markers if m.ns == "zones"]
    assert len(zones) == len(graph.zones) and all(m.type == Marker.LINE_STRIP for m in zones)
    names = {m.text for m in arr.markers if m.ns == "zone_labels"}
    assert names == {z.name for z in graph.zones.values()}
    (border,) = [m for m in arr.markers if m.ns == "border"]
    assert len(border.points) >= 2 and border.color.r > 0.7
    fleet = fleet_markers([FleetPose("agv_02", 1.0, 2.0, math.pi, faulted=True),
                           FleetPose("agv_01", 3.0, 4.0, 0.0, loaded=True)])  # fmt: skip
    boxes = [m for m in fleet.markers if m.ns == "fleet"]
    assert [b.pose.position.x for b in boxes] == [3.0, 1.0]  # sorted by id
    assert boxes[1].color.r > 0.8 and boxes[1].color.g < 0.1  # faulted: red
    assert boxes[0].type == Marker.CUBE and boxes[0].lifetime.sec == 2
    assert boxes[1].pose.orientation.z == pytest.approx(1.0)  # yaw pi


def test_bad_parameter_values_name_the_parameter(ros_env: dict[str, str]) -> None:
    from borderflow_ros.agv_sim_node import PARAMS
    from borderflow_ros.errors import ParameterError
    from borderflow_ros.params import validate

    values = {p.name: p.default for p in PARAMS}
    values["odom_rate_hz"] = 5.0
    with pytest.raises(ParameterError, match=r"'odom_rate_hz' = 5.0 must be >= 10.0"):
        validate("agv_sim", PARAMS, values)


def test_sim_mirror_places_simpy_vehicles_on_the_map(ros_env: dict[str, str]) -> None:
    import rclpy
    from borderflow_ros.sim_mirror import SimMirror

    from sim.runner import Simulation
    from sim.scenario import load_scenario

    sim = Simulation(load_scenario("test_small"))
    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    node = rclpy.create_node("mirror_test", context=ctx)
    try:
        mirror = SimMirror(node, sim)
        sim.advance(600.0)
        mirror.publish()
        x0, y0, x1, y1 = sim.graph.metadata["bbox_m"]
        ox, oy = mirror.origin
        snaps = sim.vehicle_snapshots()
        assert [s.vehicle_id for s in snaps] == sorted(sim.vehicles)
        for snap in snaps:
            x, y, _ = mirror.pose(snap)
            assert x0 - 1 <= x + ox <= x1 + 1 and y0 - 1 <= y + oy <= y1 + 1
            if snap.next_node is not None:  # on its edge, between the two nodes
                a, b = sim.graph.nodes[snap.node], sim.graph.nodes[snap.next_node]
                assert min(a.x_m, b.x_m) - 1e-6 <= snap.x_m <= max(a.x_m, b.x_m) + 1e-6
    finally:
        node.destroy_node()
        ctx.try_shutdown()


def _off_path_m(x: float, y: float, path: list[tuple[float, float]]) -> float:
    best = math.inf
    for (ax, ay), (bx, by) in itertools.pairwise(path):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return best


@pytest.mark.parametrize("start_yaw_rad", [0.0, math.pi])
def test_path_follower_drives_a_diff_drive_base_along_a_turning_lane_to_its_end(
    ros_env: dict[str, str], start_yaw_rad: float
) -> None:
    # An L-shaped Drive (60 m east, then 40 m north), the way a lane-graph path turns at a node;
    # the base starts on its first point, facing along it or backwards. It must stay on the
    # lane (within the 1.5 m arrival tolerance), never aim back at a point it passed, and stop
    # at the end in about the time its limits allow.
    from borderflow_ros.diff_drive_sim_node import DiffDriveBase
    from borderflow_ros.path_follower import PathFollower

    path = [(0.0, 0.0), (20.0, 0.0), (60.0, 0.0), (60.0, 20.0), (60.0, 40.0)]
    follower = PathFollower()
    follower.set_path(path)
    base = DiffDriveBase(0.0, 0.0, start_yaw_rad)
    worst_m, t_s, dt_s = 0.0, 0.0, 0.02
    while t_s < 120.0:
        base.command(*follower.command((base.x_m, base.y_m, base.yaw_rad)))
        base.step(dt_s)
        t_s += dt_s
        worst_m = max(worst_m, _off_path_m(base.x_m, base.y_m, path))
        if follower.command((base.x_m, base.y_m, base.yaw_rad)) == (0.0, 0.0):
            break
    assert math.hypot(base.x_m - 60.0, base.y_m - 40.0) < 0.5
    assert worst_m < 1.5, worst_m
    # 100 m at <= 8 m/s with 1 m/s^2 takes >= 20.5 s; the turns (and a half-turn) cost more.
    assert 20.0 < t_s < 60.0, t_s
