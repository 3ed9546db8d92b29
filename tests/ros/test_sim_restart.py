"""A simulator process that starts (or restarts) after commands were sent to its vehicles does
not carry them out: the command topics keep the last 20 per vehicle for late joiners, and a
Drive meant for the vehicle's previous life would move it along a route nobody granted it now.
A command sent after it started is carried out as usual."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli.ros_cmd import ProcessGroup, node_argv

pytestmark = pytest.mark.timeout(90)

START, NEXT = "cn_customs_ring@0", "cn_customs_ring@1"  # an edge of the test crossing's CN ring


class _Client:
    """Publishes commands to agv_01 as the orchestrator does; keeps its latest states."""

    def __init__(self) -> None:
        import rclpy
        from borderflow_interfaces.msg import VehicleCommand, VehicleState
        from borderflow_ros import qos
        from rclpy.executors import SingleThreadedExecutor

        self.ctx = rclpy.Context()
        rclpy.init(context=self.ctx)
        self.node = rclpy.create_node("sim_restart_test", context=self.ctx)
        self.states: list[Any] = []
        self.pub = self.node.create_publisher(
            VehicleCommand, qos.vehicle_topic("agv_01", "command"), qos.command_qos()
        )
        self.node.create_subscription(
            VehicleState, qos.vehicle_topic("agv_01", "state"), self.states.append,
            qos.sensor_qos(),
        )  # fmt: skip
        self.executor = SingleThreadedExecutor(context=self.ctx)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self._spin, daemon=True)
        self.thread.start()

    def _spin(self) -> None:
        with contextlib.suppress(Exception):
            self.executor.spin()

    def drive(self, seq: int) -> None:
        from borderflow_interfaces.msg import VehicleCommand

        msg = VehicleCommand()
        msg.header.stamp = self.node.get_clock().now().to_msg()
        msg.vehicle_id, msg.seq, msg.kind = "agv_01", seq, VehicleCommand.KIND_DRIVE
        msg.path = [START, NEXT]
        self.pub.publish(msg)

    def wait_for(self, what: str, pred: Callable[[], bool], timeout_s: float) -> None:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if pred():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        self.ctx.try_shutdown()


def test_a_command_from_before_the_simulator_started_is_not_carried_out(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    client = _Client()
    group = ProcessGroup(ros_env, tmp_path / "logs")
    try:
        client.drive(seq=1)  # to the vehicle's previous life
        time.sleep(0.5)
        group.start("agv_sim", node_argv("agv_sim_node", {"map": "test_crossing", "vehicles": 1,
                    "start_nodes": [START], "time_scale": 10.0}))  # fmt: skip
        client.wait_for("the simulator's first states", lambda: len(client.states) >= 2, 30)
        time.sleep(3.0)  # ten vehicle seconds a second: the old Drive would have got far
        assert all(s.node == START and not s.next_node for s in client.states), [
            (s.node, s.next_node) for s in client.states
        ]
        client.drive(seq=2)  # a command of this life
        client.wait_for(f"agv_01 driving to {NEXT}",
                        lambda: any(s.next_node == NEXT or s.node == NEXT
                                    for s in client.states), 15)  # fmt: skip
    finally:
        client.close()
        codes = group.stop()
    log = (tmp_path / "logs" / "agv_sim.log").read_text(errors="replace")
    assert codes["agv_sim"] == 0, log[-3000:]
    assert "command 1 was sent before this simulator started" in log
