"""Issue 13, ROS without open doors, over real DDS: a process of its own on the domain publishes
verdicts, lane requests and transport orders and calls release_hold, as an attacker would. The
orchestrator node acts only on what the bridge's decision key signed; everything else is
refused, counted and changes nothing. Reproduces the attack first found: an outsider's HIGH
verdict held a vehicle, and an outsider's release with a made-up officer sent a container across
unrecorded. The ``transport_container`` action stays the terminal's unsigned way in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.ros_cmd import ProcessGroup, node_argv
from maps import load_map
from orchestrator.domain.iso6346 import container_number
from orchestrator.ids import OrderId, StationId
from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, LaneClosed, OrderArrived, RiskLevel, VerdictIssued

pytestmark = pytest.mark.timeout(150)

LOW, HIGH = 1, 3


@pytest.fixture()
def node(ros_env: dict[str, str], tmp_path: Path, decision_keys: Any) -> Iterator[Any]:
    """An orchestrator node trusting ``decision_keys``; yields a starter for AGV processes."""
    group = ProcessGroup(ros_env, tmp_path / "logs")
    group.start("orchestrator", node_argv("orchestrator_node", {
        "map": "test_crossing", "dispatch_interval_s": 1.0,
        "decision_key": str(decision_keys.public_path)}))  # fmt: skip
    closers: list[Any] = []
    group.closers = closers  # type: ignore[attr-defined]
    try:
        yield group
    finally:
        for close in reversed(closers):
            close()
        codes = group.stop()
    for name, code in codes.items():
        log = (tmp_path / "logs" / f"{name}.log").read_text(errors="replace")[-3000:]
        assert code == 0, f"{name} exited {code}; its log ends:\n{log}"


def _client(group: Any, signer: Any = None, ids: list[str] | None = None) -> Any:
    from borderflow_ros.client import RosClient

    c = RosClient(ids or [], signer)
    group.closers.append(c.close)
    c.wait_for("the node's status service", lambda: _try_status(c), 30)
    return c


def _try_status(c: Any) -> bool:
    try:
        c.status()
    except TimeoutError:
        return False
    return True


def _link(group: Any, keys: Any) -> Any:
    from borderflow_ros.bridge_link import BridgeLink

    link = BridgeLink(keys.signer())
    group.closers.append(link.stop)
    return link


def _outsider_verdict(c: Any, verdict_id: str, cid: str, level: int, signer: Any = None) -> None:
    """Publish as someone else would: unsigned, or signed with a key of their own."""
    from borderflow_interfaces.msg import RiskVerdict
    from borderflow_ros.decision_auth import Channel, verdict_fields, write_signature

    m = RiskVerdict(verdict_id=verdict_id, container_id=cid, level=level, authority="CN",
                    reason="outsider")  # fmt: skip
    if signer is not None:
        write_signature(m.signature, signer.sign(Channel.VERDICT, verdict_fields(m)))
    c.verdicts.publish(m)


def test_outsiders_cannot_decide_and_replays_are_refused(
    node: Any, decision_keys: Any, tmp_path: Path
) -> None:
    from borderflow_interfaces.msg import LaneStatus
    from borderflow_interfaces.srv import ReleaseHold
    from borderflow_ros import qos
    from borderflow_ros.decision_auth import Channel, release_fields, write_signature

    from tests.ros.conftest import DecisionKeys

    stranger_keys = DecisionKeys(tmp_path)  # a key pair the node was not given
    outsider = _client(node)
    cid = container_number("ODR", 1)
    # A forged copy under the id of a real order that is still to come must not shadow it.
    outsider.order("o-1", cid, "CN->MN", "cn_slot_01")
    outsider.wait_for("the unsigned order refused",
                      lambda: outsider.status()["decisions_refused"] == 1, 20)  # fmt: skip
    assert "unsigned order 'o-1' refused" in outsider.status()["last_refusal"]
    _outsider_verdict(outsider, "v-forged", cid, HIGH)
    _outsider_verdict(outsider, "v-own-key", cid, HIGH, stranger_keys.signer())
    # ... nor a verdict's.
    _outsider_verdict(outsider, "v-real", cid, HIGH)
    outsider.wait_for("three verdicts refused too",
                      lambda: outsider.status()["decisions_refused"] == 4, 20)  # fmt: skip
    s = outsider.status()
    assert s["verdicts_accepted"] == 0 and _orders(s) == 0, s
    assert "trusts only" in s["last_refusal"] or "unsigned" in s["last_refusal"]

    link = _link(node, decision_keys)  # the bridge's way in: signed
    link.deliver(OrderArrived(0.0, OrderId("o-1"), cid, Direction.CN_TO_MN,
                              StationId("cn_slot_01")))  # fmt: skip
    link.deliver(VerdictIssued(0.0, cid, RiskLevel.LOW, Side.CN, "v-real", "cleared"))
    outsider.wait_for("the bridge's order and verdict taken",
                      lambda: outsider.status()["verdicts_accepted"] == 1
                      and _orders(outsider.status()) == 1, 20)  # fmt: skip
    # The bridge's order, captured and sent again under another order id: refused.
    from borderflow_interfaces.msg import TransportOrder

    copy = TransportOrder(order_id="o-copy", container_id=cid, direction="CN->MN",
                          origin_station="cn_slot_01")  # fmt: skip
    copy.signature = link_signed_order(decision_keys, "o-1", cid).signature
    outsider.orders.publish(copy)
    outsider.wait_for("the altered order refused",
                      lambda: outsider.status()["decisions_refused"] == 5, 20)  # fmt: skip
    assert "does not match" in outsider.status()["last_refusal"]
    assert _orders(outsider.status()) == 1

    # Releases: an outsider's (made-up officer, 2-character reason) is refused before the core.
    req = ReleaseHold.Request(container_id=cid, officer_id="CN-officer-999", authority="CN",
                              reason="ok")  # fmt: skip
    res = outsider._call(outsider.release_cli, req)
    assert not res.accepted and "unsigned release" in res.message
    # A release the bridge signed, captured and sent again, is a replay.
    signed = ReleaseHold.Request(container_id=cid, officer_id="CN-officer-7", authority="CN",
                                 reason="inspected")  # fmt: skip
    write_signature(
        signed.signature, decision_keys.signer().sign(Channel.RELEASE, release_fields(signed))
    )
    refused = outsider.status()["decisions_refused"]
    outsider._call(outsider.release_cli, signed)  # reaches the core (which has no hold to lift)
    assert outsider.status()["decisions_refused"] == refused
    again = outsider._call(outsider.release_cli, signed)
    assert not again.accepted and "replay" in again.message
    # ... and altered (another officer under the bridge's signature) it is a forgery.
    signed.officer_id = "CN-officer-8"
    signed.signature.counter += 1
    forged = outsider._call(outsider.release_cli, signed)
    assert not forged.accepted and "does not match" in forged.message

    # Lanes: an outsider's closure changes nothing; the bridge's closes the lane.
    lane = sorted(e.lane_id for e in load_map("test_crossing").edges.values())[0]
    bogus = LaneStatus(lane_id=lane, closed=True, reason="outsider")
    pub = outsider.node.create_publisher(LaneStatus, qos.LANES_TOPIC + "_requests",
                                         qos.decision_qos())  # fmt: skip
    deadline = time.monotonic() + 10
    while outsider.status()["decisions_refused"] < 9 and time.monotonic() < deadline:
        pub.publish(bogus)  # until the node has matched the new publisher and refused it
        time.sleep(0.5)
    assert outsider.status()["decisions_refused"] >= 9
    assert lane not in outsider.status()["closed_lanes"]
    link.deliver(LaneClosed(0.0, lane, False, "spill"))
    outsider.wait_for("the bridge's lane closure",
                      lambda: lane in outsider.status()["closed_lanes"], 20)  # fmt: skip


def test_an_outsiders_high_verdict_holds_nobody(node: Any, decision_keys: Any) -> None:
    """The attack of issue 13: a process of its own publishes HIGH for a container on its way;
    it is refused, the container crosses and is delivered, no hold is ever placed."""
    node.start("agv_sim", node_argv("agv_sim_node", {"map": "test_crossing", "vehicles": 1,
               "time_scale": 12.0, "load_time_s": 10.0, "unload_time_s": 10.0}))  # fmt: skip
    watcher = _client(node, ids=["agv_01"])
    watcher.wait_for("the AGV joined", lambda: len(watcher.status()["vehicles"]) == 1, 30)
    cid = container_number("ODR", 2)
    # The terminal's own way in: the transport_container action, unsigned as before.
    result = watcher.transport("o-2", cid, "CN->MN", "cn_slot_01")
    link = _link(node, decision_keys)
    link.deliver(VerdictIssued(0.0, cid, RiskLevel.LOW, Side.CN, "v-low", "cleared"))
    watcher.wait_for("the container picked up",
                     lambda: watcher.status()["orders_picked_up"] == 1, 60)  # fmt: skip
    _outsider_verdict(watcher, "v-outsider-high", cid, HIGH)
    watcher.wait_for("the outsider's verdict refused",
                     lambda: watcher.status()["decisions_refused"] == 1, 20)  # fmt: skip
    watcher.wait_for("the container delivered",
                     lambda: watcher.status()["orders_delivered"] == 1, 90)  # fmt: skip
    s = watcher.status()
    assert s["verdicts_accepted"] == 1 and s["holds_active"] == 0
    assert not [h for h in watcher.holds if h.container_id == cid and h.active]
    watcher.wait_for("the action's result", result.done, 10)
    assert result.result().result.delivered is True


def _orders(status: dict[str, Any]) -> int:
    """Orders the core holds, in any state."""
    return sum(int(v) for k, v in status.items() if k.startswith("orders_"))


def link_signed_order(keys: Any, order_id: str, cid: str) -> Any:
    """A TransportOrder as the bridge signs it (for a captured-copy attack)."""
    from borderflow_interfaces.msg import TransportOrder
    from borderflow_ros.decision_auth import Channel, order_fields, write_signature

    m = TransportOrder(order_id=order_id, container_id=cid, direction="CN->MN",
                       origin_station="cn_slot_01")  # fmt: skip
    write_signature(m.signature, keys.signer().sign(Channel.ORDER, order_fields(m)))
    return m
