"""The generated ros_gz_bridge config speaks the fleet adapter's topics, checked against the
adapter itself: a real rclpy node with a FleetAdapter for the Gazebo launch's vehicles (standard
and diff-drive, as launch/borderflow_gazebo.launch.py lists them) and the publishers and
subscriptions it really created, names and types.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gazebo.bridge_config import CLOCK_TOPIC, GZ_TO_ROS, ROS_TO_GZ, bridge_entries

pytestmark = pytest.mark.ros

IDS = ["agv_01", "agv_02", "agv_03"]


def _ros_type(msg_class: type) -> str:
    module = msg_class.__module__.split(".")  # e.g. geometry_msgs.msg._twist
    return f"{module[0]}/msg/{msg_class.__name__}"


def _adapter_topics() -> tuple[dict[str, str], dict[str, str]]:
    """(published topic -> type, subscribed topic -> type) of a FleetAdapter for IDS."""
    import rclpy
    from borderflow_ros.fleet_adapter import FleetAdapter

    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    try:
        node = rclpy.create_node("bridge_table_check", context=ctx)
        FleetAdapter(
            node,
            heartbeat_timeout_s=2.0,
            vehicle_ids=IDS,
            diff_drive_vehicles=IDS,
            standard_vehicles=IDS,
            positions={},
            on_new=lambda vid, at, kwh: None,
            on_fault=lambda vid: None,
        )
        pubs = {p.topic_name: _ros_type(p.msg_type) for p in node.publishers}
        subs = {s.topic_name: _ros_type(s.msg_type) for s in node.subscriptions}
        node.destroy_node()
        return pubs, subs
    finally:
        rclpy.shutdown(context=ctx)


def test_every_bridged_topic_is_one_the_adapter_uses_with_its_type(
    ros_env: dict[str, str],
) -> None:
    pubs, subs = _adapter_topics()
    entries = bridge_entries(IDS)
    for e in entries:
        if e.ros_topic_name == CLOCK_TOPIC:
            continue  # consumed by use_sim_time, not by the adapter
        if e.direction == ROS_TO_GZ:
            assert pubs.get(e.ros_topic_name) == e.ros_type_name, e
        elif e.ros_topic_name.endswith("/pose"):
            # The ground-truth pose is bridged for tools (RViz, Foxglove); the adapter follows
            # odometry. Named by the same rule as the adapter's own topics.
            assert e.ros_topic_name.replace("/pose", "/odom") in subs, e
        else:
            assert e.direction == GZ_TO_ROS
            assert subs.get(e.ros_topic_name) == e.ros_type_name, e
    # And the other way: every topic the adapter drives or listens to for these vehicles over
    # Gazebo (cmd_vel out, odometry in) is bridged.
    bridged = {e.ros_topic_name for e in entries}
    for vid in IDS:
        assert f"/agv/{vid}/cmd_vel" in pubs and f"/agv/{vid}/cmd_vel" in bridged
        assert f"/agv/{vid}/odom" in subs and f"/agv/{vid}/odom" in bridged


def test_the_written_yaml_is_the_entries(ros_env: dict[str, str], tmp_path: Path) -> None:
    import yaml

    from gazebo.bridge_config import bridge_yaml

    parsed = yaml.safe_load(bridge_yaml(IDS, "test_crossing"))
    assert [d["ros_topic_name"] for d in parsed] == [e.ros_topic_name for e in bridge_entries(IDS)]
    assert {d["direction"] for d in parsed} == {ROS_TO_GZ, GZ_TO_ROS}
    assert all(set(d) >= {"ros_type_name", "gz_type_name", "gz_topic_name"} for d in parsed)
