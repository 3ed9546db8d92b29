"""Node parameters: declared with defaults and descriptions, read once, validated.

Each node describes its parameters as :class:`Param` rows; :func:`load` declares them on the
node, reads them and checks the bounds, raising :class:`ParameterError` with the parameter's name,
the bad value and the legal range, so a bad launch fails at start-up with one clear line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node

from borderflow_ros.errors import ParameterError

__all__ = ["Param", "load", "validate"]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: Any
    description: str
    # A value check returning an error text ("" when fine), e.g. positive().
    check: Callable[[Any], str] | None = None


def positive(value: Any) -> str:
    return "" if value > 0 else "must be > 0"


def non_negative(value: Any) -> str:
    return "" if value >= 0 else "must be >= 0"


def at_least(low: float) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        return "" if value >= low else f"must be >= {low}"

    return check


def not_empty(value: Any) -> str:
    return "" if value else "must not be empty"


def validate(node_name: str, params: Sequence[Param], values: dict[str, Any]) -> dict[str, Any]:
    """Check ``values`` (already typed by ROS) against ``params``; returns them unchanged."""
    for p in params:
        value = values[p.name]
        if p.check is None:
            continue
        problem = p.check(value)
        if problem:
            raise ParameterError(
                f"{node_name}: parameter {p.name!r} = {value!r} {problem} "
                f"({p.description}); default is {p.default!r}"
            )
    return values


def load(node: Node, params: Sequence[Param]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for p in params:
        node.declare_parameter(p.name, p.default, ParameterDescriptor(description=p.description))
        values[p.name] = node.get_parameter(p.name).value
    return validate(node.get_name(), params, values)
