"""The AGV as an SDFormat 1.9 model: chassis, two driven wheels, two casters, a container.

Links (every one with ``<inertial>``, as pybullet and Gazebo's physics need): ``base_link``
(the chassis box), ``left_wheel`` / ``right_wheel`` (cylinders on revolute joints at the middle
of the chassis, ``wheel_separation_m`` apart), ``front_caster`` / ``rear_caster`` (frictionless
spheres, fixed) and ``payload`` (a 40 ft container, fixed on top). The model frame is on the
ground under the axle, x forward. Systems: ``gz-sim-diff-drive-system`` (wheel geometry and
speed limiter from :class:`~gazebo.spec.AgvSpec`), ``gz-sim-odometry-publisher-system`` (the
model's pose in the world frame, which is the ``map`` frame: what the fleet adapter expects on
``/agv/<id>/odom``) and ``gz-sim-pose-publisher-system``.

Gazebo topics are per model (:func:`gz_topics`); ``bridge.yaml`` maps them to the ROS topics.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from gazebo.sdf import SDF_VERSION, box_geometry, fmt, inertial, material, pose, sub, to_text
from gazebo.spec import CONTAINER_SIZE_M, AgvSpec, box_inertia, cylinder_inertia, sphere_inertia

__all__ = ["MODEL_NAME", "GzTopics", "agv_model", "gz_topics", "model_config", "model_sdf"]

MODEL_NAME = "borderflow_agv"
_CHASSIS_RGBA = (0.95, 0.75, 0.1, 1.0)  # safety yellow
_WHEEL_RGBA = (0.1, 0.1, 0.1, 1.0)
_CONTAINER_RGBA = (0.1, 0.35, 0.7, 1.0)


@dataclass(frozen=True, slots=True)
class GzTopics:
    """The Gazebo transport topics of one AGV model."""

    cmd_vel: str  # gz.msgs.Twist in (DiffDrive)
    odom: str  # gz.msgs.Odometry out, world (= map) frame (OdometryPublisher)
    pose: str  # gz.msgs.Pose out (PosePublisher: the model's pose)
    wheel_odom: str  # gz.msgs.Odometry out, relative to the start (DiffDrive; not bridged)


def gz_topics(model_name: str) -> GzTopics:
    """Gazebo's own naming, ``/model/<name>/...``, with every publisher on its own topic (the
    DiffDrive and the OdometryPublisher would otherwise both publish ``odometry``)."""
    base = f"/model/{model_name}"
    return GzTopics(f"{base}/cmd_vel", f"{base}/odometry", f"{base}/pose", f"{base}/wheel_odometry")


def _surface(collision: ET.Element, mu: float) -> None:
    friction = sub(sub(collision, "surface"), "friction")
    ode = sub(friction, "ode")
    sub(ode, "mu", fmt(mu))
    sub(ode, "mu2", fmt(mu))


def _pose_el(x: float, y: float, z: float) -> ET.Element:
    el = ET.Element("pose")
    el.text = fmt(x, y, z, 0.0, 0.0, 0.0)
    return el


def _chassis(model: ET.Element, spec: AgvSpec) -> None:
    # The root link's frame is the model's (on the ground under the axle) and its box is
    # offset inside it: pybullet puts a root link at the model pose whatever the link's pose.
    link = sub(model, "link", name="base_link")
    z = spec.ground_clearance_m + spec.chassis_height_m / 2.0
    size = (spec.length_m, spec.width_m - 2 * spec.wheel_width_m - 0.1, spec.chassis_height_m)
    inertia = inertial(link, spec.chassis_mass_kg, box_inertia(spec.chassis_mass_kg, *size))
    inertia.insert(0, _pose_el(spec.com_forward_m, 0.0, z))
    col = sub(link, "collision", name="collision")
    pose(col, 0.0, 0.0, z)
    box_geometry(col, size)
    vis = sub(link, "visual", name="visual")
    pose(vis, 0.0, 0.0, z)
    box_geometry(vis, size)
    material(vis, _CHASSIS_RGBA)


def _wheel(model: ET.Element, spec: AgvSpec, side: str, y_m: float) -> None:
    link = sub(model, "link", name=f"{side}_wheel")
    # A cylinder's axis is its z: rolled -90 degrees it points left (+y), and the joint's
    # z axis with it, so a positive wheel speed drives forward on both sides.
    pose(link, 0.0, y_m, spec.wheel_radius_m, -math.pi / 2.0, 0.0, 0.0)
    inertial(
        link,
        spec.wheel_mass_kg,
        cylinder_inertia(spec.wheel_mass_kg, spec.wheel_radius_m, spec.wheel_width_m),
    )
    # Collision: a sphere of the wheel's radius, one contact point under the hub; a cylinder
    # touches the ground on a rim edge, and the off-centre contact yaws a long vehicle.
    col = sub(link, "collision", name="collision")
    sub(sub(sub(col, "geometry"), "sphere"), "radius", fmt(spec.wheel_radius_m))
    _surface(col, 1.0)
    vis = sub(link, "visual", name="visual")
    cyl = sub(sub(vis, "geometry"), "cylinder")
    sub(cyl, "radius", fmt(spec.wheel_radius_m))
    sub(cyl, "length", fmt(spec.wheel_width_m))
    material(vis, _WHEEL_RGBA)
    joint = sub(model, "joint", name=f"{side}_wheel_joint", type="revolute")
    sub(joint, "parent", "base_link")
    sub(joint, "child", f"{side}_wheel")
    axis = sub(joint, "axis")
    sub(axis, "xyz", "0 0 1")
    limit = sub(axis, "limit")
    sub(limit, "lower", "-1e16")  # Gazebo's convention for an unlimited revolute joint
    sub(limit, "upper", "1e16")


def _caster(model: ET.Element, spec: AgvSpec, end: str, x_m: float) -> None:
    link = sub(model, "link", name=f"{end}_caster")
    r = spec.caster_radius_m
    # Only the front caster stands on the ground: wheels + front caster is a determinate
    # three-point stance (with the centre of mass ahead of the axle, most of the weight is on
    # the driven wheels, so they grip). The rear one rides just clear, for a nose-up pitch; on
    # the ground as well, a rigid four-point stance lets the solver put the weight on the
    # frictionless casters and the wheels spin.
    lift_m = spec.rear_caster_clearance_m if end == "rear" else 0.0
    pose(link, x_m, 0.0, r + lift_m)
    inertial(link, spec.caster_mass_kg, sphere_inertia(spec.caster_mass_kg, r))
    for tag in ("collision", "visual"):
        el = sub(link, tag, name=tag)
        sub(sub(sub(el, "geometry"), "sphere"), "radius", fmt(r))
        if tag == "collision":
            _surface(el, 0.0)  # a caster only carries weight; friction would brake the AGV
        else:
            material(el, _WHEEL_RGBA)
    joint = sub(model, "joint", name=f"{end}_caster_joint", type="fixed")
    sub(joint, "parent", "base_link")
    sub(joint, "child", f"{end}_caster")


def _payload(model: ET.Element, spec: AgvSpec) -> None:
    link = sub(model, "link", name="payload")
    size = CONTAINER_SIZE_M
    top_m = spec.ground_clearance_m + spec.chassis_height_m
    pose(link, 0.0, 0.0, top_m + size[2] / 2.0)
    inertial(link, spec.payload_mass_kg, box_inertia(spec.payload_mass_kg, *size))
    box_geometry(sub(link, "collision", name="collision"), size)
    vis = sub(link, "visual", name="visual")
    box_geometry(vis, size)
    material(vis, _CONTAINER_RGBA)
    joint = sub(model, "joint", name="payload_joint", type="fixed")
    sub(joint, "parent", "base_link")
    sub(joint, "child", "payload")


def _plugins(model: ET.Element, spec: AgvSpec, name: str) -> None:
    topics = gz_topics(name)
    dd = sub(
        model, "plugin", filename="gz-sim-diff-drive-system", name="gz::sim::systems::DiffDrive"
    )
    sub(dd, "left_joint", "left_wheel_joint")
    sub(dd, "right_joint", "right_wheel_joint")
    for key, value in spec.diff_drive_params().items():
        sub(dd, key, fmt(value))
    sub(dd, "topic", topics.cmd_vel)
    sub(dd, "odom_topic", topics.wheel_odom)
    sub(dd, "tf_topic", f"/model/{name}/wheel_tf")
    sub(dd, "frame_id", f"{name}/odom")
    sub(dd, "child_frame_id", f"{name}/base_link")
    sub(dd, "odom_publish_frequency", "10")
    odom = sub(
        model,
        "plugin",
        filename="gz-sim-odometry-publisher-system",
        name="gz::sim::systems::OdometryPublisher",
    )
    sub(odom, "odom_frame", "map")  # the world frame is the map frame (gazebo.world)
    sub(odom, "robot_base_frame", f"{name}/base_link")
    sub(odom, "odom_topic", topics.odom)
    sub(odom, "tf_topic", f"/model/{name}/odometry_tf")  # its default would be .../pose
    sub(odom, "odom_publish_frequency", "20")
    sub(odom, "dimensions", "2")
    pp = sub(
        model,
        "plugin",
        filename="gz-sim-pose-publisher-system",
        name="gz::sim::systems::PosePublisher",
    )
    sub(pp, "publish_link_pose", "false")
    sub(pp, "publish_nested_model_pose", "true")  # with publish_model_pose: the model itself
    sub(pp, "publish_model_pose", "true")
    sub(pp, "use_pose_vector_msg", "false")
    sub(pp, "update_frequency", "10")


def agv_model(
    spec: AgvSpec, name: str = MODEL_NAME, at: tuple[float, float, float] | None = None
) -> ET.Element:
    """The ``<model>`` element; ``at`` = (x_m, y_m, yaw_rad) places it in a world."""
    model = ET.Element("model", name=name)
    if at is not None:
        pose(model, at[0], at[1], 0.0, 0.0, 0.0, at[2])
    _chassis(model, spec)
    half = spec.wheel_separation_m / 2.0
    _wheel(model, spec, "left", half)
    _wheel(model, spec, "right", -half)
    _caster(model, spec, "front", spec.caster_offset_m)
    _caster(model, spec, "rear", -spec.caster_offset_m)
    _payload(model, spec)
    _plugins(model, spec, name)
    return model


def model_sdf(spec: AgvSpec) -> str:
    """``models/borderflow_agv/model.sdf``: the model on its own (Gazebo's model path, tests)."""
    root = ET.Element("sdf", version=SDF_VERSION)
    root.append(agv_model(spec))
    return to_text(root)


def model_config(spec: AgvSpec) -> str:
    """``model.config``: what Gazebo's model database shows for the model."""
    root = ET.Element("model")
    sub(root, "name", MODEL_NAME)
    sub(root, "version", "1.0")
    sub(root, "sdf", "model.sdf", version=SDF_VERSION)
    author = sub(root, "author")
    sub(author, "name", "borderflow")
    sub(
        root,
        "description",
        f"borderflow container AGV: {spec.length_m:g} m diff-drive tractor with a 40 ft "
        f"container, {spec.max_speed_mps:g} m/s, {spec.accel_mps2:g} m/s^2 up, "
        f"{spec.decel_mps2:g} m/s^2 down.",
    )
    return to_text(root)
