"""The fast custody-rule replay agrees with CustodyTracker: same verdict, same first bad entry,
same message, same final state; and verification gives the same answers in bulk, entry by
entry, and with the rules in a worker process."""

from __future__ import annotations

import dataclasses
import gc
import random
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.custody import replay, rulesink
from orchestrator.custody.encoding import GENESIS_PREV, encode_entry, event_from_body
from orchestrator.custody.errors import CustodyError, LedgerIntegrityError, MalformedCustodyEvent
from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.merkle import Frontier, leaf_hash
from orchestrator.custody.replay import FastReplay
from orchestrator.custody.rulesink import BodySource, RuleReplay, RuleWorker
from orchestrator.custody.seals import check_container_id, check_seal_number
from orchestrator.custody.timestamps import format_timestamp
from orchestrator.custody.treehead import SignedTreeHead, sign_tree_head
from orchestrator.custody.verify import verify_ledger
from tests.orchestrator.custody.journeys import K, container_id, crossing, event, inspected, many

KEY = Ed25519PrivateKey.generate()
CIDS = [container_id(i) for i in range(4)] + ["BADU1234567"]
SEALS = ["EZ-0001", "EZ-0002", "EZ-0003", "EZ-0004", "EZ-0005", "ez-01", "", None]
DETAILS: list[dict[str, str]] = [
    {},
    {"seal_class": "H", "maker": "Acme"},
    {"seal_class": "X", "maker": "Acme"},
    {"seal_class": "S", "maker": ""},
    {"method": "mechanical"},
    {"method": "e-seal", "result": "mismatch"},
    {"method": "e-seal", "result": "maybe"},
    {"method": "eye"},
    {"reason": "tamper"},
    {"reason": ""},
    {"reason": 'quoted "x"'},
    {"reason": "a,b", "extra": "{}"},
]


def _mutate(rng: random.Random, e: CustodyEvent) -> CustodyEvent:
    """One field changed at random: often still legal (an escaped or non-ASCII string)."""
    field, value = rng.choice(
        [
            ("kind", rng.choice(list(K))),
            ("container_id", rng.choice(CIDS)),
            ("seal_number", rng.choice(SEALS)),
            ("vehicle_id", rng.choice(["agv-1", "agv-2", "", None])),
            ("node", rng.choice(["n1", "", None, "gate ä", "a,b"])),
            ("zone", rng.choice(["z1", None])),
            ("side", rng.choice(["CN", "MN", "XX"])),
            ("actor", rng.choice(["officer-7", 'officer "7"', "back\\slash", ""])),
            ("details", rng.choice(DETAILS)),
            ("t_s", max(0.0, e.t_s - rng.choice([1.5, 4.0, 0.999999]))),
            ("timestamp", rng.choice([None, "2028-02-29T23:59:59.999999Z"])),
        ]
    )
    return dataclasses.replace(e, **{field: value})


def _story(seed: int) -> list[CustodyEvent]:
    """Interleaved legal journeys (crossings, inspections) of four containers, with a few
    events mutated, repeated or dropped: sometimes legal throughout, else illegal anywhere."""
    rng = random.Random(seed)
    t0 = 2e9 if rng.random() < 0.2 else 0.0  # epoch-like times: past 2**50 microseconds
    journeys = []
    for n, cid in enumerate(CIDS[:4]):
        seal, new_seal = SEALS[n], SEALS[4] if n == 0 else f"EZ-1{n:03d}"
        make = crossing if rng.random() < 0.5 else inspected
        args = (cid, seal) if make is crossing else (cid, seal, new_seal)
        journeys.append(make(*args, t0_s=t0 + rng.choice([0.0, 0.5, 3.0])))  # type: ignore[operator]
    events = sorted((e for j in journeys for e in j), key=lambda e: e.t_s)
    if rng.random() < 0.5:  # stamped by a runtime (an epoch near a leap day and a year's end)
        epoch_us = rng.choice([1_835_395_200_000_000, 1_830_297_599_000_000])
        events = [
            dataclasses.replace(e, timestamp=format_timestamp(epoch_us + round(e.t_s * 1e6)))
            for e in events
        ]
    out: list[CustodyEvent] = []
    rate = rng.choice([0.0, 0.01, 0.05])
    for e in events:
        roll = rng.random()
        if roll < rate:
            out.append(_mutate(rng, e))
        elif roll < rate * 1.3:
            continue  # dropped
        elif roll < rate * 1.6:
            out += [e, e]  # repeated
        else:
            out.append(e)
    return out


