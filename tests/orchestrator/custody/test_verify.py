"""Whole-ledger verification names the first bad entry for each kind of tampering."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.custody.encoding import GENESIS_PREV, canonical_json, encode_entry
from orchestrator.custody.errors import LedgerIntegrityError
from orchestrator.custody.merkle import Frontier, leaf_hash
from orchestrator.custody.treehead import SignedTreeHead, sign_tree_head
from orchestrator.custody.verify import LedgerRow, verify_ledger
from tests.orchestrator.custody.journeys import K, container_id, crossing, event, many

KEY = Ed25519PrivateKey.generate()
PUB = KEY.public_key()


def build(events: list) -> tuple[list[bytes], SignedTreeHead]:  # type: ignore[type-arg]
    bodies, prev, f = [], GENESIS_PREV, Frontier()
    for seq, e in enumerate(events):
        body = encode_entry(seq, prev, e)
        prev = leaf_hash(body)
        f.append(prev)
        bodies.append(body)
    return bodies, sign_tree_head(KEY, f.size, f.root())


def stored(bodies: list[bytes]) -> list[LedgerRow]:
    """Rows as a database holds them: seq column, body, recorded hash."""
    return [(i, b, leaf_hash(b)) for i, b in enumerate(bodies)]


def exported(bodies: list[bytes]) -> list[LedgerRow]:
    """Rows as an export holds them: the bytes alone."""
    return [(None, b, None) for b in bodies]


def edit(body: bytes, old: bytes, new: bytes) -> bytes:
    assert old in body
    return body.replace(old, new, 1)


def rechain(bodies: list[bytes], start: int) -> list[bytes]:
    """What a forger does after editing: re-link every later entry (no key for the head)."""
    out = bodies[:start]
    for body in bodies[start:]:
        obj = json.loads(body)
        obj["prev"] = leaf_hash(out[-1]).hex() if out else GENESIS_PREV.hex()
        out.append(canonical_json(obj))
    return out


BODIES, HEAD = build(many(6))  # 42 entries


def check(rows: list[LedgerRow], head: SignedTreeHead = HEAD) -> None:
    verify_ledger(rows, head, PUB)


def test_an_untouched_ledger_verifies_both_ways() -> None:
    for rows in (stored(BODIES), exported(BODIES)):
        report = verify_ledger(rows, HEAD, PUB)
        assert (report.entries, report.containers) == (42, 6)
        assert report.root_hash == HEAD.root_hash


def test_edit_is_named_by_its_recorded_hash() -> None:
    rows = stored(BODIES)
    rows[17] = (17, edit(BODIES[17], b'"actor":"system"', b'"actor":"mallory"'), rows[17][2])
    with pytest.raises(LedgerIntegrityError, match="entry 17: was edited") as err:
        check(rows)
    assert err.value.seq == 17


@pytest.mark.parametrize("where", [0, 17, 40])
def test_edit_of_an_export_line_is_named_by_the_broken_link(where: int) -> None:
    bodies = list(BODIES)
    bodies[where] = edit(bodies[where], b'"actor":"system"', b'"actor":"mallory"')
    with pytest.raises(LedgerIntegrityError, match=f"entry {where}: was altered") as err:
        check(exported(bodies))
    assert err.value.seq == where


def test_edit_with_the_hash_recomputed_is_still_named() -> None:
    bodies = list(BODIES)
    bodies[9] = edit(bodies[9], b'"actor":"system"', b'"actor":"mallory"')
    with pytest.raises(LedgerIntegrityError, match="entry 9: was altered"):
        check(stored(bodies))


def test_edit_of_the_last_entry_is_caught_by_the_signed_root() -> None:
    bodies = list(BODIES)
    bodies[41] = edit(bodies[41], b'"actor":"system"', b'"actor":"mallory"')
    with pytest.raises(LedgerIntegrityError, match="do not hash to the signed root"):
        check(exported(bodies))


def test_a_consistently_rechained_forgery_fails_against_the_signed_root() -> None:
    bodies = list(BODIES)
    bodies[5] = edit(bodies[5], b'"actor":"system"', b'"actor":"mallory"')
    with pytest.raises(LedgerIntegrityError, match="signed root"):
        check(exported(rechain(bodies, 6)))


@pytest.mark.parametrize("as_stored", [True, False])
def test_deletion_is_named(as_stored: bool) -> None:
    bodies = BODIES[:12] + BODIES[13:]
    rows = (
        [(i if i < 12 else i + 1, b, leaf_hash(b)) for i, b in enumerate(bodies)]
        if as_stored
        else exported(bodies)
    )
    with pytest.raises(LedgerIntegrityError, match="entry 12: is missing") as err:
        check(rows)
    assert err.value.seq == 12


def test_deleting_the_tail_is_caught_by_the_tree_head() -> None:
    with pytest.raises(LedgerIntegrityError, match="entry 40: is missing: the signed tree head"):
        check(exported(BODIES[:40]))


@pytest.mark.parametrize("as_stored", [True, False])
def test_reordering_is_named(as_stored: bool) -> None:
    bodies = list(BODIES)
    bodies[20], bodies[23] = bodies[23], bodies[20]
    rows = stored(bodies) if as_stored else exported(bodies)
    with pytest.raises(LedgerIntegrityError, match=r"entry 20: is missing .*holds 23"):
        check(rows)


def test_insertion_in_the_middle_is_named() -> None:
    # A forged entry that is itself legal and well linked: the entry it displaces is named.
    fake = crossing(container_id(99), "EZ-9999", t0_s=100)[0]
    inserted = encode_entry(11, leaf_hash(BODIES[10]), fake)
    bodies = [*BODIES[:11], inserted, *BODIES[11:]]
    with pytest.raises(LedgerIntegrityError, match="entry 12: position 12 holds entry 11"):
        check(exported(bodies))


def test_insertion_of_an_illegal_event_names_the_inserted_entry() -> None:
    fake = event(K.TAMPER_ALERT, container_id(0), 0.1, reason="forged")
    inserted = encode_entry(11, leaf_hash(BODIES[10]), fake)
    bodies = [*BODIES[:11], inserted, *BODIES[11:]]
    with pytest.raises(LedgerIntegrityError, match="entry 11: is not a legal custody event"):
        check(exported(bodies))


def test_appending_after_signing_is_named() -> None:
    extra = crossing(container_id(77), "EZ-7777", t0_s=99)[0]
    bodies = [*BODIES, encode_entry(42, leaf_hash(BODIES[41]), extra)]
    with pytest.raises(LedgerIntegrityError, match="entry 42: is not covered") as err:
        check(exported(bodies))
    assert err.value.seq == 42


def test_a_well_chained_but_illegal_event_is_named() -> None:
    events = many(2)
    events.insert(3, event(K.BORDER_HANDOFF, container_id(0), 1.7, vehicle="agv-1", side="MN"))
    bodies, head = build(events)  # signed by the key holder, yet not a legal custody story
    with pytest.raises(LedgerIntegrityError, match="entry 3: is not a legal custody event"):
        verify_ledger(exported(bodies), head, PUB)


def test_a_head_signed_by_another_key_is_refused_before_reading() -> None:
    other = Ed25519PrivateKey.generate()
    head = sign_tree_head(other, HEAD.tree_size, HEAD.root_hash)
    with pytest.raises(LedgerIntegrityError, match="not by the public key given"):
        check(exported(BODIES), head)
