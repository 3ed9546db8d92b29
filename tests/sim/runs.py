"""Helpers for tests that run whole simulations: every run is checked for the invariants."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from orchestrator.messages import Direction, RiskLevel
from sim.arrivals import Arrival, ContainerFate
from sim.runner import RunResult, Simulation
from sim.scenario import Scenario, load_scenario

CID = "CSQU3054383"


def fate(level: RiskLevel, **kw: Any) -> ContainerFate:
    base: dict[str, Any] = {
        "verdict_after_s": 60.0,
        "second_level": None,
        "second_after_s": 0.0,
        "scan_escalates": False,
        "inspection_s": 600.0,
        "release_s": 60.0,
        "seal_mismatch": False,
    }
    base.update(kw)
    return ContainerFate(level, **base)


def one_container(level: RiskLevel, *, agvs: int = 1, hours: float = 1.5, **kw: Any) -> Simulation:
    sc = replace(load_scenario("test_small").with_overrides(agvs=agvs, hours=hours), closures=())
    arrival = Arrival(100.0, "O000001", CID, Direction.CN_TO_MN, ("CN00000001",), fate(level, **kw))
    return Simulation(sc, arrivals=[arrival])


def run_checked(sim: Simulation) -> RunResult:
    """Run to the end and assert the three safety invariants stayed 0."""
    result = sim.run()
    invariants = result.kpis["kpis"]["invariants"]  # type: ignore[index]
    violations = [line for line in result.log.lines if '"kind":"invariant.' in line]
    assert invariants == {
        "collisions": 0,
        "deadlocks": 0,
        "uncleared_crossings": 0,
        "short_commitments": 0,
    }, violations
    return result


def entries(result: RunResult) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.log.lines]


def kinds(result: RunResult, *, skip: tuple[str, ...] = ("traffic.wait",)) -> list[str]:
    return [e["kind"] for e in entries(result) if e["kind"] not in skip]


def small(**overrides: Any) -> Scenario:
    return load_scenario("test_small").with_overrides(**overrides)