def _reference(bodies: list[bytes]) -> tuple[CustodyTracker, str | None]:
    tracker = CustodyTracker()
    for i, body in enumerate(bodies):
        try:
            tracker.apply(event_from_body(body))
        except CustodyError as exc:
            return tracker, f"entry {i}: is not a legal custody event: {exc}"
        except ValueError as exc:
            return tracker, f"entry {i}: does not decode to a custody event ({exc})"
    return tracker, None


def _bodies(events: list[CustodyEvent]) -> list[bytes]:
    out, prev = [], GENESIS_PREV
    for seq, e in enumerate(events):
        out.append(encode_entry(seq, prev, e))
        prev = leaf_hash(out[-1])
    return out


def _state(tracker: CustodyTracker) -> tuple[object, ...]:
    cids = sorted({c for c in CIDS if tracker.get(c) is not None})
    states = [dataclasses.asdict(tracker.get(c)) for c in cids]  # type: ignore[arg-type]
    owners = sorted((s, tracker.seal_owner(s)) for s in SEALS if s and tracker.seal_owner(s))
    return len(tracker), states, owners


@pytest.mark.parametrize("seed", range(400))
def test_fast_replay_agrees_with_the_tracker(seed: int) -> None:
    bodies = _bodies(_story(seed))
    expected_tracker, expected_error = _reference(bodies)
    rng = random.Random(seed)
    replay, error, i = RuleReplay(), None, 0
    try:
        while i < len(bodies):
            step = rng.randint(1, 30)
            replay.apply(bodies[i : i + step], i)
            i += step
    except LedgerIntegrityError as exc:
        error = str(exc)
    assert error == expected_error
    if error is None:
        tracker = replay.fast.to_tracker() if replay.slow is None else replay.slow
        assert _state(tracker) == _state(expected_tracker)
        assert replay.finish() == len(expected_tracker)


def test_the_fast_replay_stops_before_what_it_is_not_sure_of() -> None:
    events = crossing(CIDS[0], "EZ-0001")
    quoted = dataclasses.replace(events[1], actor='officer "7"')
    bodies = _bodies([events[0], quoted, *events[2:]])
    replay = FastReplay()
    assert replay.feed(bodies, 0) == 1  # the escaped actor goes to the tracker
    tracker = replay.to_tracker()
    for body in bodies[1:]:
        tracker.apply(event_from_body(body))
    assert tracker.get(CIDS[0]) is not None


def _ledger(events: list[CustodyEvent]) -> tuple[list[bytes], SignedTreeHead]:
    bodies = _bodies(events)
    f = Frontier()
    for body in bodies:
        f.append(leaf_hash(body))
    return bodies, sign_tree_head(KEY, f.size, f.root())


BIG, BIG_HEAD = _ledger(many(1700))  # 11,900 entries: several chunks, crosses 10,000


def _source(bodies: list[bytes], head: SignedTreeHead) -> BodySource:
    """What a SQLite ledger gives the reading worker: the stored bodies below the tree size."""
    return lambda: [bodies[i : i + 1000] for i in range(0, head.tree_size, 1000)]


def _verify(
    bodies: list[bytes], head: SignedTreeHead, stored: bool = True, reader: bool = False
) -> int:
    rows = [(i, b, leaf_hash(b)) if stored else (None, b, None) for i, b in enumerate(bodies)]
    source = _source(bodies, head) if reader else None
    return verify_ledger(rows, head, KEY.public_key(), rule_bodies=source).containers


# in this process; a worker sent the checked entries; a worker reading the entries itself
MODES = ["in-process", "worker", "reader"]


