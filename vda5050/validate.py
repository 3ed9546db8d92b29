"""Messages checked against the official VDA 5050 JSON schemas (draft 2020-12).

The schemas are the VDA's own, vendored unchanged in ``vda5050/schemas/`` (SOURCE.md says from
which commit, LICENSE.txt under which licence). Validators are built once per (message,
version) with formats checked (``timestamp`` must be an RFC 3339 date-time). Used on every
message borderflow emits (tests) and on every message it receives (before anything is read
from it).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from vda5050.versions import Version

__all__ = ["SCHEMAS", "SchemaRefusal", "check", "problems"]

SCHEMAS = Path(__file__).resolve().parent / "schemas"


class SchemaRefusal(ValueError):
    """A message that does not follow its schema: the first problems, with their paths."""


def _closed(node: Any, here: bool = True) -> Any:
    """The schema with every object that lists its properties and says nothing of others
    closed (the official files are left as they are): ``additionalProperties: false``, or
    ``unevaluatedProperties: false`` where ``allOf`` branches add properties (3.0's zones).
    The ``if``/``then``/``else`` parts themselves stay open: they see only some fields."""
    if isinstance(node, dict):
        out = {k: _closed(v, k not in ("if", "then", "else")) for k, v in node.items()}
        open_ = "additionalProperties" not in out and "unevaluatedProperties" not in out
        if here and "properties" in out and open_:
            branches = any(k in out for k in ("allOf", "anyOf", "oneOf"))
            out["unevaluatedProperties" if branches else "additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


@cache
def _validator(kind: str, version: Version, strict: bool) -> Any:
    path = SCHEMAS / f"v{version.value}" / f"{kind}.schema.json"
    if not path.is_file():
        raise ValueError(f"VDA 5050 {version.value} has no {kind!r} message")
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(_closed(schema) if strict else schema,
                                       validate_formats=True)  # fmt: skip


def problems(kind: str, version: Version, message: object, limit: int = 5, *,
             strict: bool = False) -> list[str]:  # fmt: skip
    """Up to ``limit`` schema problems of ``message``, each ``path: what``; [] when valid.
    ``strict``: fields the schema does not name are problems too (what borderflow reads from
    a vehicle; the schema alone allows them)."""
    out = []
    for err in _validator(kind, version, strict).iter_errors(message):
        where = "/".join(str(p) for p in err.instance_path) or "(top)"
        out.append(f"{where}: {err.message}")
        if len(out) >= limit:
            break
    return out


def check(kind: str, version: Version, message: object, *, strict: bool = False) -> None:
    """Raise :class:`SchemaRefusal` when ``message`` is not a valid ``kind`` message."""
    found = problems(kind, version, message, strict=strict)
    if found:
        raise SchemaRefusal(f"not a valid VDA 5050 {version.value} {kind}: " + "; ".join(found))
