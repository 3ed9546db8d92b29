"""ROS 2 launch (b): orchestrator + a Gazebo world with diff-drive AGVs (next issues).

    ros2 launch launch/borderflow_gazebo.launch.py world:=/path/to/crossing.sdf agvs:=3

Gazebo (gz sim) and ros_gz_bridge are not installable on these machines: this file is written
for a full ROS 2 + Gazebo install and is checked here only for syntax. The AGVs are the SDF's
models ``agv_01`` ... with the DiffDrive and OdometryPublisher systems; ros_gz_bridge maps
``/agv/<id>/cmd_vel`` (geometry_msgs/Twist, from the fleet adapter's pure-pursuit follower)
and ``/agv/<id>/odom`` (nav_msgs/Odometry, the heartbeat). Node arrivals are then derived from
odometry by the fleet adapter (listed as remaining work in docs/ros.md).
"""

from __future__ import annotations

import os

from launch.actions import (
    DeclareLaunchArgument,
    ExecuteProcess,
    OpaqueFunction,
    SetEnvironmentVariable,
)
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def _bridges(context, *_args, **_kwargs):  # type: ignore[no-untyped-def]
    agvs = int(LaunchConfiguration("agvs").perform(context))
    args = []
    for i in range(1, agvs + 1):
        vid = f"agv_{i:02d}"
        args += [
            f"/agv/{vid}/cmd_vel@geometry_msgs/msg/Twist]gz.msgs.Twist",
            f"/agv/{vid}/odom@nav_msgs/msg/Odometry[gz.msgs.Odometry",
        ]
    args.append("/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock")
    return [Node(package="ros_gz_bridge", executable="parameter_bridge", arguments=args,
                 output="screen")]  # fmt: skip


def generate_launch_description() -> LaunchDescription:
    return LaunchDescription([
        DeclareLaunchArgument("world", description="Gazebo SDF world of the crossing"),
        DeclareLaunchArgument("agvs", default_value="3"),
        DeclareLaunchArgument("map", default_value="test_crossing"),
        DeclareLaunchArgument(
            "decision_key",
            description="the risk bridge's public decision key, decisions.pub "
                        "(`borderflow bridge decision-key` prints its path)",
        ),
        SetEnvironmentVariable("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST"),
        SetEnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE",
                               os.path.join(ROOT, "ros_ws", "fastdds_localhost.xml")),
        ExecuteProcess(cmd=["gz", "sim", "-r", LaunchConfiguration("world")], output="screen"),
        OpaqueFunction(function=_bridges),
        Node(
            package="borderflow_ros",
            executable="orchestrator_node",
            name="borderflow_orchestrator",
            parameters=[{
                "map": LaunchConfiguration("map"),
                "decision_key": LaunchConfiguration("decision_key"),
                "use_sim_time": True,  # Gazebo's /clock drives the core's clock
                "vehicle_ids": [f"agv_{i:02d}" for i in range(1, 4)],
                "diff_drive_vehicles": [f"agv_{i:02d}" for i in range(1, 4)],
            }],
            output="screen",
        ),
        Node(package="borderflow_ros", executable="markers", name="borderflow_markers",
             parameters=[{"map": LaunchConfiguration("map"), "use_sim_time": True}]),
    ])  # fmt: skip