@pytest.mark.parametrize("mode", MODES)
def test_bulk_verification_of_many_chunks(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rulesink, "PARALLEL_FROM", 10**9 if mode == "in-process" else 1)
    reader = mode == "reader"
    assert _verify(BIG, BIG_HEAD, reader=reader) == 1700
    assert _verify(BIG, BIG_HEAD, stored=False, reader=reader) == 1700
    for where in (3, 4096, 9999, 10000, 10001, 11899):
        bodies = list(BIG)
        bodies[where] = bodies[where].replace(b'"actor":"system"', b'"actor":"mallory"')
        source = _source(bodies, BIG_HEAD) if reader else None
        with pytest.raises(LedgerIntegrityError, match=f"entry {where}: was edited"):
            rows = [(i, b, leaf_hash(BIG[i])) for i, b in enumerate(bodies)]
            verify_ledger(rows, BIG_HEAD, KEY.public_key(), rule_bodies=source)


@pytest.mark.parametrize("mode", MODES)
def test_the_first_bad_entry_wins_whichever_check_finds_it(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rulesink, "PARALLEL_FROM", 10**9 if mode == "in-process" else 1)
    worker = mode == "reader"
    events = many(1000)
    illegal = event(K.BORDER_HANDOFF, container_id(999), events[5000].t_s, vehicle="a", side="MN")
    events.insert(5000, illegal)  # illegal, yet signed and chained by the key holder
    bodies, head = _ledger(events)
    with pytest.raises(LedgerIntegrityError, match="entry 5000: is not a legal") as err:
        _verify(bodies, head, reader=worker)
    assert err.value.seq == 5000
    edited = list(bodies)
    edited[6000] = edited[6000].replace(b'"actor":"system"', b'"actor":"mallory"')
    with pytest.raises(LedgerIntegrityError, match="entry 5000: is not a legal"):
        _verify(edited, head, reader=worker)  # the later edit is not the first problem
    edited = list(bodies)
    edited[4000] = edited[4000].replace(b'"actor":"system"', b'"actor":"mallory"')
    with pytest.raises(LedgerIntegrityError, match="entry 4000: was altered"):
        _verify(edited, head, stored=False, reader=worker)  # the earlier edit is
    edited = list(bodies)
    edited[5000] = edited[5000].replace(b'"actor":"', b'"actor":"x')
    rows = [(i, b, leaf_hash(bodies[i])) for i, b in enumerate(edited)]
    source = _source(edited, head) if worker else None
    with pytest.raises(LedgerIntegrityError, match="entry 5000: was edited") as err:
        # illegal and edited: both checks name entry 5000, the integrity message is given
        verify_ledger(rows, head, KEY.public_key(), rule_bodies=source)
    assert err.value.seq == 5000


def test_a_rule_failure_found_by_the_reading_worker_after_the_entry_named_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rulesink, "PARALLEL_FROM", 1)
    events = many(1000)
    illegal = event(K.BORDER_HANDOFF, container_id(999), events[5000].t_s, vehicle="a", side="MN")
    events.insert(5000, illegal)
    bodies, head = _ledger(events)
    rows = [(i, b, leaf_hash(b)) for i, b in enumerate(bodies)]
    del rows[100]  # the worker reads its own (intact) copy and finds entry 5000 illegal
    with pytest.raises(LedgerIntegrityError, match="entry 100: is missing") as err:
        verify_ledger(rows, head, KEY.public_key(), rule_bodies=_source(bodies, head))
    assert err.value.seq == 100


def test_a_reading_worker_that_cannot_read_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rulesink, "PARALLEL_FROM", 1)

    def broken() -> list[list[bytes]]:
        raise OSError("disk gone")

    rows = [(i, b, leaf_hash(b)) for i, b in enumerate(BIG)]
    with pytest.raises(CustodyError, match=r"could not read the ledger \(OSError: disk gone"):
        verify_ledger(rows, BIG_HEAD, KEY.public_key(), rule_bodies=broken)


def test_the_worker_is_stopped_when_verification_gives_up() -> None:
    worker = RuleWorker()
    worker.apply(BIG[:10], 0)
    worker.close()
    assert not worker._proc.is_alive()


