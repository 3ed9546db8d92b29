"""ROS 2 message definitions as MCAP ``ros2msg`` schemas, the way rosbag2 writes them.

A schema is the type's own ``.msg`` text followed, for every type it depends on (depth first,
each once), by a line of 80 ``=``, ``MSG: pkg/Name`` and that type's text. Definitions come from
a *lookup* (type name -> text): :func:`bundled_lookup` knows the standard types a SimPy
recording uses (:mod:`recording.ros2_std`) and reads borderflow's own from
``ros_ws/src/borderflow_interfaces/msg``; :func:`share_lookup` reads any installed ROS 2
package's ``share/<pkg>/msg/<Name>.msg`` (what ``borderflow ros record`` sees on the wire).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from recording.ros2_std import STANDARD

__all__ = [
    "INTERFACES_DIR",
    "Lookup",
    "RecordingError",
    "bundled_lookup",
    "dependencies",
    "normalize",
    "schema_text",
    "share_lookup",
]

INTERFACES_DIR = Path(__file__).resolve().parents[1] / "ros_ws" / "src" / "borderflow_interfaces"
_SEPARATOR = "=" * 80
_PRIMITIVES = frozenset((
    "bool", "byte", "char", "float32", "float64", "int8", "uint8", "int16", "uint16", "int32",
    "uint32", "int64", "uint64", "string", "wstring",
))  # fmt: skip
_ARRAY = re.compile(r"\[[^\]]*\]$")
_FIELD = re.compile(r"(\S+)\s+(\w+)\s*(=)?")

# A lookup: "pkg/msg/Name" -> the .msg text, or None when it does not know the type.
Lookup = Callable[[str], str | None]


class RecordingError(Exception):
    """A recording cannot be written or read as asked; the message says what and why."""


def normalize(type_name: str, package: str = "") -> str:
    """``pkg/msg/Name`` for ``pkg/Name``, ``pkg/msg/Name`` or (inside ``package``) ``Name``."""
    parts = type_name.split("/")
    if len(parts) == 3:
        return type_name
    if len(parts) == 2:
        return f"{parts[0]}/msg/{parts[1]}"
    if not package:
        raise RecordingError(f"message type {type_name!r} names no package")
    return f"{package}/msg/{type_name}"


def dependencies(type_name: str, text: str) -> list[str]:
    """The non-primitive field types of one definition, in order, as ``pkg/msg/Name``."""
    package = type_name.split("/", maxsplit=1)[0]
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _FIELD.match(line)
        if m is None or m.group(3):
            continue  # a constant (NAME=value) declares no field
        field_type = m.group(1)
        base = _ARRAY.sub("", field_type).split("<=", 1)[0]
        if base in _PRIMITIVES:
            continue
        out.append(normalize(base, package))
    return out


def schema_text(type_name: str, lookup: Lookup) -> str:
    """The rosbag2-style ``ros2msg`` schema of ``type_name`` (``pkg/msg/Name``) with all its
    dependencies' text; :class:`RecordingError` naming a type the lookup does not know."""
    top = normalize(type_name)
    seen: list[str] = []

    def text_of(name: str, wanted_by: str) -> str:
        text = lookup(name)
        if text is None:
            why = f" (a field of {wanted_by})" if wanted_by else ""
            raise RecordingError(f"no definition of the message type {name}{why}")
        return text

    def visit(name: str, text: str) -> None:
        for dep in dependencies(name, text):
            if dep not in seen and dep != top:
                seen.append(dep)
                visit(dep, text_of(dep, name))

    body = text_of(top, "")
    visit(top, body)
    parts = [body.rstrip("\n")]
    for dep in seen:
        pkg, _, name = dep.split("/")
        parts += [_SEPARATOR, f"MSG: {pkg}/{name}", text_of(dep, "").rstrip("\n")]
    return "\n".join(parts) + "\n"


@cache
def _interface_text(name: str) -> str | None:
    path = INTERFACES_DIR / "msg" / f"{name}.msg"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def bundled_lookup(type_name: str) -> str | None:
    """Standard types from :mod:`recording.ros2_std`, borderflow's from its ``.msg`` files."""
    if type_name in STANDARD:
        return STANDARD[type_name]
    pkg, _, name = type_name.partition("/msg/")
    if pkg == "borderflow_interfaces":
        return _interface_text(name)
    return None


def share_lookup(prefixes: Iterable[str | Path]) -> Lookup:
    """A lookup over installed ROS 2 prefixes (``AMENT_PREFIX_PATH``): ``share/pkg/msg/*.msg``."""
    roots = [Path(p) for p in prefixes]

    @cache
    def find(type_name: str) -> str | None:
        pkg, _, name = type_name.partition("/msg/")
        for root in roots:
            path = root / "share" / pkg / "msg" / f"{name}.msg"
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return None

    return find
