"""ROS 2 launch (a): orchestrator + risk bridge + N simulated AGVs + map/fleet markers.

    ros2 launch launch/borderflow_sim.launch.py agvs:=6 map:=test_crossing time_scale:=1.0
    ros2 launch launch/borderflow_sim.launch.py agvs:=200 adapters:=4   # adapter in 4 shards

Containers arrive by themselves (``arrivals:=`` a scenario or manifest CSV; default the map's
bundled demo scenario; ``none`` for an idle fleet) and the bridge's simulated customs clear them,
as with ``borderflow ros up`` + ``borderflow serve --fleet ros``.

Needs a full ROS 2 install (launch, launch_ros) with ros_ws/ built and sourced; where
``ros2 launch`` is not available, ``borderflow ros up --agvs N`` starts the same processes.
DDS stays on this machine unless you override ROS_AUTOMATIC_DISCOVERY_RANGE (docs/ros.md).
"""

from __future__ import annotations

import os
import subprocess

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
PER_PROCESS = 10  # AGVs hosted by one simulator process
STATE_DIR = os.environ.get("BORDERFLOW_STATE_DIR") or os.path.expanduser(
    "~/.local/share/borderflow/bridge"
)  # as `borderflow serve`


def _orchestrator(context, *_args, **_kwargs):  # type: ignore[no-untyped-def]
    # The node trusts the bridge's decision key: made (if absent) before either starts.
    state = LaunchConfiguration("state_dir").perform(context)
    public = subprocess.run(
        ["borderflow", "bridge", "decision-key", "--state-dir", state],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # ... and the fork key it signs its frozen core with for the bridge's forecasts.
    fork = subprocess.run(
        ["borderflow", "bridge", "fork-key", "--state-dir", state],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    map_name = LaunchConfiguration("map").perform(context)
    adapters = int(LaunchConfiguration("adapters").perform(context))
    params = {"map": map_name, "decision_key": public, "fork_key": fork, "adapters": adapters,
              "use_sim_time": LaunchConfiguration("use_sim_time")}  # fmt: skip
    arrivals = LaunchConfiguration("arrivals").perform(context)
    if arrivals != "none":
        # The node's own arrivals file, as `borderflow ros up --arrivals` writes it.
        out = os.path.join(state, "ros-arrivals.json")
        source = [arrivals] if arrivals else []
        subprocess.run(["borderflow", "ros", "arrivals", *source, "--map", map_name, "-o", out],
                       check=True)  # fmt: skip
        params |= {"arrivals_file": out,
                   "arrivals_time_scale": float(LaunchConfiguration("time_scale")
                                                .perform(context))}  # fmt: skip
    # With adapters:=N the per-vehicle topics are served by N shard processes (docs/ros.md).
    shards = [
        Node(
            package="borderflow_ros",
            executable="adapter_node",
            name=f"borderflow_adapter_{k}",
            parameters=[
                {
                    "map": map_name,
                    "shard": k,
                    "adapters": adapters,
                    "use_sim_time": LaunchConfiguration("use_sim_time"),
                }
            ],
            output="screen",
        )
        for k in range(adapters)
    ]
    return [
        Node(
            package="borderflow_ros",
            executable="orchestrator_node",
            name="borderflow_orchestrator",
            parameters=[params],
            output="screen",
        ),
        *shards,
    ]  # fmt: skip


def _bridge(context, *_args, **_kwargs):  # type: ignore[no-untyped-def]
    # The customs risk bridge (HTTP API) with the ROS fleet: it checks the node's map and key,
    # then verdicts, releases, lane requests and orders reach the node over DDS and its holds
    # come back; without manifest:= the containers of the node's arrivals are the manifest.
    cmd = ["borderflow", "serve", "--fleet", "ros", "--map", LaunchConfiguration("map"),
           "--state-dir", LaunchConfiguration("state_dir"),
           "--port", LaunchConfiguration("bridge_port")]  # fmt: skip
    manifest = LaunchConfiguration("manifest").perform(context)
    if manifest:
        cmd += ["--manifest", manifest]
    return [ExecuteProcess(cmd=cmd, output="screen")]


def _agv_processes(context, *_args, **_kwargs):  # type: ignore[no-untyped-def]
    agvs = int(LaunchConfiguration("agvs").perform(context))
    map_name = LaunchConfiguration("map").perform(context)
    scale = float(LaunchConfiguration("time_scale").perform(context))
    nodes = []
    for first in range(1, agvs + 1, PER_PROCESS):
        nodes.append(
            Node(
                package="borderflow_ros",
                executable="agv_sim",
                name=f"agv_sim_{first:02d}",
                parameters=[{
                    "map": map_name, "vehicles": min(PER_PROCESS, agvs - first + 1),
                    "first_index": first, "fleet_size": agvs, "time_scale": scale,
                    "use_sim_time": LaunchConfiguration("use_sim_time"),
                }],
                output="screen",
            )
        )  # fmt: skip
    return nodes


def generate_launch_description() -> LaunchDescription:
    use_sim_time = LaunchConfiguration("use_sim_time")
    return LaunchDescription([
        DeclareLaunchArgument("agvs", default_value="3", description="simulated AGVs"),
        DeclareLaunchArgument("map", default_value="test_crossing", description="map name/path"),
        DeclareLaunchArgument("time_scale", default_value="1.0", description="vehicle speed-up"),
        DeclareLaunchArgument("adapters", default_value="0",
                              description="fleet adapter shard processes (0 = in the node)"),
        DeclareLaunchArgument("use_sim_time", default_value="false"),
        DeclareLaunchArgument("bridge_port", default_value="8750"),
        DeclareLaunchArgument(
            "arrivals", default_value="",
            description="containers that arrive by themselves: a scenario or manifest CSV "
                        "('' = the map's bundled demo scenario, 'none' = an idle fleet)",
        ),
        DeclareLaunchArgument(
            "manifest", default_value="",
            description="cargo manifest CSV for the risk bridge (container_id,consignor,"
                        "hs_code,origin_country); '' = the node's arrivals "
                        f"(e.g. {os.path.join(ROOT, 'launch', 'cargo_example.csv')})",
        ),
        SetEnvironmentVariable("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST"),
        SetEnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE",
                               os.path.join(ROOT, "ros_ws", "fastdds_localhost.xml")),
        DeclareLaunchArgument("state_dir", default_value=STATE_DIR,
                              description="the risk bridge's state directory (its keys)"),
        OpaqueFunction(function=_orchestrator),
        OpaqueFunction(function=_agv_processes),
        Node(
            package="borderflow_ros",
            executable="markers",
            name="borderflow_markers",
            parameters=[{"map": LaunchConfiguration("map"), "use_sim_time": use_sim_time}],
            output="screen",
        ),
        OpaqueFunction(function=_bridge),
    ])  # fmt: skip
