"""Every kind of tampering with a stored ledger or an export is detected and the entry named."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.custody import rulesink
from orchestrator.custody.encoding import encode_entry
from orchestrator.custody.errors import LedgerIntegrityError
from orchestrator.custody.merkle import leaf_hash
from risk_bridge.ledger import load_public_key, open_ledger
from risk_bridge.ledger.files import export_ledger, verify_export
from tests.ledger.raw import fetch, tamper
from tests.orchestrator.custody.journeys import container_id, crossing, many

N = 42  # entries: 6 interleaved crossings


@pytest.fixture(autouse=True, params=["in-process", "worker"])
def rules_where(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check also with the rules in a worker process (on SQLite, one that reads the
    tampered file itself)."""
    monkeypatch.setattr(rulesink, "PARALLEL_FROM", 10**9 if request.param == "in-process" else 1)


@pytest.fixture
def filled(url: str, key: Path) -> str:
    events = many(6)
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(events[:20])  # two commits: two signed tree heads
        ledger.append_many(events[20:])
    return url


def _verify_db(url: str, key: Path) -> None:
    with open_ledger(url, readonly=True) as ledger:
        ledger.verify(load_public_key(Path(f"{key}.pub")))


def _body(url: str, seq: int) -> bytes:
    return bytes(fetch(url, "SELECT body FROM entries WHERE seq = ?", (seq,))[0][0])


def _expect(url: str, key: Path, seq: int, words: str) -> None:
    with pytest.raises(LedgerIntegrityError, match=f"entry {seq}: {words}") as err:
        _verify_db(url, key)
    assert err.value.seq == seq


def test_untouched_ledger_verifies(filled: str, key: Path) -> None:
    _verify_db(filled, key)


def test_edit_in_the_database_is_named(filled: str, key: Path) -> None:
    body = _body(filled, 17).replace(b'"actor":"system"', b'"actor":"mallory"')
    tamper(filled, ("UPDATE entries SET body = ? WHERE seq = ?", (body, 17)))
    _expect(filled, key, 17, "was edited")


def test_edit_with_recomputed_hash_in_the_database_is_named(filled: str, key: Path) -> None:
    body = _body(filled, 17).replace(b'"actor":"system"', b'"actor":"mallory"')
    tamper(
        filled,
        ("UPDATE entries SET body = ?, leaf_hash = ? WHERE seq = ?", (body, leaf_hash(body), 17)),
    )
    _expect(filled, key, 17, "was altered")


def test_deletion_in_the_database_is_named(filled: str, key: Path) -> None:
    tamper(filled, ("DELETE FROM entries WHERE seq = ?", (12,)))
    _expect(filled, key, 12, "is missing")


def test_deleting_the_newest_entries_is_named(filled: str, key: Path) -> None:
    tamper(filled, ("DELETE FROM entries WHERE seq >= ?", (39,)))
    _expect(filled, key, 39, "is missing: the signed tree head covers 42")


def test_reordering_in_the_database_is_named(filled: str, key: Path) -> None:
    tamper(
        filled,
        ("UPDATE entries SET seq = -1 WHERE seq = ?", (20,)),
        ("UPDATE entries SET seq = 20 WHERE seq = ?", (23,)),
        ("UPDATE entries SET seq = 23 WHERE seq = ?", (-1,)),
    )
    _expect(filled, key, 20, "is missing .*holds 23")


def test_insertion_in_the_database_is_named(filled: str, key: Path) -> None:
    forged = encode_entry(
        11, leaf_hash(_body(filled, 10)), crossing(container_id(90), "EZ-9090", t0_s=90)[0]
    )
    tamper(
        filled,
        ("UPDATE entries SET seq = seq + 1000 WHERE seq >= ?", (11,)),
        ("UPDATE entries SET seq = seq - 999 WHERE seq >= ?", (1000,)),
        (
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
            (11, container_id(90), "seal_affixed", "EZ-9090", leaf_hash(forged), forged),
        ),
    )
    _expect(filled, key, 12, "position 12 holds entry 11")


