"""Sweep specs: designs expand in a fixed order, every mistake names its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.sweep.spec import Range, load_spec


def spec_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text('scenario = "test_small"\nhours = 0.5\n' + body, encoding="utf-8")
    return path


def test_grid_is_every_combination_in_file_order(tmp_path: Path) -> None:
    spec = load_spec(
        spec_file(
            tmp_path, 'seeds = 3\n[parameters]\n"fleet.agvs" = [2, 4]\nscanners = [1, 2, 3]\n'
        )
    )
    assert spec.seeds == (7, 8, 9)  # test_small's seed 7, then the next ones
    points = spec.points()
    assert len(points) == 6
    assert points[:4] == [
        {"fleet.agvs": 2, "scanners": 1},
        {"fleet.agvs": 2, "scanners": 2},
        {"fleet.agvs": 2, "scanners": 3},
        {"fleet.agvs": 4, "scanners": 1},
    ]


def test_random_design_is_drawn_within_ranges_and_repeatable(tmp_path: Path) -> None:
    body = (
        'design = "random"\nsamples = 25\ndesign_seed = 4\nseeds = [1, 5]\n[parameters]\n'
        '"fleet.agvs" = { min = 2, max = 6, integer = true }\n'
        '"scan.time_s" = { min = 60.0, max = 300.0 }\n"risk.mix" = [[0.8, 0.2, 0.0], [1, 0, 0]]\n'
    )
    spec = load_spec(spec_file(tmp_path, body))
    assert isinstance(spec.parameters["fleet.agvs"], Range)
    points = spec.points()
    assert points == load_spec(spec_file(tmp_path, body)).points()
    assert len(points) == 25 and spec.seeds == (1, 5)
    assert all(isinstance(p["fleet.agvs"], int) and 2 <= p["fleet.agvs"] <= 6 for p in points)
    assert all(60.0 <= p["scan.time_s"] <= 300.0 for p in points)
    assert len({p["fleet.agvs"] for p in points}) > 2
    other = load_spec(spec_file(tmp_path, body.replace("design_seed = 4", "design_seed = 5")))
    assert other.points() != points


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('[parameters]\n"speed" = [1]\n', "parameters.speed", "unknown parameter"),
        ('[parameters]\n"fleet.agvs" = 4\n', "parameters.fleet.agvs", "must be a list"),
        ('[parameters]\n"fleet.agvs" = []\n', "parameters.fleet.agvs", "at least one"),
        ("seeds = 0\n", "seeds", "integer >= 1"),
        ("seeds = [1, 1]\n", "seeds", "distinct"),
        ('design = "sobol"\n', "design", '"grid" or "random"'),
        ("colour = 1\n", "colour", "unknown key"),
        ("[target]\np95_crossing_min = -3\n", "target.p95_crossing_min", "minutes > 0"),
        ("seeds = 100001\n", "seeds", "at most 100,000"),
    ],
)
def test_bad_specs_name_the_key(tmp_path: Path, body: str, key: str, words: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_spec(spec_file(tmp_path, body))
    assert err.value.key == key
    assert words in str(err.value)


def test_the_scenario_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('scenario = "no_such_day"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_spec(path)
