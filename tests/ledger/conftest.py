"""Fixtures for the ledger adapters: a signing key and a ledger URL on each backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from risk_bridge.ledger import generate_keypair


@pytest.fixture
def key(tmp_path: Path) -> Path:
    private, _, _ = generate_keypair(tmp_path / "keys" / "ledger")
    return private


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("pg_url"))
