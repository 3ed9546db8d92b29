"""Whole runs where containers wait for customs: they block nobody, and a run that only waits
for customs is not a deadlock (issue 12)."""

from __future__ import annotations

from dataclasses import replace

from orchestrator.messages import Direction, RiskLevel
from sim.arrivals import Arrival
from sim.runner import Simulation
from sim.scenario import load_scenario
from tests.sim.runs import entries, fate, run_checked

NEVER_S = 1e9  # a verdict that never comes within the run


def _run(arrivals: list[Arrival], agvs: int = 3, hours: float = 3.0) -> Simulation:
    sc = load_scenario("test_small").with_overrides(agvs=agvs, hours=hours)
    return Simulation(replace(sc, closures=()), arrivals=arrivals)


def test_an_unverdicted_container_blocks_no_later_one_and_is_no_deadlock() -> None:
    waiting = Arrival(
        60.0, "O000001", "CSQU3054383", Direction.CN_TO_MN, ("CN00000001",),
        fate(RiskLevel.LOW, verdict_after_s=NEVER_S),
    )  # fmt: skip
    later = [
        Arrival(
            600.0 + 300.0 * i,
            f"O00000{i + 2}",
            cid,
            Direction.CN_TO_MN,
            (f"CN0000000{i + 2}",),
            fate(RiskLevel.LOW),
        )
        for i, cid in enumerate(["MSKU1234565", "TGHU7654320", "CSQU1111118"])
    ]
    result = run_checked(_run([waiting, *later]))
    log = entries(result)
    delivered = {e["subject"] for e in log if e["kind"] == "order.delivered"}
    assert delivered == {a.container_id for a in later}
    assert not [e for e in log if e["kind"] == "border.crossed" and e["subject"] == "CSQU3054383"]
    stalls = [e for e in log if e["kind"] == "sim.customs_wait"]
    assert stalls and stalls[0]["data"]["waiting"] == [
        {"container_id": "CSQU3054383", "why": "no verdict", "since_s": 60.0}
    ]
    assert result.kpis["kpis"]["customs"]["customs_wait_stalls"] == len(stalls)  # type: ignore[index]
