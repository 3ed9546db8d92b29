"""States in, the core's events out: arrivals per base node with their Drive, action
completions, faults and recovery, the battery; malformed and hostile states (not JSON, wrong
types, huge arrays, unknown fields, another vehicle's identity, stale or repeated headers, a
last node the order does not have) refused with the reason and no change of state."""

from __future__ import annotations

import copy
import json

import pytest

from orchestrator.ids import CommandId, VehicleId
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Perform,
    VehicleAtNode,
    VehicleFaulted,
    VehicleRecovered,
)
from tests.vda5050.helpers import TS, a_path, drive, frame, track
from vda5050.states import MAX_ITEMS, MAX_STATE_BYTES, StateIntake
from vda5050.validate import check
from vda5050.vehicle_state import ActionState, Pose, VehicleSnapshot, state_message
from vda5050.versions import Version

VERSIONS = [Version.V2_1, Version.V3_0]


class Vehicle:
    """The vehicle side of the tests: its states, with a headerId per message."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.header = 0

    def state(self, **kw: object) -> bytes:
        self.header += 1
        snap = VehicleSnapshot(**kw)  # type: ignore[arg-type]
        msg = state_message(self.version, "AcmeAGV", "SN-0001", self.header, TS, snap)
        check("state", self.version, msg, strict=True)  # what the simulator sends is valid
        return json.dumps(msg).encode()


def _setup(version: Version):  # type: ignore[no-untyped-def]
    f = frame()
    t = track(version, f)
    path = a_path(f, 4)
    order = t.drive(drive(path, 9), TS)
    return t, StateIntake(t, battery_capacity_kwh=200.0), Vehicle(version), path, order


def _state_of(t, intake):  # type: ignore[no-untyped-def]
    return (t.order_id, t.update_id, t.base.reached_seq, dict(t.base.nodes), intake.last_header,
            intake.faulted, set(intake._done))  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_arrivals_for_every_base_node_passed_with_their_drive(version: Version) -> None:
    _t, intake, v, path, order = _setup(version)
    oid = order["orderId"]
    r = intake.read(v.state(order_id=oid, last_node_id=str(path[0]), last_node_sequence_id=0,
                            battery_pct=50.0), 10.0)  # fmt: skip
    assert r.refused is None and r.events == () and r.battery_kwh == pytest.approx(100.0)
    # a state that skipped node 2: both 2 and 4 are reported, in order
    r = intake.read(v.state(order_id=oid, last_node_id=str(path[2]), last_node_sequence_id=4,
                            battery_pct=49.0, driving=True,
                            pose=Pose(1.0, 2.0, 0.5, "test_crossing")), 20.0)  # fmt: skip
    assert r.refused is None
    assert r.events == (
        VehicleAtNode(20.0, VehicleId("agv_01"), path[1], 98.0, CommandId(9)),
        VehicleAtNode(20.0, VehicleId("agv_01"), path[2], 98.0, CommandId(9)),
    )
    # the same node again: nothing new
    r = intake.read(v.state(order_id=oid, last_node_id=str(path[2]), last_node_sequence_id=4,
                            battery_pct=49.0), 21.0)  # fmt: skip
    assert r.refused is None and r.events == ()


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_action_done_fault_and_recovery(version: Version) -> None:
    t, intake, v, path, order = _setup(version)
    oid = order["orderId"]
    intake.read(v.state(order_id=oid, last_node_id=str(path[3]), last_node_sequence_id=6), 1.0)
    load = t.perform(Perform(VehicleId("agv_01"), ActionKind.LOAD, "CSQU3054383",
                             CommandId(10)), TS)  # fmt: skip
    aid = load["nodes"][0]["actions"][0]["actionId"]
    running = [ActionState(aid, "pick", "RUNNING")]
    r = intake.read(v.state(order_id=oid, order_update_id=1, last_node_id=str(path[3]),
                            last_node_sequence_id=6, actions=running), 2.0)  # fmt: skip
    assert r.events == ()
    done = [ActionState(aid, "pick", "FINISHED")]
    r = intake.read(v.state(order_id=oid, order_update_id=1, last_node_id=str(path[3]),
                            last_node_sequence_id=6, actions=done), 3.0)  # fmt: skip
    assert r.events == (ActionDone(3.0, VehicleId("agv_01"), ActionKind.LOAD, 200.0,
                                   CommandId(10)),)  # fmt: skip
    r = intake.read(v.state(order_id=oid, order_update_id=1, last_node_id=str(path[3]),
                            last_node_sequence_id=6, actions=done), 4.0)  # fmt: skip
    assert r.events == ()  # finished once
    fatal = [("driveMotorFault", "FATAL", "left motor over temperature")]
    r = intake.read(v.state(order_id=oid, last_node_id=str(path[3]), last_node_sequence_id=6,
                            errors=fatal), 5.0)  # fmt: skip
    why = "driveMotorFault: left motor over temperature"
    assert r.events == (VehicleFaulted(5.0, VehicleId("agv_01"), why),)
    r = intake.read(v.state(order_id=oid, last_node_id=str(path[3]), last_node_sequence_id=6,
                            errors=fatal), 6.0)  # fmt: skip
    assert r.events == ()  # still the same fault
    warn = [("lowBattery", "WARNING", "")]
    r = intake.read(v.state(order_id=oid, last_node_id=str(path[3]), last_node_sequence_id=6,
                            errors=warn), 7.0)  # fmt: skip
    assert r.events == (VehicleRecovered(7.0, VehicleId("agv_01"), path[3], 200.0),)


def _valid(version: Version, path, oid):  # type: ignore[no-untyped-def]
    snap = VehicleSnapshot(order_id=oid, last_node_id=str(path[2]), last_node_sequence_id=4)
    return state_message(version, "AcmeAGV", "SN-0001", 100, TS, snap)


def _hostile(version: Version, path, oid) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    good = _valid(version, path, oid)

    def changed(**kw: object) -> bytes:
        m = copy.deepcopy(good)
        m.update(kw)
        return json.dumps(m).encode()

    other_power = "batteryState" if version is Version.V2_1 else "powerSupply"
    return [
        ("not JSON", b'{"headerId": 1,'),
        ("a list", b"[1, 2, 3]"),
        ("NaN", changed().replace(b'"headerId": 100', b'"headerId": NaN')),
        ("duplicate key", changed().replace(b'"headerId": 100', b'"headerId": 100, "headerId": 1')),
        ("too big", b" " * (MAX_STATE_BYTES + 1)),
        ("deep", b"[" * 100_000 + b"]" * 100_000),
        ("wrong type", changed(headerId="100")),
        ("wrong type nested", changed(**{other_power: {"charging": "yes"}})),
        (
            "huge array",
            changed(errors=[{"errorType": "x", "errorLevel": "WARNING"}] * (MAX_ITEMS + 1)),
        ),
        ("unknown field", changed(teleport=True)),
        (
            "unknown nested field",
            changed(nodeStates=[{"nodeId": "n", "sequenceId": 6, "released": True, "x": 1}]),
        ),
        ("negative header", changed(headerId=-5)),
        ("bad timestamp", changed(timestamp="yesterday")),
        ("another vehicle", changed(serialNumber="SN-0002")),
        ("another version", changed(version="2.0.0")),
        ("stale header", changed(headerId=1)),
        ("node not in the order", changed(lastNodeId="nowhere")),
        ("sequence not in the order", changed(lastNodeSequenceId=40)),
    ]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_hostile_states_are_refused_with_the_reason_and_change_nothing(version: Version) -> None:
    t, intake, v, path, order = _setup(version)
    oid = order["orderId"]
    v.header = 9
    first = intake.read(v.state(order_id=oid, last_node_id=str(path[0]),
                                last_node_sequence_id=0), 1.0)  # fmt: skip
    assert first.refused is None
    before = _state_of(t, intake)
    for name, payload in _hostile(version, path, oid):
        r = intake.read(payload, 2.0)
        assert r.refused, name
        assert r.events == (), name
        assert _state_of(t, intake) == before, name
    assert intake.refusals == len(_hostile(version, path, oid))
    # and the valid one after them all is taken
    r = intake.read(json.dumps(_valid(version, path, oid)).encode(), 3.0)
    assert r.refused is None and [e.node for e in r.events] == [path[1], path[2]]  # type: ignore[union-attr]


def test_a_refusal_says_what_was_wrong() -> None:
    _t, intake, _v, path, order = _setup(Version.V2_1)
    bad = _valid(Version.V2_1, path, order["orderId"])
    bad["serialNumber"] = "SN-0002"
    why = intake.read(json.dumps(bad).encode(), 1.0).refused or ""
    assert "state from AcmeAGV/SN-0002" in why
    bad = _valid(Version.V2_1, path, order["orderId"])
    bad["lastNodeId"] = "nowhere"
    why = intake.read(json.dumps(bad).encode(), 1.0).refused or ""
    assert "lastNodeId 'nowhere' at sequence 4" in why and str(path[2]) in why
