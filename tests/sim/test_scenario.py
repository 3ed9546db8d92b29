"""Scenario files: bundled ones load; every kind of mistake gets a precise error."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import SCENARIO_DIR, bundled_scenarios, load_scenario

SMALL = (SCENARIO_DIR / "test_small.toml").read_text()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


def test_bundled_scenarios_load_by_name_and_by_path() -> None:
    assert {"erenhot_day", "test_small"} <= set(bundled_scenarios())
    day = load_scenario("erenhot_day")
    assert day.fleet.agvs == 60
    assert day.map_ref == "erenhot_zamyn_uud"
    assert len(day.arrivals.cn_to_mn_per_h) == 24
    assert load_scenario(SCENARIO_DIR / "test_small.toml") == load_scenario("test_small")


def test_overrides_apply_and_validate() -> None:
    sc = load_scenario("test_small").with_overrides(seed=3, hours=0.5, agvs=2)
    assert (sc.seed, sc.duration_h, sc.fleet.agvs) == (3, 0.5, 2)
    with pytest.raises(ScenarioError, match="--agvs: must be >= 1, got 0"):
        sc.with_overrides(agvs=0)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("agvs = 4", "agvs = -1", r"fleet\.agvs: must be an integer >= 1, got -1"),
        ("agvs = 4", "agvs = 2.5", r"fleet\.agvs: must be an integer, got 2\.5"),
        ("low = 0.6", "low = 0.7", r"risk: low \+ medium \+ high must sum to 1"),
        ("time_s = 120.0", "time_s = -5", r"scan\.time_s: must be in \[0\.0, inf\], got -5"),
        ("time_s = 120.0", "time_s = 'slow'", r"scan\.time_s: must be a number, got 'slow'"),
        (
            "cn_to_mn_per_h = [5, 5,",
            "cn_to_mn_per_h = [5,",
            r"arrivals\.cn_to_mn_per_h: must be a list of 24 hourly rates .*got 23 values",
        ),
        (
            'owner_codes = ["CSQ", "MSK", "TGH"]',
            'owner_codes = ["CSQ", "M5K"]',
            r"arrivals\.owner_codes\[1\]: must be an ISO 6346 owner code of 3 letters",
        ),
        ("seed = 7", "seed = 7\nspeed = 3", r"speed: unknown key; allowed keys: arrivals, "),
        ("headway_m = 8.0", "headway_m = 8.0\nwheels = 6", r"fleet\.wheels: unknown key"),
        (
            "verdict_latency_s = [10.0, 120.0]",
            "verdict_latency_s = [120.0, 10.0]",
            r"risk\.verdict_latency_s: must satisfy 0 <= min <= max",
        ),
        ('map = "test_crossing"', "", r"map: missing; give a string"),
        ("[fleet]", "[fleet_]", r"fleet_: unknown key"),
    ],
)
def test_invalid_values_name_file_key_and_allowed_values(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in SMALL
    path = write(tmp_path, SMALL.replace(old, new, 1))
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(path)
    assert str(info.value).startswith(str(path))


def test_closure_errors(tmp_path: Path) -> None:
    bad = SMALL + '\n[[closures]]\nlane = "x"\nzone = "y"\nfrom_h = 1\nto_h = 2\n'
    with pytest.raises(ScenarioError, match=r"closures\[1\]: give exactly one of lane"):
        load_scenario(write(tmp_path, bad))
    bad = SMALL + '\n[[closures]]\nlane = "x"\nfrom_h = 2\nto_h = 1\n'
    with pytest.raises(ScenarioError, match=r"closures\[1\]\.to_h: must be later than from_h"):
        load_scenario(write(tmp_path, bad))
    ok = SMALL + '\n[[closures]]\nzone = "z1"\nfrom_h = 0.5\nto_h = 1\nreason = "works"\n'
    closures = load_scenario(write(tmp_path, ok)).closures
    (closure,) = [c for c in closures if c.target == "z1"]
    assert (closure.target, closure.is_zone, closure.from_s, closure.to_s) == (
        "z1",
        True,
        1800,
        3600,
    )


def test_broken_toml_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(write(tmp_path, "name = [unclosed"))
    with pytest.raises(ScenarioError, match=r"no such scenario file.*erenhot_day, "):
        load_scenario("no_such_study")


def test_closure_of_an_unknown_lane_fails_before_the_run(tmp_path: Path) -> None:
    from sim.runner import Simulation
    from tests.sim.graphs import tiny_crossing

    own = SMALL.split("\n[[closures]]")[0]  # the tiny test graph has lanes L1..L5
    text = own + '\n[[closures]]\nlane = "L2"\nfrom_h = 0.5\nto_h = 1\n'
    text += '\n[[closures]]\nlane = "L9"\nfrom_h = 0.5\nto_h = 1\n'
    with pytest.raises(ScenarioError, match=r"closures\[1\]\.lane: 'L9' is no lane of the map"):
        Simulation(load_scenario(write(tmp_path, text)), graph=tiny_crossing())
