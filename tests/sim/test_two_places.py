"""Two container places in the simulator, one-way loads with empties back, and the bundled
Ganqimaodu day: scenario keys, arrivals, KPIs, determinism, errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sim.arrivals import draw_arrivals
from sim.errors import ScenarioError
from sim.runner import Simulation
from sim.scenario import bundled_scenarios, load_scenario
from tests.sim.runs import entries, run_checked, small

BASE = (Path(__file__).resolve().parents[2] / "sim" / "scenarios" / "test_small.toml").read_text()


def write(tmp_path: Path, table: str, lines: str) -> Path:
    """test_small with ``lines`` added at the top of ``[table]``."""
    p = tmp_path / "s.toml"
    p.write_text(BASE.replace(f"[{table}]\n", f"[{table}]\n{lines}\n", 1), encoding="utf-8")
    return p


def test_the_keys_load(tmp_path: Path) -> None:
    p = write(tmp_path, "fleet", "container_places = 2\npair_wait_s = 300.0")
    text = (
        p.read_text().replace("[arrivals]\n", "[arrivals]\ncn_to_mn_empty_share = 0.75\n", 1)
        + "\n[risk.empty]\nlow = 0.9\nmedium = 0.1\nhigh = 0.0\n"
    )
    p.write_text(text, encoding="utf-8")
    sc = load_scenario(p)
    assert (sc.fleet.container_places, sc.fleet.pair_wait_s) == (2, 300.0)
    assert (sc.arrivals.cn_to_mn_empty_share, sc.arrivals.mn_to_cn_empty_share) == (0.75, 0.0)
    assert sc.customs.empty_risk == (0.9, 0.1, 0.0)


@pytest.mark.parametrize(
    ("table", "lines", "message"),
    [
        ("fleet", "container_places = 3", r"fleet\.container_places: must be 1 or 2"),
        ("fleet", "container_places = 0", r"fleet\.container_places: must be an integer >= 1"),
        ("fleet", "pair_wait_s = -1", r"fleet\.pair_wait_s"),
        ("arrivals", "cn_to_mn_empty_share = 1.5", r"arrivals\.cn_to_mn_empty_share"),
        ("arrivals", "empties = 0.5", r"arrivals.*empties"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, table: str, lines: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, table, lines))


def test_an_empty_mix_that_does_not_sum_to_one_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text(BASE + "\n[risk.empty]\nlow = 0.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"risk\.empty: low \+ medium \+ high must sum to 1"):
        load_scenario(p)


def test_empties_are_drawn_on_their_own_stream() -> None:
    sc = small()
    plain = draw_arrivals(sc.arrivals, sc.customs, 7200.0, sc.seed)
    with_empties = replace(sc.arrivals, cn_to_mn_empty_share=1.0)
    customs = replace(sc.customs, empty_risk=(1.0, 0.0, 0.0))
    drawn = draw_arrivals(with_empties, customs, 7200.0, sc.seed)
    # The same containers at the same times; CN -> MN ones are empty, LOW, never re-assessed.
    assert [(a.t_s, a.container_id) for a in drawn] == [(a.t_s, a.container_id) for a in plain]
    for a, b in zip(plain, drawn, strict=True):
        if b.direction.value == "CN->MN":
            assert b.empty and b.fate.level.value == "LOW" and b.fate.second_level is None
        else:
            assert not b.empty and b.fate == a.fate


def _run(sc: Any) -> dict[str, Any]:
    kpis: dict[str, Any] = run_checked(Simulation(sc)).kpis["kpis"]  # type: ignore[assignment]
    return kpis


def test_two_places_carry_more_per_crossing_and_keep_the_invariants() -> None:
    base = small(hours=3.0)
    one = _run(base)
    two_sc = replace(base, fleet=replace(base.fleet, container_places=2, pair_wait_s=600.0))
    two = _run(two_sc)
    assert "co_load" not in one
    assert two["co_load"]["containers_per_loaded_crossing"] > 1.1
    assert two["fleet"]["crossings"] < one["fleet"]["crossings"]
    delivered = two["containers"]["delivered_total"]
    assert delivered >= 0.9 * one["containers"]["delivered_total"]


def test_a_two_place_run_crosses_with_two_on_board_and_both_delivered() -> None:
    sc = small(hours=3.0)
    sc = replace(sc, fleet=replace(sc.fleet, container_places=2, pair_wait_s=600.0))
    log = entries(run_checked(Simulation(sc)))
    crossed: dict[tuple[str, float], list[str]] = {}
    for e in log:
        if e["kind"] == "border.crossed" and e["data"]["container_id"] is not None:
            key = (e["data"]["vehicle_id"], e["t_s"])
            crossed.setdefault(key, []).append(e["data"]["container_id"])
    pairs = [cids for cids in crossed.values() if len(cids) == 2]
    assert pairs, "no crossing carried two containers"
    assert max(len(cids) for cids in crossed.values()) == 2
    delivered = {e["data"]["container_id"] for e in log if e["kind"] == "order.delivered"}
    done = [cids for cids in pairs if set(cids) <= delivered]
    assert len(done) >= len(pairs) - 2  # all but the ones still on their way at the end


def test_the_bundled_ganqimaodu_day_runs_coal_south_and_empties_back() -> None:
    assert "ganqimaodu_day" in bundled_scenarios()
    sc = load_scenario("ganqimaodu_day").with_overrides(hours=6.0)
    assert sc.fleet.container_places == 2 and sc.fleet.agvs == 60
    k = _run(sc)
    by_cargo = k["containers"]["delivered_by_cargo"]
    assert by_cargo["empty"] > 0 and by_cargo["loaded"] > by_cargo["empty"]
    assert k["co_load"]["containers_per_loaded_crossing"] > 1.3
    assert k["fleet"]["empty_crossing_share"] <= 0.15
    again = _run(sc)
    assert json.dumps(again, sort_keys=True) == json.dumps(k, sort_keys=True)
