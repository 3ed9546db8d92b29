"""Fleet adapter shards: the per-vehicle topics served by other processes (``adapters:=N``).

Without DDS: which shard serves which vehicle, the orchestrator's book of shard reports (order,
duplicates, gaps, death, restart, a second claimant), and what ``borderflow ros up --adapters``
starts. Over DDS, with 2 shards: containers cross, a HIGH verdict holds its carrier short of the
line until the right officer releases it; a dead vehicle is isolated through its shard; a dead
shard's vehicles are all isolated and come back when the shard is restarted; forged or
inconsistent shard reports are refused and change nothing.
"""

from __future__ import annotations

import py_compile
import time
from pathlib import Path
from typing import Any

import pytest

from cli.ros_cmd import ProcessGroup, node_argv, stack_processes
from orchestrator.domain.iso6346 import container_number
from tests.ros.test_e2e import _orchestrator, _sim, _state, _vehicles
from tests.ros.test_fault_isolation import FakeHostNode

ROOT = Path(__file__).resolve().parents[2]
LOW, HIGH = 1, 3


def _book(timeout_s: float = 2.0) -> Any:
    from borderflow_ros.shards import ShardBook

    return ShardBook(adapters=2, timeout_s=timeout_s)


def test_numbered_vehicles_are_dealt_out_evenly_and_others_by_hash(ros_env: Any) -> None:
    from borderflow_ros.shards import shard_of

    assert [shard_of(f"agv_{i:02d}", 2) for i in range(1, 7)] == [1, 0, 1, 0, 1, 0]
    assert [shard_of(f"agv_{i:03d}", 4) for i in range(1, 9)] == [1, 2, 3, 0, 1, 2, 3, 0]
    named = {shard_of(name, 3) for name in ("north", "south", "east", "west", "yard-a")}
    assert named <= {0, 1, 2} and len(named) > 1  # spread, and stable:
    assert shard_of("north", 3) == shard_of("north", 3)
    assert shard_of("agv_" + "9" * 400, 2) in (0, 1)  # a hostile id is not a huge number


def test_the_book_keeps_order_counts_gaps_and_calls_a_silent_shard_dead(ros_env: Any) -> None:
    book = _book()
    assert book.arrive(0, 7, 1, 0.0).first
    assert book.arrive(0, 7, 2, 0.1).accepted
    assert not book.arrive(0, 7, 2, 0.2).accepted  # a duplicate
    assert not book.arrive(0, 7, 1, 0.2).accepted  # late
    gap = book.arrive(0, 7, 5, 0.3)
    assert gap.accepted and gap.lost == 2 and book.lost == 2 and book.dropped == 2
    assert book.check(2.0) == []
    assert book.check(2.4) == [0] and not book.is_alive(0)
    assert book.check(5.0) == []  # dead once
    back = book.arrive(0, 7, 6, 5.1)
    assert back.accepted and back.revived and not back.restarted and book.is_alive(0)


def test_a_new_incarnation_is_taken_only_once_the_known_one_is_dead(ros_env: Any) -> None:
    book = _book()
    book.arrive(1, 7, 1, 0.0)
    claim = book.arrive(1, 99, 1, 0.5)  # a second process claims shard 1 while 7 is alive
    assert not claim.accepted and claim.conflict and book.conflicts == 1
    assert book.incarnation(1) == 7
    assert book.check(2.1) == [1]
    restart = book.arrive(1, 99, 1, 2.2)
    assert restart.accepted and restart.restarted and restart.revived
    assert book.incarnation(1) == 99
    assert not book.arrive(1, 7, 2, 2.3).accepted  # the old one, alive again, is the claimant


def test_ros_up_with_adapters_starts_one_process_per_shard(tmp_path: Path) -> None:
    procs = dict(stack_processes(4, "test_crossing", 5.0, 2, tmp_path / "k.pub", adapters=2))
    assert [n for n in procs if n.startswith("adapter_")] == ["adapter_0", "adapter_1"]
    assert "adapters:=2" in procs["orchestrator"]
    for k in (0, 1):
        argv = procs[f"adapter_{k}"]
        assert argv[argv.index("adapter_node") + 1] == "--ros-args"
        assert f"shard:={k}" in argv and "adapters:=2" in argv and "map:=test_crossing" in argv
    plain = dict(stack_processes(4, "test_crossing", 5.0, 2, tmp_path / "k.pub"))
    assert not [n for n in plain if n.startswith("adapter_")]
    assert "adapters:=0" in plain["orchestrator"]


def test_the_sim_launch_file_compiles_and_declares_adapters() -> None:
    launch = ROOT / "launch" / "borderflow_sim.launch.py"
    py_compile.compile(str(launch), doraise=True)
    text = launch.read_text()
    assert 'DeclareLaunchArgument("adapters"' in text and 'executable="adapter_node"' in text