def test_insertion_at_the_end_is_named(filled: str, key: Path) -> None:
    forged = encode_entry(
        N, leaf_hash(_body(filled, N - 1)), crossing(container_id(90), "EZ-9090", t0_s=90)[0]
    )
    tamper(
        filled,
        (
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
            (N, container_id(90), "seal_affixed", "EZ-9090", leaf_hash(forged), forged),
        ),
    )
    _expect(filled, key, N, "is not covered by the signed tree head")


# ------------------------------------------------------------------------------ exports


@pytest.fixture
def export_lines(filled: str, tmp_path: Path) -> tuple[Path, list[bytes]]:
    out = tmp_path / "ledger.jsonl"
    with open_ledger(filled, readonly=True) as ledger:
        export_ledger(ledger, out)
    lines = out.read_bytes().splitlines(keepends=True)
    assert len(lines) == N + 2  # header, entries, tree head
    return out, lines


def _expect_export(out: Path, lines: list[bytes], key: Path, seq: int, words: str) -> None:
    out.write_bytes(b"".join(lines))
    with pytest.raises(LedgerIntegrityError, match=f"entry {seq}: {words}"):
        verify_export(out, load_public_key(Path(f"{key}.pub")))


def test_untouched_export_verifies(export_lines: tuple[Path, list[bytes]], key: Path) -> None:
    out, _ = export_lines
    assert verify_export(out, load_public_key(Path(f"{key}.pub"))).entries == N


def test_edit_in_an_export_is_named(export_lines: tuple[Path, list[bytes]], key: Path) -> None:
    out, lines = export_lines
    lines[1 + 30] = lines[1 + 30].replace(b'"actor":"system"', b'"actor":"mallory"')
    _expect_export(out, lines, key, 30, "was altered")


def test_deletion_in_an_export_is_named(export_lines: tuple[Path, list[bytes]], key: Path) -> None:
    out, lines = export_lines
    del lines[1 + 5]
    _expect_export(out, lines, key, 5, "is missing")


def test_reordering_in_an_export_is_named(
    export_lines: tuple[Path, list[bytes]], key: Path
) -> None:
    out, lines = export_lines
    lines[1 + 8], lines[1 + 9] = lines[1 + 9], lines[1 + 8]
    _expect_export(out, lines, key, 8, "is missing .*holds 9")


def test_insertion_in_an_export_is_named(export_lines: tuple[Path, list[bytes]], key: Path) -> None:
    out, lines = export_lines
    lines.insert(1 + 3, lines[1 + 3])  # a duplicated line
    _expect_export(out, lines, key, 4, "position 4 holds entry 3")


def test_forged_tree_head_in_an_export_is_refused(
    export_lines: tuple[Path, list[bytes]], key: Path
) -> None:
    out, lines = export_lines
    lines[-1] = lines[-1].replace(b'"tree_size": 42', b'"tree_size": 41')
    out.write_bytes(b"".join(lines))
    with pytest.raises(LedgerIntegrityError, match="signature does not match"):
        verify_export(out, load_public_key(Path(f"{key}.pub")))


def test_truncated_export_is_refused(export_lines: tuple[Path, list[bytes]], key: Path) -> None:
    out, lines = export_lines
    out.write_bytes(b"".join(lines[:-1]))
    with pytest.raises(LedgerIntegrityError, match="truncated export"):
        verify_export(out, load_public_key(Path(f"{key}.pub")))


def test_the_rule_worker_reads_only_the_signed_entries(tmp_path: Path, key: Path) -> None:
    from risk_bridge.ledger.sqlite_store import SqliteStore

    url = f"sqlite:///{tmp_path / 'signed.db'}"
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(many(2))
    store = SqliteStore(str(tmp_path / "signed.db"), readonly=True)
    source = store.body_source(10)
    assert source is not None
    bodies = [body for batch in source() for body in batch]
    assert bodies == [_body(url, seq) for seq in range(10)]
    assert SqliteStore(":memory:").body_source(10) is None
