"""ROS 2 launch: the orchestrator on Gazebo's clock, a generated Gazebo world, ros_gz_bridge.

    ros2 launch launch/borderflow_gazebo.launch.py map:=erenhot_zamyn_uud agvs:=6 \\
        decision_key:=$(borderflow bridge decision-key) fork_key:=$(borderflow bridge fork-key)

Without ``world:=`` it runs ``borderflow gazebo world MAP -o out/gazebo/MAP-N --agvs N`` first
(when that folder holds no world yet) and takes the world, its AGV model and the ros_gz_bridge
config from there (docs/gazebo.md). The vehicle ids ``agv_01`` ... ``agv_NN`` come from
``agvs:=``, the same ids the generated world spawns. Gazebo AGVs speak only ``cmd_vel`` and
odometry, so the orchestrator lists them in ``standard_vehicles`` (arrivals inferred from
odometry, load/unload timed) and ``diff_drive_vehicles`` (it follows each Drive with
``cmd_vel``), and runs with ``use_sim_time`` on Gazebo's ``/clock``.

:func:`plan` derives everything from the arguments without ROS, so it is tested where ROS 2
launch is not installed (tests/ros/test_gazebo_launch.py); ``gz sim`` and ros_gz_bridge are
not installable on these machines.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MAX_AGVS = 200


def vehicle_ids(agvs: int) -> list[str]:
    return [f"agv_{i:02d}" for i in range(1, agvs + 1)]


def plan(
    *, map_name: str, agvs: str | int, world: str = "", bridge_config: str = "",
    decision_key: str = "", fork_key: str = "", root: str = ROOT,
) -> dict[str, Any]:  # fmt: skip
    """What the launch starts, from its arguments: the world and bridge config (generated when
    no world is given), the environment for Gazebo, and the orchestrator's parameters.

    Raises ValueError with what to fix for a bad ``agvs`` or a world without its config."""
    try:
        n = int(agvs)
    except ValueError:
        raise ValueError(f"agvs:={agvs!r} is not a whole number of AGVs (1..{MAX_AGVS})") from None
    if not 1 <= n <= MAX_AGVS:
        raise ValueError(f"agvs:={n} is out of range: give 1..{MAX_AGVS}")
    generate: list[str] = []
    if world:
        folder = os.path.dirname(os.path.abspath(world))
        config = bridge_config or os.path.join(folder, "bridge.yaml")
        if not os.path.isfile(config):
            raise ValueError(
                f"world:={world} has no ros_gz_bridge config beside it ({config}); pass "
                "bridge_config:=FILE, or generate both with `borderflow gazebo world`"
            )
    else:
        safe = os.path.basename(map_name).removesuffix(".geojson")
        folder = os.path.join(root, "out", "gazebo", f"{safe}-{n}")
        world = os.path.join(folder, "world.sdf")
        config = bridge_config or os.path.join(folder, "bridge.yaml")
        if not os.path.isfile(world):
            # The borderflow command of the active venv (`. .venv/bin/activate`).
            generate = ["borderflow", "gazebo", "world", map_name, "-o", folder, "--agvs", str(n)]
    ids = vehicle_ids(n)
    resource = os.path.join(folder, "models")
    return {
        "world": world,
        "bridge_config": config,
        "generate": generate,
        "env": {
            "GZ_SIM_RESOURCE_PATH": os.pathsep.join(
                p for p in (resource, os.environ.get("GZ_SIM_RESOURCE_PATH", "")) if p
            ),
            "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST",
            "FASTDDS_DEFAULT_PROFILES_FILE": os.path.join(root, "ros_ws", "fastdds_localhost.xml"),
        },
        "orchestrator": {
            "map": map_name,
            "decision_key": decision_key,
            "fork_key": fork_key,  # '' = no forecasts from this run
            "use_sim_time": True,  # Gazebo's /clock drives the core's clock
            "vehicle_ids": ids,
            "standard_vehicles": ids,
            "diff_drive_vehicles": ids,
        },
        "markers": {"map": map_name, "use_sim_time": True},
    }


def _actions(context: Any, *_args: Any, **_kwargs: Any) -> list[Any]:
    from launch.actions import ExecuteProcess, SetEnvironmentVariable
    from launch.substitutions import LaunchConfiguration
    from launch_ros.actions import Node

    def arg(name: str) -> str:
        return str(LaunchConfiguration(name).perform(context))

    p = plan(map_name=arg("map"), agvs=arg("agvs"), world=arg("world"),
             bridge_config=arg("bridge_config"), decision_key=arg("decision_key"),
             fork_key=arg("fork_key"))  # fmt: skip
    if p["generate"]:
        # Before gz sim starts: the world must exist when Gazebo reads it.
        subprocess.run(p["generate"], check=True, cwd=ROOT)
    return [
        *(SetEnvironmentVariable(k, v) for k, v in p["env"].items()),
        ExecuteProcess(cmd=["gz", "sim", "-r", p["world"]], output="screen"),
        Node(package="ros_gz_bridge", executable="parameter_bridge", output="screen",
             parameters=[{"config_file": p["bridge_config"], "use_sim_time": True}]),
        Node(package="borderflow_ros", executable="orchestrator_node",
             name="borderflow_orchestrator", parameters=[p["orchestrator"]], output="screen"),
        Node(package="borderflow_ros", executable="markers", name="borderflow_markers",
             parameters=[p["markers"]]),
    ]  # fmt: skip


def generate_launch_description() -> Any:
    from launch.actions import DeclareLaunchArgument, OpaqueFunction

    from launch import LaunchDescription

    return LaunchDescription([
        DeclareLaunchArgument("map", default_value="erenhot_zamyn_uud",
                              description="bundled map name or GeoJSON path"),
        DeclareLaunchArgument("agvs", default_value="3", description="AGVs (1..200)"),
        DeclareLaunchArgument("world", default_value="",
                              description="Gazebo world; empty: generate it from the map"),
        DeclareLaunchArgument("bridge_config", default_value="",
                              description="ros_gz_bridge YAML; empty: the one beside the world"),
        DeclareLaunchArgument(
            "decision_key",
            description="the risk bridge's public decision key, decisions.pub "
                        "(`borderflow bridge decision-key` prints its path)",
        ),
        DeclareLaunchArgument(
            "fork_key", default_value="",
            description="the key the orchestrator signs its frozen core with for the bridge's "
                        "forecasts (`borderflow bridge fork-key`); empty: no forecasts",
        ),
        OpaqueFunction(function=_actions),
    ])  # fmt: skip
