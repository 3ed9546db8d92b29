"""Heartbeat faults and recoveries without spinning: the orchestrator node's fault isolation
around the real core (test_crossing), the fleet adapter's recovery decisions (a stand-in host
node, no DDS), the heartbeat monitor and the fleet markers."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.config import OrchestratorConfig
from orchestrator.core import Orchestrator
from orchestrator.domain.iso6346 import container_number
from orchestrator.errors import BorderflowError
from orchestrator.lanegraph import NodeId
from orchestrator.messages import (
    Direction,
    Drive,
    Event,
    LaneClosed,
    OrderArrived,
    RiskLevel,
    VehicleAtNode,
    VehicleJoined,
    VerdictIssued,
)
from tests.orchestrator.fleet import FakeClock, ListSink


class Host:
    """What the orchestrator node gives FaultIsolation: feed, lane publishing, a log."""

    def __init__(self) -> None:
        from maps import load_map

        self.graph = load_map("test_crossing")
        self.clock = FakeClock()
        self.sink = ListSink()
        self.core = Orchestrator(self.graph, OrchestratorConfig(), clock=self.clock, sink=self.sink)
        self.commands: list[Any] = []
        self.fed: list[Event] = []
        self.errors: list[str] = []
        self.lanes: list[tuple[str, bool]] = []
        self.log: list[tuple[str, str]] = []

    def feed(self, event: Event, *, quiet: bool = False) -> str:
        self.fed.append(event)
        try:
            self.commands.extend(self.core.handle(event))
        except BorderflowError as exc:
            if not quiet:
                self.errors.append(str(exc))
            return str(exc)
        return ""

    def isolation(self) -> Any:
        from borderflow_ros.fault_isolation import FaultIsolation

        return FaultIsolation(
            self.core.views,
            self.graph,
            feed=self.feed,
            publish_lane=lambda lane, closed, _why: self.lanes.append((lane, closed)),
            warn=lambda text: self.log.append(("warn", text)),
            info=lambda text: self.log.append(("info", text)),
        )

    def drives(self, vid: str) -> list[Drive]:
        return [c for c in self.commands if isinstance(c, Drive) and c.vehicle_id == vid]


def _carrier_on_a_lane(h: Host) -> tuple[str, NodeId, NodeId]:
    """Three vehicles at their start places, one order: the carrier has left its place and
    stands on the lanes, granted the next node, container not loaded: (vehicle, here, ahead)."""
    from maps.fleet_start import start_nodes

    for i, node in enumerate(start_nodes(h.graph, 3), start=1):
        h.feed(VehicleJoined(0.0, f"agv_{i:02d}", node, 200.0))
    box = container_number("BFL", 41)
    h.feed(OrderArrived(0.0, "o-1", box, Direction.CN_TO_MN, "cn_slot_01", ("EZ-20270001",)))
    h.feed(VerdictIssued(0.0, box, RiskLevel.LOW, Direction.CN_TO_MN.origin, "v-1"))
    drives = [c for c in h.commands if isinstance(c, Drive)]
    assert len(drives) == 1, drives
    drive = drives[0]
    vid, here = drive.vehicle_id, drive.path[1]
    h.feed(VehicleAtNode(1.0, vid, here, 200.0, drive.command_id))
    ahead = h.drives(vid)[-1]
    assert ahead.path[0] == here and here not in h.graph.stations
    assert h.errors == []
    return vid, here, ahead.path[1]


def test_a_faulted_carrier_hands_its_order_back_and_blocks_its_lane(
    ros_env: dict[str, str],
) -> None:
    h = Host()
    iso = h.isolation()
    vid, here, ahead = _carrier_on_a_lane(h)
    lane = h.graph.edges[(here, ahead)].lane_id
    h.commands.clear()
    iso.fault(vid, 2.0, f"vehicle {vid} faulted: no heartbeat", here, ahead)
    # Out of service first, then its lane closed (published, so others see it).
    assert [type(e).__name__ for e in h.fed[-2:]] == ["VehicleFaulted", "LaneClosed"]
    assert h.core.views.faulted_vehicles() == {vid: f"vehicle {vid} faulted: no heartbeat"}
    assert lane in h.core.views.closed_lanes() and h.lanes == [(lane, True)]
    assert [e.subject for e in h.sink.kinds("order.returned")] == [container_number("BFL", 41)]
    others = {c.vehicle_id for c in h.commands if isinstance(c, Drive)}
    assert others and vid not in others  # the order went to another vehicle
    assert iso.faulted == {vid: f"vehicle {vid} faulted: no heartbeat"}
    assert h.errors == []


def test_recovery_off_the_granted_path_is_refused_and_on_it_reopens_the_lane(
    ros_env: dict[str, str],
) -> None:
    h = Host()
    iso = h.isolation()
    vid, here, ahead = _carrier_on_a_lane(h)
    lane = h.graph.edges[(here, ahead)].lane_id
    iso.fault(vid, 2.0, "silent", here, ahead)
    h.lanes.clear()
    assert not iso.recover(vid, 3.0, "mn_slot_04", 150.0)
    warning = h.log[-1]
    assert warning[0] == "warn" and f"vehicle {vid} is heard again at mn_slot_04" in warning[1]
    assert "stays out of service" in warning[1] and "bring it to one of these nodes" in warning[1]
    assert vid in h.core.views.faulted_vehicles() and vid in iso.faulted
    assert lane in h.core.views.closed_lanes() and h.lanes == [] and h.errors == []
    h.commands.clear()
    assert iso.recover(vid, 4.0, str(ahead), 150.0)
    assert h.core.views.faulted_vehicles() == {} and iso.faulted == {}
    assert lane not in h.core.views.closed_lanes() and h.lanes == [(lane, False)]
    assert h.log[-1] == ("info", f"vehicle {vid} back in service at {ahead}")
    assert h.core.views.vehicle_node(vid) == ahead  # the arrival nobody heard is booked
    assert h.core.views.counts()["vehicles_out_of_service"] == 0
    assert h.errors == []


def test_a_lane_blocked_by_two_faulted_vehicles_opens_when_both_recover(
    ros_env: dict[str, str],
) -> None:
    h = Host()
    iso = h.isolation()
    vid, here, ahead = _carrier_on_a_lane(h)
    lane = h.graph.edges[(here, ahead)].lane_id
    # An operator's closure elsewhere is left alone by faults and recoveries.
    other = next(lid for lid in sorted(h.core.views.lane_ids) if lid != lane)
    h.feed(LaneClosed(1.5, other, reason="maintenance"))
    iso.fault(vid, 2.0, "silent", here, ahead)
    # A second vehicle (not in the core: never joined) reported standing on the same lane.
    iso.fault("agv_09", 2.0, "silent", str(here), str(ahead))
    assert iso.blocking == {vid: [lane], "agv_09": [lane]}
    assert iso.recover(vid, 3.0, str(here), 200.0)
    assert lane in h.core.views.closed_lanes()  # agv_09 still stands there
    assert iso.recover("agv_09", 3.5, str(here), 200.0)
    assert lane not in h.core.views.closed_lanes() and other in h.core.views.closed_lanes()
    assert h.errors == []


def test_a_faulted_parked_vehicle_joined_again_is_back_in_service(
    ros_env: dict[str, str],
) -> None:
    h = Host()
    iso = h.isolation()
    h.feed(VehicleJoined(0.0, "agv_01", NodeId("cn_parking_1"), 200.0))
    iso.fault("agv_01", 1.0, "silent", "cn_parking_1", "")
    assert h.core.views.faulted_vehicles() == {"agv_01": "silent"} and iso.blocking == {
        "agv_01": []
    }
    assert not h.feed(VehicleJoined(2.0, "agv_01", NodeId("cn_parking_1"), 190.0))
    iso.rejoined("agv_01", 2.0)
    assert h.core.views.faulted_vehicles() == {} and iso.faulted == {} and iso.blocking == {}
    assert h.log[-1] == ("info", "vehicle agv_01 joined again: back in service")
    assert h.errors == []


def test_heartbeat_monitor_revives_and_keeps_a_refused_vehicle_faulted(
    ros_env: dict[str, str],
) -> None:
    from borderflow_ros.heartbeat import HeartbeatMonitor

    m = HeartbeatMonitor(timeout_s=1.0)
    m.seen("agv_01", 0.0)
    assert m.check(2.0) == ["agv_01"]
    assert not m.revive("agv_02")
    assert m.revive("agv_01") and not m.is_faulted("agv_01")
    m.keep_faulted("agv_01")  # its recovery refused: faulted, though heard
    m.seen("agv_01", 2.5)
    assert m.is_faulted("agv_01") and m.check(2.6) == []


class _Stub:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def publish(self, msg: Any) -> None:
        self.sent.append(msg)


class FakeHostNode:
    """Stands in for the rclpy node hosting the fleet adapter: records, never spins."""

    def __init__(self) -> None:
        self.timers: list[Any] = []
        self.errors: list[str] = []

    def create_publisher(self, *_a: Any, **_k: Any) -> _Stub:
        return _Stub()

    def create_subscription(self, *_a: Any, **_k: Any) -> None:
        return None

    def create_timer(self, _period: float, callback: Any) -> None:
        self.timers.append(callback)

    def get_topic_names_and_types(self) -> list[Any]:
        return []

    def get_logger(self) -> Any:
        host = self

        class _Log:
            def error(self, text: str) -> None:
                host.errors.append(text)

        return _Log()


def _adapter(accept: list[bool], standard: bool = False) -> tuple[Any, list[tuple[str, ...]]]:
    from borderflow_ros.fleet_adapter import FleetAdapter

    calls: list[tuple[str, ...]] = []
    positions = {"cn_buffer_1": (0.0, 0.0), "cn_slot_01": (50.0, 0.0)}

    def on_recover(vid: str, node: str, battery_kwh: float) -> bool:
        calls.append(("recover", vid, node))
        return accept.pop(0)

    fleet = FleetAdapter(
        FakeHostNode(),  # type: ignore[arg-type]
        heartbeat_timeout_s=1.0,
        vehicle_ids=[] if standard else ["agv_01"],
        diff_drive_vehicles=[],
        on_new=lambda vid, node, kwh: calls.append(("new", vid, node)),
        on_fault=lambda vid: calls.append(("fault", vid)),
        standard_vehicles=["agv_01"] if standard else [],
        positions=positions,
        on_recover=on_recover,
    )
    return fleet, calls


def _state(node: str) -> Any:
    from borderflow_interfaces.msg import VehicleState

    msg = VehicleState()
    msg.vehicle_id, msg.node, msg.battery_kwh = "agv_01", node, 180.0
    return msg


def _odom(x_m: float, y_m: float) -> Any:
    from nav_msgs.msg import Odometry

    msg = Odometry()
    msg.pose.pose.position.x, msg.pose.pose.position.y = x_m, y_m
    msg.pose.pose.orientation.w = 1.0
    return msg


def test_fleet_adapter_asks_to_recover_once_per_reported_node(
    ros_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from borderflow_ros.fleet_adapter import FleetAdapter

    now = [0.0]
    monkeypatch.setattr(FleetAdapter, "_mono_s", staticmethod(lambda: now[0]))
    fleet, calls = _adapter(accept=[False, True])
    fleet._on_state("agv_01", _state("cn_buffer_1"))
    now[0] = 2.0
    fleet._check()
    assert calls == [("new", "agv_01", "cn_buffer_1"), ("fault", "agv_01")]
    fleet._on_state("agv_01", _state("cn_slot_01"))  # refused: stays faulted
    fleet._on_state("agv_01", _state("cn_slot_01"))  # same node: not asked again
    assert fleet.monitor.is_faulted("agv_01")
    from borderflow_interfaces.msg import VehicleCommand

    cmd = VehicleCommand()
    cmd.vehicle_id = "agv_01"
    assert not fleet.send(cmd)  # commands to it are still dropped
    fleet._on_state("agv_01", _state("cn_buffer_1"))  # another node: asked again, accepted
    assert calls[2:] == [("recover", "agv_01", "cn_slot_01"), ("recover", "agv_01", "cn_buffer_1")]
    assert not fleet.monitor.is_faulted("agv_01") and fleet.send(cmd)
    now[0] = 2.5
    fleet._check()
    assert calls[-1] == ("recover", "agv_01", "cn_buffer_1")  # heard: no new fault


def test_standard_vehicle_recovers_at_the_node_its_odometry_is_at(
    ros_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from borderflow_ros.fleet_adapter import FleetAdapter

    now = [0.0]
    monkeypatch.setattr(FleetAdapter, "_mono_s", staticmethod(lambda: now[0]))
    fleet, calls = _adapter(accept=[True], standard=True)
    fleet._on_odom("agv_01", _odom(0.2, 0.0))
    now[0] = 2.0
    fleet._check()
    fleet._on_odom("agv_01", _odom(25.0, 0.0))  # heard, but between nodes: not yet
    assert calls == [("new", "agv_01", "cn_buffer_1"), ("fault", "agv_01")]
    fleet._on_odom("agv_01", _odom(49.5, 0.3))
    assert calls[-1] == ("recover", "agv_01", "cn_slot_01")
    tracker = fleet.vehicles["agv_01"].tracker
    assert tracker.node == "cn_slot_01" and not tracker.pending


def test_fleet_markers_are_red_while_a_vehicle_is_silent(ros_env: dict[str, str]) -> None:
    from borderflow_ros.markers import fleet_poses

    states = {"agv_01": _state("cn_buffer_1")}
    assert [p.faulted for p in fleet_poses(states, {"agv_01": 10.0}, 11.0, 2.0)] == [False]
    assert [p.faulted for p in fleet_poses(states, {"agv_01": 10.0}, 12.5, 2.0)] == [True]
    assert [p.faulted for p in fleet_poses(states, {"agv_01": 12.4}, 12.5, 2.0)] == [False]
