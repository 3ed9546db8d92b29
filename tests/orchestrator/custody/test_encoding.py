"""Canonical entry bytes: stable, float-free, reversible."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.custody.encoding import (
    GENESIS_PREV,
    canonical_json,
    decode_entry,
    encode_entry,
    event_from_body,
    event_from_obj,
    event_to_obj,
    split_tail,
)
from orchestrator.custody.errors import LedgerIntegrityError, MalformedCustodyEvent
from tests.orchestrator.custody.journeys import crossing

EVENT = crossing("CSQU3054383", "EZ-0001", t0_s=12.345678)[0]


def test_entry_bytes_are_canonical_json_with_integer_microseconds() -> None:
    body = encode_entry(0, GENESIS_PREV, EVENT)
    assert body.startswith(b'{"event":{"actor":"system","container_id":"CSQU3054383"')
    assert b'"t_us":12345678' in body and b"." not in body.split(b'"t_us":')[1][:9]
    assert b" " not in body and body.endswith(b'"prev":"' + b"0" * 64 + b'","seq":0}')
    assert canonical_json(json.loads(body)) == body


def test_decode_gives_back_the_event_and_split_tail_agrees() -> None:
    prev = bytes(range(32))
    body = encode_entry(41, prev, EVENT)
    seq, got_prev, event = decode_entry(body)
    assert (seq, got_prev, event) == (41, prev, EVENT)
    assert split_tail(body) == (41, prev)


def test_the_same_event_always_encodes_to_the_same_bytes() -> None:
    reordered = dataclasses.replace(EVENT, details=dict(reversed(list(EVENT.details.items()))))
    assert encode_entry(3, GENESIS_PREV, reordered) == encode_entry(3, GENESIS_PREV, EVENT)


def test_non_ascii_text_is_kept_as_utf8() -> None:
    event = dataclasses.replace(EVENT, actor="海关 officer Бат")
    body = encode_entry(0, GENESIS_PREV, event)
    assert "海关 officer Бат".encode() in body
    assert decode_entry(body)[2].actor == "海关 officer Бат"


@pytest.mark.parametrize(
    "changes",
    [{"t_s": float("nan")}, {"t_s": -1.0}, {"details": {"n": 1.5}}, {"actor": 7}],
)
def test_values_that_cannot_be_stored_exactly_are_refused(changes: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(MalformedCustodyEvent):
        encode_entry(0, GENESIS_PREV, dataclasses.replace(EVENT, **changes))


def test_non_canonical_or_broken_bytes_do_not_decode() -> None:
    body = encode_entry(0, GENESIS_PREV, EVENT)
    spaced = json.dumps(json.loads(body)).encode()
    with pytest.raises(LedgerIntegrityError, match="canonical"):
        decode_entry(spaced)
    with pytest.raises(LedgerIntegrityError):
        decode_entry(body.replace(b"seal_affixed", b"seal_stolen"))
    for bad in (b"{}", body[:-3] + b"x}", body.replace(b'"seq":0', b'"seq":01')):
        with pytest.raises(ValueError):
            split_tail(bad)


@settings(max_examples=80, deadline=None)
@given(
    details=st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=4),
    actor=st.text(min_size=1, max_size=20),
    node=st.none() | st.text(max_size=10),
    t_s=st.floats(min_value=0, max_value=1e9, allow_nan=False),
    seq=st.integers(0, 10**12),
)
def test_the_fast_writer_matches_canonical_json_exactly(
    details: dict[str, str], actor: str, node: str | None, t_s: float, seq: int
) -> None:
    event = dataclasses.replace(EVENT, details=details, actor=actor, node=node, t_s=t_s)
    body = encode_entry(seq, bytes(32), event)
    expected = {"event": event_to_obj(event), "prev": "00" * 32, "seq": seq}
    assert body == canonical_json(expected) == canonical_json(json.loads(body))
    assert decode_entry(body)[2].details == details


@settings(max_examples=80, deadline=None)
@given(
    details=st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=4),
    actor=st.text(min_size=1, max_size=20),
    zone=st.none() | st.text(max_size=10),
    seq=st.integers(0, 10**9),
)
def test_the_fast_reader_agrees_with_json(
    details: dict[str, str], actor: str, zone: str | None, seq: int
) -> None:
    event = dataclasses.replace(EVENT, details=details, actor=actor, zone=zone)
    body = encode_entry(seq, bytes(range(32)), event)
    assert event_from_body(body) == event_from_obj(json.loads(body)["event"]) == event


def test_the_fast_reader_falls_back_on_anything_not_exactly_canonical() -> None:
    body = encode_entry(5, bytes(32), EVENT)
    # A second "event" key: JSON takes the last one, and so must the reader.
    other = dataclasses.replace(EVENT, actor="second")
    tail = body[body.index(b',"prev":') :]
    doubled = body[:-1] + b',"event":' + json.dumps(event_to_obj(other)).encode() + tail
    assert event_from_body(doubled).actor == "second"
    quoted = dataclasses.replace(EVENT, actor='officer "7"\\x')
    assert event_from_body(encode_entry(5, bytes(32), quoted)).actor == 'officer "7"\\x'
