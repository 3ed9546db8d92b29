"""Generated worlds: valid SDFormat for the real checker, AGVs where the manifest says, apart.

Every bundled map with several fleet sizes (up to the most its start places hold) is written
with the command's own composition (gazebo.generate) and checked with ``ign sdf -k``.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import cache
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from shapely import affinity
from shapely.geometry import Point, Polygon, box

from gazebo.agv_model import MODEL_NAME, gz_topics
from gazebo.frame import local_xy
from gazebo.generate import world_files, write_files
from gazebo.spawn import SpawnError, spawn_capacity, spawn_poses
from gazebo.spec import AgvSpec
from maps import load_map
from maps.fingerprint import map_identity
from orchestrator.lanegraph import LaneGraph
from sim.scenario import load_scenario

SCENARIO = {
    "erenhot_zamyn_uud": "erenhot_day",
    "ganqimaodu_gashuunsukhait": "ganqimaodu_day",
    "test_crossing": "test_small",
}
CASES = [
    ("erenhot_zamyn_uud", 1),
    ("erenhot_zamyn_uud", 6),
    ("erenhot_zamyn_uud", 60),
    ("ganqimaodu_gashuunsukhait", 30),
    ("test_crossing", 1),
    ("test_crossing", "max"),
]


@cache
def _graph(map_id: str) -> LaneGraph:
    return load_map(map_id)


def _spec(map_id: str) -> AgvSpec:
    return AgvSpec.from_fleet(load_scenario(SCENARIO[map_id]).fleet)


def _generate(map_id: str, agvs: int, out: Path) -> dict[str, str]:
    files = world_files(_graph(map_id), map_id, map_identity(map_id).sha256, _spec(map_id), agvs)
    write_files(out, files)
    return files


def _count(map_id: str, agvs: int | str) -> int:
    return spawn_capacity(_graph(map_id), _spec(map_id)) if agvs == "max" else int(agvs)


@pytest.mark.parametrize(("map_id", "agvs"), CASES)
def test_world_passes_the_sdformat_checker(
    map_id: str,
    agvs: int | str,
    tmp_path: Path,
    sdf_check: Callable[[Path], CompletedProcess[str]],
) -> None:
    n = _count(map_id, agvs)
    _generate(map_id, n, tmp_path)
    for rel in ("world.sdf", f"models/{MODEL_NAME}/model.sdf"):
        done = sdf_check(tmp_path / rel)
        assert done.returncode == 0, f"{rel}: {done.stdout}{done.stderr}"
        assert "Valid." in done.stdout


def test_the_checker_refuses_a_broken_world(
    tmp_path: Path, sdf_check: Callable[[Path], CompletedProcess[str]]
) -> None:
    """The check can fail: two AGVs with one name are an SDFormat error."""
    files = _generate("test_crossing", 2, tmp_path)
    (tmp_path / "world.sdf").write_text(files["world.sdf"].replace('"agv_02"', '"agv_01"'))
    done = sdf_check(tmp_path / "world.sdf")
    assert done.returncode != 0
    assert "Valid." not in done.stdout


@pytest.mark.parametrize(("map_id", "agvs"), CASES)
def test_agvs_stand_where_the_manifest_says_apart_and_on_the_ground(
    map_id: str, agvs: int | str, tmp_path: Path
) -> None:
    n = _count(map_id, agvs)
    files = _generate(map_id, n, tmp_path)
    graph, spec = _graph(map_id), _spec(map_id)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["map_id"] == map_id
    assert manifest["map_sha256"] == map_identity(map_id).sha256
    assert manifest["agvs"] == [f"agv_{i:02d}" for i in range(1, n + 1)]
    world = ET.fromstring(files["world.sdf"]).find("world")
    assert world is not None
    models = {m.get("name"): m for m in world.findall("model")}
    footprints: list[Polygon] = []
    for spawn in manifest["spawn"]:
        model = models[spawn["vehicle_id"]]
        x, y, z, _, _, yaw = (float(v) for v in model.findtext("pose", "").split())
        assert (x, y, z) == pytest.approx((spawn["x_m"], spawn["y_m"], 0.0), abs=1e-3)
        assert yaw == pytest.approx(spawn["yaw_rad"], abs=1e-3)
        node = graph.nodes[spawn["node"]]
        nx, ny = local_xy(graph, node.x_m, node.y_m)
        if spawn["on_node"]:
            assert math.hypot(x - nx, y - ny) < 1e-3
        else:  # in a slot of its station's zone
            zone = graph.stations[spawn["station"]].zone
            rings = graph.metadata["zones_m"][zone]  # type: ignore[index]
            poly = Polygon([local_xy(graph, px, py) for px, py in rings[0]])
            assert poly.contains(Point(x, y))
        rect = box(-spec.length_m / 2, -spec.width_m / 2, spec.length_m / 2, spec.width_m / 2)
        footprints.append(affinity.translate(affinity.rotate(rect, yaw, use_radians=True), x, y))
    for i, a in enumerate(footprints):
        for b in footprints[i + 1 :]:
            assert not a.intersects(b), "two AGVs overlap at spawn"
    # Every link of every model has an inertial with a mass (pybullet and Gazebo need it).
    for model in world.iter("model"):
        for link in model.findall("link"):
            assert link.find("inertial/mass") is not None, (model.get("name"), link.get("name"))


def test_each_agv_has_its_own_topics_and_the_spec_limits(tmp_path: Path) -> None:
    files = _generate("erenhot_zamyn_uud", 3, tmp_path)
    world = ET.fromstring(files["world.sdf"]).find("world")
    assert world is not None
    fleet = load_scenario("erenhot_day").fleet
    for vid in ("agv_01", "agv_02", "agv_03"):
        model = world.find(f"model[@name='{vid}']")
        assert model is not None
        dd = model.find("plugin[@filename='gz-sim-diff-drive-system']")
        odom = model.find("plugin[@filename='gz-sim-odometry-publisher-system']")
        assert dd is not None and odom is not None
        assert model.find("plugin[@filename='gz-sim-pose-publisher-system']") is not None
        assert dd.findtext("topic") == gz_topics(vid).cmd_vel
        assert odom.findtext("odom_topic") == gz_topics(vid).odom
        assert odom.findtext("odom_frame") == "map"
        assert float(dd.findtext("max_linear_velocity", "")) == pytest.approx(fleet.max_speed_mps)
        assert float(dd.findtext("max_linear_acceleration", "")) == pytest.approx(fleet.accel_mps2)
        assert float(dd.findtext("min_linear_acceleration", "")) == pytest.approx(-fleet.decel_mps2)
    topics = [t.text for t in world.iter("topic")] + [t.text for t in world.iter("odom_topic")]
    assert len(topics) == len(set(topics)), "two systems publish on one Gazebo topic"


def test_same_map_same_bytes(tmp_path: Path) -> None:
    a = _generate("test_crossing", 2, tmp_path / "a")
    b = _generate("test_crossing", 2, tmp_path / "b")
    assert a == b


def test_ground_covers_the_map_and_the_border_is_drawn(tmp_path: Path) -> None:
    files = _generate("erenhot_zamyn_uud", 1, tmp_path)
    world = ET.fromstring(files["world.sdf"]).find("world")
    assert world is not None
    ground = world.find("model[@name='ground']")
    assert ground is not None
    gx, gy = (float(v) for v in ground.findtext("pose", "").split()[:2])
    w, h = (float(v) for v in ground.findtext(".//collision//size", "").split())
    graph = _graph("erenhot_zamyn_uud")
    for node in graph.nodes.values():
        x, y = local_xy(graph, node.x_m, node.y_m)
        assert abs(x - gx) < w / 2 and abs(y - gy) < h / 2
    border = world.find("model[@name='border']")
    assert border is not None and len(border.findall(".//visual")) > 10
    lanes = world.find("model[@name='lanes']")
    assert lanes is not None and len(lanes.findall(".//visual")) >= len(graph.edges) // 2


def test_too_many_agvs_says_how_many_fit() -> None:
    graph, spec = _graph("test_crossing"), _spec("test_crossing")
    most = spawn_capacity(graph, spec)
    assert 2 <= most < 200
    assert len(spawn_poses(graph, spec, most)) == most
    with pytest.raises(SpawnError, match=f"room for {most} AGVs") as err:
        spawn_poses(graph, spec, most + 1)
    assert err.value.fits == most
