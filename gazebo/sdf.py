"""SDFormat 1.9 building blocks: poses, materials, inertials, box and cylinder geometry.

Small helpers over :mod:`xml.etree.ElementTree`, so the world and the AGV model are written
as element trees (escaped, well-formed) rather than pasted strings. Numbers are written with
a fixed number of decimals: the same map gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

__all__ = [
    "RGBA",
    "SDF_VERSION",
    "box_geometry",
    "fmt",
    "inertial",
    "material",
    "pose",
    "sub",
    "to_text",
    "visual_box",
]

SDF_VERSION = "1.9"
RGBA = tuple[float, float, float, float]


def fmt(*values: float) -> str:
    """Space-separated numbers, 4 decimals, no ``-0``."""
    out = []
    for v in values:
        text = f"{v:.4f}".rstrip("0").rstrip(".")
        out.append("0" if text in ("-0", "") else text)
    return " ".join(out)


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def pose(
    parent: ET.Element,
    x: float = 0.0,
    y: float = 0.0,
    z: float = 0.0,
    roll: float = 0.0,
    pitch: float = 0.0,
    yaw: float = 0.0,
) -> ET.Element:
    return sub(parent, "pose", fmt(x, y, z, roll, pitch, yaw))


def material(parent: ET.Element, rgba: RGBA) -> ET.Element:
    mat = sub(parent, "material")
    sub(mat, "ambient", fmt(*rgba))
    sub(mat, "diffuse", fmt(*rgba))
    sub(mat, "specular", fmt(0.1, 0.1, 0.1, 1.0))
    return mat


def inertial(parent: ET.Element, mass_kg: float, diag: Sequence[float]) -> ET.Element:
    """``<inertial>`` on every link: pybullet refuses a link without one; a static link gets
    mass 0 (pybullet ignores ``<static>`` and makes a zero-mass body fixed)."""
    el = sub(parent, "inertial")
    sub(el, "mass", fmt(mass_kg))
    inertia = sub(el, "inertia")
    for tag, value in zip(("ixx", "iyy", "izz"), diag, strict=True):
        sub(inertia, tag, fmt(value))
    for tag in ("ixy", "ixz", "iyz"):
        sub(inertia, tag, "0")
    return el


def box_geometry(parent: ET.Element, size: Sequence[float]) -> ET.Element:
    geometry = sub(parent, "geometry")
    box = sub(geometry, "box")
    sub(box, "size", fmt(*size))
    return geometry


def visual_box(
    link: ET.Element,
    name: str,
    xyz: Sequence[float],
    yaw: float,
    size: Sequence[float],
    rgba: RGBA,
    transparency: float = 0.0,
) -> ET.Element:
    """A box visual (no collision: markings and buildings never stop a vehicle)."""
    vis = sub(link, "visual", name=name)
    pose(vis, xyz[0], xyz[1], xyz[2], 0.0, 0.0, yaw)
    box_geometry(vis, size)
    material(vis, rgba)
    if transparency:
        sub(vis, "transparency", fmt(transparency))
    sub(vis, "cast_shadows", "false")
    return vis


def to_text(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
