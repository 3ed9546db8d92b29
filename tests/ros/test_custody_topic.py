"""The node's custody events on /borderflow/custody carry their UTC time in the ledger's one
canonical form (orchestrator.custody.timestamps), stamped from the node's clock unless the
event already carries one."""

from __future__ import annotations

import json
import time
from typing import Any

from orchestrator.custody.events import CustodyEvent, CustodyEventKind
from orchestrator.custody.timestamps import is_timestamp, parse_timestamp


def _event(timestamp: str | None) -> CustodyEvent:
    return CustodyEvent(
        kind=CustodyEventKind.SEAL_READ, t_s=12.5, container_id="MSKU3054380",
        seal_number="EZ-20260001", vehicle_id="agv_01", node="gate_cn", zone="cn_gate",
        side="CN", actor="gate_cn", timestamp=timestamp,
    )  # fmt: skip


def test_custody_messages_carry_a_canonical_utc_timestamp(ros_env: dict[str, str]) -> None:
    import rclpy
    from borderflow_interfaces.msg import CustodyEvent as CustodyEventMsg
    from borderflow_ros.ros_ports import RosLedger
    from rclpy.executors import SingleThreadedExecutor

    ctx = rclpy.Context()
    rclpy.init(context=ctx)
    node = rclpy.create_node("custody_pub", context=ctx)
    pub = node.create_publisher(CustodyEventMsg, "/borderflow/custody", 10)
    got: list[Any] = []
    node.create_subscription(CustodyEventMsg, "/borderflow/custody", got.append, 10)
    ex = SingleThreadedExecutor(context=ctx)
    ex.add_node(node)
    ledger = RosLedger(node, pub)
    try:
        before_us = time.time_ns() // 1000
        assert ledger.append(_event(None)) == 0
        assert ledger.append(_event("2026-12-03T08:00:00.000000Z")) == 1
        deadline = time.monotonic() + 10.0
        while len(got) < 2 and time.monotonic() < deadline:
            ex.spin_once(timeout_sec=0.05)
        after_us = time.time_ns() // 1000
        assert len(got) == 2, "the custody messages never arrived"
        stamped = json.loads(got[0].data_json)
        assert is_timestamp(stamped["timestamp"]), stamped
        assert before_us - 1 <= parse_timestamp(stamped["timestamp"]) <= after_us + 1
        assert stamped["t_s"] == 12.5 and got[0].container_id == "MSKU3054380"
        kept = json.loads(got[1].data_json)
        assert kept["timestamp"] == "2026-12-03T08:00:00.000000Z"  # a runtime's own stamp wins
    finally:
        ex.shutdown()
        node.destroy_node()
        ctx.try_shutdown()