# The shortcuts of the fast replay: identifiers checked on bytes, and the escape and UTF-8
# checks made once per batch. Each must agree with the tracker's own rules.


def test_the_byte_level_container_check_agrees_with_iso_6346() -> None:
    rng = random.Random(6346)
    owners = ["BFL", "MSC", "ABC", "ZZZ", "QRS"]
    candidates = [
        f"{rng.choice(owners)}{rng.choice('UJZR')}{rng.randrange(10**6):06d}{d}"
        for d in range(10)
        for _ in range(300)
    ]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcz0123456789 -"
    candidates += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 13))) for _ in range(3000)
    ]
    candidates += ["bflU0000010", "BFL U0000010", "BFLU000001", "BFLU00000100", "BF1U0000010"]
    valid = 0
    for cid in candidates:
        try:
            check_container_id(cid)
            expected = True
        except MalformedCustodyEvent:
            expected = False
        raw = cid.encode()
        assert replay._container_ok(raw) is expected, cid
        fast = replay._CONTAINER_FAST(raw) is not None and replay._check_digit_ok(raw)
        assert fast is expected, cid  # valid canonical numbers never need the slow check
        valid += expected
    assert valid >= 200


def test_the_byte_level_seal_check_agrees_with_the_seal_rules() -> None:
    rng = random.Random(17712)
    alphabet = "ABCZ0123456789-az "
    candidates = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 23))) for _ in range(20000)
    ]
    candidates += [
        "EZ-20260001",
        "EZ-0001",
        "-EZ0001",
        "EZ0001-",
        "E123",
        "1234",
        "123",
        "A-1-2-3-4",
    ]
    valid = 0
    for seal in candidates:
        try:
            check_seal_number(seal)
            expected = True
        except MalformedCustodyEvent:
            expected = False
        assert replay._seal_ok(seal.encode()) is expected, seal
        assert (replay._SEAL_FAST(seal.encode()) is not None) is expected, seal
        valid += expected
    assert valid >= 500


def _chained(raw: list[bytes]) -> list[bytes]:
    """Entries with the given event bytes (anything, even bytes that are not UTF-8), chained."""
    out, prev = [], GENESIS_PREV
    for seq, body in enumerate(raw):
        event_part = body[: body.rindex(b',"prev":"')]
        out.append(event_part + b',"prev":"%s","seq":%d}' % (prev.hex().encode(), seq))
        prev = leaf_hash(out[-1])
    return out


def _odd_bodies(seed: int) -> list[bytes]:
    """A legal story, some entries made odd: escaped or non-ASCII strings, bytes that are not
    UTF-8 (the tracker refuses those)."""
    rng = random.Random(seed)
    bodies = _bodies(many(6))
    odd = [
        (b'"actor":"system"', b'"actor":"sys\\"tem"'),
        (b'"node":"cn_gate"', b'"node":"g\xc3\xa4te"'),
        (b'"node":"border"', b'"node":"b\xc3\xb6rder"'),
        (b'"zone":"mn_yard"', b'"zone":"\xff"'),
        (b'"zone":"cn_yard"', b'"zone":"z\xc3"'),
        # timestamps: canonical, a day that does not exist, other forms (the tracker refuses)
        (b'"vehicle_id":', b'"timestamp":"2028-02-29T23:59:59.999999Z","vehicle_id":'),
        (b'"vehicle_id":', b'"timestamp":"2026-02-29T00:00:00.000000Z","vehicle_id":'),
        (b'"vehicle_id":', b'"timestamp":"2026-12-03T00:00:00Z","vehicle_id":'),
        (b'"vehicle_id":', b'"timestamp":"0000-01-01T00:00:00.000000Z","vehicle_id":'),
        (b'"vehicle_id":', b'"timestamp":null,"vehicle_id":'),
    ]
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(bodies))
        old, new = rng.choice(odd)
        bodies[i] = bodies[i].replace(old, new)
    return _chained(bodies)


