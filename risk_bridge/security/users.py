"""People's accounts for the control-room console: ``users.json`` in the state directory.

Each entry is ``username -> {argon2id hash, role, authority}``, written atomically with mode
0600 like ``clients.json``. Passwords are hashed with argon2id (``argon2-cffi``); a check for an
unknown username still verifies against a dummy hash, so timing does not reveal which names
exist. Roles and authorities follow the same rules as machine clients (an officer needs CN or
MN).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from risk_bridge.domain import Role
from risk_bridge.errors import AuthError, BadInput
from risk_bridge.security.state import _check_role

__all__ = [
    "MIN_PASSWORD_CHARS",
    "SESSION_COOKIE",
    "User",
    "UserBook",
    "check_username",
    "csrf_token",
]

MIN_PASSWORD_CHARS = 12
_NAME = re.compile(r"[A-Za-z0-9._-]{3,64}")
_HASHER = PasswordHasher()  # argon2id with the library's current defaults
SESSION_COOKIE = "bf_session"
# Per process: a restart invalidates CSRF tokens (the console fetches a new one from
# GET /v1/session); several worker processes would each need to share one, which we don't run.
_CSRF_KEY = secrets.token_bytes(32)


def csrf_token(session_token: str) -> str:
    """HMAC-SHA256 (hex) over the session token's jti: the X-CSRF-Token a cookie write needs.

    Call only with a token already verified (the jti is read without checking the signature).
    """
    jti = str(jwt.decode(session_token, options={"verify_signature": False}).get("jti"))
    return hmac.new(_CSRF_KEY, jti.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: Role
    authority: str | None


def check_username(username: str) -> None:
    if _NAME.fullmatch(username) is None:
        raise BadInput(
            f"username {username!r} is not allowed: use 3-64 characters from A-Z a-z 0-9 . _ -"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadInput(
            f"password too short ({len(password)} characters): use at least "
            f"{MIN_PASSWORD_CHARS}, e.g. a few random words"
        )


class UserBook:
    """The accounts file of one state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "users.json"
        self._dummy = _HASHER.hash("not a real password, only for timing")

    def add(self, username: str, password: str, role: Role, authority: str | None) -> User:
        check_username(username)
        _check_password(password)
        _check_role(role, authority)
        users = self._read()
        if username in users:
            raise BadInput(f"user {username!r} exists; remove it first or pick another name")
        users[username] = {
            "argon2": _HASHER.hash(password),
            "role": role.value,
            "authority": authority,
        }
        self._write(users)
        return User(username, role, authority)

    def remove(self, username: str) -> None:
        users = self._read()
        if users.pop(username, None) is None:
            raise BadInput(f"no user {username!r}: see `borderflow bridge user-list`")
        self._write(users)

    def list(self) -> list[User]:
        return [_user(name, entry) for name, entry in sorted(self._read().items())]

    def get(self, username: str) -> User | None:
        entry = self._read().get(username)
        return None if entry is None else _user(username, entry)

    def verify(self, username: str, password: str) -> User:
        """The user if the password matches; AuthError (same message for both causes) if not."""
        entry = self._read().get(username)
        stored = entry["argon2"] if entry is not None else self._dummy
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError) as exc:
            raise AuthError("invalid username or password") from exc
        if entry is None:
            raise AuthError("invalid username or password")
        return _user(username, entry)

    def _read(self) -> dict[str, Any]:
        return dict(json.loads(self.path.read_text())) if self.path.exists() else {}

    def _write(self, users: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(users, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def _user(username: str, entry: dict[str, Any]) -> User:
    return User(username, Role(entry["role"]), entry["authority"])
