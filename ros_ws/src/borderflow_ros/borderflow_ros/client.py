"""A client of the orchestrator node, for scripts, tests and benchmarks: publishes orders and
verdicts, calls the release / status services, listens to commands, holds, lane status and
odometry. Runs its own rclpy context and spins in a background thread, so it lives beside
anything else in a process. Orders, verdicts and releases are signed with ``signer`` when given
(the node acts only on those signed with the key it trusts); without one they go unsigned, as an
outsider's would. :meth:`RosClient.transport` sends an order as a ``transport_container`` action
goal instead, which needs no signature."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from borderflow_ros.decision_auth import (
    Channel,
    DecisionSigner,
    order_fields,
    release_fields,
    verdict_fields,
    write_signature,
)
from orchestrator.domain.iso6346 import container_number

__all__ = ["RosClient", "container_number"]


class RosClient:
    def __init__(
        self,
        vehicle_ids: list[str],
        signer: DecisionSigner | None = None,
        *,
        odometry: bool = True,
    ) -> None:
        import rclpy
        from borderflow_interfaces.action import TransportContainer
        from borderflow_interfaces.msg import (
            Hold,
            LaneStatus,
            RiskVerdict,
            TransportOrder,
            VehicleCommand,
        )
        from borderflow_interfaces.srv import GetStatus, ReleaseHold
        from nav_msgs.msg import Odometry
        from rclpy.action import ActionClient  # type: ignore[attr-defined]
        from rclpy.executors import SingleThreadedExecutor

        from borderflow_ros import qos

        self.signer = signer
        self.ctx = rclpy.Context()
        rclpy.init(context=self.ctx)
        self.node = rclpy.create_node("borderflow_test_client", context=self.ctx)
        self.lock = threading.Lock()
        self.commands: list[tuple[float, Any]] = []
        self.holds: list[Any] = []
        self.lanes: list[Any] = []
        self.odom: dict[str, tuple[float, float, float]] = {}
        self.on_command: Callable[[Any, float], None] | None = None
        n = self.node
        self.verdicts = n.create_publisher(RiskVerdict, qos.VERDICTS_TOPIC, qos.decision_qos())
        self.orders = n.create_publisher(TransportOrder, qos.ORDERS_TOPIC, qos.decision_qos())
        self.release_cli: Any = n.create_client(ReleaseHold, qos.RELEASE_SERVICE)
        self.status_cli: Any = n.create_client(GetStatus, qos.STATUS_SERVICE)
        self.action_cli: Any = ActionClient(n, TransportContainer, qos.TRANSPORT_ACTION)
        n.create_subscription(Hold, qos.HOLDS_TOPIC, self._hold, qos.decision_qos())
        n.create_subscription(LaneStatus, qos.LANES_TOPIC, self._lane, qos.decision_qos())
        for vid in vehicle_ids:
            n.create_subscription(VehicleCommand, qos.vehicle_topic(vid, "command"), self._cmd,
                                  qos.command_qos())  # fmt: skip
            if odometry:  # off for a bench's probe of many vehicles: 10 Hz each adds up
                n.create_subscription(Odometry, qos.vehicle_topic(vid, "odom"),
                                      lambda m, v=vid: self._odom(v, m),
                                      qos.sensor_qos())  # fmt: skip
        self.executor = SingleThreadedExecutor(context=self.ctx)
        self.executor.add_node(n)
        self.thread = threading.Thread(target=self._spin, daemon=True)
        self.thread.start()

    def _spin(self) -> None:
        with contextlib.suppress(Exception):  # shutdown races end the spin
            self.executor.spin()

    def _cmd(self, msg: Any) -> None:
        now = time.time()
        with self.lock:
            self.commands.append((now, msg))
        if self.on_command is not None:
            self.on_command(msg, now)

    def _hold(self, msg: Any) -> None:
        with self.lock:
            self.holds.append(msg)

    def _lane(self, msg: Any) -> None:
        with self.lock:
            self.lanes.append(msg)

    def _odom(self, vid: str, msg: Any) -> None:
        p = msg.pose.pose.position
        self.odom[vid] = (time.time(), p.x, p.y)

    # ------------------------------------------------------------------ actions

    def order(self, order_id: str, container_id: str, direction: str, station: str) -> None:
        from borderflow_interfaces.msg import TransportOrder

        m = TransportOrder()
        m.header.stamp = self.node.get_clock().now().to_msg()
        m.order_id, m.container_id, m.direction, m.origin_station = (
            order_id,
            container_id,
            direction,
            station,
        )
        if self.signer is not None:
            write_signature(m.signature, self.signer.sign(Channel.ORDER, order_fields(m)))
        self.orders.publish(m)

    def transport(self, order_id: str, container_id: str, direction: str, station: str) -> Any:
        """Send the order as a ``transport_container`` goal (unsigned: the action is the
        terminal's own way in); returns the goal's result future once the goal is accepted."""
        from borderflow_interfaces.action import TransportContainer

        if not self.action_cli.wait_for_server(timeout_sec=10.0):
            raise TimeoutError("the transport_container action server is not up")
        goal = TransportContainer.Goal(order_id=order_id, container_id=container_id,
                                       direction=direction, origin_station=station)  # fmt: skip
        sent = self.action_cli.send_goal_async(goal)
        deadline = time.monotonic() + 10.0
        while not sent.done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"goal {order_id} got no answer")
            time.sleep(0.01)
        handle = sent.result()
        if handle is None or not handle.accepted:
            raise AssertionError(f"goal {order_id} was not accepted")
        return handle.get_result_async()

    def verdict(
        self, verdict_id: str, container_id: str, level: int, authority: str, reason: str = ""
    ) -> tuple[int, int]:
        """Publish a verdict stamped now (wall-clock ROS time); returns the stamp (sec, nanosec)."""
        from borderflow_interfaces.msg import RiskVerdict

        m = RiskVerdict()
        m.header.stamp = self.node.get_clock().now().to_msg()
        m.verdict_id, m.container_id, m.level, m.authority, m.reason = (
            verdict_id, container_id, level, authority, reason)  # fmt: skip
        if self.signer is not None:
            write_signature(m.signature, self.signer.sign(Channel.VERDICT, verdict_fields(m)))
        self.verdicts.publish(m)
        return (m.header.stamp.sec, m.header.stamp.nanosec)

    def _call(self, client: Any, req: Any, timeout_s: float = 10.0) -> Any:
        if not client.wait_for_service(timeout_sec=timeout_s):
            raise TimeoutError(f"service {client.srv_name} not available")
        fut = client.call_async(req)
        deadline = time.monotonic() + timeout_s
        while not fut.done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"service {client.srv_name} did not answer")
            time.sleep(0.01)
        return fut.result()

    def release(self, container_id: str, officer_id: str, authority: str, reason: str) -> Any:
        from borderflow_interfaces.srv import ReleaseHold

        req = ReleaseHold.Request()
        req.container_id, req.officer_id, req.authority, req.reason = (
            container_id,
            officer_id,
            authority,
            reason,
        )
        if self.signer is not None:
            write_signature(req.signature, self.signer.sign(Channel.RELEASE, release_fields(req)))
        return self._call(self.release_cli, req)

    def status(self) -> dict[str, Any]:
        from borderflow_interfaces.srv import GetStatus

        res = self._call(self.status_cli, GetStatus.Request())
        out: dict[str, Any] = json.loads(res.counts_json)
        out["vehicles"] = dict(
            zip(
                res.vehicle_ids,
                zip(res.vehicle_states, res.vehicle_nodes, strict=True),
                strict=True,
            )
        )
        out["faulted"] = list(res.faulted_vehicle_ids)
        return out

    def wait_for(self, what: str, pred: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        self.ctx.try_shutdown()
        self.thread.join(timeout=2.0)
