"""The ledger on SQLite and PostgreSQL: append, batch, refuse bad input, reopen, prove."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from orchestrator.custody.errors import (
    CustodyError,
    IllegalCustodyEvent,
    MalformedCustodyEvent,
    UnknownContainer,
    UnknownSeal,
)
from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.merkle import root_of, verify_consistency, verify_inclusion
from risk_bridge.ledger import generate_keypair, load_public_key, open_ledger
from tests.ledger.raw import fetch, tamper
from tests.orchestrator.custody.journeys import K, container_id, crossing, event, many

C = container_id(1)


def test_appends_are_numbered_signed_and_verify(url: str, key: Path) -> None:
    with open_ledger(url, key=key) as ledger:
        assert ledger.size == 0 and ledger.tree_head() is None
        journey = crossing(C, "EZ-0001")
        assert ledger.append(journey[0]) == 0
        assert ledger.append_many(journey[1:]) == list(range(1, 7))
        head = ledger.tree_head()
        assert head is not None and head.tree_size == 7 == ledger.size
        assert head.root_hash == root_of(h for _, _, h in ledger.rows())
        report = ledger.verify(load_public_key(Path(f"{key}.pub")))
        assert (report.entries, report.containers) == (7, 1)
        # as appended, stamped with the time of the append (tests/ledger/test_timestamps.py)
        stored = [e for _, e in ledger.container_events(C)]
        assert all(e.timestamp is not None for e in stored)
        assert [dataclasses.replace(e, timestamp=None) for e in stored] == journey


def test_a_reopened_ledger_continues_the_same_chain(url: str, key: Path) -> None:
    events = many(4)
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(events[:9])
        root9 = ledger.root_hash()
    with open_ledger(url, key=key) as ledger:
        assert ledger.size == 9 and ledger.root_hash() == root9
        ledger.append_many(events[9:])
        # legality state is rebuilt from the stored log: container 0 is already sealed
        with pytest.raises(IllegalCustodyEvent, match="reuses seal"):
            ledger.append(crossing(container_id(50), "EZ-00000000", t0_s=99)[0])
        ledger.verify(load_public_key(Path(f"{key}.pub")))
        proof = ledger.consistency_proof(9)
        head = ledger.tree_head()
        old = ledger.tree_head_at(9)
        assert head is not None and old is not None
        verify_consistency(9, head.tree_size, old.root_hash, head.root_hash, proof)


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (
            event(K.BORDER_HANDOFF, container_id(2), 5, vehicle="a", side="MN"),
            UnknownContainer,
            "unknown to the ledger",
        ),
        (event(K.SEAL_READ, C, 5, seal="XX-0000", method="e-seal"), UnknownSeal, "XX-0000"),
        (event(K.SEAL_READ, C, 5, seal="bad", method="e-seal"), MalformedCustodyEvent, "'bad'"),
        (event(K.DELIVERED, C, 5), IllegalCustodyEvent, "container is agv"),
    ],
)
def test_bad_events_raise_and_write_nothing(
    url: str, key: Path, bad: CustodyEvent, error: type[Exception], message: str
) -> None:
    with open_ledger(url, key=key) as ledger:
        ledger.append(crossing(C, "EZ-0001")[0])
        ledger.append(crossing(C, "EZ-0001")[2])  # loaded on an AGV
        with pytest.raises(error, match=message):
            ledger.append(bad)
        with pytest.raises(error):
            ledger.append_many([crossing(container_id(3), "EZ-0003")[0], bad])
        assert ledger.size == 2
    assert fetch(url, "SELECT count(*) FROM entries") == [(2,)]
    with open_ledger(url, key=key) as ledger:  # and the batch's good event left no trace
        ledger.append(crossing(container_id(3), "EZ-0003")[0])


def test_group_commit_writes_at_block_exit_and_discards_on_error(url: str, key: Path) -> None:
    events = many(3)
    with open_ledger(url, key=key) as ledger:
        with ledger.batch():
            seqs = [ledger.append(e) for e in events[:10]]
            assert seqs == list(range(10))
            assert fetch(url, "SELECT count(*) FROM entries") == [(0,)]
        assert fetch(url, "SELECT count(*) FROM entries") == [(10,)]
        with pytest.raises(RuntimeError), ledger.batch():
            ledger.append(events[10])
            raise RuntimeError("caller failed mid-batch")
        assert ledger.size == 10
        assert ledger.append_many(events[10:]) == list(range(10, 21))
        assert ledger.tree_head().tree_size == 21  # type: ignore[union-attr]


def test_proofs_from_the_store_verify_against_the_signed_head(url: str, key: Path) -> None:
    with open_ledger(url, key=key) as ledger:
        for i in range(5):  # several commits, so proofs span stored subtrees and new leaves
            ledger.append_many(crossing(container_id(i), f"EZ-{i:04d}", t0_s=10 * i))
        head = ledger.tree_head()
        assert head is not None and head.tree_size == 35
        hashes = [h for _, _, h in ledger.rows()]
        for seq in range(35):
            verify_inclusion(hashes[seq], seq, 35, ledger.inclusion_proof(seq), head.root_hash)
        for old in (7, 14, 21, 28):
            old_head = ledger.tree_head_at(old)
            assert old_head is not None
            verify_consistency(
                old, 35, old_head.root_hash, head.root_hash, ledger.consistency_proof(old)
            )


def test_the_ledger_is_append_only_in_the_database_too(url: str, key: Path) -> None:
    with open_ledger(url, key=key) as ledger:
        ledger.append(crossing(C, "EZ-0001")[0])
    import sqlite3

    import psycopg

    for sql in ("UPDATE entries SET kind = 'x'", "DELETE FROM entries"):
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
            _run(url, sql)


def _run(url: str, sql: str) -> None:
    import sqlite3

    import psycopg

    from risk_bridge.ledger import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        sqlite3.connect(path, isolation_level=None).execute(sql)
    else:
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(sql.replace("entries", "custody_entries"))  # type: ignore[arg-type]


def test_another_signing_key_is_refused(url: str, key: Path, tmp_path: Path) -> None:
    with open_ledger(url, key=key) as ledger:
        ledger.append(crossing(C, "EZ-0001")[0])
    other, _, _ = generate_keypair(tmp_path / "keys" / "other")  # not beside the database
    with pytest.raises(CustodyError, match="signed with key"):
        open_ledger(url, key=other)


def test_read_only_ledgers_refuse_appends(url: str, key: Path) -> None:
    open_ledger(url, key=key).close()
    with open_ledger(url, readonly=True) as ledger, pytest.raises(CustodyError, match="read-only"):
        ledger.append(crossing(C, "EZ-0001")[0])


def test_a_second_writer_cannot_fork_the_log(url: str, key: Path) -> None:
    first = open_ledger(url, key=key)
    second = open_ledger(url, key=key)
    first.append(crossing(C, "EZ-0001")[0])
    with pytest.raises(CustodyError, match="another process"):
        second.append(crossing(container_id(2), "EZ-0002")[0])
    first.close()
    second.close()


def test_tampering_in_the_database_is_refused_by_the_appender_too(url: str, key: Path) -> None:
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(many(2))
    tamper(url, ("DELETE FROM entries WHERE seq = ?", (13,)))
    with pytest.raises(CustodyError):
        open_ledger(url, key=key).append(crossing(container_id(9), "EZ-0009", t0_s=50)[0])


def test_sqlite_default_key_is_created_in_the_key_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not beside the database (tests/bridge/test_ledger_tamper.py has the details); the public
    # key is exported there.
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "run" / "ledger.db"
    with open_ledger(f"sqlite:///{db}") as ledger:
        ledger.append(crossing(C, "EZ-0001")[0])
    assert (tmp_path / "keys" / "ledger.key").stat().st_mode & 0o777 == 0o600
    assert not (db.parent / "ledger.db.key").exists()
    pub = load_public_key(db.parent / "ledger.db.key.pub")
    with open_ledger(str(db), readonly=True) as ledger:
        assert ledger.verify(pub).entries == 1


def test_unsupported_urls_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CustodyError, match="unsupported ledger URL"):
        open_ledger("mysql://x/y", key=tmp_path / "k")
    with pytest.raises(CustodyError, match="no ledger at"):
        open_ledger(f"sqlite:///{tmp_path / 'missing.db'}", readonly=True)
    with pytest.raises(CustodyError, match="needs a signing key"):
        open_ledger("postgresql://nobody@127.0.0.1:1/x")


def test_large_and_small_batches_round_trip(url: str, key: Path) -> None:
    # Large batches take the COPY path on PostgreSQL, small ones one pipelined INSERT.
    events = many(40)  # 280 events
    with open_ledger(url, key=key) as ledger:
        assert ledger.append_many(events[:200]) == list(range(200))
        assert ledger.append_many(events[200:203]) == [200, 201, 202]
        assert ledger.append_many(events[203:]) == list(range(203, 280))
        assert ledger.verify(load_public_key(Path(f"{key}.pub"))).entries == 280
        proof = ledger.inclusion_proof(150)
        head = ledger.tree_head()
        assert head is not None
        leaf = next(ledger.rows(150))[2]
        verify_inclusion(leaf, 150, head.tree_size, proof, head.root_hash)
