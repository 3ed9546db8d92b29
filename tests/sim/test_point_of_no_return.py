"""The point of no return at the gate: the real rule, checked as it happens (issue 12).

A crossing is committed when the core grants the border edge. The vehicle must be cleared then
and able to stop before the line from where it is; a verdict after that is a late verdict: the
vehicle goes on and is held at the first place on the other side.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestrator.crossing import VehicleDynamics, gate_margins, stopping_distance_m
from orchestrator.domain.customs_events import BorderCrossed
from orchestrator.domain.eventlog import DomainEvent
from orchestrator.lanegraph import GateType, Side
from orchestrator.messages import RiskLevel
from sim.errors import ScenarioError
from sim.runner import Simulation
from tests.sim.graphs import N, tiny_crossing
from tests.sim.runs import CID, entries, one_container, run_checked
from tests.sim.test_invariants import agv, rig

DYN = VehicleDynamics(max_speed_mps=6.94, decel_mps2=0.7, reaction_s=0.5, vehicle_length_m=15.0)


def test_stopping_distance_at_25_kph() -> None:
    # 6.94 m/s: 3.47 m while the refusal reaches it, 34.4 m braking at 0.7 m/s2, half its length
    assert stopping_distance_m(6.94, DYN) == pytest.approx(3.47 + 34.403 + 7.5, abs=0.01)
    assert stopping_distance_m(0.0, DYN) == 7.5  # standing at a smart gate: only its front


def test_gate_margins_follow_the_gate_type_and_the_approach_speed() -> None:
    g = tiny_crossing()
    gates = {gid: replace(gate, line_distance_m=25.0) for gid, gate in g.gates.items()}
    gates["G2"] = replace(gates["G2"], gate_type=GateType.DRIVE_THROUGH)
    g = replace(g, gates=gates)
    by_id = {m.gate_id: m for m in gate_margins(g, DYN)}
    assert by_id["G1"].ok and by_id["G1"].speed_mps == 0.0  # smart gate: it stands
    assert not by_id["G2"].ok and by_id["G2"].speed_mps == pytest.approx(6.94)  # lanes 10 m/s
    assert "needs 45.4 m to stop" in by_id["G2"].explain()


def test_a_fleet_that_cannot_stop_before_the_line_is_refused() -> None:
    sim = one_container(RiskLevel.LOW)
    g = sim.graph
    gates = {
        gid: replace(gate, gate_type=GateType.DRIVE_THROUGH, line_distance_m=8.0)
        for gid, gate in g.gates.items()
    }
    with pytest.raises(ScenarioError, match=r"fleet.max_speed_mps.*needs .* m to stop"):
        Simulation(sim.scenario, graph=replace(g, gates=gates), arrivals=sim.arrivals)


def test_monitor_counts_a_commitment_too_close_to_the_line() -> None:
    _env, mon, _customs, log = rig()
    g = tiny_crossing()
    mon.crossings._dynamics = DYN
    gate = replace(g.gates["G1"], line_distance_m=20.0)
    mon.crossings._border_gate[(N("cn_gate"), N("mn_gate"))] = gate
    mon.commit(agv("A", "cn_gate", speed_mps=0.0), (N("cn_gate"), N("mn_gate")))
    assert mon.short_commitments == 0  # standing: 7.5 m < 20 m
    mon.commit(agv("B", "cn_gate", speed_mps=6.94), (N("cn_gate"), N("mn_gate")))
    assert mon.short_commitments == 1
    assert log[-1].kind == "invariant.short_commitment" and "45.4 m to stop" in log[-1].message
    # Committed two edges ahead: the way to the gate counts (100 m + 20 m is enough).
    mon.commit(agv("C", "cn_scan", speed_mps=6.94), (N("cn_scan"), N("cn_gate"), N("mn_gate")))
    assert mon.short_commitments == 1


def test_verdict_right_after_the_commitment_is_late_and_held_on_the_other_side() -> None:
    sim = one_container(RiskLevel.LOW, hours=2.0)

    def withdraw(event: DomainEvent) -> None:
        if isinstance(event, BorderCrossed) and event.container_id == CID:
            # The same instant as the grant, but after it: the customs model's verdict.
            def later():  # type: ignore[no-untyped-def]
                yield sim.env.timeout(0)
                sim.customs.scripted_verdict(CID, RiskLevel.HIGH, Side.CN, "intelligence")

            sim.env.process(later())

    sim.log.listen(withdraw)
    result = run_checked(sim)  # no uncleared crossing: it was cleared when committed
    log = entries(result)
    (late,) = [e for e in log if e["kind"] == "risk.late_verdict"]
    assert late["data"]["level"] == "HIGH" and late["data"]["late_s"] == 0.0
    placed = [e for e in log if e["kind"] == "hold.placed"]
    # Held at the first place on the other side, for the authority whose verdict it is.
    assert placed and placed[0]["data"]["side"] == "CN"
    assert str(placed[0]["data"]["station"]).startswith("mn_")
    customs = result.kpis["kpis"]["customs"]  # type: ignore[index]
    assert customs["late_verdicts"] == 1 and customs["late_crossings"] == 1
