"""Per-vehicle ROS topic names, without ROS: the one rule the ROS package, Gazebo bridge
configs and recordings all name vehicles' topics by.

``borderflow_ros.qos`` re-exports :func:`vehicle_topic` (that module needs rclpy for its QoS
profiles; this one is importable where ROS is not installed, as by ``simulate --mcap``).
"""

from __future__ import annotations

import re

__all__ = ["vehicle_topic"]

_NOT_A_NAME_CHAR = re.compile(r"[^A-Za-z0-9_]")


def vehicle_topic(vehicle_id: str, leaf: str) -> str:
    """Per-vehicle topic, e.g. ``/agv/agv_01/odom`` (leaf: command, plan, cmd_vel, odom, state).

    ROS names allow letters, digits and ``_`` only, not starting with a digit: other characters
    of the id (``AGV-01``) become ``_``; the messages themselves carry the real id."""
    token = _NOT_A_NAME_CHAR.sub("_", vehicle_id)
    if not token or token[0].isdigit():
        token = f"v{token}"
    return f"/agv/{token}/{leaf}"
