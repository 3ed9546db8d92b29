"""Authentication for the bridge: signing keys with ``kid`` rotation, hashed client secrets,
short-lived EdDSA JWTs (PyJWT) for machines (OAuth2 client credentials) and people (admin CLI)."""

from __future__ import annotations

from risk_bridge.security.principal import Principal
from risk_bridge.security.state import StateDir

__all__ = ["Principal", "StateDir"]
