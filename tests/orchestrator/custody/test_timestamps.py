"""Entry timestamps: one canonical ISO 8601 UTC text per instant, and entries that carry one."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from orchestrator.custody.encoding import (
    GENESIS_PREV,
    canonical_json,
    decode_entry,
    encode_entry,
    event_from_body,
)
from orchestrator.custody.errors import LedgerIntegrityError, MalformedCustodyEvent
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.timestamps import (
    format_timestamp,
    is_timestamp,
    ms_text,
    parse_timestamp,
    timestamp_of,
)
from tests.orchestrator.custody.journeys import container_id, crossing

CID = container_id(3)
SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (datetime(2026, 12, 3, 8, 0, tzinfo=SHANGHAI), "2026-12-03T00:00:00.000000Z"),
        (datetime(2028, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), "2028-02-29T23:59:59.999999Z"),
        (datetime(1969, 12, 31, 23, 0, tzinfo=UTC), "1969-12-31T23:00:00.000000Z"),
    ],
)
def test_one_text_per_instant_and_back(when: datetime, text: str) -> None:
    assert timestamp_of(when) == text
    unix_us = parse_timestamp(text)
    assert unix_us == round((when - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1e6)
    assert format_timestamp(unix_us) == text
    assert ms_text(unix_us // 1000) == text[:23] + "Z"


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-03T00:00:00Z",  # fraction digits are part of the one form
        "2026-12-03T00:00:00.000000+00:00",
        "2026-12-03T08:00:00.000000+08:00",
        "2026-12-03 00:00:00.000000Z",
        "2026-02-29T00:00:00.000000Z",  # no such day
        "2026-04-31T00:00:00.000000Z",
        "2026-12-03T24:00:00.000000Z",
        "0000-01-01T00:00:00.000000Z",
        "2026-12-03T00:00:00.000000z",
        "",
    ],
)
def test_other_texts_are_not_timestamps(text: str) -> None:
    assert not is_timestamp(text)
    with pytest.raises(ValueError, match=r"is not of the form YYYY-MM-DDTHH:MM:SS\.ffffffZ"):
        parse_timestamp(text)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        timestamp_of(datetime(2026, 12, 3))


def test_a_stamped_entry_is_canonical_and_decodes_to_the_same_event() -> None:
    event = dataclasses.replace(crossing(CID, "EZ-0009")[0], timestamp="2026-12-03T00:00:01.5Z")
    with pytest.raises(MalformedCustodyEvent, match=f"container {CID}: timestamp"):
        encode_entry(0, GENESIS_PREV, event)
    event = dataclasses.replace(event, timestamp="2026-12-03T00:00:01.500000Z")
    body = encode_entry(0, GENESIS_PREV, event)
    obj = json.loads(body)
    assert obj["event"]["timestamp"] == "2026-12-03T00:00:01.500000Z"
    assert canonical_json(obj) == body
    assert decode_entry(body)[2] == event_from_body(body) == event


def test_an_unstamped_entry_has_the_bytes_it_had_before_timestamps() -> None:
    event = crossing(CID, "EZ-0009")[0]
    body = encode_entry(0, GENESIS_PREV, event)
    assert b"timestamp" not in body
    assert decode_entry(body)[2] == event_from_body(body) == event
    assert event_from_body(body).timestamp is None


@pytest.mark.parametrize("bad", ['"2026-02-29T00:00:00.000000Z"', '"yesterday"', "null", "17"])
def test_an_entry_with_a_bad_timestamp_does_not_decode(bad: str) -> None:
    body = encode_entry(0, GENESIS_PREV, crossing(CID, "EZ-0009")[0])
    body = body.replace(b'"vehicle_id":', f'"timestamp":{bad},"vehicle_id":'.encode())
    with pytest.raises(ValueError, match="timestamp"):
        event_from_body(body)
    with pytest.raises(LedgerIntegrityError, match="timestamp"):
        decode_entry(body)


def test_the_custody_rules_refuse_a_malformed_timestamp_and_ignore_a_valid_ones_order() -> None:
    journey = crossing(CID, "EZ-0009")
    bad = dataclasses.replace(journey[0], timestamp="2026-12-03T08:00:00+08:00")
    with pytest.raises(MalformedCustodyEvent, match="timestamp"):
        CustodyTracker().apply(bad)
    # Wall clocks step back (NTP): the rules order events by t_s, not by their timestamps.
    stamps = [format_timestamp(1_796_256_000_000_000 - i * 1_000_000) for i in range(len(journey))]
    CustodyTracker().apply_all(
        [dataclasses.replace(e, timestamp=t) for e, t in zip(journey, stamps, strict=True)]
    )
