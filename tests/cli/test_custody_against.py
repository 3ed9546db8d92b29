"""``borderflow custody head --out``, ``verify --against`` and ``witness``: a ledger checked
against signed tree heads kept outside its database, so that cutting its tail (entries and
their newer heads deleted together) or rewriting it with the signing key is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.custody_cmd import app
from risk_bridge.ledger import generate_keypair, open_ledger
from tests.bridge.test_ledger_tamper import cut_tail
from tests.orchestrator.custody.journeys import container_id, crossing, many

runner = CliRunner()


@pytest.fixture
def key(tmp_path: Path) -> Path:
    private, _, _ = generate_keypair(tmp_path / "keys" / "ledger")
    return private


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path, key: Path) -> str:
    """A ledger of 42 entries in three commits (signed heads of size 14, 28, 42)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'ledger.db'}"
    else:
        url = str(request.getfixturevalue("pg_url"))
    events = many(6)
    with open_ledger(url, key=key) as ledger:
        for start in (0, 14, 28):
            ledger.append_many(events[start : start + 14])
    return url


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _pub(key: Path) -> str:
    return f"{key}.pub"


def _append(url: str, key: Path, n: int) -> None:
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(crossing(container_id(100 + n), f"EZ-{900 + n:08d}", t0_s=100 + n))


def test_head_out_saves_the_latest_signed_head(url: str, tmp_path: Path) -> None:
    out = tmp_path / "saved" / "head.json"
    code, output = _run("head", "--db", url, "--out", str(out))
    assert code == 0, output
    assert f"{out}" in output and "42 entries" in output
    saved = json.loads(out.read_text())
    assert saved["tree_size"] == 42 and set(saved) >= {"root_hash", "signature", "key_id"}
    code, printed = _run("head", "--db", url)  # without --out: to stdout, as before
    assert code == 0 and json.loads(printed) == saved


def test_verify_against_a_saved_head_passes_on_a_grown_ledger(
    url: str, key: Path, tmp_path: Path
) -> None:
    head = tmp_path / "head.json"
    assert _run("head", "--db", url, "--out", str(head))[0] == 0
    _append(url, key, 1)
    code, output = _run("verify", "--db", url, "--public-key", _pub(key), "--against", str(head))
    assert code == 0, output
    assert "VALID" in output and "49 entries" in output
    assert "consistent with the saved tree head of size 42" in output


def test_verify_against_catches_a_cut_tail(url: str, key: Path, tmp_path: Path) -> None:
    head = tmp_path / "head.json"
    assert _run("head", "--db", url, "--out", str(head))[0] == 0
    cut_tail(url, 28)  # the last commit gone, with its signed head
    code, output = _run("verify", "--db", url, "--public-key", _pub(key))
    assert code == 0, output  # on its own the shorter ledger is valid ...
    code, output = _run("verify", "--db", url, "--public-key", _pub(key), "--against", str(head))
    assert code == 1, output  # ... but not against the head saved earlier
    assert "INVALID" in output and "saved tree head" in output and "size 42" in output
    assert "holds only 28 entries" in output and "cut" in output


def test_verify_against_catches_a_rewritten_ledger(key: Path, tmp_path: Path) -> None:
    # Whoever holds the signing key can write and sign a whole other ledger; a head saved
    # earlier still tells it apart.
    db = tmp_path / "db" / "ledger.db"
    url = f"sqlite:///{db}"
    events = many(6)
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(events)
    head = tmp_path / "head.json"
    assert _run("head", "--db", url, "--out", str(head))[0] == 0
    forged_db = tmp_path / "forged" / "ledger.db"
    with open_ledger(f"sqlite:///{forged_db}", key=key) as ledger:
        ledger.append_many(events[:20])  # the same first 20 entries, then one crossing more
        ledger.append_many(crossing(container_id(77), "EZ-00000777") + events[20:])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(forged_db, db)
    assert _run("verify", "--db", url, "--public-key", _pub(key))[0] == 0
    code, output = _run("verify", "--db", url, "--public-key", _pub(key), "--against", str(head))
    assert code == 1, output
    assert "first 42 entries" in output and "rewritten" in output


def test_verify_against_refuses_a_forged_saved_head(url: str, key: Path, tmp_path: Path) -> None:
    head = tmp_path / "head.json"
    assert _run("head", "--db", url, "--out", str(head))[0] == 0
    doc = json.loads(head.read_text())
    doc["tree_size"] = 40
    head.write_text(json.dumps(doc))
    code, output = _run("verify", "--db", url, "--public-key", _pub(key), "--against", str(head))
    assert code == 1 and "signature" in output
    head.write_text("not json")
    code, output = _run("verify", "--db", url, "--public-key", _pub(key), "--against", str(head))
    assert code == 1 and "not a signed tree head" in output


def test_verify_against_works_on_an_export(url: str, key: Path, tmp_path: Path) -> None:
    head, export = tmp_path / "head.json", tmp_path / "ledger.jsonl"
    assert _run("head", "--db", url, "--out", str(head))[0] == 0
    cut_tail(url, 14)
    assert _run("export", "--db", url, "--out", str(export))[0] == 0
    code, output = _run(
        "verify", "--export", str(export), "--public-key", _pub(key), "--against", str(head)
    )
    assert code == 1 and "holds only 14 entries" in output


def test_witness_keeps_heads_and_fails_loudly_on_a_cut(url: str, key: Path, tmp_path: Path) -> None:
    wdir = tmp_path / "witness"
    args = ["witness", "--db", url, "--dir", str(wdir), "--public-key", _pub(key)]
    code, output = _run(*args)
    assert code == 0, output
    assert "size 42" in output and "first head" in output
    code, output = _run(*args)
    assert code == 0 and "unchanged" in output
    _append(url, key, 1)
    _append(url, key, 2)
    code, output = _run(*args)
    assert code == 0, output
    assert "size 56" in output and "consistent with 1 head" in output
    assert sorted(p.name for p in wdir.glob("*.json")) == [
        "head-000000000042.json",
        "head-000000000056.json",
    ]
    # Every held head can be checked against later, e.g. with verify --against.
    code, output = _run("verify", "--db", url, "--public-key", _pub(key), "--against", str(wdir))
    assert code == 0, output
    cut_tail(url, 49)
    code, output = _run(*args)
    assert code == 1, output
    assert "INCONSISTENT" in output and "size 56" in output and "49" in output
    assert sorted(p.name for p in wdir.glob("*.json"))[-1] == "head-000000000056.json"


def test_witness_catches_a_rewrite_of_the_same_size(key: Path, tmp_path: Path) -> None:
    db = tmp_path / "db" / "ledger.db"
    url = f"sqlite:///{db}"
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(many(2))
    wdir = tmp_path / "witness"
    args = ["witness", "--db", url, "--dir", str(wdir), "--public-key", _pub(key)]
    assert _run(*args)[0] == 0
    forged = tmp_path / "forged" / "ledger.db"
    with open_ledger(f"sqlite:///{forged}", key=key) as ledger:
        ledger.append_many(many(3)[:7])
        ledger.append_many(many(3)[7:14])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(forged, db)
    code, output = _run(*args)
    assert code == 1 and "INCONSISTENT" in output


def test_witness_needs_the_right_public_key(url: str, key: Path, tmp_path: Path) -> None:
    _, other, _ = generate_keypair(tmp_path / "other" / "k")
    code, output = _run(
        "witness", "--db", url, "--dir", str(tmp_path / "w"), "--public-key", str(other)
    )
    assert code == 1 and "public key" in output
    assert not list(tmp_path.glob("w/*.json"))
