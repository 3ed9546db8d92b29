"""Entry timestamps and /2 tree heads on both stores: the ledger stamps what arrives unstamped
with its clock, keeps a runtime's stamps, dates each head by its newest entry; a ledger written
before timestamps (unstamped entries, /1 heads, the old table) still verifies, read-only and
extended; a changed timestamp, in an entry or a head, fails verification."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.custody.errors import LedgerIntegrityError, MalformedCustodyEvent
from orchestrator.custody.timestamps import format_timestamp, parse_timestamp
from orchestrator.custody.treehead import TREE_HEAD_V1, TREE_HEAD_VERSION
from risk_bridge.ledger import load_public_key, open_ledger, sqlite_path
from risk_bridge.ledger.files import export_ledger, verify_export
from risk_bridge.ledger.witness import WitnessOutcome, witness
from tests.ledger.old_format import tree_head_columns, write_old_ledger
from tests.ledger.raw import fetch, tamper
from tests.orchestrator.custody.journeys import container_id, crossing

T0_US = 1_796_284_800_000_000  # 2026-12-03T08:00:00Z


class _Clock:
    """A clock the test moves: microseconds since 1970 UTC."""

    def __init__(self, now_us: int) -> None:
        self.now_us = now_us
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        return self.now_us


def _pub(key: Path) -> Ed25519PublicKey:
    return load_public_key(Path(f"{key}.pub"))


def test_unstamped_events_get_the_ledger_clocks_time_and_heads_their_newest(
    url: str, key: Path
) -> None:
    clock = _Clock(T0_US)
    journey = crossing(container_id(1), "EZ-0001")
    with open_ledger(url, key=key, clock=clock) as ledger:
        ledger.append(journey[0])
        clock.now_us += 2_500_000
        with ledger.batch():
            for e in journey[1:4]:
                ledger.append(e)
        stored = [e.timestamp for _, e in ledger.container_events(container_id(1))]
        assert stored == [format_timestamp(T0_US)] + [format_timestamp(T0_US + 2_500_000)] * 3
        heads = list(ledger.tree_heads())
        assert [h.version for h in heads] == [TREE_HEAD_VERSION] * 2
        assert [h.timestamp_ms for h in heads] == [T0_US // 1000, T0_US // 1000 + 2500]
        assert heads[-1].time_text() == "2026-12-03T08:00:02.500Z"
        ledger.verify(_pub(key))
    # Stored and read back by another process's view: the head's time is in the database.
    with open_ledger(url, readonly=True) as again:
        head = again.tree_head()
        assert head is not None and head.timestamp_ms == T0_US // 1000 + 2500


def test_a_runtimes_stamps_are_kept_and_heads_never_go_back(url: str, key: Path) -> None:
    clock = _Clock(T0_US)
    journey = crossing(container_id(2), "EZ-0002")
    # A simulation stamps its events itself (epoch + simulated seconds): the ledger keeps them.
    hour_us = 3_600_000_000
    stamped = [
        dataclasses.replace(e, timestamp=format_timestamp(T0_US + hour_us + round(e.t_s * 1e6)))
        for e in journey[:3]
    ]
    with open_ledger(url, key=key, clock=clock) as ledger:
        ledger.append_many(stamped)
        assert clock.reads == 0
        assert [e for _, e in ledger.container_events(container_id(2))] == stamped
        first = ledger.tree_head()
        assert first is not None
        assert first.timestamp_ms == parse_timestamp(stamped[-1].timestamp or "") // 1000
        # A wall clock stepped back (NTP): the entry says so, the next head keeps its time.
        ledger.append(journey[3])
        later = ledger.tree_head()
        assert later is not None and later.timestamp_ms == first.timestamp_ms
        assert ledger.container_events(container_id(2))[-1][1].timestamp == format_timestamp(T0_US)


def test_a_malformed_stamp_is_refused_and_nothing_is_written(url: str, key: Path) -> None:
    e = dataclasses.replace(crossing(container_id(3), "EZ-0003")[0], timestamp="08:00 today")
    with open_ledger(url, key=key) as ledger:
        with pytest.raises(MalformedCustodyEvent, match=f"{container_id(3)}: SEAL_AFFIXED"):
            ledger.append(e)
        assert ledger.size == 0 and ledger.tree_head() is None


def test_a_ledger_written_before_timestamps_verifies_and_grows_with_them(
    url: str, key: Path, tmp_path: Path
) -> None:
    old = crossing(container_id(4), "EZ-0004")
    write_old_ledger(url, key, [old[:3], old[3:]])
    assert "timestamp_ms" not in tree_head_columns(url)
    with open_ledger(url, readonly=True) as ledger:  # read-only: the old table as it is
        report = ledger.verify(_pub(key))
        assert (report.entries, report.heads) == (7, 2)
        assert [h.version for h in ledger.tree_heads()] == [TREE_HEAD_V1] * 2
        assert all(e.timestamp is None for _, e in ledger.container_events(container_id(4)))
        export_ledger(ledger, tmp_path / "old.jsonl")
    verify_export(tmp_path / "old.jsonl", _pub(key))
    witness_dir = tmp_path / "witness"
    with open_ledger(url, readonly=True) as ledger:
        assert witness(ledger, _pub(key), witness_dir).outcome is WitnessOutcome.FIRST

    new = crossing(container_id(5), "EZ-0005", t0_s=10)
    with open_ledger(url, key=key, clock=_Clock(T0_US)) as ledger:
        ledger.append_many(new)
        assert "timestamp_ms" in tree_head_columns(url)
        heads = list(ledger.tree_heads())
        assert [h.version for h in heads] == [TREE_HEAD_V1, TREE_HEAD_V1, TREE_HEAD_VERSION]
        assert heads[-1].timestamp_ms == T0_US // 1000
        report = ledger.verify(_pub(key))
        assert (report.entries, report.heads) == (14, 3)
        assert all(e.timestamp is None for _, e in ledger.container_events(container_id(4)))
        assert all(e.timestamp for _, e in ledger.container_events(container_id(5)))
        # The witness holding the old /1 head accepts the new /2 head that extends it.
        assert witness(ledger, _pub(key), witness_dir).outcome is WitnessOutcome.ADDED
        export_ledger(ledger, tmp_path / "new.jsonl")
    verify_export(tmp_path / "new.jsonl", _pub(key))


def test_a_changed_head_timestamp_fails_verification(url: str, key: Path, tmp_path: Path) -> None:
    with open_ledger(url, key=key, clock=_Clock(T0_US)) as ledger:
        journey = crossing(container_id(6), "EZ-0006")
        ledger.append_many(journey[:4])
        ledger.append_many(journey[4:])
        export_ledger(ledger, tmp_path / "ledger.jsonl")
    # An export's head, its time moved an hour back: the signature no longer holds.
    lines = (tmp_path / "ledger.jsonl").read_text().splitlines()
    head = json.loads(lines[-1])
    head["tree_head"]["timestamp"] -= 3_600_000
    (tmp_path / "forged.jsonl").write_text("\n".join([*lines[:-1], json.dumps(head)]) + "\n")
    with pytest.raises(LedgerIntegrityError, match="size, root and timestamp"):
        verify_export(tmp_path / "forged.jsonl", _pub(key))
    # The database's older head, its time changed.
    heads = "tree_heads" if sqlite_path(url) else "custody_tree_heads"
    tamper(url, (f"UPDATE {heads} SET timestamp_ms = timestamp_ms + 1 WHERE tree_size = ?", (4,)))
    with (
        open_ledger(url, readonly=True) as ledger,
        pytest.raises(LedgerIntegrityError, match="stored tree head: tree head of size 4: the "),
    ):
        ledger.verify(_pub(key))


def test_a_changed_entry_timestamp_fails_verification(url: str, key: Path) -> None:
    with open_ledger(url, key=key, clock=_Clock(T0_US)) as ledger:
        ledger.append_many(crossing(container_id(7), "EZ-0007"))
    body = bytes(fetch(url, "SELECT body FROM entries WHERE seq = ?", (2,))[0][0])
    forged = body.replace(b'"timestamp":"2026-12-03T08:', b'"timestamp":"2026-12-03T07:')
    assert forged != body
    tamper(url, ("UPDATE entries SET body = ? WHERE seq = ?", (forged, 2)))
    with (
        open_ledger(url, readonly=True) as ledger,
        pytest.raises(LedgerIntegrityError, match="entry 2: was edited"),
    ):
        ledger.verify(_pub(key))
