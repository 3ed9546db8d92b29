"""Vehicle faults in the SimPy runtime: the virtual AGV's behaviour, whole-run timelines with the
real core, random breakdowns, the bundled breakdown study and the scenario validation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from orchestrator.ids import CommandId as C
from orchestrator.lanegraph import NodeId
from orchestrator.messages import (
    ActionKind,
    Charge,
    Command,
    Drive,
    Event,
    Perform,
    RiskLevel,
    Stop,
    VehicleAtNode,
    VehicleFaulted,
    VehicleRecovered,
)
from sim.arrivals import draw_arrivals
from sim.errors import ScenarioError, VehicleCommandError
from sim.faults import fault_schedule
from sim.runner import RunResult, Simulation
from sim.scenario import Fault, bundled_scenarios, fleet_vehicle_ids, load_scenario
from sim.simtypes import AgvState, ProcessGen
from tests.sim.rig import Rig
from tests.sim.runs import CID, entries, kinds, one_container, run_checked, small

N = NodeId


def path(*nodes: str) -> tuple[NodeId, ...]:
    return tuple(N(n) for n in nodes)


def at(rig: Rig, t_s: float, fn: Callable[[], None]) -> None:
    """Call ``fn`` at simulated time ``t_s`` (as the runner's fault process does)."""

    def proc() -> ProcessGen:
        yield rig.env.timeout(t_s - rig.env.now)
        fn()

    rig.env.process(proc())


def fault_between(rig: Rig, t0_s: float, t1_s: float) -> None:
    at(rig, t0_s, lambda: rig.agv.fault("drive fault"))
    at(rig, t1_s, rig.agv.repair)


# ------------------------------------------------------------------------------ virtual AGV


def test_fault_mid_edge_rolls_on_to_the_next_node_and_stops_there_unheard() -> None:
    def reply(e: Event) -> list[Command]:
        if isinstance(e, VehicleRecovered):
            return [Drive("AGV-1", path(e.node, "cn_gate"), C(1))]  # the rest of its grant
        return []

    rig = Rig(reply)
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan", "cn_gate"), C(2)))
    fault_between(rig, 20.0, 100.0)
    rig.env.run(until=60)
    parked = (rig.agv.node, rig.agv.edge, rig.agv.distance_m)
    rig.env.run(until=99)
    assert (rig.agv.node, rig.agv.edge, rig.agv.distance_m) == parked == ("cn_scan", None, 200.0)
    rig.env.run(until=1000)
    # No VehicleAtNode for cn_scan: it got there while out of service. From a standstill at
    # 100 s, 100 m: 10 s accelerating over 25 m, then 75 m at 5 m/s.
    assert rig.timeline() == [
        ("VehicleFaulted", 20.0, ""),
        ("VehicleRecovered", 100.0, "cn_scan"),
        ("VehicleAtNode", 125.0, "cn_gate"),
    ]
    states = [(t, s) for t, s in rig.agv.timeline if 20.0 <= t <= 100.0]
    assert states == [(20.0, AgvState.FAULTED), (100.0, AgvState.IDLE), (100.0, AgvState.EMPTY)]


def test_repair_before_the_stop_recovers_when_it_gets_there_and_drives_on() -> None:
    def reply(e: Event) -> list[Command]:
        if isinstance(e, VehicleRecovered):
            return [Drive("AGV-1", path(e.node, "cn_gate"), C(3))]
        return []

    rig = Rig(reply)
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan", "cn_gate"), C(4)))
    fault_between(rig, 20.0, 30.0)
    rig.env.run(until=1000)
    # recovered on arrival at cn_scan (45 s) at 5 m/s; the new grant continues without braking
    assert rig.timeline() == [
        ("VehicleFaulted", 20.0, ""),
        ("VehicleRecovered", 45.0, "cn_scan"),
        ("VehicleAtNode", 65.0, "cn_gate"),
    ]


def test_fault_interrupts_an_action_which_then_has_no_effect() -> None:
    def reply(e: Event) -> list[Command]:
        if isinstance(e, VehicleRecovered):
            return [Perform("AGV-1", ActionKind.LOAD, CID, C(5))]  # commanded again from the start
        return []

    rig = Rig(reply)
    rig.agv.send(Perform("AGV-1", ActionKind.LOAD, CID, C(6)))
    fault_between(rig, 30.0, 100.0)
    rig.env.run(until=99)
    assert rig.agv.cargo == []  # the interrupted lift put nothing on it
    rig.env.run(until=1000)
    assert rig.timeline() == [
        ("VehicleFaulted", 30.0, ""),
        ("VehicleRecovered", 100.0, "cn_yard"),
        ("ActionDone", 160.0, "load"),
    ]
    assert rig.agv.cargo == [CID]
    assert rig.agv.busy_s == pytest.approx(30.0 + 60.0)


def test_interrupted_charge_keeps_the_energy_taken_in_so_far() -> None:
    rig = Rig()
    start_kwh = rig.agv.battery_kwh
    rig.agv.send(Charge("AGV-1", rig.fleet.battery_kwh, C(7)))
    fault_between(rig, 100.0, 1000.0)
    rig.env.run(until=999)
    # 150 kW in, 0.5 kW idle base load out, for 100 s; then only the base load
    expected = start_kwh + (150.0 - 0.5) * 100.0 / 3600.0 - 0.5 * 899.0 / 3600.0
    assert rig.agv.battery_now() == pytest.approx(expected)
    assert rig.agv.battery.charged_kwh == pytest.approx(150.0 * 100.0 / 3600.0)
    rig.env.run(until=2000)
    assert [type(e).__name__ for e in rig.events] == ["VehicleFaulted", "VehicleRecovered"]


def test_queued_commands_are_dropped_and_new_ones_refused_while_out_of_service() -> None:
    rig = Rig()
    rig.agv.send(Perform("AGV-1", ActionKind.LOAD, CID, C(8)))
    rig.agv.send(Drive("AGV-1", path("cn_yard", "cn_scan"), C(9)))  # queued behind the load
    fault_between(rig, 10.0, 200.0)
    rig.env.run(until=50)
    with pytest.raises(VehicleCommandError, match=r"AGV-1 is out of service \(drive fault\)"):
        rig.agv.send(Stop("AGV-1", "wait", C(10)))
    with pytest.raises(VehicleCommandError, match="already out of service"):
        rig.agv.fault("again")
    rig.env.run(until=1000)
    assert rig.agv.node == "cn_yard" and rig.agv.distance_m == 0.0
    assert [type(e) for e in rig.events] == [VehicleFaulted, VehicleRecovered]


def test_no_seal_reads_at_a_gate_reached_while_out_of_service() -> None:
    rig = Rig(start="cn_scan")
    rig.customs.records.clear()
    rig.agv.cargo = [CID]
    rig.agv.send(Drive("AGV-1", path("cn_scan", "cn_gate", "mn_gate"), C(11)))
    fault_between(rig, 10.0, 300.0)
    rig.env.run(until=1000)
    assert rig.timeline() == [
        ("VehicleFaulted", 10.0, ""),
        ("VehicleRecovered", 300.0, "cn_gate"),
    ]
    assert not any(isinstance(e, VehicleAtNode) for e in rig.events)


# ------------------------------------------------------------------ whole runs, real core


def with_faults(level: RiskLevel, *faults: tuple[str, float, float], agvs: int = 1) -> Simulation:
    """``one_container`` (ready at 100 s) with breakdowns (vehicle, at_s, repair_s)."""
    sim = one_container(level, agvs=agvs)
    scenario = replace(
        sim.scenario, faults=tuple(Fault(v, t, r, "drive fault") for v, t, r in faults)
    )
    return Simulation(scenario, arrivals=sim.arrivals)


def kind_times(result: RunResult, *wanted: str) -> list[tuple[str, float]]:
    return [(e["kind"], e["t_s"]) for e in entries(result) if e["kind"] in wanted]


FAULT_KINDS = ("vehicle.faulted", "container.stranded", "order.returned", "vehicle.recovered")


def test_loaded_vehicle_fault_strands_the_container_until_it_recovers() -> None:
    # Without the fault: loaded at 245 s, at the gate at 331 s, delivered at 455 s.
    sim = with_faults(RiskLevel.LOW, ("AGV-001", 300.0, 600.0))
    agv = sim.vehicles["AGV-001"]
    sim.advance(340.0)  # it has rolled on to its stop
    parked = (agv.node, agv.edge, agv.distance_m, list(agv.cargo))
    assert agv.state is AgvState.FAULTED and parked[1] is None and parked[3] == [CID]
    sim.advance(899.0)
    assert (agv.node, agv.edge, agv.distance_m, list(agv.cargo)) == parked
    result = run_checked(sim)
    assert kinds(result) == [
        "vehicle.joined",
        "order.received",
        "order.assigned",
        "risk.verdict",
        "order.picked_up",
        "vehicle.faulted",
        "container.stranded",
        "vehicle.recovered",
        "seal.read",
        "border.crossed",
        "order.delivered",
        "vehicle.relocated",
    ]
    log = {e["kind"]: e for e in entries(result)}
    assert log["vehicle.faulted"]["t_s"] == 300.0
    assert log["vehicle.recovered"]["t_s"] == 900.0
    assert log["vehicle.recovered"]["data"]["node"] == parked[0]
    assert log["order.delivered"]["t_s"] > 900.0
    faults = result.kpis["kpis"]["faults"]  # type: ignore[index]
    assert faults == {
        "scheduled": 1,
        "faults": 1,
        "recovered": 1,
        "out_of_service_h": pytest.approx(600.0 / 3600.0),
        "orders_returned": 0,
        "containers_stranded": 1,
    }


def test_fault_on_the_way_to_the_pickup_returns_the_order_to_another_vehicle() -> None:
    sim = with_faults(RiskLevel.LOW, ("AGV-001", 150.0, 1800.0), agvs=2)
    result = run_checked(sim)
    log = entries(result)
    assigned = [e["data"]["vehicle_id"] for e in log if e["kind"] == "order.assigned"]
    assert assigned == ["AGV-001", "AGV-002"]
    assert kind_times(result, *FAULT_KINDS) == [
        ("vehicle.faulted", 150.0),
        ("order.returned", 150.0),
        ("vehicle.recovered", 1950.0),
    ]
    (delivered,) = [e for e in log if e["kind"] == "order.delivered"]
    assert delivered["t_s"] < 1950.0 and "by AGV-002" in delivered["message"]


def test_fault_during_the_load_returns_the_order_and_the_lift_is_redone() -> None:
    # loading runs 185-245 s; one vehicle, so it fetches the container again after its repair
    result = run_checked(with_faults(RiskLevel.LOW, ("AGV-001", 200.0, 300.0)))
    assert kind_times(result, *FAULT_KINDS, "order.picked_up", "order.delivered")[:4] == [
        ("vehicle.faulted", 200.0),
        ("order.returned", 200.0),
        ("vehicle.recovered", 500.0),
        ("order.picked_up", pytest.approx(560.0)),
    ]
    assert result.kpis["kpis"]["containers"]["delivered_total"] == 1  # type: ignore[index]


def test_fault_in_the_scanner_interrupts_the_scan_which_is_done_again() -> None:
    # without the fault the scan runs 334-454 s
    sim = with_faults(RiskLevel.MEDIUM, ("AGV-001", 400.0, 300.0))
    result = run_checked(sim)
    done = kind_times(result, "scan.done", *FAULT_KINDS)
    assert done == [
        ("vehicle.faulted", 400.0),
        ("container.stranded", 400.0),
        ("vehicle.recovered", 700.0),
        ("scan.done", pytest.approx(700.0 + sim.customs.scan_time_s)),
    ]
    rec = sim.customs.records[CID]
    assert rec.scans == 1 and rec.cleared()  # the interrupted scan produced no image
    # it queued for the scanner again from the fault until the scan restarted
    assert sim.customs.scan_waits_s[-1] == pytest.approx(300.0)
    assert sim.customs.scan_queue[-1][1] == 0


def test_fault_during_the_unload_keeps_the_container_on_until_the_unload_is_redone() -> None:
    # unloading runs 431-491 s (after a stop of ~10-30 s at the smart gate)
    sim = with_faults(RiskLevel.LOW, ("AGV-001", 450.0, 300.0))
    result = run_checked(sim)
    assert kind_times(result, *FAULT_KINDS, "order.delivered") == [
        ("vehicle.faulted", 450.0),
        ("container.stranded", 450.0),
        ("vehicle.recovered", 750.0),
        ("order.delivered", pytest.approx(750.0 + sim.scenario.fleet.unload_time_s)),
    ]


def busy_small_with_breakdowns(seed: int) -> Simulation:
    """test_small with an hour of arrivals, run for 3 h, every vehicle breaking down ~hourly."""
    sc = small(seed=seed, hours=3.0)
    fleet = replace(sc.fleet, breakdowns_per_agv_day=24.0, repair_min=(5.0, 20.0))
    sc = replace(sc, fleet=fleet)
    arrivals = draw_arrivals(sc.arrivals, sc.customs, 3600.0, sc.seed)
    return Simulation(sc, arrivals=arrivals)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_breakdowns_every_order_delivered_and_invariants_hold(seed: int) -> None:
    sim = busy_small_with_breakdowns(seed)
    result = run_checked(sim)
    k: Any = result.kpis["kpis"]
    assert k["faults"]["faults"] >= 3
    assert k["containers"]["delivered_total"] == len(sim.arrivals) > 0
    # recovered as often as faulted, but for faults still running at the end
    open_faults = sum(v.fault_reason is not None for v in sim.vehicles.values())
    assert k["faults"]["recovered"] == k["faults"]["faults"] - open_faults


def test_same_seed_with_breakdowns_gives_identical_log_and_kpis() -> None:
    a, b = busy_small_with_breakdowns(4).run(), busy_small_with_breakdowns(4).run()
    assert a.log.lines == b.log.lines
    assert json.dumps(a.kpis, sort_keys=True) == json.dumps(b.kpis, sort_keys=True)
    assert '"kind":"vehicle.faulted"' in "".join(a.log.lines)


def test_runs_without_faults_have_no_faults_section() -> None:
    result = run_checked(one_container(RiskLevel.LOW))
    assert "faults" not in result.kpis["kpis"]  # type: ignore[operator]


# --------------------------------------------------------------------------- the schedule


def test_schedule_draws_random_breakdowns_around_the_scheduled_ones() -> None:
    sc = small(seed=11)
    planned = (Fault("AGV-002", 1800.0, 1200.0, "planned"),)
    sc = replace(sc, faults=planned, fleet=replace(sc.fleet, breakdowns_per_agv_day=48.0))
    ids = fleet_vehicle_ids(sc.fleet.agvs)
    out = fault_schedule(sc, ids, 7200.0)
    assert out == fault_schedule(sc, ids, 7200.0)
    assert planned[0] in out and len(out) > 4
    assert out == sorted(out, key=lambda f: (f.at_s, f.vehicle_id))
    for vid in ids:
        mine = [f for f in out if f.vehicle_id == vid]
        for a, b in pairwise(mine):
            assert b.at_s >= a.at_s + a.repair_s  # never two at once on one vehicle
    assert all(0 < f.at_s < 7200.0 and f.repair_s >= 1200.0 for f in out)  # default 20 min
    assert fault_schedule(small(), ids, 7200.0) == []


# ---------------------------------------------------------------------- bundled scenario


def test_bundled_breakdown_study_strands_returns_and_rescans() -> None:
    assert "erenhot_breakdowns" in bundled_scenarios()
    sc = load_scenario("erenhot_breakdowns")
    assert [f.vehicle_id for f in sc.faults] == ["AGV-005", "AGV-012", "AGV-027"]
    result = run_checked(Simulation(sc))
    log = entries(result)
    seq = [(e["kind"], e["subject"], e["t_s"]) for e in log if e["kind"] in FAULT_KINDS]
    # What each fault did: the fault-related entry right after it names the container.
    effect = {
        subject: seq[i + 1][:2]
        for i, (kind, subject, _) in enumerate(seq)
        if kind == "vehicle.faulted"
    }
    assert [effect[f.vehicle_id][0] for f in sc.faults] == [
        "container.stranded",  # driving a container
        "order.returned",  # assigned, not loaded yet
        "container.stranded",  # in the scanner
    ]
    for f in sc.faults:
        assert ("vehicle.recovered", f.vehicle_id, f.at_s + f.repair_s) in seq
    scanned = effect["AGV-027"][1]
    fault = sc.faults[2]
    rescanned = [e["t_s"] for e in log if e["kind"] == "scan.done" and e["subject"] == scanned]
    # The interrupted scan is done again after the repair, from the start.
    assert rescanned == [pytest.approx(fault.at_s + fault.repair_s + sc.customs.scan_time_s)]
    returned = effect["AGV-012"][1]
    delivered = [e for e in log if e["subject"] == returned and e["kind"] == "order.delivered"]
    assert len(delivered) == 1
    carriers = {
        e["data"]["vehicle_id"]
        for e in log
        if e["subject"] == returned and e["kind"] == "order.assigned"
    }
    assert len(carriers) == 2 and "AGV-012" in carriers  # another vehicle fetched it


# ---------------------------------------------------------------------------- validation

BASE = (Path(__file__).resolve().parents[2] / "sim" / "scenarios" / "test_small.toml").read_text()


def write(tmp_path: Path, extra: str) -> Path:
    """The small scenario plus ``extra``: tables at the end, plain keys at the top level."""
    p = tmp_path / "s.toml"
    text = BASE + "\n" + extra if extra.startswith("[[") else extra + BASE
    p.write_text(text, encoding="utf-8")
    return p


def fault_toml(vehicle: str = "AGV-002", at_h: object = 0.5, repair: object = 20, **kw: str) -> str:
    lines = ["[[faults]]", f'vehicle = "{vehicle}"', f"at_h = {at_h}", f"repair_min = {repair}"]
    lines += [f"{k} = {v}" for k, v in kw.items()]
    return "\n".join(lines) + "\n"


def test_faults_load_with_times_in_seconds(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, fault_toml(reason='"brake fault"') + fault_toml(at_h=1)))
    assert sc.faults == (
        Fault("AGV-002", 1800.0, 1200.0, "brake fault"),
        Fault("AGV-002", 3600.0, 1200.0, "vehicle fault"),
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (fault_toml("agv-03"), r"faults\[0\]\.vehicle: 'agv-03' is no vehicle of the fleet; "
         r"with fleet\.agvs = 4 the ids are AGV-001 \.\. AGV-004"),
        (fault_toml("AGV-005"), r"faults\[0\]\.vehicle: 'AGV-005' is no vehicle"),
        (fault_toml(at_h=-1), r"faults\[0\]\.at_h: must be in \[0\.0, inf\], got -1"),
        (fault_toml(repair=0), r"faults\[0\]\.repair_min: must be in \(0\.0, inf\], got 0"),
        (fault_toml(repair='"long"'), r"faults\[0\]\.repair_min: must be a number"),
        (fault_toml(lane='"x"'), r"faults\[0\]\.lane: unknown key; allowed keys: at_h, reason"),
        ("[[faults]]\nat_h = 1\nrepair_min = 5\n", r"faults\[0\]\.vehicle: missing"),
        (fault_toml(at_h=1) + fault_toml(at_h=1.25),
         r"faults\[1\]\.at_h: AGV-002 is still out of service then \(faults\[0\] lasts until "
         r"1\.33333 h\)"),
        ("faults = 3\n", r"faults: must be an array of tables \[\[faults\]\]"),
    ],
)  # fmt: skip
def test_fault_errors_name_the_entry(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, extra))


def test_random_breakdown_keys_are_validated(tmp_path: Path) -> None:
    text = BASE.replace("headway_m = 8.0", "headway_m = 8.0\nrepair_min = [0, 10]")
    p = tmp_path / "r.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"fleet\.repair_min: must be > 0"):
        load_scenario(p)
    p.write_text(text.replace("[0, 10]", "[10, 5]"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"fleet\.repair_min: must satisfy 0 <= min <= max"):
        load_scenario(p)
    p.write_text(text.replace("[0, 10]", "[5, 10]\nbreakdowns_per_agv_day = 2"), encoding="utf-8")
    fleet = load_scenario(p).fleet
    assert (fleet.breakdowns_per_agv_day, fleet.repair_min) == (2.0, (5.0, 10.0))


def test_fault_of_a_vehicle_cut_by_agvs_override_fails_before_the_run(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, fault_toml("AGV-004"))).with_overrides(agvs=2)
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.vehicle: 'AGV-004' is no vehicle of "
                       r"this run's fleet of 2 \(AGV-001 \.\. AGV-002\)"):  # fmt: skip
        Simulation(sc)
