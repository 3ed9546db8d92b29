"""The ``map`` frame of every ROS message: the crossing's local metric frame (REP 105), x east,
y north, metres, origin at the south-west corner of the map (the one rule is
:func:`maps.frame.map_origin`, shared with the Gazebo worlds and the recordings)."""

from __future__ import annotations

from maps.frame import map_origin

__all__ = ["map_origin"]
