"""The generated AGV model drives as the core plans: pybullet physics on the model.sdf as written.

pybullet (p.DIRECT, no GUI) loads ``models/borderflow_agv/model.sdf``; the DiffDrive system is
stood in for by its two documented parts, both fed with the parameters read back from the
generated plugin element: the speed limiter (``max_linear_velocity``,
``max_linear_acceleration``, ``min_linear_acceleration``, ``max_angular_velocity``) and the
wheel command (wheel speed = (v -+ w * ``wheel_separation`` / 2) / ``wheel_radius``). The
command is the fleet adapter follower's: pure pursuit on the lane's centre line (open-loop
wheels drift off a 500 m lane; the follower steers on odometry), the speed coming down to stop
at the lane's end with the fleet's deceleration. On the
Erenhot map's longest straight lane, at its planned speed, the vehicle must reach the end when
``sim.kinematics.trapezoid_time_s`` says (the time the simulator and the core's plan use).
pybullet reads no SDF surface friction, so the casters' ``mu`` is applied from the file.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pybullet as p
import pytest

from gazebo.generate import world_files, write_files
from gazebo.spawn import LANE_WIDTH_M
from gazebo.spec import AgvSpec
from maps import load_map
from maps.fingerprint import map_identity
from orchestrator.lanegraph import Edge
from sim.kinematics import trapezoid_time_s
from sim.scenario import load_scenario

DT_S = 1.0 / 240.0
LOOKAHEAD_M = 8.0


def _straight_lane() -> Edge:
    """The longest lane segment drawn as one straight line (no interior vertices)."""
    graph = load_map("erenhot_zamyn_uud")
    return max((e for e in graph.edges.values() if not e.shape_m), key=lambda e: e.length_m)


def _model(tmp_path: Path) -> tuple[Path, dict[str, float], dict[str, float]]:
    """The written model file, its DiffDrive parameters and each link's collision mu."""
    fleet = load_scenario("erenhot_day").fleet
    graph = load_map("erenhot_zamyn_uud")
    sha = map_identity("erenhot_zamyn_uud").sha256
    write_files(
        tmp_path, world_files(graph, "erenhot_zamyn_uud", sha, AgvSpec.from_fleet(fleet), 1)
    )
    path = tmp_path / "models" / "borderflow_agv" / "model.sdf"
    model = ET.parse(path).getroot().find("model")
    assert model is not None
    dd = model.find("plugin[@filename='gz-sim-diff-drive-system']")
    assert dd is not None
    params = {
        el.tag: float(el.text or "nan")
        for el in dd
        if el.tag.startswith(("max_", "min_", "wheel_"))
    }
    mu = {
        str(link.get("name")): float(link.findtext("collision/surface/friction/ode/mu", "0.5"))
        for link in model.findall("link")
    }
    return path, params, mu


