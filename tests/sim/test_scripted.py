"""Scripted customs events in scenarios: [[verdicts]], [[warnings]], closures a container starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, RiskLevel
from sim.arrivals import Arrival
from sim.errors import ScenarioError
from sim.runner import Simulation
from sim.scenario import load_scenario
from tests.sim.runs import CID, entries, fate, run_checked

BASE = (Path(__file__).resolve().parents[2] / "sim" / "scenarios" / "test_small.toml").read_text()
# test_small's closure of the MN turn-back lane is left out: these runs are about one container.
BASE = BASE[: BASE.index("[[closures]]")]
OTHER = "MSKU1234565"


def scenario(tmp_path: Path, extra: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(BASE + "\n" + extra, encoding="utf-8")
    return p


def arrivals() -> list[Arrival]:
    return [
        Arrival(100.0, "O000001", CID, Direction.CN_TO_MN, ("CN00000001",), fate(RiskLevel.LOW)),
        Arrival(130.0, "O000002", OTHER, Direction.CN_TO_MN, ("CN00000002",), fate(RiskLevel.LOW)),
    ]


def run(tmp_path: Path, extra: str) -> tuple[Simulation, list[dict[str, Any]], dict[str, Any]]:
    sc = load_scenario(scenario(tmp_path, extra)).with_overrides(hours=1.5, agvs=2)
    sim = Simulation(sc, arrivals=arrivals())
    result = run_checked(sim)
    return sim, entries(result), result.kpis["kpis"]  # type: ignore[return-value]


def test_the_tables_are_read_with_their_triggers(tmp_path: Path) -> None:
    sc = load_scenario(
        scenario(
            tmp_path,
            """
[[verdicts]]
order = 1
level = "high"
within_m = 4

[[verdicts]]
container = "csqu3054383"
level = "MEDIUM"
authority = "MN"
node = "gate_cn"
reason = "re-assessment"

[[warnings]]
level = "HIGH"
authority = "CN"
direction = "CN->MN"
at_h = 0.5

