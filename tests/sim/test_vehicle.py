"""Virtual AGV timelines: trapezoid motion, continuous grants, actions, battery, bad commands."""

from __future__ import annotations

import pytest

from orchestrator.ids import CommandId as C
from orchestrator.lanegraph import NodeId
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Charge,
    Drive,
    Event,
    Perform,
    ScanCompleted,
    VehicleAtNode,
)
from sim.errors import VehicleCommandError
from sim.kinematics import trapezoid_time_s
from tests.sim.rig import Rig

N = NodeId


def path(*nodes: str) -> tuple[NodeId, ...]:
    return tuple(N(n) for n in nodes)


def test_drive_reports_every_node_and_brakes_once_at_the_end() -> None:
    def reply(e: Event) -> list:
        if isinstance(e, VehicleAtNode) and e.node == "cn_gate":
            return [Perform("AGV-1", ActionKind.LOAD, None, C(1))]
        return []

    rig = Rig(reply)
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan", "cn_gate"), C(2)))
    rig.env.run(until=1000)
    # 200 m: 10 s accelerating over 25 m, 175 m at 5 m/s; then 100 m at 5 m/s; brake 5/(2*0.7)
    assert rig.timeline() == [
        ("VehicleAtNode", 45.0, "cn_scan"),
        ("VehicleAtNode", 65.0, "cn_gate"),
        ("ActionDone", round(65.0 + 5 / 1.4 + 60.0, 3), "load"),
    ]
    # each report names the command it answers
    assert rig.answers() == [("VehicleAtNode", 2), ("VehicleAtNode", 2), ("ActionDone", 1)]
    # the stop at the end makes the whole run exactly a standstill-to-standstill trapezoid
    assert trapezoid_time_s(300.0, 5.0, 0.5, 0.7) == pytest.approx(65.0 + 5 / 1.4)


def test_grant_extended_at_the_last_node_continues_without_braking() -> None:
    def reply(e: Event) -> list:
        if isinstance(e, VehicleAtNode) and e.node == "cn_scan":
            return [Drive("AGV-1", path("cn_scan", "cn_gate"), C(3))]
        return []

    rig = Rig(reply)
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan"), C(4)))
    rig.env.run(until=1000)
    assert rig.timeline() == [
        ("VehicleAtNode", 45.0, "cn_scan"),
        ("VehicleAtNode", 65.0, "cn_gate"),
    ]
    # the node reached on the first grant answers it; the next edge answers the extension
    assert rig.answers() == [("VehicleAtNode", 4), ("VehicleAtNode", 3)]


def test_grant_given_later_starts_again_from_standstill() -> None:
    rig = Rig()
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan"), C(5)))
    rig.env.run(until=100)
    rig.agv.send(Drive("AGV-1", path("cn_scan", "cn_gate"), C(6)))
    rig.env.run(until=1000)
    # 100 m from standstill: 10 s over 25 m, then 75 m at 5 m/s
    assert rig.timeline() == [
        ("VehicleAtNode", 45.0, "cn_scan"),
        ("VehicleAtNode", 125.0, "cn_gate"),
    ]


def test_scan_reports_outcome_before_action_done() -> None:
    rig = Rig()
    rig.customs.container_arrived(_arrival(rig))
    rig.agv.send(Perform("AGV-1", ActionKind.SCAN, "CSQU3054383", C(7)))
    rig.env.run(until=1000)
    kinds = [type(e).__name__ for e in rig.events if not e.__class__.__name__.startswith("Ver")]
    assert kinds == ["ScanCompleted", "ActionDone"]
    scan = next(e for e in rig.events if isinstance(e, ScanCompleted))
    assert scan.t_s == 120.0 and scan.container_id == "CSQU3054383"


def test_battery_drains_per_km_and_idle_and_charges_at_station_power() -> None:
    rig = Rig(initial_soc=0.5, idle_kw=1.0, drive_kwh_per_km=2.0)
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan", "cn_gate"), C(8)))
    rig.agv.send(Charge("AGV-1", 150.0, C(9)))
    rig.env.run(until=20_000)
    at_gate = [e for e in rig.events if isinstance(e, VehicleAtNode)][-1]
    # 0.3 km * 2 kWh/km + 65 s at 1 kW idle
    assert at_gate.battery_kwh == pytest.approx(100.0 - 0.6 - 65.0 / 3600.0)
    done = [e for e in rig.events if isinstance(e, ActionDone)]
    assert [d.action for d in done] == [ActionKind.CHARGE]
    assert done[0].battery_kwh == pytest.approx(150.0)
    start = 65.0 + 5 / 1.4
    need = 150.0 - (100.0 - 0.6 - start / 3600.0)
    assert done[0].t_s == pytest.approx(start + need / (150.0 - 1.0) * 3600.0)


def test_load_and_unload_change_what_the_vehicle_carries() -> None:
    rig = Rig()
    rig.agv.send(Perform("AGV-1", ActionKind.LOAD, "CSQU3054383", C(10)))
    rig.env.run(until=61)
    assert rig.agv.cargo == ["CSQU3054383"]
    rig.agv.send(Perform("AGV-1", ActionKind.UNLOAD, "CSQU3054383", C(11)))
    rig.env.run(until=200)
    assert rig.agv.cargo == []


def test_drive_not_starting_at_the_vehicle_is_rejected_with_its_id() -> None:
    rig = Rig()
    rig.agv.send(Drive("AGV-1", path("cn_scan", "cn_gate"), C(12)))
    with pytest.raises(VehicleCommandError, match=r"AGV-1.*cn_yard"):
        rig.env.run(until=10)


def test_drive_along_a_missing_lane_is_rejected() -> None:
    rig = Rig()
    rig.agv.send(Drive("AGV-1", path("cn_yard", "mn_yard"), C(13)))
    with pytest.raises(VehicleCommandError, match="no lane from 'cn_yard' to 'mn_yard'"):
        rig.env.run(until=10)


def _arrival(rig: Rig):
    from orchestrator.messages import Direction, RiskLevel
    from sim.arrivals import Arrival, ContainerFate

    fate = ContainerFate(RiskLevel.MEDIUM, 1e9, None, 0.0, False, 10.0, 10.0, False)
    return Arrival(0.0, "O1", "CSQU3054383", Direction.CN_TO_MN, ("CN1",), fate)


def test_running_the_battery_empty_is_logged_once() -> None:
    rig = Rig(battery_kwh=1.0, initial_soc=0.2, drive_kwh_per_km=1.0)  # 0.2 kWh, 0.3 km to go
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan", "cn_gate"), C(14)))
    rig.env.run(until=1000)
    assert [e.kind for e in rig.log] == ["sim.battery_empty"]
    assert rig.monitor.battery_empty_events == 1
    assert rig.agv.battery.lowest_kwh == 0.0