def _drive(
    path: Path, params: dict[str, float], mu: dict[str, float], length_m: float, speed_mps: float
) -> tuple[float, float, float, float]:
    """Drive ``length_m`` straight ahead; (arrival time s, x reached, largest lateral offset
    from the centre line, final yaw)."""
    client = p.connect(p.DIRECT)
    try:
        p.setGravity(0, 0, -9.81, physicsClientId=client)
        p.setTimeStep(DT_S, physicsClientId=client)
        plane = p.createCollisionShape(p.GEOM_PLANE, physicsClientId=client)
        p.createMultiBody(0, plane, physicsClientId=client)
        (agv,) = p.loadSDF(str(path), physicsClientId=client)
        joints = {}
        for j in range(p.getNumJoints(agv, physicsClientId=client)):
            info = p.getJointInfo(agv, j, physicsClientId=client)
            joints[info[1].decode()] = j
            link = info[12].decode()
            p.changeDynamics(agv, j, lateralFriction=mu[link], physicsClientId=client)
        wheels = [joints["left_wheel_joint"], joints["right_wheel_joint"]]
        for _ in range(240):  # settle on the ground
            p.stepSimulation(physicsClientId=client)
        x0 = p.getBasePositionAndOrientation(agv, physicsClientId=client)[0][0]
        v_cmd, t, off_m = 0.0, 0.0, 0.0
        vmax = min(speed_mps, params["max_linear_velocity"])
        while t < 600.0:
            pos, orn = p.getBasePositionAndOrientation(agv, physicsClientId=client)
            remaining = length_m - (pos[0] - x0)
            off_m = max(off_m, abs(pos[1]))
            if remaining <= 0.25:
                break
            # The follower's command (slow down to stop at the end) through the limiter.
            target = min(vmax, math.sqrt(2.0 * -params["min_linear_acceleration"] * remaining))
            step_up = params["max_linear_acceleration"] * DT_S
            step_down = -params["min_linear_acceleration"] * DT_S
            v_cmd = (
                min(target, v_cmd + step_up) if target > v_cmd else max(target, v_cmd - step_down)
            )
            yaw = p.getEulerFromQuaternion(orn)[2]
            alpha = math.atan2(-pos[1], LOOKAHEAD_M) - yaw
            w_max = params["max_angular_velocity"]
            w_cmd = max(-w_max, min(w_max, 2.0 * v_cmd * math.sin(alpha) / LOOKAHEAD_M))
            half = w_cmd * params["wheel_separation"] / 2.0
            for j, v_wheel in zip(wheels, (v_cmd - half, v_cmd + half), strict=True):
                p.setJointMotorControl2(
                    agv,
                    j,
                    p.VELOCITY_CONTROL,
                    targetVelocity=v_wheel / params["wheel_radius"],
                    force=2.0e5,
                    physicsClientId=client,
                )
            p.stepSimulation(physicsClientId=client)
            t += DT_S
        pos, orn = p.getBasePositionAndOrientation(agv, physicsClientId=client)
        yaw = p.getEulerFromQuaternion(orn)[2]
        return t, pos[0] - x0, off_m, yaw
    finally:
        p.disconnect(client)


def test_agv_reaches_the_lane_end_when_the_core_expects(tmp_path: Path) -> None:
    fleet = load_scenario("erenhot_day").fleet
    lane = _straight_lane()
    assert lane.length_m > 100.0
    speed = min(fleet.max_speed_mps, lane.speed_limit_mps)
    path, params, mu = _model(tmp_path)
    assert params["max_linear_velocity"] == pytest.approx(fleet.max_speed_mps)
    assert mu["front_caster"] == 0.0 and mu["left_wheel"] > 0.5
    t, x, drift, yaw = _drive(path, params, mu, lane.length_m, speed)
    expected = trapezoid_time_s(lane.length_m, speed, fleet.accel_mps2, fleet.decel_mps2)
    assert x == pytest.approx(lane.length_m, abs=0.5)
    # It kept to its lane all the way (the world draws lanes LANE_WIDTH_M per lane).
    spec = AgvSpec.from_fleet(fleet)
    assert drift < (lane.lane_count * LANE_WIDTH_M - spec.width_m) / 2.0, drift
    assert abs(yaw) < 0.1
    assert t == pytest.approx(expected, rel=0.03, abs=1.0), (t, expected)


def test_a_wrong_wheel_radius_misses_the_time(tmp_path: Path) -> None:
    """The check can fail: a plugin whose wheel_radius is not the wheels' makes the AGV late."""
    fleet = load_scenario("erenhot_day").fleet
    lane = _straight_lane()
    speed = min(fleet.max_speed_mps, lane.speed_limit_mps)
    path, params, mu = _model(tmp_path)
    wrong = dict(params, wheel_radius=params["wheel_radius"] * 1.5)  # wheels turn 1/1.5 as fast
    t, _, _, _ = _drive(path, wrong, mu, lane.length_m, speed)
    expected = trapezoid_time_s(lane.length_m, speed, fleet.accel_mps2, fleet.decel_mps2)
    assert t > expected * 1.2