@pytest.mark.parametrize("seed", range(60))
def test_a_batch_is_admitted_exactly_as_far_as_entry_by_entry(seed: int) -> None:
    bodies = _odd_bodies(seed)
    one_by_one = FastReplay()
    admitted = 0
    while admitted < len(bodies) and one_by_one.feed(bodies[admitted : admitted + 1], admitted):
        admitted += 1
    rng = random.Random(seed)
    for _ in range(5):
        batched, i = FastReplay(), 0
        while i < len(bodies):
            chunk = bodies[i : i + rng.randint(1, 60)]
            taken = batched.feed(chunk, i)
            i += taken
            if taken < len(chunk):
                break
        assert i == admitted
        assert _state(batched.to_tracker()) == _state(one_by_one.to_tracker())
    _, expected_error = _reference(bodies)
    rules = RuleReplay()
    error = None
    try:
        rules.apply(bodies, 0)
    except LedgerIntegrityError as exc:
        error = str(exc)
    assert error == expected_error


@pytest.mark.parametrize("mode", MODES)
def test_odd_entries_at_chunk_boundaries(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rulesink, "PARALLEL_FROM", 10**9 if mode == "in-process" else 1)
    reader = mode == "reader"
    for where in (4095, 4096, 8191):
        # a legal escaped string: the tracker takes over there, and all is still verified
        events = many(1200)
        events[where] = dataclasses.replace(events[where], actor='officer "7"')
        bodies, head = _ledger(events)
        assert _verify(bodies, head, reader=reader) == 1200
        # a non-ASCII entry just before an illegal one
        events = many(1200)
        events[where] = dataclasses.replace(events[where], node="gate ä")
        cid = events[where + 1].container_id
        events[where + 1] = event(K.DELIVERED, cid, events[where + 1].t_s, side="CN")
        bodies, head = _ledger(events)
        if _reference(bodies)[1] is None:  # (the container may not be in the yard)
            continue
        with pytest.raises(LedgerIntegrityError, match=f"entry {where + 1}: is not a legal"):
            _verify(bodies, head, reader=reader)


@pytest.mark.parametrize("sizes", [[4096], [1000], [4096, 100, 0, 3996, 7], [11900]])
def test_rows_handed_over_in_lists_of_any_size(sizes: list[int]) -> None:
    def chunked(rows: list[tuple[int, bytes, bytes]]) -> list[list[tuple[int, bytes, bytes]]]:
        out, i, k = [], 0, 0
        while i < len(rows):
            size = sizes[k % len(sizes)]
            out.append(rows[i : i + size])
            i, k = i + size, k + 1
        return out

    rows = [(i, b, leaf_hash(b)) for i, b in enumerate(BIG)]
    report = verify_ledger((), BIG_HEAD, KEY.public_key(), chunked=chunked(rows))
    assert (report.entries, report.containers) == (len(BIG), 1700)
    assert report.root_hash == BIG_HEAD.root_hash
    for where in (0, 4095, 4096, 5000, 11899):
        edited = list(rows)
        edited[where] = (where, BIG[where].replace(b'"system"', b'"mallory"'), rows[where][2])
        with pytest.raises(LedgerIntegrityError, match=f"entry {where}: was edited"):
            verify_ledger((), BIG_HEAD, KEY.public_key(), chunked=chunked(edited))
    with pytest.raises(LedgerIntegrityError, match="entry 7000: is missing"):
        verify_ledger((), BIG_HEAD, KEY.public_key(), chunked=chunked(rows[:7000] + rows[7001:]))


def test_the_cyclic_collector_is_paused_only_during_verification() -> None:
    rows = [(i, b, leaf_hash(b)) for i, b in enumerate(BIG)]
    seen: list[bool] = []

    def watched() -> Iterator[tuple[int, bytes, bytes]]:
        for row in rows:
            seen.append(gc.isenabled())
            yield row

    assert gc.isenabled()
    verify_ledger(watched(), BIG_HEAD, KEY.public_key())
    assert not any(seen) and gc.isenabled()
    broken = list(rows)
    del broken[5]
    with pytest.raises(LedgerIntegrityError, match="entry 5: is missing"):
        verify_ledger(broken, BIG_HEAD, KEY.public_key())
    assert gc.isenabled()
    gc.disable()
    try:
        verify_ledger(rows, BIG_HEAD, KEY.public_key())
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
