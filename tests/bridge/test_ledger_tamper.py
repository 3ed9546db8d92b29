"""Attacks on the stored custody ledger that the review found went unnoticed, on both stores:
a derived column changed outside the hash (reads dropped or misattributed entries, ``verify``
said valid), older signed tree heads altered (only the latest was checked), and the signing key
kept beside the database by default."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from orchestrator.custody.errors import CustodyError, LedgerIntegrityError
from orchestrator.custody.treehead import sign_tree_head
from risk_bridge.ledger import generate_keypair, load_public_key, open_ledger, sqlite_path
from risk_bridge.ledger.files import verify_proof_file, write_inclusion_proof
from risk_bridge.ledger.keys import load_private_key
from tests.bridge.helpers import drive_until, first_arrival
from tests.orchestrator.custody.journeys import container_id, many

_TABLE = re.compile(r"\b(entries|merkle_nodes|tree_heads|meta)\b")


def sql(url: str, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """What an attacker with write access to the database does: drop the append-only triggers,
    then run statements written in SQLite's naming (tables ``custody_*`` and ``%s`` on
    PostgreSQL)."""
    path = sqlite_path(url)
    if path is not None:
        db = sqlite3.connect(path, isolation_level=None)
        for table in ("entries", "merkle_nodes", "tree_heads"):
            for op in ("update", "delete"):
                db.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        for text, args in statements:
            db.execute(text, args)
        db.close()
        return
    with psycopg.connect(url, autocommit=True) as pg:
        for table in ("entries", "merkle_nodes", "tree_heads"):
            pg.execute(f"DROP TRIGGER IF EXISTS custody_{table}_append_only ON custody_{table}")
        for text, args in statements:
            pg.execute(_TABLE.sub(r"custody_\1", text).replace("?", "%s"), args)  # type: ignore[arg-type]


def cut_tail(url: str, size: int) -> None:
    """Delete every entry from ``size`` on, with the tree heads and Merkle nodes over them."""
    sql(
        url,
        ("DELETE FROM entries WHERE seq >= ?", (size,)),
        ("DELETE FROM tree_heads WHERE tree_size > ?", (size,)),
        ("DELETE FROM merkle_nodes WHERE ((idx + 1) << level) > ?", (size,)),
    )


@pytest.fixture
def key(tmp_path: Path) -> Path:
    private, _, _ = generate_keypair(tmp_path / "keys" / "ledger")
    return private


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'ledger.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def filled(url: str, key: Path) -> str:
    """42 entries of 6 interleaved crossings in three commits (heads of size 14, 28, 42)."""
    events = many(6)
    with open_ledger(url, key=key) as ledger:
        for start in (0, 14, 28):
            ledger.append_many(events[start : start + 14])
    return url


def _verify(url: str, key: Path) -> None:
    with open_ledger(url, readonly=True) as ledger:
        ledger.verify(load_public_key(Path(f"{key}.pub")))


def _seqs_of(url: str, cid: str) -> list[int]:
    with open_ledger(url, readonly=True) as ledger:
        return [seq for seq, _ in ledger.container_events(cid)]


C, D = container_id(2), container_id(3)


# ---------------------------------------------------------------- columns outside the hash


def test_a_changed_container_column_is_reported_by_verify(filled: str, key: Path) -> None:
    victim = _seqs_of(filled, C)[3]
    sql(filled, ("UPDATE entries SET container_id = ? WHERE seq = ?", (D, victim)))
    with pytest.raises(LedgerIntegrityError, match=f"entry {victim}: .*container_id") as err:
        _verify(filled, key)
    assert err.value.seq == victim
    assert "outside the hash" in str(err.value) or "changed in the database" in str(err.value)


@pytest.mark.parametrize("column", ["kind", "seal_number"])
def test_other_changed_columns_are_reported_by_verify(filled: str, key: Path, column: str) -> None:
    sql(filled, (f"UPDATE entries SET {column} = ? WHERE seq = ?", ("forged", 9)))
    with pytest.raises(LedgerIntegrityError, match=f"entry 9: .*{column}"):
        _verify(filled, key)


def test_reads_by_container_neither_drop_nor_misattribute(filled: str, key: Path) -> None:
    mine, theirs = _seqs_of(filled, C), _seqs_of(filled, D)
    assert len(mine) == len(theirs) == 7
    # One of C's entries relabelled as D's, one of D's relabelled as C's.
    sql(
        filled,
        ("UPDATE entries SET container_id = ? WHERE seq = ?", (D, mine[3])),
        ("UPDATE entries SET container_id = ? WHERE seq = ?", (C, theirs[5])),
    )
    assert _seqs_of(filled, C) == mine and _seqs_of(filled, D) == theirs
    proof = key.parent / "proof.json"
    with open_ledger(filled, readonly=True) as ledger:
        assert [s for s, _ in ledger.container_entries(C)] == mine
        doc = write_inclusion_proof(ledger, C, proof)
    assert [e["seq"] for e in doc["entries"]] == mine
    assert verify_proof_file(proof, load_public_key(Path(f"{key}.pub")))["entries"] == 7


def test_the_apis_custody_summary_keeps_a_relabelled_entry(
    bridge_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "signing-keys"))
    bridge = bridge_factory(ledger=True)
    cid = first_arrival(bridge)
    drive_until(bridge, lambda: len(bridge.fleet.custody_extract(cid).events) >= 2)
    extract = bridge.fleet.custody_extract(cid)
    seqs = [s for s, _ in extract.events]
    other = next(c for c in bridge.containers() if c != cid)
    sql(extract.ledger_url, ("UPDATE entries SET container_id = ? WHERE seq = ?", (other, seqs[1])))
    doc = bridge.client.get(f"/v1/containers/{cid}", headers=bridge.headers("viewer")).json()
    assert doc["custody"]["events"] == len(seqs)
    assert doc["custody"]["verification"].startswith("verified")
    doc = bridge.client.get(f"/v1/containers/{other}", headers=bridge.headers("viewer")).json()
    assert seqs[1] not in [s for s, _ in bridge.fleet.custody_extract(other).events]


# ---------------------------------------------------------------- every stored tree head


def test_an_older_head_with_an_altered_root_fails_verify(filled: str, key: Path) -> None:
    sql(filled, ("UPDATE tree_heads SET root_hash = ? WHERE tree_size = ?", (b"\x07" * 32, 14)))
    with pytest.raises(LedgerIntegrityError, match=r"tree head of size 14.*signature"):
        _verify(filled, key)


def test_an_older_head_resigned_over_another_root_fails_verify(filled: str, key: Path) -> None:
    # With the signing key at hand (it used to lie beside the database), a forged older head
    # carries a valid signature: its root must still be that of the first 14 entries.
    with open_ledger(filled, readonly=True) as ledger:
        stored = ledger.tree_head_at(14)
    assert stored is not None
    forged = sign_tree_head(load_private_key(key), 14, b"\x07" * 32, stored.timestamp_ms)
    sql(
        filled,
        (
            "UPDATE tree_heads SET root_hash = ?, signature = ? WHERE tree_size = ?",
            (forged.root_hash, forged.signature, 14),
        ),
    )
    with pytest.raises(LedgerIntegrityError, match=r"tree head of size 14.*first 14 entries"):
        _verify(filled, key)


def test_verify_reports_how_many_heads_it_checked(filled: str, key: Path) -> None:
    with open_ledger(filled, readonly=True) as ledger:
        report = ledger.verify(load_public_key(Path(f"{key}.pub")))
    assert (report.entries, report.heads) == (42, 3)


def test_a_cut_tail_still_verifies_on_its_own(filled: str, key: Path) -> None:
    # The attack of finding 6: without a head kept elsewhere a cut is a valid shorter ledger;
    # `verify --against` and `custody witness` (tests/cli/test_custody_against.py) catch it.
    cut_tail(filled, 28)
    _verify(filled, key)


# ---------------------------------------------------------------- where the signing key lives


def test_the_default_signing_key_is_not_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    db = tmp_path / "run" / "ledger.db"
    with open_ledger(f"sqlite:///{db}") as ledger:
        ledger.append(many(1)[0])
    private = tmp_path / "config" / "borderflow" / "keys" / "ledger.key"
    assert private.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in db.parent.iterdir() if "key" in p.name) == ["ledger.db.key.pub"]
    # The public key's copy beside the database is the signer's.
    pub = load_public_key(db.parent / "ledger.db.key.pub")
    assert pub.public_bytes_raw() == load_private_key(private).public_key().public_bytes_raw()
    _verify(str(db), Path(f"{private}"))


def test_the_key_directory_can_be_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "vault"))
    with open_ledger(f"sqlite:///{tmp_path / 'run' / 'a.db'}") as ledger:
        ledger.append(many(1)[0])
    assert (tmp_path / "vault" / "ledger.key").exists()


def test_a_private_key_in_the_database_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "vault"))
    inside, _, _ = generate_keypair(tmp_path / "run" / "signing.key")
    url = f"sqlite:///{tmp_path / 'run' / 'ledger.db'}"
    with pytest.raises(CustodyError, match="same folder as the ledger") as err:
        open_ledger(url, key=inside)
    assert "move it" in str(err.value)
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY", str(inside))
    with pytest.raises(CustodyError, match="same folder as the ledger"):
        open_ledger(url)
    assert not (tmp_path / "run" / "ledger.db").exists()  # refused before anything was written


def test_a_legacy_key_beside_the_database_is_not_used_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "vault"))
    db = tmp_path / "run" / "ledger.db"
    generate_keypair(Path(f"{db}.key"))  # where earlier versions created it
    with pytest.raises(CustodyError, match=r"ledger\.db\.key.*beside the ledger"):
        open_ledger(f"sqlite:///{db}")


def test_tree_heads_are_pushed_to_customs_as_they_are_signed(bridge_factory) -> None:
    # An outside witness holds the heads: a later cut of the ledger's tail cannot hide.
    import json as _json

    from orchestrator.custody.treehead import SignedTreeHead
    from tests.bridge.helpers import drive_until, first_arrival, post_verdict, verdict

    b = bridge_factory(ledger=True)
    cid = first_arrival(b)
    assert post_verdict(b, verdict(cid, "LOW")).status_code == 201
    drive_until(b, lambda: b.fleet.ledger.size >= 6)  # seals affixed, handed over, ...

    def pushed() -> list[SignedTreeHead]:
        rows = b.svc.store.events_after(0, 100_000)
        bodies = [_json.loads(r[4]) for r in rows if r[2] == "ledger.tree_head"]
        return [SignedTreeHead.from_obj(body.get("data", body)) for body in bodies]

    size = b.fleet.ledger.size
    heads = b.wait(lambda: (got := pushed()) and got[-1].tree_size == size and got)
    sizes = [h.tree_size for h in heads]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert heads[-1] == b.fleet.ledger.tree_head()  # the very head the ledger signed
