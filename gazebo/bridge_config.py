"""The ros_gz_bridge configuration (``bridge.yaml``) for a generated world.

Per AGV: ``/agv/<id>/cmd_vel`` (geometry_msgs/msg/Twist, ROS to Gazebo: the fleet adapter's
pure-pursuit follower drives the DiffDrive), ``/agv/<id>/odom`` (nav_msgs/msg/Odometry, Gazebo
to ROS: the OdometryPublisher's map-frame pose, the adapter's heartbeat and arrival source) and
``/agv/<id>/pose`` (geometry_msgs/msg/PoseStamped, Gazebo to ROS); once, ``/clock``
(rosgraph_msgs/msg/Clock), so ``use_sim_time`` nodes run on Gazebo's time.

ROS topic names follow the fleet adapter's rule, :func:`recording.topics.vehicle_topic`
(``/agv/<id>/<leaf>``, which ``borderflow_ros.qos`` re-exports); tests/ros/test_gazebo_bridge.py
checks every entry against the topics the fleet adapter really creates. The YAML is written by
hand (a fixed, flat shape), so no YAML library is needed at run time; every value is
double-quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gazebo.agv_model import gz_topics
from recording.topics import vehicle_topic

__all__ = ["CLOCK_TOPIC", "BridgeEntry", "bridge_entries", "bridge_yaml"]

CLOCK_TOPIC = "/clock"
ROS_TO_GZ, GZ_TO_ROS = "ROS_TO_GZ", "GZ_TO_ROS"


@dataclass(frozen=True, slots=True)
class BridgeEntry:
    ros_topic_name: str
    gz_topic_name: str
    ros_type_name: str
    gz_type_name: str
    direction: str


def bridge_entries(vehicle_ids: Sequence[str]) -> list[BridgeEntry]:
    out: list[BridgeEntry] = []
    for vid in vehicle_ids:
        gz = gz_topics(vid)
        out += [
            BridgeEntry(
                vehicle_topic(vid, "cmd_vel"),
                gz.cmd_vel,
                "geometry_msgs/msg/Twist",
                "gz.msgs.Twist",
                ROS_TO_GZ,
            ),
            BridgeEntry(
                vehicle_topic(vid, "odom"),
                gz.odom,
                "nav_msgs/msg/Odometry",
                "gz.msgs.Odometry",
                GZ_TO_ROS,
            ),
            BridgeEntry(
                vehicle_topic(vid, "pose"),
                gz.pose,
                "geometry_msgs/msg/PoseStamped",
                "gz.msgs.Pose",
                GZ_TO_ROS,
            ),
        ]
    out.append(
        BridgeEntry(CLOCK_TOPIC, CLOCK_TOPIC, "rosgraph_msgs/msg/Clock", "gz.msgs.Clock", GZ_TO_ROS)
    )
    return out


def bridge_yaml(vehicle_ids: Sequence[str], map_id: str) -> str:
    lines = [
        f"# ros_gz_bridge config for the borderflow world of {map_id} (borderflow gazebo world)",
        "# ros2 run ros_gz_bridge parameter_bridge --ros-args -p config_file:=bridge.yaml",
    ]
    for e in bridge_entries(vehicle_ids):
        lines += [
            f'- ros_topic_name: "{e.ros_topic_name}"',
            f'  gz_topic_name: "{e.gz_topic_name}"',
            f'  ros_type_name: "{e.ros_type_name}"',
            f'  gz_type_name: "{e.gz_type_name}"',
            f"  direction: {e.direction}",
            "  lazy: false",
        ]
    return "\n".join(lines) + "\n"
