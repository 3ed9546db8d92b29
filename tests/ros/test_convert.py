"""Message <-> domain conversions, without spinning a node."""

from __future__ import annotations

import math
from typing import Any

import pytest

from orchestrator.ids import CommandId as C
from orchestrator.lanegraph import NodeId, Side
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Charge,
    Direction,
    Drive,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    Perform,
    RiskLevel,
    ScanCompleted,
    ScanOutcome,
    SealChecked,
    Stop,
    VehicleAtNode,
    VehicleJoined,
    VerdictIssued,
)


@pytest.fixture(scope="module")
def cv(ros_env: dict[str, str]) -> Any:
    from borderflow_ros import convert

    return convert


@pytest.fixture(scope="module")
def graph() -> Any:
    from maps import load_map

    return load_map("test_crossing")


def test_verdict_round_trip_keeps_every_field(cv: Any) -> None:
    e = VerdictIssued(3.0, "ABCU1234560", RiskLevel.HIGH, Side.MN, "v-9", "x-ray anomaly")
    msg = cv.verdict_to_msg(e)
    assert msg.level == msg.LEVEL_HIGH
    assert cv.verdict_from_msg(msg, 3.0) == e


def test_verdict_with_bad_level_or_authority_is_rejected_with_its_id(cv: Any) -> None:
    from borderflow_interfaces.msg import RiskVerdict
    from borderflow_ros.errors import ConversionError

    msg = RiskVerdict(verdict_id="v-1", container_id="ABCU1234560", level=7, authority="CN")
    with pytest.raises(ConversionError, match=r"v-1.*level 7"):
        cv.verdict_from_msg(msg, 0.0)
    msg.level, msg.authority = 1, "RU"
    with pytest.raises(ConversionError, match=r"'RU' is not one of 'CN', 'MN'"):
        cv.verdict_from_msg(msg, 0.0)


def test_order_round_trip(cv: Any) -> None:
    e = OrderArrived(1.5, "o-1", "ABCU1234560", Direction.MN_TO_CN, "mn_slot_01", ("S1", "S2"))
    assert cv.order_from_msg(cv.order_to_msg(e), 1.5) == e


def test_order_with_empty_station_names_the_order(cv: Any) -> None:
    e = OrderArrived(0.0, "o-7", "ABCU1234560", Direction.CN_TO_MN, "")
    with pytest.raises(Exception, match=r"o-7.*origin_station is empty"):
        cv.order_from_msg(cv.order_to_msg(e), 0.0)


@pytest.mark.parametrize(
    "event",
    [
        VehicleJoined(2.0, "agv_01", NodeId("cn_buffer_1"), 150.0),
        VehicleAtNode(2.0, "agv_01", NodeId("gate_cn"), 149.5, C(7)),
        ActionDone(2.0, "agv_01", ActionKind.SCAN, 140.0, C(8)),
        ScanCompleted(2.0, "ABCU1234560", ScanOutcome.ESCALATE, C(8)),
        ScanCompleted(2.0, "ABCU1234560", ScanOutcome.CLEAR),  # a scanner that knows no id
        SealChecked(2.0, "ABCU1234560", "CN1234567", NodeId("gate_cn"), False),
    ],
)
def test_vehicle_events_round_trip(cv: Any, event: Any) -> None:
    assert cv.event_from_msg(cv.event_to_msg(event), 2.0) == event


def test_event_times_come_from_the_receiver_not_the_header(cv: Any) -> None:
    msg = cv.event_to_msg(
        VehicleAtNode(2.0, "agv_01", NodeId("n"), 1.0, C(3)), cv.seconds_to_time(99.0)
    )
    assert cv.event_from_msg(msg, 5.0).t_s == 5.0


def test_a_vehicle_report_without_its_command_id_is_refused(cv: Any) -> None:
    from borderflow_ros.errors import ConversionError

    msg = cv.event_to_msg(VehicleAtNode(2.0, "agv_01", NodeId("n"), 1.0, C(3)))
    msg.command_id = 0
    with pytest.raises(ConversionError, match="must name the command it answers"):
        cv.event_from_msg(msg, 2.0)


@pytest.mark.parametrize(
    "command",
    [
        Drive("agv_01", (NodeId("cn_buffer_1"), NodeId("cn_buffer_1_spur@0")), C(1)),
        Stop("agv_01", "held", C(2)),
        Perform("agv_01", ActionKind.LOAD, "ABCU1234560", C(3)),
        Perform("agv_01", ActionKind.CHARGE, None, C(4)),
        Charge("agv_01", 180.0, C(5)),
    ],
)
def test_commands_round_trip(cv: Any, graph: Any, command: Any) -> None:
    msg = cv.command_to_msg(command, 4, graph)
    assert msg.seq == 4 and msg.command_id == command.command_id
    assert cv.command_from_msg(msg) == command


def test_drive_carries_a_nav_path_in_the_local_map_frame(cv: Any, graph: Any) -> None:
    path = (NodeId("cn_buffer_1"), NodeId("cn_buffer_1_spur@0"), NodeId("gate_cn"))
    origin = (584000.0, 4822000.0)
    msg = cv.command_to_msg(Drive("agv_01", path, C(6)), 1, graph, origin=origin)
    assert msg.path_m.header.frame_id == "map"
    assert len(msg.path_m.poses) == 3
    first = msg.path_m.poses[0].pose
    assert first.position.x == pytest.approx(graph.nodes[path[0]].x_m - origin[0])
    a, b = graph.nodes[path[0]], graph.nodes[path[1]]
    yaw = 2.0 * math.atan2(first.orientation.z, first.orientation.w)
    assert yaw == pytest.approx(math.atan2(b.y_m - a.y_m, b.x_m - a.x_m))


def test_path_through_an_unknown_node_is_rejected(cv: Any, graph: Any) -> None:
    with pytest.raises(Exception, match="'nowhere' is not on the lane graph"):
        cv.path_msg(graph, ["cn_buffer_1", "nowhere"])


def test_lane_status_and_release(cv: Any) -> None:
    from borderflow_interfaces.msg import LaneStatus

    closed = LaneStatus(lane_id="cn_yard_ring", closed=True, reason="fault")
    assert cv.lane_event_from_msg(closed, 1.0) == LaneClosed(1.0, "cn_yard_ring", False, "fault")
    opened = LaneStatus(lane_id="cn_buffer", is_zone=True, closed=False)
    assert cv.lane_event_from_msg(opened, 1.0) == LaneOpened(1.0, "cn_buffer", True)
    rel = cv.release_from_request("ABCU1234560", "officer-7", "CN", "inspected", 2.0)
    assert rel.authority is Side.CN and rel.officer_id == "officer-7"


def test_odometry_follows_rep_105(cv: Any) -> None:
    msg = cv.odometry_msg("agv_03", 10.0, 20.0, math.pi / 2, 4.0)
    assert msg.header.frame_id == "map" and msg.child_frame_id == "agv_03/base_link"
    assert msg.pose.pose.orientation.z == pytest.approx(math.sqrt(0.5))
    assert msg.twist.twist.linear.x == 4.0


def test_time_conversion_round_trip(cv: Any) -> None:
    t = cv.seconds_to_time(12.25)
    assert (t.sec, t.nanosec) == (12, 250_000_000)
    assert cv.time_to_seconds(t) == 12.25
