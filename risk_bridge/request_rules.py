"""The rules every API write request passes before it reaches the service, in one place for
the FastAPI dependencies (:mod:`risk_bridge.deps`) and the ASGI fast path
(:mod:`risk_bridge.fastpath`): bearer token parsing, role checks, the ``Idempotency-Key``
pattern and the request digest an idempotent replay is matched on."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from risk_bridge.domain import Role
from risk_bridge.errors import Forbidden
from risk_bridge.security import Principal

__all__ = [
    "IDEMPOTENCY_KEY_MAX",
    "IDEMPOTENCY_KEY_MIN",
    "IDEMPOTENCY_KEY_PATTERN",
    "bearer_token",
    "body_digest",
    "is_idempotency_key",
    "require_role",
]

_KEY_CHARS = "A-Za-z0-9._:-"
IDEMPOTENCY_KEY_PATTERN = rf"^[{_KEY_CHARS}]+$"  # with the length bounds below
IDEMPOTENCY_KEY_MIN = 8
IDEMPOTENCY_KEY_MAX = 128
_KEY = re.compile(rf"[{_KEY_CHARS}]{{{IDEMPOTENCY_KEY_MIN},{IDEMPOTENCY_KEY_MAX}}}")


def is_idempotency_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value (None: not one)."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def require_role(caller: Principal, roles: Iterable[Role]) -> None:
    allowed = tuple(roles)
    if caller.role not in allowed:
        names = ", ".join(r.value for r in allowed)
        raise Forbidden(f"role {caller.role.value} may not do this (allowed: {names})")


def body_digest(path: str, body: bytes) -> str:
    """What an idempotent replay must match: the request's path and body."""
    return hashlib.sha256(path.encode() + b"\n" + body).hexdigest()
