"""Customs notices as plain JSON and back, for a core and a bridge in different processes.

:func:`encode` writes a notice's type name and its fields (enums as their values);
:func:`decode` rebuilds the typed record and checks every field's type, so a malformed or
hostile payload (from a DDS topic, say) raises :class:`NoticeDecodeError` naming what is wrong,
and nothing half-built comes out.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from enum import Enum
from typing import Any

from orchestrator.domain.customs_events import (
    BorderCrossed,
    HoldLifted,
    HoldPlaced,
    LateVerdict,
    TamperAlert,
)
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.events import OrderDelivered
from orchestrator.domain.iso6346 import parse_container_number
from orchestrator.errors import BorderflowError, InvalidContainerNumberError
from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, RiskLevel

__all__ = ["NoticeDecodeError", "decode", "encode"]

_TYPES: dict[str, type[Any]] = {
    t.__name__: t
    for t in (HoldPlaced, HoldLifted, BorderCrossed, OrderDelivered, TamperAlert, LateVerdict)
}
# Per field: its enum, float, bool, optional text (None allowed) or text.
_ENUMS: dict[str, type[Enum]] = {
    "side": Side,
    "to_side": Side,
    "authority": Side,
    "direction": Direction,
    "level": RiskLevel,
}
_FLOATS = frozenset({"t_s", "crossing_time_s", "committed_t_s"})
_BOOLS = frozenset({"cleared"})
_OPTIONAL = {
    HoldPlaced: {"station"},
    BorderCrossed: {"container_id"},
    OrderDelivered: {"station"},
}


class NoticeDecodeError(BorderflowError, ValueError):
    """A customs notice payload is malformed; the message says which field."""


def encode(notice: CustomsNotice) -> tuple[str, str]:
    """(type name, fields as JSON) of a notice."""
    data = {}
    for f in fields(notice):
        value = getattr(notice, f.name)
        data[f.name] = value.value if isinstance(value, Enum) else value
    return type(notice).__name__, json.dumps(data, sort_keys=True, allow_nan=False)


def decode(kind: str, fields_json: str) -> CustomsNotice:
    cls = _TYPES.get(kind)
    if cls is None:
        raise NoticeDecodeError(f"notice kind {kind!r} is not one of {', '.join(sorted(_TYPES))}")
    try:
        raw = json.loads(fields_json)
    except ValueError as exc:
        raise NoticeDecodeError(f"{kind}: fields are not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise NoticeDecodeError(f"{kind}: fields must be a JSON object")
    names = [f.name for f in fields(cls)]
    if set(raw) != set(names):
        raise NoticeDecodeError(f"{kind}: fields must be exactly {', '.join(names)}")
    optional = _OPTIONAL.get(cls, set())
    values = {name: _value(kind, name, raw[name], name in optional) for name in names}
    notice: CustomsNotice = cls(**values)
    return notice


def _value(kind: str, name: str, value: object, optional: bool) -> object:
    where = f"{kind}.{name}"
    if value is None and optional:
        return None
    if name in _ENUMS:
        try:
            return _ENUMS[name](value)
        except ValueError:
            legal = ", ".join(m.value for m in _ENUMS[name])
            raise NoticeDecodeError(f"{where} = {value!r} is not one of {legal}") from None
    if name in _FLOATS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise NoticeDecodeError(f"{where} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise NoticeDecodeError(f"{where} must be finite")
        return float(value)
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise NoticeDecodeError(f"{where} must be true or false, got {value!r}")
        return value
    if not isinstance(value, str) or not (value or name == "reason"):
        raise NoticeDecodeError(f"{where} must be a non-empty text, got {value!r}")
    if name == "container_id":
        try:
            return parse_container_number(value)
        except InvalidContainerNumberError as exc:
            raise NoticeDecodeError(f"{where}: {exc}") from None
    return value