[[closures]]
lane = "cn_gate_turn_back"
order = 2
node = "gate_cn"
for_min = 10
""",
        )
    )
    v0, v1 = sc.scripted.verdicts
    assert (v0.container, v0.level, v0.authority, v0.trigger.within_m) == (
        "O000001", RiskLevel.HIGH, None, 4.0,
    )  # fmt: skip
    assert (v1.container, v1.authority, v1.trigger.node, v1.reason) == (
        CID, Side.MN, "gate_cn", "re-assessment",
    )  # fmt: skip
    (w,) = sc.scripted.warnings
    assert (w.trigger.at_s, w.direction, w.authority) == (1800.0, Direction.CN_TO_MN, Side.CN)
    (c,) = sc.scripted.closures
    assert (c.target, c.for_s, c.trigger.container) == ("cn_gate_turn_back", 600.0, "O000002")
    assert sc.closures == ()


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        ('[[verdicts]]\norder = 1\ncontainer = "X"\nlevel = "LOW"\nat_h = 1', "verdicts[0]",
         "not both"),
        ('[[verdicts]]\norder = 1\nlevel = "LOW"\nat_h = 1\nnode = "gate_cn"', "verdicts[0]",
         "exactly one of at_h"),
        ('[[verdicts]]\norder = 1\nlevel = "SEVERE"\nat_h = 1', "verdicts[0].level",
         "not one of LOW, MEDIUM, HIGH"),
        ('[[verdicts]]\nlevel = "LOW"\nat_h = 1', "verdicts[0]", "name the container"),
        ('[[verdicts]]\norder = 1\nlevel = "LOW"\nwhen = 1', "verdicts[0].when", "unknown key"),
        ('[[warnings]]\nlevel = "HIGH"\nat_h = 1', "warnings[0].authority", "missing"),
        ('[[warnings]]\nlevel = "HIGH"\nauthority = "CN"\nnode = "gate_cn"', "warnings[0]",
         "needs the container"),
        ('[[closures]]\nlane = "x"\nfrom_h = 1\nto_h = 2\nfor_min = 3', "closures[0].for_min",
         "not both kinds"),
    ],
)  # fmt: skip
def test_mistakes_name_the_entry_and_key(
    tmp_path: Path, extra: str, key: str, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(scenario(tmp_path, extra))
    assert err.value.key == key


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        ('[[verdicts]]\norder = 9\nlevel = "HIGH"\nat_h = 1', "verdicts[0].order",
         "'O000009' is no container of this run"),
        ('[[verdicts]]\norder = 1\nlevel = "HIGH"\nat_h = 0.001', "verdicts[0].at_h",
         "arrives at"),
        ('[[verdicts]]\norder = 1\nlevel = "HIGH"\nnode = "nowhere"', "verdicts[0].node",
         "'nowhere' is no node of the map"),
    ],
)  # fmt: skip
def test_references_are_checked_against_the_run_before_it_starts(
    tmp_path: Path, extra: str, key: str, message: str
) -> None:
    sc = load_scenario(scenario(tmp_path, extra))
    with pytest.raises(ScenarioError, match=message) as err:
        Simulation(sc, arrivals=arrivals())
    assert err.value.key == key


def _late(log: list[dict[str, Any]]) -> list[str]:
    return [e["subject"] for e in log if e["kind"] == "risk.late_verdict"]


def _held_on(log: list[dict[str, Any]], cid: str) -> list[str]:
    """The side of the hold bay each hold of ``cid`` was placed in (where it stands)."""
    placed = [e for e in log if e["kind"] == "hold.placed" and e["subject"] == cid]
    return [str(e["data"]["station"])[:2].upper() for e in placed]


def test_a_verdict_when_the_container_reaches_the_gate_holds_it_on_its_side(
    tmp_path: Path,
) -> None:
    _, log, kpis = run(tmp_path, '[[verdicts]]\norder = 1\nlevel = "HIGH"\nnode = "gate_cn"')
    assert _held_on(log, CID) == ["CN"] and _late(log) == []
    assert kpis["customs"]["late_verdicts"] == 0


def test_a_verdict_inside_the_point_of_no_return_is_late(tmp_path: Path) -> None:
    # The gate stands 8 m before the line: 4 m from it the crossing is committed.
    _, log, kpis = run(tmp_path, '[[verdicts]]\norder = 1\nlevel = "HIGH"\nwithin_m = 4')
    assert _late(log) == [CID] and _held_on(log, CID) == ["MN"]
    assert kpis["customs"]["late_verdicts"] == 1 and kpis["customs"]["late_crossings"] == 1
    # 30 m from the line it is still on the approach: held before the gate, on its side.
    _, log, _ = run(tmp_path, '[[verdicts]]\norder = 1\nlevel = "HIGH"\nwithin_m = 30')
    assert _late(log) == [] and _held_on(log, CID) == ["CN"]


def test_a_warning_raises_every_container_not_yet_across(tmp_path: Path) -> None:
    # At 216 s, after both first verdicts (160 s and 190 s): a one-off re-assessment.
    extra = '[[warnings]]\nlevel = "HIGH"\nauthority = "CN"\ndirection = "CN->MN"\nat_h = 0.06'
    _, log, kpis = run(tmp_path, extra)
    raised = [
        e["subject"] for e in log if e["kind"] == "risk.verdict" and "warning" in e["message"]
    ]
    assert sorted(raised) == sorted([CID, OTHER])
    assert kpis["customs"]["holds"] == 2


def test_a_closure_starts_when_the_container_reaches_a_node(tmp_path: Path) -> None:
    extra = '[[closures]]\nlane = "cn_gate_turn_back"\norder = 1\nnode = "gate_cn"\nfor_min = 5'
    _, log, _ = run(tmp_path, extra)
    shut = [e for e in log if e["kind"] == "lane.closed"]
    opened = [e for e in log if e["kind"] == "lane.opened"]
    assert len(shut) == 1 and len(opened) == 1
    assert opened[0]["t_s"] - shut[0]["t_s"] == pytest.approx(300.0)


def test_bundled_reassessment_study_holds_before_the_line_and_logs_the_late_one() -> None:
    sc = load_scenario("erenhot_reassessment")
    result = run_checked(Simulation(sc))
    log = entries(result)
    container = {e["data"]["order_id"]: e["data"]["container_id"] for e in log
                 if e["kind"] == "order.received"}  # fmt: skip

    def holds(order: str) -> list[str]:
        """(authority, side of the hold bay) of each hold of the order's container."""
        cid = container[order]
        placed = [e for e in log if e["kind"] == "hold.placed" and e["subject"] == cid]
        return [f"{e['data']['side']}@{str(e['data']['station'])[:2].upper()}" for e in placed]

    # HIGH as it reaches the CN gate: before the commitment, so held on the Chinese side.
    assert holds("O000033") == ["CN@CN"]
    # HIGH 10 m from the line: after the commitment, a late verdict, held in Mongolia.
    (late,) = [e for e in log if e["kind"] == "risk.late_verdict"]
    assert late["subject"] == container["O000045"] and late["data"]["gate"] == "gate_cn"
    # Held in Mongolia, and CN's hold: CN's verdict caused it (MN may recognise a release).
    assert holds("O000045") == ["CN@MN"]
    k = result.kpis["kpis"]
    assert k["customs"]["late_verdicts"] == 1 and k["customs"]["late_crossings"] == 1  # type: ignore[index]
    closed = [e for e in log if e["kind"] == "lane.closed"]
    assert [e["subject"] for e in closed] == ["cn_gate_turn_back"]
