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


def test_own_arrivals_follow_the_simulated_clock_at_their_time_scale(
    ros_env: dict[str, str], decision_keys: Any, tmp_path: Any
) -> None:
    """Arrivals at 0, 100 and 300 scenario seconds at time scale 10 come 0, 10 and 30 s of
    /clock time after the clock started, whatever the wall clock does."""
    import json

    import rclpy
    from borderflow_ros.orchestrator_node import OrchestratorNode
    from builtin_interfaces.msg import Time
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.parameter import Parameter
    from rosgraph_msgs.msg import Clock

    from orchestrator.domain.iso6346 import container_number

    rows = [{"t_s": t, "order_id": f"M{i}", "container_id": container_number("SIM", i + 1),
             "direction": "CN->MN", "origin_station": "cn_slot_01", "seal_numbers": [],
             "consignor": "Erlian Trading Co", "hs_code": "8429", "origin_country": "CN"}
            for i, t in enumerate((0.0, 100.0, 300.0))]  # fmt: skip
    path = tmp_path / "arrivals.json"
    path.write_text(json.dumps({"format": "borderflow-arrivals/1", "arrivals": rows}))
    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    node = OrchestratorNode(context=ctx, parameter_overrides=[
        Parameter("use_sim_time", value=True),
        Parameter("decision_key", value=str(decision_keys.public_path)),
        Parameter("arrivals_file", value=str(path)),
        Parameter("arrivals_time_scale", value=10.0),
    ])  # fmt: skip
    pub_node = rclpy.create_node("clock_pub", context=ctx)
    clock_pub = pub_node.create_publisher(Clock, "/clock", 10)
    ex = SingleThreadedExecutor(context=ctx)
    ex.add_node(node)
    ex.add_node(pub_node)

    def run_clock_to(t_s: float) -> None:
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and node.clock.now_s() < t_s:
            clock_pub.publish(Clock(clock=Time(sec=int(t_s), nanosec=int(t_s % 1 * 1e9))))
            ex.spin_once(timeout_sec=0.05)
        for _ in range(10):  # the arrivals timer's turn at this time
            ex.spin_once(timeout_sec=0.02)

    try:
        for _ in range(5):
            ex.spin_once(timeout_sec=0.02)
        assert node.arrivals.fed == 0  # no /clock yet: nothing is due
        run_clock_to(1000.0)
        assert node.arrivals.fed == 1 and node.core.views.has_order("M0")
        run_clock_to(1009.5)
        assert node.arrivals.fed == 1
        run_clock_to(1010.2)
        assert node.arrivals.fed == 2 and node.core.views.has_order("M1")
        run_clock_to(1029.5)
        assert node.arrivals.fed == 2
        run_clock_to(1030.2)
        assert node.arrivals.fed == 3 and node.core.views.has_order("M2")
    finally:
        ex.shutdown()
        node.destroy_node()
        pub_node.destroy_node()
        ctx.try_shutdown()