class _Recorder(FakeHostNode):
    """The stand-in host node, also recording the topics subscribed to."""

    def __init__(self) -> None:
        super().__init__()
        self.topics: list[str] = []

    def create_subscription(self, _type: Any, topic: str, *_a: Any, **_k: Any) -> None:
        self.topics.append(topic)


def test_odometry_is_taken_only_where_a_vehicle_needs_following(ros_env: Any) -> None:
    from borderflow_ros.fleet_adapter import FleetAdapter
    from borderflow_ros.shards import shard_of

    host = _Recorder()
    FleetAdapter(
        host,  # type: ignore[arg-type]
        heartbeat_timeout_s=1.0,
        vehicle_ids=["agv_01", "agv_02", "agv_03", "agv_04"],
        diff_drive_vehicles=["agv_03"],
        standard_vehicles=["agv_03", "agv_05"],
        on_new=lambda *_: None,
        on_fault=lambda *_: None,
        claim=lambda vid: shard_of(vid, 2) == 1,  # shard 1 of 2: agv_01, 03, 05
    )
    assert sorted(host.topics) == [
        "/agv/agv_01/state",
        "/agv/agv_03/odom",
        "/agv/agv_03/state",
        "/agv/agv_05/odom",
        "/agv/agv_05/state",
    ]


def test_a_command_numbered_by_the_orchestrator_keeps_its_seq(ros_env: Any) -> None:
    from borderflow_interfaces.msg import VehicleCommand
    from borderflow_ros.fleet_adapter import FleetAdapter

    fleet = FleetAdapter(
        FakeHostNode(),  # type: ignore[arg-type]
        heartbeat_timeout_s=1.0,
        vehicle_ids=["agv_01"],
        diff_drive_vehicles=[],
        on_new=lambda *_: None,
        on_fault=lambda *_: None,
    )
    own, numbered = VehicleCommand(vehicle_id="agv_01"), VehicleCommand(vehicle_id="agv_01", seq=41)
    assert fleet.send(own) and fleet.send(numbered)
    assert (own.seq, numbered.seq) == (1, 41)
    sent = fleet.vehicles["agv_01"].cmd_pub.sent
    assert [m.seq for m in sent] == [1, 41]


# ---------------------------------------------------------------------------- over DDS


def _shard(group: ProcessGroup, k: int, name: str | None = None) -> None:
    params = {"map": "test_crossing", "shard": k, "adapters": 2, "heartbeat_timeout_s": 1.0}
    group.start(name or f"adapter_{k}", node_argv("adapter_node", params))


def _sharded(group: ProcessGroup) -> None:
    _orchestrator(group, adapters=2, adapter_timeout_s=1.0)
    _shard(group, 0)
    _shard(group, 1)


@pytest.mark.timeout(180)
def test_two_shards_carry_containers_and_hold_a_high_one_until_release(stack: Any) -> None:
    group, connect = stack
    _sharded(group)
    ids = ["agv_01", "agv_02", "agv_03", "agv_04"]
    _sim(group, "agv_sim", vehicles=4, time_scale=12.0, load_time_s=20.0, unload_time_s=20.0)
    c = connect(ids)
    _vehicles(c, 4)
    c.wait_for("both shards counted", lambda: all(
        s["vehicles"] == 2 for s in c.status()["adapters"].values()), 10)  # fmt: skip
    clean, risky = container_number("BFS", 11), container_number("BFS", 12)
    c.order("o-clean", clean, "CN->MN", "cn_slot_01")
    c.verdict("v-clean", clean, LOW, "CN")
    c.order("o-risky", risky, "CN->MN", "cn_slot_02")
    c.verdict("v-risky-low", risky, LOW, "CN")
    c.wait_for("both picked up",
               lambda: _state(c, "orders_picked_up") + _state(c, "orders_delivered") >= 2,
               40)  # fmt: skip
    c.verdict("v-risky-high", risky, HIGH, "CN")  # changed while it moves
    c.wait_for("a hold on the risky container",
               lambda: any(h.active and h.container_id == risky for h in c.holds), 20)  # fmt: skip
    carrier = next(h for h in c.holds if h.active and h.container_id == risky).vehicle_id
    c.wait_for(f"{carrier} parked in a hold bay",
               lambda: c.status()["vehicles"][carrier][0] == "holding", 40)  # fmt: skip
    assert c.status()["vehicles"][carrier][1].startswith("cn_hold")
    c.wait_for("the clean container delivered", lambda: _state(c, "orders_delivered") >= 1, 60)
    assert c.status()["vehicles"][carrier][0] == "holding"  # nobody released it
    refused = c.release(risky, "mn-officer-1", "MN", "not ours")
    assert not refused.accepted and "held by CN customs" in refused.message
    assert c.release(risky, "cn-officer-7", "CN", "inspected, seal intact").accepted
    c.wait_for("the risky container delivered", lambda: _state(c, "orders_delivered") == 2, 60)
    s = c.status()
    assert s["errors"] == 1 and s["holds_active"] == 0 and s["faulted"] == []
    assert s["states_received"] > 0 and s["odometry_received"] == 0  # none needed
    assert s["adapter_reports_lost"] == s["adapter_reports_refused"] == 0
    assert {m.vehicle_id for _, m in c.commands} >= {carrier}


