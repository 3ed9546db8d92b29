"""The orchestrator node's parameters (declared with defaults and descriptions, validated at
start-up by :func:`borderflow_ros.params.load`)."""

from __future__ import annotations

from borderflow_ros.params import Param, non_negative, not_empty, positive
from orchestrator.config import RUNTIME_DISPATCH_INTERVAL_S

__all__ = ["PARAMS"]

PARAMS = (
    Param("map", "test_crossing", "bundled map name or GeoJSON path", not_empty),
    Param(
        "decision_key",
        "",
        "the risk bridge's public decision key (PEM, decisions.pub in its state directory): "
        "only verdicts, releases and lane requests it signed are acted on",
    ),
    Param(
        "fork_key",
        "",
        "the key shared with the risk bridge that signs the core it hands out for forecasts "
        "(a hex file, `borderflow bridge fork-key`; '' = no forecasts from this node)",
    ),
    Param("tick_period_s", 1.0, "period of the core's Tick (retries waiting admissions)", positive),
    Param("heartbeat_timeout_s", 2.0, "silence after which a vehicle is faulted", positive),
    Param(
        "adapters",
        0,
        "fleet adapter shards in their own processes (adapter_node shard:=0..N-1; the vehicle "
        "lists go to them); 0 = the adapter runs inside this node",
        non_negative,
    ),
    Param(
        "adapter_timeout_s", 2.0, "silence after which a shard's vehicles are isolated", positive
    ),
    Param("vehicle_ids", [""], "vehicles to watch from the start ([''] = discover /agv/*/state)"),
    Param("diff_drive_vehicles", [""], "vehicles that get geometry_msgs/Twist on cmd_vel"),
    Param(
        "standard_vehicles",
        [""],
        "vehicles that speak only standard topics (Path in, Odometry in the map frame out): "
        "arrivals inferred from odometry, load/unload/scan timed",
    ),
    Param(
        "arrival_tolerance_m",
        1.5,
        "distance from a node within which a standard vehicle has reached it",
        positive,
    ),
    Param(
        "standard_action_time_s",
        5.0,
        "duration of a load/unload/scan by a standard vehicle (ROS time)",
        non_negative,
    ),
    Param("vehicle_length_m", 12.0, "vehicle length (core traffic spacing)", positive),
    Param("headway_m", 8.0, "gap kept between vehicles on a lane"),
    Param("battery_capacity_kwh", 200.0, "battery capacity of every vehicle", positive),
    Param("consumption_kwh_per_km", 2.0, "energy a vehicle uses per km driven", positive),
    Param(
        "dispatch_interval_s",
        RUNTIME_DISPATCH_INTERVAL_S,
        "dispatch rounds at most this often (ROS seconds), as in every runtime",
        non_negative,
    ),
    Param(
        "arrivals_file",
        "",
        "containers that become transport orders by themselves at their times (JSON, "
        "`borderflow ros arrivals`; '' = none: orders come from the bridge or the action)",
    ),
    Param(
        "arrivals_time_scale",
        1.0,
        "scenario seconds per ROS second for the arrivals (the AGV simulators' time_scale)",
        positive,
    ),
)
