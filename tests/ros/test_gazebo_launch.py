"""launch/borderflow_gazebo.launch.py's plan: what it starts for given arguments (ROS 2 launch
and Gazebo are not installable here, so its decisions are a plain function tested here; the
file itself must at least compile)."""

from __future__ import annotations

import importlib.util
import py_compile
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = ROOT / "launch" / "borderflow_gazebo.launch.py"


def _launch() -> ModuleType:
    spec = importlib.util.spec_from_file_location("borderflow_gazebo_launch", LAUNCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its ROS imports are inside the launch functions
    return module


def test_the_launch_file_compiles() -> None:
    py_compile.compile(str(LAUNCH), doraise=True)


def test_vehicle_ids_and_parameters_come_from_agvs(tmp_path: Path) -> None:
    p = _launch().plan(map_name="erenhot_zamyn_uud", agvs="5", decision_key="k.pub",
                       root=str(tmp_path))  # fmt: skip
    ids = ["agv_01", "agv_02", "agv_03", "agv_04", "agv_05"]
    o = p["orchestrator"]
    assert o["vehicle_ids"] == o["standard_vehicles"] == o["diff_drive_vehicles"] == ids
    assert o["use_sim_time"] is True and o["map"] == "erenhot_zamyn_uud"
    assert o["decision_key"] == "k.pub" and p["markers"]["use_sim_time"] is True
    folder = tmp_path / "out" / "gazebo" / "erenhot_zamyn_uud-5"
    assert p["world"] == str(folder / "world.sdf")
    assert p["bridge_config"] == str(folder / "bridge.yaml")
    assert p["generate"] == ["borderflow", "gazebo", "world", "erenhot_zamyn_uud", "-o",
                             str(folder), "--agvs", "5"]  # fmt: skip
    assert p["env"]["GZ_SIM_RESOURCE_PATH"].split(":")[0] == str(folder / "models")
    assert p["env"]["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"


def test_the_generated_world_is_used_and_its_bridge_config_names_every_vehicle(
    tmp_path: Path,
) -> None:
    launch = _launch()
    first = launch.plan(map_name="test_crossing", agvs=3, root=str(tmp_path))
    # What the launch runs before gz sim: the real command, in the venv.
    argv = [str(ROOT / ".venv" / "bin" / "borderflow"), *first["generate"][1:]]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    again = launch.plan(map_name="test_crossing", agvs=3, root=str(tmp_path))
    assert again["generate"] == []  # generated once, then reused
    config = Path(again["bridge_config"]).read_text()
    for vid in launch.vehicle_ids(3):
        assert f"/agv/{vid}/cmd_vel" in config and f"/agv/{vid}/odom" in config
    assert "agv_04" not in config


@pytest.mark.parametrize(
    ("agvs", "why"), [("three", "not a whole number"), ("0", "out of range"), ("201", "1..200")]
)
def test_bad_agvs_say_what_to_give(agvs: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        _launch().plan(map_name="test_crossing", agvs=agvs)


def test_a_world_without_its_bridge_config_is_refused(tmp_path: Path) -> None:
    world = tmp_path / "w.sdf"
    world.write_text("<sdf version='1.9'/>")
    with pytest.raises(ValueError, match="bridge_config:=FILE"):
        _launch().plan(map_name="test_crossing", agvs=2, world=str(world))
    (tmp_path / "bridge.yaml").write_text("[]\n")
    p = _launch().plan(map_name="test_crossing", agvs=2, world=str(world))
    assert p["bridge_config"] == str(tmp_path / "bridge.yaml") and p["generate"] == []
