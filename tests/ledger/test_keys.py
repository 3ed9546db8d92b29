"""Key files: 0600 private key, exportable public key, no silent overwrite or loose modes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestrator.custody.treehead import key_id
from risk_bridge.ledger import KeyFileError, generate_keypair, load_public_key
from risk_bridge.ledger.keys import PASSPHRASE_ENV, load_private_key


def test_keygen_writes_a_0600_private_key_and_a_public_key(tmp_path: Path) -> None:
    private, public, kid = generate_keypair(tmp_path / "k" / "ledger")
    assert private.stat().st_mode & 0o777 == 0o600
    assert public == tmp_path / "k" / "ledger.pub"
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert key_id(load_public_key(public)) == kid == key_id(load_private_key(private).public_key())


def test_keygen_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    private, _, kid = generate_keypair(tmp_path / "ledger")
    with pytest.raises(KeyFileError, match="already exists"):
        generate_keypair(tmp_path / "ledger")
    assert key_id(load_private_key(private).public_key()) == kid
    _, _, new = generate_keypair(tmp_path / "ledger", force=True)
    assert new != kid


def test_a_group_readable_private_key_is_refused(tmp_path: Path) -> None:
    private, _, _ = generate_keypair(tmp_path / "ledger")
    os.chmod(private, 0o640)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_private_key(private)


def test_missing_and_wrong_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="keygen"):
        load_private_key(tmp_path / "nope")
    (tmp_path / "junk.pub").write_text("hello")
    with pytest.raises(KeyFileError, match="not a PEM public key"):
        load_public_key(tmp_path / "junk.pub")


def test_a_passphrase_encrypts_the_private_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "s3cret")
    private, _, kid = generate_keypair(tmp_path / "ledger")
    assert b"ENCRYPTED" in private.read_bytes()
    assert key_id(load_private_key(private).public_key()) == kid
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(KeyFileError, match=PASSPHRASE_ENV):
        load_private_key(private)
