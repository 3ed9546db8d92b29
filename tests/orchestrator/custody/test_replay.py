"""The fast custody-rule replay agrees with CustodyTracker: same verdict, same first bad entry,
same message, same final state; and verification gives the same answers in bulk, entry by
entry, and with the rules in a worker process."""

from __future__ import annotations

import dataclasses
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.custody import rulesink
from orchestrator.custody.encoding import GENESIS_PREV, encode_entry, event_from_body
from orchestrator.custody.errors import CustodyError, LedgerIntegrityError
from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.merkle import Frontier, leaf_hash
from orchestrator.custody.replay import FastReplay
from orchestrator.custody.rulesink import BodySource, RuleReplay, RuleWorker
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
