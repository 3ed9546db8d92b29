"""The customs model's own clearance record (what the uncleared-crossing invariant trusts)."""

from __future__ import annotations

import random

import simpy

from orchestrator.domain.customs_events import HoldPlaced
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import NodeId, Side
from orchestrator.messages import (
    Direction,
    Event,
    HoldReleased,
    RiskLevel,
    ScanOutcome,
    SealChecked,
    VerdictIssued,
)
from sim.arrivals import Arrival, ContainerFate
from sim.customs import CustomsModel
from sim.scenario import load_scenario

CID = "CSQU3054383"


def model(fate: ContainerFate) -> tuple[simpy.Environment, CustomsModel, list[Event]]:
    env = simpy.Environment()
    sent: list[Event] = []
    customs = CustomsModel(env, load_scenario("test_small").customs, sent.append, random.Random(1))
    customs.container_arrived(Arrival(0.0, "O1", CID, Direction.CN_TO_MN, ("CN1",), fate))
    return env, customs, sent


def fate(level: RiskLevel, **kw: object) -> ContainerFate:
    base: dict[str, object] = {
        "verdict_after_s": 10.0,
        "second_level": None,
        "second_after_s": 50.0,
        "scan_escalates": False,
        "inspection_s": 100.0,
        "release_s": 20.0,
        "seal_mismatch": False,
    }
    base.update(kw)
    return ContainerFate(level, **base)  # type: ignore[arg-type]


def test_low_is_cleared_once_the_verdict_is_out() -> None:
    env, customs, sent = model(fate(RiskLevel.LOW))
    assert not customs.is_cleared(CID)
    env.run(until=11)
    assert customs.is_cleared(CID)
    assert [(type(e).__name__, e.t_s) for e in sent] == [("VerdictIssued", 10.0)]


def test_medium_needs_a_clear_scan_and_escalation_needs_a_release() -> None:
    env, customs, sent = model(fate(RiskLevel.MEDIUM, scan_escalates=True))
    env.run(until=11)
    assert not customs.is_cleared(CID)
    assert customs.scan_outcome(CID, 20.0) is ScanOutcome.ESCALATE
    assert not customs.is_cleared(CID)
    customs.on_event(HoldPlaced(21.0, CID, VehicleId("AGV-1"), None, Side.CN, "escalated"))
    env.run(until=1000)
    release = sent[-1]
    assert isinstance(release, HoldReleased)
    assert (release.t_s, release.authority.value) == (11.0 + 100.0 + 20.0, "CN")
    assert customs.is_cleared(CID)


def test_second_verdict_changes_clearance_mid_route() -> None:
    env, customs, sent = model(fate(RiskLevel.LOW, second_level=RiskLevel.HIGH))
    env.run(until=11)
    assert customs.is_cleared(CID)
    env.run(until=100)
    levels = [(e.t_s, e.level) for e in sent if isinstance(e, VerdictIssued)]
    assert levels == [(10.0, RiskLevel.LOW), (60.0, RiskLevel.HIGH)]
    assert not customs.is_cleared(CID)


def test_seal_mismatch_on_first_read_demands_a_release() -> None:
    env, customs, _ = model(fate(RiskLevel.LOW, seal_mismatch=True))
    env.run(until=11)
    (first,) = customs.read_seals(CID, NodeId("gate_cn"), env_now=11.0)
    assert isinstance(first, SealChecked) and not first.matches
    assert not customs.is_cleared(CID)
    (second,) = customs.read_seals(CID, NodeId("gate_cn"), env_now=12.0)
    assert second.matches
    assert not customs.is_cleared(CID)  # still needs an officer
