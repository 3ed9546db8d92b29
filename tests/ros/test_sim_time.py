"""The orchestrator node's core clock is ROS time: with use_sim_time it follows /clock."""

from __future__ import annotations

import time
from typing import Any

import pytest


def test_core_clock_follows_clock_topic_with_use_sim_time(
    ros_env: dict[str, str], decision_keys: Any
) -> None:
    import rclpy
    from borderflow_ros.orchestrator_node import OrchestratorNode
    from builtin_interfaces.msg import Time
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.parameter import Parameter
    from rosgraph_msgs.msg import Clock

    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    node = OrchestratorNode(
        context=ctx,
        parameter_overrides=[
            Parameter("use_sim_time", value=True),
            Parameter("decision_key", value=str(decision_keys.public_path)),
        ],
    )
    pub_node = rclpy.create_node("clock_pub", context=ctx)
    clock_pub = pub_node.create_publisher(Clock, "/clock", 10)
    ex = SingleThreadedExecutor(context=ctx)
    ex.add_node(node)
    ex.add_node(pub_node)
    try:
        t0 = node.clock.now_s()
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and node.clock.now_s() - t0 < 99.0:
            clock_pub.publish(Clock(clock=Time(sec=1000, nanosec=0)))
            ex.spin_once(timeout_sec=0.05)
        assert node.clock.now_s() - t0 == pytest.approx(1000.0 - t0, abs=1e-6)
        assert node.clock.now_s() >= 99.0
    finally:
        ex.shutdown()
        node.destroy_node()
        pub_node.destroy_node()
        ctx.try_shutdown()


def test_bad_core_config_parameter_is_a_clear_error(
    ros_env: dict[str, str], decision_keys: Any
) -> None:
    import rclpy
    from borderflow_ros.errors import ParameterError
    from borderflow_ros.orchestrator_node import OrchestratorNode
    from rclpy.parameter import Parameter

    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    try:
        with pytest.raises(ParameterError, match="headway_m must be >= 0"):
            OrchestratorNode(context=ctx, parameter_overrides=[
                Parameter("headway_m", value=-1.0),
                Parameter("decision_key", value=str(decision_keys.public_path)),
            ])  # fmt: skip
    finally:
        ctx.try_shutdown()
