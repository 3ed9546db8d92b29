"""Orders and instant actions from the core's commands: valid against the official schemas of
2.1.0 and 3.0.0, and the order rules (new order, update at the stitching node, released base
only as granted, horizon unreleased, actions named after their commands, cancelOrder)."""

from __future__ import annotations

import pytest

from orchestrator.ids import CommandId, VehicleId
from orchestrator.messages import ActionKind, Charge, Perform, Stop
from tests.vda5050.helpers import TS, a_path, drive, frame, track
from vda5050.validate import SchemaRefusal, check, problems
from vda5050.versions import Version, topic

VERSIONS = [Version.V2_1, Version.V3_0]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_a_drive_is_a_valid_order_of_released_nodes_and_edges(version: Version) -> None:
    f = frame()
    t = track(version, f)
    path = a_path(f, 4)
    order = t.drive(drive(path, 7), TS)
    check("order", version, order)
    check("order", version, order, strict=True)  # no field the schema does not name
    assert [n["nodeId"] for n in order["nodes"]] == list(path)
    assert [n["sequenceId"] for n in order["nodes"]] == [0, 2, 4, 6]
    assert [e["sequenceId"] for e in order["edges"]] == [1, 3, 5]
    assert all(n["released"] for n in order["nodes"]) and all(e["released"] for e in order["edges"])
    assert order["orderUpdateId"] == 0 and order["headerId"] == 0
    pos = order["nodes"][1]["nodePosition"]
    assert pos["mapId"] == "test_crossing" and 0 <= pos["x"] < 2000 and 0 <= pos["y"] < 2000
    edge = order["edges"][0]
    speed_key = "maxSpeed" if version is Version.V2_1 else "maximumSpeed"
    assert edge[speed_key] == pytest.approx(f.graph.edges[(path[0], path[1])].speed_limit_mps,
                                            abs=1e-3)  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_the_next_grant_updates_the_order_at_the_stitching_node(version: Version) -> None:
    f = frame()
    t = track(version, f)
    path = a_path(f, 6)
    first = t.drive(drive(path[:3], 1), TS)
    second = t.drive(drive(path[2:], 2), TS)
    check("order", version, second)
    assert second["orderId"] == first["orderId"]
    assert (second["orderUpdateId"], second["headerId"]) == (1, 1)
    assert second["nodes"][0]["nodeId"] == path[2] and second["nodes"][0]["sequenceId"] == 4
    assert [n["sequenceId"] for n in second["nodes"]] == [4, 6, 8, 10]
    # a Drive from elsewhere (not the base's end) is a new order
    other = t.drive(drive(a_path(f, 2, start=str(path[1])), 3), TS)
    assert other["orderId"] != first["orderId"] and other["orderUpdateId"] == 0


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_the_horizon_is_sent_unreleased(version: Version) -> None:
    f = frame()
    t = track(version, f)
    path = a_path(f, 5)
    order = t.drive(drive(path[:2], 1), TS, horizon=path[2:])
    check("order", version, order)
    assert [n["released"] for n in order["nodes"]] == [True, True, False, False, False]
    assert [e["released"] for e in order["edges"]] == [True, False, False, False]
    # the base is what was granted: the vehicle's arrivals map to the granting Drive only there
    assert t.base.last_seq == 2


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_actions_at_the_current_node_and_cancel(version: Version) -> None:
    f = frame()
    t = track(version, f)
    path = a_path(f, 3)
    t.drive(drive(path, 1), TS)
    assert t.reached(4) == [(path[1], CommandId(1)), (path[2], CommandId(1))]
    vid = VehicleId("agv_01")
    load = t.perform(Perform(vid, ActionKind.LOAD, "CSQU3054383", CommandId(2)), TS)
    check("order", version, load)
    (node,) = load["nodes"]
    (action,) = node["actions"]
    assert node["nodeId"] == path[2] and node["sequenceId"] == 4 and load["edges"] == []
    assert action["actionType"] == "pick" and action["blockingType"] == "HARD"
    assert {"key": "loadId", "value": "CSQU3054383"} in action["actionParameters"]
    assert t.actions[action["actionId"]] == (ActionKind.LOAD, CommandId(2))
    charge = t.perform(Charge(vid, 80.0, CommandId(3)), TS)
    check("order", version, charge)
    assert charge["nodes"][0]["actions"][0]["actionType"] == "startCharging"
    # at the end of its base a Stop needs no message; with base ahead it is cancelOrder
    assert t.stop(Stop(vid, "hold", CommandId(4)), TS) is None
    t.drive(drive(a_path(f, 3, start=str(path[2])), 5), TS)
    cancel = t.stop(Stop(vid, "hold", CommandId(6)), TS)
    assert cancel is not None
    check("instantActions", version, cancel)
    assert cancel["actions"][0]["actionType"] == "cancelOrder"


def test_a_path_the_map_does_not_have_is_refused() -> None:
    f = frame()
    t = track(Version.V3_0, f)
    path = a_path(f, 3)
    with pytest.raises(ValueError, match="no lane from"):
        t.drive(drive((path[2], path[0]), 1), TS)
    assert t.order_id is None  # nothing changed


def test_the_schema_check_can_fail() -> None:
    t = track(Version.V2_1)
    order = t.drive(drive(a_path(t.frame, 2), 1), TS)
    bad = dict(order, orderUpdateId=-1, timestamp="yesterday")
    found = problems("order", Version.V2_1, bad)
    assert any("orderUpdateId" in p for p in found) and any("timestamp" in p for p in found)
    with pytest.raises(SchemaRefusal):
        check("order", Version.V2_1, dict(order, nodes="none"))
    assert problems("order", Version.V2_1, dict(order, extra=1)) == []
    assert problems("order", Version.V2_1, dict(order, extra=1), strict=True) != []


def test_topics() -> None:
    assert topic("uagv", Version.V2_1, "AcmeAGV", "SN-1", "order") == "uagv/v2/AcmeAGV/SN-1/order"
    assert topic("uagv", Version.V3_0, "A", "1", "state") == "uagv/v3/A/1/state"
    for bad in ("a/b", "+", "#", "", "x" * 65, "a b"):
        with pytest.raises(ValueError, match="MQTT topic level"):
            topic("uagv", Version.V3_0, bad, "1", "state")
    assert Version.parse("2.1") is Version.V2_1 and Version.parse("3") is Version.V3_0
    with pytest.raises(ValueError, match=r"2\.1\.0, 3\.0\.0"):
        Version.parse("1.1")
