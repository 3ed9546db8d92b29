"""borderflow's VDA 5050 orders drive the simulated vehicle, and its states come back as the
core's events, both versions, without a broker; the simulator refuses malformed orders."""

from __future__ import annotations

import json

import pytest

from orchestrator.ids import CommandId, VehicleId
from orchestrator.messages import ActionDone, ActionKind, Perform, Stop, VehicleAtNode
from tests.vda5050.helpers import TS, a_path, drive, frame, track
from vda5050.simulator import SimulatedVehicle, VehicleSpec
from vda5050.states import StateIntake
from vda5050.validate import check
from vda5050.versions import Version

VERSIONS = [Version.V2_1, Version.V3_0]


def _vehicle(version: Version, start_node: str) -> SimulatedVehicle:
    f = frame()
    t = track(version, f)
    node = t.frame.node(start_node, 0, released=True, version=version)["nodePosition"]  # type: ignore[arg-type]
    return SimulatedVehicle(version, "AcmeAGV", "SN-0001", node_id=start_node, x_m=node["x"],
                            y_m=node["y"], map_id="test_crossing",
                            spec=VehicleSpec(action_s=3.0))  # fmt: skip


def _run(sim: SimulatedVehicle, intake: StateIntake, seconds: float) -> list[object]:
    events: list[object] = []
    t = 0.0
    while t < seconds:
        sim.step(0.1)
        t += 0.1
        if sim.changed or round(t * 10) % 10 == 0:
            msg = sim.state(TS)
            check("state", sim.version, msg, strict=True)
            r = intake.read(json.dumps(msg).encode(), t)
            assert r.refused is None, r.refused
            events += r.events
    return events


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_orders_drive_the_vehicle_and_its_states_report_each_node(version: Version) -> None:
    f = frame()
    path = a_path(f, 4)
    t = track(version, f)
    intake = StateIntake(t, battery_capacity_kwh=200.0)
    sim = _vehicle(version, str(path[0]))
    assert sim.on_order(t.drive(drive(path[:3], 1), TS))
    assert sim.on_order(t.drive(drive(path[2:], 2), TS))  # the next grant, an update
    events = _run(sim, intake, 400.0)
    arrivals = [(e.node, e.command_id) for e in events if isinstance(e, VehicleAtNode)]
    assert arrivals == [(path[1], 1), (path[2], 1), (path[3], 2)]
    assert sim.last_node == path[3] and sim.speed == 0.0
    # an action at the node it stands at, answered once when done
    vid = VehicleId("agv_01")
    assert sim.on_order(t.perform(Perform(vid, ActionKind.LOAD, "CSQU3054383", CommandId(3)), TS))
    done = [e for e in _run(sim, intake, 10.0) if isinstance(e, ActionDone)]
    assert [(e.action, e.command_id) for e in done] == [(ActionKind.LOAD, 3)]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_cancel_stops_it_at_the_next_node(version: Version) -> None:
    f = frame()
    path = a_path(f, 5)
    t = track(version, f)
    intake = StateIntake(t, battery_capacity_kwh=200.0)
    sim = _vehicle(version, str(path[0]))
    assert sim.on_order(t.drive(drive(path, 1), TS))
    _run(sim, intake, 3.0)  # on its way to the first node
    cancel = t.stop(Stop(VehicleId("agv_01"), "hold", CommandId(2)), TS)
    assert cancel is not None and sim.on_instant_actions(cancel)
    events = _run(sim, intake, 300.0)
    assert [e.node for e in events if isinstance(e, VehicleAtNode)] == [path[1]]
    assert sim.last_node == path[1] and sim.speed == 0.0
    # the next Drive is a new order from there, which it takes
    order = t.drive(drive(path[1:3], 3), TS)
    assert order["orderUpdateId"] == 0 and sim.on_order(order)


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.value)
def test_the_simulator_refuses_malformed_orders(version: Version) -> None:
    f = frame()
    path = a_path(f, 4)
    t = track(version, f)
    sim = _vehicle(version, str(path[0]))
    good = t.drive(drive(path, 1), TS)
    bad_orders = {
        "not an order": {"hello": 1},
        "unknown field": dict(good, colour="red"),
        "another vehicle": dict(good, serialNumber="SN-9"),
        "not from here": dict(good, nodes=good["nodes"][1:], edges=good["edges"][1:]),
        "gap": dict(good, edges=good["edges"][:1]),
        "horizon first": dict(good, nodes=[dict(n, released=(i != 1))
                                           for i, n in enumerate(good["nodes"])]),
    }  # fmt: skip
    for name, order in bad_orders.items():
        assert not sim.on_order(order), name
        assert sim.order_id == "" and sim.errors[-1][1] == "WARNING", name
    state = sim.state(TS)
    check("state", version, state, strict=True)
    assert state["errors"] and state["orderId"] == ""
    assert sim.on_order(good)
    stale = dict(good, orderUpdateId=0, headerId=5)
    assert not sim.on_order(stale) and sim.errors[-1][0] == "orderUpdateError"
