"""The bridge's secret state directory: Ed25519 signing keys and hashed client secrets.

Layout (created by ``borderflow bridge init``, mode 0700, never inside the repository)::

    keys/<kid>.pem      Ed25519 private keys (0600); the newest is ``active_kid``
    active_kid          kid that signs new tokens; older keys still verify until retired
    clients.json        client_id -> {scrypt hash, salt, role, authority}
    users.json          username -> {argon2id hash, role, authority} (risk_bridge.security.users)

Rotation: ``rotate_key()`` adds a key and makes it active; tokens signed by the old key stay
valid until it is retired with ``retire_key(kid)``. The verifier re-reads the directory when
it changes, so a running server picks up rotations without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.lanegraph import Side
from risk_bridge.domain import Role
from risk_bridge.errors import AuthError, BadInput
from risk_bridge.security.principal import Principal

__all__ = ["StateDir"]

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def _scrypt(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)


@dataclass(frozen=True, slots=True)
class _Client:
    client_id: str
    salt: bytes
    digest: bytes
    role: Role
    authority: str | None


class StateDir:
    def __init__(self, path: Path, *, issuer: str, audience: str, ttl_s: float) -> None:
        self.path = path
        self.issuer = issuer
        self.audience = audience
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._stamp: tuple[float, ...] = ()
        self._keys: dict[str, Ed25519PrivateKey] = {}
        self._active = ""
        self._clients: dict[str, _Client] = {}
        self._users: frozenset[str] = frozenset()
        # Signed-out sessions' jti -> exp: refused until they expire anyway (in memory only, so
        # a restart forgets them; sessions are short-lived).
        self._revoked: dict[str, float] = {}
        self._verified: dict[str, tuple[float, Principal]] = {}
        self._checked_at = -1.0  # monotonic time of the last look at the directory

    # ------------------------------------------------------------------------ administration

    def init(self) -> str:
        """Create the directory and a first key if missing; returns the active kid."""
        (self.path / "keys").mkdir(parents=True, exist_ok=True)
        os.chmod(self.path, 0o700)
        if not (self.path / "active_kid").exists():
            return self.rotate_key()
        return (self.path / "active_kid").read_text().strip()

    def rotate_key(self) -> str:
        kid = time.strftime("k%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (self.path / "keys").mkdir(parents=True, exist_ok=True)
        target = self.path / "keys" / f"{kid}.pem"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        tmp = self.path / "active_kid.tmp"
        tmp.write_text(kid + "\n")
        os.replace(tmp, self.path / "active_kid")
        return kid

    def retire_key(self, kid: str) -> None:
        self._load(fresh=True)
        if kid == self._active:
            raise BadInput(f"key {kid} is the active key: rotate first, then retire it")
        path = self.path / "keys" / f"{kid}.pem"
        if not path.exists():
            raise BadInput(f"no key {kid!r} in {self.path / 'keys'}")
        path.unlink()

    def add_client(self, client_id: str, role: Role, authority: str | None) -> str:
        """Register a machine client; returns its secret (shown once, stored only hashed)."""
        _check_role(role, authority)
        clients = self._read_clients()
        if client_id in clients:
            raise BadInput(f"client {client_id!r} exists; remove it first or pick another id")
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        clients[client_id] = {
            "salt": salt.hex(),
            "scrypt": _scrypt(secret, salt).hex(),
            "role": role.value,
            "authority": authority,
        }
        self._write_clients(clients)
        return secret

    def remove_client(self, client_id: str) -> None:
        clients = self._read_clients()
        if clients.pop(client_id, None) is None:
            raise BadInput(f"no client {client_id!r}")
        self._write_clients(clients)

    def _read_clients(self) -> dict[str, Any]:
        path = self.path / "clients.json"
        return dict(json.loads(path.read_text())) if path.exists() else {}

    def _write_clients(self, clients: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / "clients.json.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(clients, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path / "clients.json")

    # ------------------------------------------------------------------------------ tokens

    def _load(self, *, fresh: bool = False) -> None:
        # A rotation or a retired key is noticed within a second, without a stat per request.
        now = time.monotonic()
        if not fresh and self._stamp and now - self._checked_at < 1.0:
            return
        self._checked_at = now
        keys_dir = self.path / "keys"
        paths = [
            keys_dir,
            self.path / "active_kid",
            self.path / "clients.json",
            self.path / "users.json",
        ]
        stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0.0 for p in paths)
        if stamp == self._stamp:
            return
        with self._lock:
            if not (self.path / "active_kid").exists():
                raise AuthError(
                    f"no signing key in {self.path}: run `borderflow bridge init --state-dir "
                    f"{self.path}` first"
                )
            keys: dict[str, Ed25519PrivateKey] = {}
            for pem in sorted(keys_dir.glob("*.pem")):
                key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
                assert isinstance(key, Ed25519PrivateKey)
                keys[pem.stem] = key
            clients = {}
            for cid, c in self._read_clients().items():
                clients[cid] = _Client(
                    cid,
                    bytes.fromhex(c["salt"]),
                    bytes.fromhex(c["scrypt"]),
                    Role(c["role"]),
                    c["authority"],
                )
            self._keys = keys
            self._active = (self.path / "active_kid").read_text().strip()
            self._clients = clients
            users = self.path / "users.json"
            self._users = (
                frozenset(json.loads(users.read_text())) if users.exists() else frozenset()
            )
            self._verified.clear()
            self._stamp = stamp

    def issue(
        self,
        subject: str,
        role: Role,
        authority: str | None,
        ttl_s: float | None = None,
        *,
        client: bool = False,
        user: bool = False,
    ) -> tuple[str, float]:
        _check_role(role, authority)
        self._load(fresh=True)
        now = time.time()
        ttl = self.ttl_s if ttl_s is None else ttl_s
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": int(now),
            "nbf": int(now) - 1,
            "exp": int(now + ttl),
            "jti": secrets.token_hex(8),
            "role": role.value,
            "authority": authority,
        }
        if client:
            # A machine client's token: valid only while the client is registered.
            claims["client"] = True
        if user:
            # A person's console session: valid only while the account exists.
            claims["user"] = True
        token = jwt.encode(
            claims, self._keys[self._active], algorithm="EdDSA", headers={"kid": self._active}
        )
        return token, ttl

    def client_token(self, client_id: str, secret: str) -> tuple[str, float]:
        """OAuth2 client credentials: a short-lived token for a registered machine client."""
        self._load(fresh=True)
        client = self._clients.get(client_id)
        # Hash even for an unknown client so timing does not reveal which ids exist.
        salt = client.salt if client else b"\0" * 16
        digest = _scrypt(secret, salt)
        if client is None or not hmac.compare_digest(digest, client.digest):
            raise AuthError("invalid client credentials")
        return self.issue(client_id, client.role, client.authority, client=True)

    def verify(self, token: str) -> Principal:
        self._load()
        now = time.time()
        hit = self._verified.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._keys.get(str(kid))
            if key is None:
                raise AuthError("invalid token")
            claims = jwt.decode(
                token,
                key.public_key(),
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
            principal = Principal(str(claims["sub"]), Role(claims["role"]), claims["authority"])
            _check_role(principal.role, principal.authority)
            if claims.get("client") is True and principal.subject not in self._clients:
                raise AuthError("invalid token")  # the client was removed since
            if claims.get("user") is True and principal.subject not in self._users:
                raise AuthError("invalid token")  # the account was removed since
            if str(claims.get("jti")) in self._revoked:
                raise AuthError("invalid token")  # signed out
        except (jwt.PyJWTError, KeyError, ValueError, BadInput) as exc:
            raise AuthError("invalid token") from exc
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[token] = (float(claims["exp"]), principal)
        return principal

    def revoke(self, token: str) -> None:
        """Refuse ``token`` from now until it expires (sign-out; this process only)."""
        claims = jwt.decode(token, options={"verify_signature": False})
        now = time.time()
        with self._lock:
            self._revoked = {j: e for j, e in self._revoked.items() if e > now}
            self._revoked[str(claims.get("jti"))] = float(claims.get("exp", now))
            self._verified.pop(token, None)


def _check_role(role: Role, authority: str | None) -> None:
    if role in (Role.AUTHORITY_SYSTEM, Role.OFFICER):
        if authority not in {s.value for s in Side}:
            raise BadInput(f"role {role.value} needs --authority CN or MN, got {authority!r}")
    elif authority is not None and authority not in {s.value for s in Side}:
        raise BadInput(f"unknown authority {authority!r}: use CN or MN")