def _forge(c: Any, **fields: Any) -> None:
    from borderflow_interfaces.msg import AdapterEvent
    from borderflow_ros import qos
    from borderflow_ros.shards import ADAPTER_EVENTS_TOPIC

    if not hasattr(c, "forger"):
        c.forger = c.node.create_publisher(AdapterEvent, ADAPTER_EVENTS_TOPIC, qos.event_qos())
        time.sleep(1.0)  # matched before the first one goes out
    c.forger.publish(AdapterEvent(incarnation=12345, seq=1, **fields))


@pytest.mark.timeout(240)
def test_a_dead_vehicle_and_a_dead_shard_are_isolated_and_a_restarted_shard_brings_its_back(
    stack: Any,
) -> None:
    from borderflow_interfaces.msg import AdapterEvent

    group, connect = stack
    _sharded(group)
    # agv_01 (shard 1) alone in a process, so it can die alone; agv_02..04 in another.
    _sim(group, "agv_01", vehicles=1, first_index=1, fleet_size=4, time_scale=12.0)
    _sim(group, "agv_rest", vehicles=3, first_index=2, fleet_size=4, time_scale=12.0)
    c = connect(["agv_01", "agv_02", "agv_03", "agv_04"])
    _vehicles(c, 4)
    # Hostile or confused reports: each refused, nothing changes.
    _forge(c, shard=0, kind=AdapterEvent.KIND_FAULTED, vehicle_id="agv_01")  # shard 1's
    _forge(c, shard=0, kind=AdapterEvent.KIND_JOINED, vehicle_id="agv_02", node="atlantis")
    _forge(c, shard=7, kind=AdapterEvent.KIND_ALIVE)
    _forge(c, shard=0, kind=AdapterEvent.KIND_FAULTED, vehicle_id="agv_02")  # a second claimant
    c.wait_for("the forged reports refused", lambda: (
        c.status()["adapter_reports_refused"] == 3
        and c.status()["adapter_reports_conflicting"] >= 1), 10)  # fmt: skip
    assert c.status()["faulted"] == []
    group.kill("agv_01")
    group.killed = {"agv_01", "adapter_0"}  # type: ignore[attr-defined]
    c.wait_for("agv_01 faulted", lambda: c.status()["faulted"] == ["agv_01"], 10)
    assert "no heartbeat" in c.status()["faulted_reasons"]["agv_01"]
    t_kill = time.monotonic()
    group.kill("adapter_0")  # serves agv_02 and agv_04
    c.wait_for("shard 0's vehicles isolated",
               lambda: c.status()["faulted"] == ["agv_01", "agv_02", "agv_04"], 10)  # fmt: skip
    assert time.monotonic() - t_kill < 5.0
    s = c.status()
    assert "adapter shard 0 silent" in s["faulted_reasons"]["agv_02"]
    assert s["adapters"]["0"]["alive"] is False and s["adapters"]["1"]["alive"] is True
    # The fleet goes on with what it has: agv_03, behind shard 1, carries a container.
    box = container_number("BFS", 21)
    c.order("o-21", box, "CN->MN", "cn_slot_01")
    c.verdict("v-21", box, LOW, "CN")
    c.wait_for("delivered by agv_03", lambda: _state(c, "orders_delivered") == 1, 90)
    _shard(group, 0, "adapter_0_again")
    c.wait_for("shard 0's vehicles back", lambda: c.status()["faulted"] == ["agv_01"], 15)
    s = c.status()
    assert s["adapters"]["0"]["alive"] is True and s["adapters"]["0"]["vehicles"] == 2
    assert s["errors"] == 0
    # Commands flow to them again: two containers at once need more than agv_03.
    back = ("agv_02", "agv_04")
    sent = sum(1 for _, m in c.commands if m.vehicle_id in back)
    for serial in (22, 23):
        box = container_number("BFS", serial)
        c.order(f"o-{serial}", box, "MN->CN", f"mn_slot_0{serial - 21}")
        c.verdict(f"v-{serial}", box, LOW, "MN")
    c.wait_for("commands to shard 0's vehicles again",
               lambda: sum(1 for _, m in c.commands if m.vehicle_id in back) > sent,
               20)  # fmt: skip
    c.wait_for("both delivered", lambda: _state(c, "orders_delivered") == 3, 120)
    assert c.status()["errors"] == 0
