"""End to end over DDS, several processes: orchestrator node + simulated AGV processes + a test
client, on the tiny test_crossing map, with vehicles 10-20x faster than real time.

Covers: containers carried across; a HIGH verdict posted to the risk bridge's HTTP API (the
bridge app with :class:`borderflow_ros.bridge_fleet.RosBridgeFleet`, which publishes it) makes
the target AGV stop short of the border in a hold bay, an officer's release (through the ROS
release_hold service the bridge link calls) lets it continue; an AGV whose process is killed
while it fetches a container is faulted and isolated (no more commands) and another vehicle
carries its container; a paused AGV process is faulted and, resumed, back in service.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from orchestrator.domain.iso6346 import container_number

if TYPE_CHECKING:  # the built package is importable once the ros_env fixture ran
    from borderflow_ros.client import RosClient

from cli.ros_cmd import ProcessGroup, node_argv
from orchestrator.lanegraph import Side
from orchestrator.messages import HoldReleased

pytestmark = pytest.mark.timeout(120)

LOW, HIGH = 1, 3


def BridgeLink(keys: Any) -> Any:  # imported late: it needs the built packages
    from borderflow_ros.bridge_link import BridgeLink as Link

    return Link(keys.signer())


# Dispatch rounds every second (a deployment's default is every 10 s): the tests run in wall time.
FAST_ROUNDS = {"dispatch_interval_s": 1.0}


def _orchestrator(group: ProcessGroup, **params: object) -> None:
    key = str(group.decision_keys.public_path)  # type: ignore[attr-defined]
    group.start(
        "orchestrator",
        node_argv("orchestrator_node", {"map": "test_crossing", "decision_key": key,
                                        **FAST_ROUNDS, **params}),
    )  # fmt: skip


def _sim(group: ProcessGroup, name: str, **params: object) -> None:
    group.start(name, node_argv("agv_sim_node", {"map": "test_crossing", **params}))


def _vehicles(c: RosClient, n: int) -> dict[str, Any]:
    c.wait_for(f"{n} vehicles joined", lambda: len(c.status()["vehicles"]) == n, 30)
    return c.status()["vehicles"]


def _bridge(tmp: Path, containers: list[str], link: Any, helpers: list[Any]) -> tuple[Any, str]:
    """The risk bridge app (temp SQLite store) with a ROS fleet; a CN authority-system token."""
    from borderflow_ros.bridge_fleet import RosBridgeFleet
    from fastapi.testclient import TestClient

    from maps import load_map
    from risk_bridge.app import create_app
    from risk_bridge.domain import Cargo, Role
    from risk_bridge.security import StateDir
    from risk_bridge.settings import BridgeSettings

    settings = BridgeSettings(db_url=f"sqlite:///{tmp / 'bridge.db'}", state_dir=tmp / "state")
    keys = StateDir(settings.state_dir, issuer=settings.issuer, audience=settings.audience,
                    ttl_s=settings.token_ttl_s)  # fmt: skip
    keys.init()
    cargo = [Cargo(c, "Erlian Trading Co", "8429", "CN") for c in containers]
    fleet = RosBridgeFleet(load_map("test_crossing"), cargo, link)
    client = TestClient(create_app(settings, fleet=fleet))
    client.__enter__()
    helpers.append(lambda: client.__exit__(None, None, None))
    return client, keys.issue("cn-risk-system", Role("authority_system"), "CN")[0]


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}


def test_containers_cross_and_a_high_verdict_is_held_until_release(
    stack: Any, tmp_path: Path
) -> None:
    group, connect = stack
    _orchestrator(group)
    _sim(group, "agv_sim", vehicles=3, time_scale=12.0, load_time_s=20.0, unload_time_s=20.0)
    c = connect(["agv_01", "agv_02", "agv_03"])
    _vehicles(c, 3)
    clean, risky = container_number("BFL", 11), container_number("BFL", 12)
    c.order("o-clean", clean, "CN->MN", "cn_slot_01")
    c.verdict("v-clean", clean, LOW, "CN")
    c.order("o-risky", risky, "CN->MN", "cn_slot_02")
    c.verdict("v-risky-low", risky, LOW, "CN")  # first cleared: it heads for the border ...
    c.wait_for("the risky container picked up",
               lambda: _state(c, "orders_picked_up") + _state(c, "orders_delivered") >= 2,
               40)  # fmt: skip
    # ... then HIGH, posted to the risk bridge's HTTP API; the bridge's ROS fleet forwards it.
    link = BridgeLink(group.decision_keys)
    group.helpers.append(link.stop)
    http, token = _bridge(tmp_path, [clean, risky], link, group.helpers)
    body = {"verdict_id": "v-risky-high", "container_id": risky, "authority": "CN",
            "level": "HIGH", "reasons": ["manifest mismatch"],
            "issued_at": datetime.now(UTC).isoformat()}  # fmt: skip
    r = http.post("/v1/verdicts", json=body, headers=_headers(token))
    assert r.status_code == 201, r.text
    c.wait_for("a hold placed on the risky container",
               lambda: any(h.active and h.container_id == risky for h in c.holds), 20)  # fmt: skip
    hold = next(h for h in c.holds if h.active and h.container_id == risky)
    carrier = hold.vehicle_id
    assert carrier
    c.wait_for(f"{carrier} parked in a hold bay",
               lambda: c.status()["vehicles"][carrier][0] == "holding", 40)  # fmt: skip
    node = c.status()["vehicles"][carrier][1]
    assert node.startswith("cn_hold"), f"{carrier} held at {node}, not in a CN hold bay"
    c.wait_for("the clean container delivered", lambda: _state(c, "orders_delivered") >= 1, 60)
    assert c.status()["vehicles"][carrier][0] == "holding"  # still there: nobody released it
    # A release by the wrong side is refused, the right officer's is accepted.
    with pytest.raises(ValueError, match="held by CN customs"):
        link.deliver(HoldReleased(0.0, risky, "mn-officer-1", Side.MN, "not ours"))
    link.deliver(HoldReleased(0.0, risky, "cn-officer-7", Side.CN, "inspected, seal intact"))
    c.wait_for("the risky container delivered after release",
               lambda: _state(c, "orders_delivered") == 2, 60)  # fmt: skip
    s = c.status()
    assert s["errors"] == 1  # the refused release, nothing else
    assert s["holds_active"] == 0


def _state(c: RosClient, key: str) -> int:
    return int(c.status().get(key, 0))


# Every vehicle in a place of its own, one yard apart from the other two: whichever carries the
# order and dies, one vehicle does not wait behind it on its way out of the depot.
_STARTS = {"agv_01": "cn_parking_1", "agv_02": "mn_parking_1", "agv_03": "mn_buffer_1"}


def _three_single_agv_processes(group: ProcessGroup, connect: Any) -> RosClient:
    """Orchestrator (1 s heartbeat timeout) + one process per vehicle, so one can be killed or
    paused alone. Loading is slow (90 s of vehicle time, 6 s here), so a carrier is caught
    before its container is on board."""
    _orchestrator(group, heartbeat_timeout_s=1.0)
    for i, (vid, node) in enumerate(sorted(_STARTS.items()), start=1):
        _sim(group, vid, vehicles=1, first_index=i, start_nodes=[node], time_scale=15.0,
             load_time_s=90.0, unload_time_s=20.0)  # fmt: skip
    c = connect(["agv_01", "agv_02", "agv_03"])
    _vehicles(c, 3)
    return c


def _carrier_of_a_new_order(c: RosClient, group: ProcessGroup, serial: int) -> str:
    """The vehicle the core sends for a new CN->MN order (from the orchestrator's log)."""
    box = container_number("BFL", serial)
    c.order(f"o-{serial}", box, "CN->MN", "cn_slot_01")
    c.verdict(f"v-{serial}", box, LOW, "CN")
    pattern = rf"\[order.assigned\] order o-{serial}: vehicle (\w+) picks up {box}"
    c.wait_for("the order assigned",
               lambda: re.search(pattern, _orchestrator_log(group)) is not None, 20)  # fmt: skip
    found = re.search(pattern, _orchestrator_log(group))
    assert found is not None
    assert c.status()["orders_picked_up"] == 0, "loaded before the test could act"
    return found.group(1)


def _orchestrator_log(group: ProcessGroup) -> str:
    assert group.log_dir is not None
    return (group.log_dir / "orchestrator.log").read_text(errors="replace")


@pytest.mark.timeout(180)
def test_killed_carrier_is_faulted_and_its_order_is_delivered_by_another(stack: Any) -> None:
    group, connect = stack
    c = _three_single_agv_processes(group, connect)
    victim = _carrier_of_a_new_order(c, group, 21)
    group.kill(victim)
    group.killed = {victim}  # type: ignore[attr-defined]
    t_kill = time.monotonic()
    c.wait_for(f"{victim} reported faulted", lambda: victim in c.status()["faulted"], 10)
    assert time.monotonic() - t_kill < 5.0
    s = c.status()
    assert s["vehicles_out_of_service"] == 1
    assert "no heartbeat" in s["faulted_reasons"][victim]
    sent_before = sum(1 for _, m in c.commands if m.vehicle_id == victim)
    alive = sorted(set(_STARTS) - {victim})
    moved = {v: c.odom.get(v) for v in alive}
    c.wait_for("the order delivered", lambda: _state(c, "orders_delivered") == 1, 60)
    assert any(c.odom.get(v) != moved[v] for v in alive), "no surviving vehicle moved"
    assert sum(1 for _, m in c.commands if m.vehicle_id == victim) == sent_before
    log = _orchestrator_log(group)
    box = container_number("BFL", 21)
    assert f"[vehicle.faulted] vehicle {victim} out of service" in log
    assert f"[order.returned] order o-21: {box} waits again at cn_slot_01" in log
    delivered = re.search(rf"\[order.delivered\] order o-21: {box} delivered at \w+ by (\w+)", log)
    assert delivered is not None and delivered.group(1) in alive, log
    s = c.status()
    assert s["faulted"] == [victim] and s["errors"] == 0  # nobody heard it again


@pytest.mark.timeout(180)
def test_paused_carrier_hands_its_order_over_and_is_back_in_service_when_resumed(
    stack: Any,
) -> None:
    """SIGSTOP: heartbeats stop as if dead; SIGCONT: they resume from where the vehicle stood,
    which the orchestrator accepts (VehicleRecovered); its commands flow again, the lanes closed
    for it open again."""
    group, connect = stack
    c = _three_single_agv_processes(group, connect)
    victim = _carrier_of_a_new_order(c, group, 23)
    proc = group.procs[victim]
    proc.send_signal(signal.SIGSTOP)
    try:
        c.wait_for(f"{victim} reported faulted", lambda: victim in c.status()["faulted"], 10)
        c.wait_for("the order handed back",
                   lambda: "[order.returned] order o-23" in _orchestrator_log(group),
                   10)  # fmt: skip
        c.wait_for("the order delivered", lambda: _state(c, "orders_delivered") == 1, 90)
        closed = {m.lane_id for m in c.lanes if m.closed}
        sent_before = sum(1 for _, m in c.commands if m.vehicle_id == victim)
    finally:
        proc.send_signal(signal.SIGCONT)
    c.wait_for(f"{victim} back in service", lambda: c.status()["faulted"] == [], 10)
    s = c.status()
    assert s["vehicles_out_of_service"] == 0 and s["faulted_reasons"] == {}
    assert s["closed_lanes"] == []
    opened = {m.lane_id for m in c.lanes if not m.closed}
    assert closed <= opened
    c.wait_for(f"commands to {victim} again",
               lambda: sum(1 for _, m in c.commands if m.vehicle_id == victim) > sent_before,
               10)  # fmt: skip
    assert f"vehicle {victim} back in service at" in _orchestrator_log(group)
    assert c.status()["errors"] == 0


def test_standard_topics_agvs_deliver_with_arrivals_inferred_from_odometry(stack: Any) -> None:
    """AGVs that take only nav_msgs/Path and give only nav_msgs/Odometry (no VehicleState, no
    VehicleEvent): the fleet adapter joins them from odometry, infers every node arrival and
    times the load/unload, and a container still gets carried across."""
    group, connect = stack
    ids = ["agv_01", "agv_02"]
    _orchestrator(group, standard_vehicles=ids, standard_action_time_s=0.5)
    # 50 Hz odometry keeps the distance between two samples (<= 8 m/s x 6 / 50 Hz ~ 1 m) below
    # the 1.5 m arrival tolerance, even where the lane turns at a node.
    _sim(group, "agv_sim", vehicles=2, time_scale=6.0, odom_rate_hz=50.0, standard_topics=True)
    c = connect(ids)
    joined = _vehicles(c, 2)
    assert all(node for _state_name, node in joined.values())
    box = container_number("BFL", 31)
    c.order("o-std", box, "CN->MN", "cn_slot_01")
    c.verdict("v-std", box, LOW, "CN")
    c.wait_for("the container delivered", lambda: _state(c, "orders_delivered") == 1, 45)
    s = c.status()
    assert s["errors"] == 0
    assert s["faulted"] == []


@pytest.mark.timeout(180)
def test_diff_drive_agvs_with_gazebos_topic_layout_deliver(stack: Any) -> None:
    """AGVs laid out as Gazebo's DiffDrive + OdometryPublisher behind ros_gz_bridge (cmd_vel in,
    odometry out, nothing else): the fleet adapter follows each Drive's path with cmd_vel, infers
    the arrivals from odometry, and a container is carried across."""
    group, connect = stack
    ids = ["agv_01", "agv_02"]
    _orchestrator(group, standard_vehicles=ids, diff_drive_vehicles=ids,
                  standard_action_time_s=0.5)  # fmt: skip
    group.start(
        "diff_drive_sim",
        node_argv("diff_drive_sim_node", {"map": "test_crossing", "vehicles": 2,
                                          "time_scale": 3.0}),
    )  # fmt: skip
    c = connect(ids)
    joined = _vehicles(c, 2)
    assert all(node for _state_name, node in joined.values())
    box = container_number("BFL", 32)
    c.order("o-dd", box, "CN->MN", "cn_slot_01")
    c.verdict("v-dd", box, LOW, "CN")
    c.wait_for("the container delivered", lambda: _state(c, "orders_delivered") == 1, 100)
    s = c.status()
    assert s["errors"] == 0
    assert s["faulted"] == []
