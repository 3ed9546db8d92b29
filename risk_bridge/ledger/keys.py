"""Ed25519 key files for signing tree heads: generate, store with mode 0600, load, export.

The private key is PKCS#8 PEM, created with ``O_EXCL`` and mode 0600 (never world- or
group-readable, refused on load if it is); the public key is SubjectPublicKeyInfo PEM in
``PREFIX.pub`` and is what customs needs to verify a ledger, an export or a proof. A passphrase in
``$BORDERFLOW_LEDGER_KEY_PASSPHRASE`` encrypts the private key when set.

Where the signing key lives: never in the folder of the ledger it signs (whoever could change
the database could otherwise re-sign it, and a cut or rewritten ledger would verify). The
default is ``ledger.key`` in :func:`default_key_dir` — ``$BORDERFLOW_LEDGER_KEY_DIR``, else
``$XDG_CONFIG_HOME/borderflow/keys``, else ``~/.config/borderflow/keys`` — and
:func:`check_key_location` refuses a private key beside an SQLite ledger.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.treehead import key_id

__all__ = [
    "DEFAULT_KEY_NAME",
    "KEY_DIR_ENV",
    "PASSPHRASE_ENV",
    "KeyFileError",
    "check_key_location",
    "default_key_dir",
    "generate_keypair",
    "load_private_key",
    "load_public_key",
    "public_key_pem",
]

PASSPHRASE_ENV = "BORDERFLOW_LEDGER_KEY_PASSPHRASE"
KEY_DIR_ENV = "BORDERFLOW_LEDGER_KEY_DIR"
DEFAULT_KEY_NAME = "ledger.key"


class KeyFileError(CustodyError):
    """A key file is missing, unreadable, too permissive or not an Ed25519 key."""


def default_key_dir() -> Path:
    """The folder of the default signing key: ``$BORDERFLOW_LEDGER_KEY_DIR``, else
    ``$XDG_CONFIG_HOME/borderflow/keys``, else ``~/.config/borderflow/keys``."""
    if os.environ.get(KEY_DIR_ENV):
        return Path(os.environ[KEY_DIR_ENV])
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "borderflow" / "keys"


def check_key_location(key_path: Path, db_path: str) -> None:
    """Refuse a private signing key in the same folder as the SQLite ledger it signs."""
    if Path(key_path).resolve().parent != Path(db_path).resolve().parent:
        return
    raise KeyFileError(
        f"signing key {key_path} is in the same folder as the ledger {db_path}: whoever can "
        "change the database could re-sign it, so a cut or rewritten ledger would verify. "
        f"Keep the private key elsewhere: move it (e.g. to {default_key_dir()}/) and pass its "
        "new path with --key or $BORDERFLOW_LEDGER_KEY (a public key beside the ledger is fine)"
    )


def _passphrase() -> bytes | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode() if value else None


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_keypair(prefix: Path, *, force: bool = False) -> tuple[Path, Path, str]:
    """Write a new key pair at ``prefix`` (0600) and ``prefix.pub``; returns paths and key id."""
    private_path = Path(prefix)
    public_path = Path(f"{prefix}.pub")
    for path in (private_path, public_path):
        if path.exists() and not force:
            raise KeyFileError(
                f"{path} already exists; refusing to overwrite a signing key "
                "(pass --force to replace it, which makes earlier tree heads unverifiable "
                "with the new key)"
            )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    password = _passphrase()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    if force:
        private_path.unlink(missing_ok=True)
    # O_EXCL + mode at creation: the key is never readable by others, not even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(private_path, 0o600)  # in case the umask narrowed it oddly
    public_path.write_bytes(public_key_pem(key.public_key()))
    return private_path, public_path, key_id(key.public_key())


def load_private_key(path: Path) -> Ed25519PrivateKey:
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(
            f"signing key {path} not found; create one with `borderflow custody keygen --out "
            f"{path}`"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"signing key {path} is readable by other users (mode {stat.S_IMODE(mode):o}); "
            f"run `chmod 600 {path}`"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=_passphrase())
    except (ValueError, TypeError) as exc:
        raise KeyFileError(
            f"{path} is not a readable private key ({exc}); if it is encrypted set "
            f"${PASSPHRASE_ENV}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read public key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:  # a private key file also yields its public key
            key = load_private_key(path).public_key()
        except KeyFileError:
            raise KeyFileError(f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} is not an Ed25519 public key")
    return key
