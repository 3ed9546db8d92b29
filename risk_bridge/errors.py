"""The bridge's one exception hierarchy. Only :mod:`risk_bridge.app` maps these to HTTP codes.

Every message names the offending id and says how to fix the request.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BadInput",
    "BridgeError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "StoreUnavailable",
]


class BridgeError(Exception):
    """Base of every error the bridge raises on purpose."""

    status = 400


class BadInput(BridgeError):
    """The request is well-formed JSON but its content is wrong (422)."""

    status = 422


class NotFound(BridgeError):
    status = 404


class Conflict(BridgeError):
    """The request contradicts the stored state (idempotency key reuse, nothing to release)."""

    status = 409


class AuthError(BridgeError):
    """Missing, expired or forged credentials (401; the message reveals nothing stored)."""

    status = 401


class Forbidden(BridgeError):
    """Authenticated, but the role or jurisdiction does not allow this (403)."""

    status = 403


class StoreUnavailable(BridgeError):
    """The store cannot be written: nothing was acknowledged (503); fail-safe engaged."""

    status = 503
