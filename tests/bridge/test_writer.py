"""The writer-side functions on their own: functions over a bridge state that return the
rows, the effects and a typed result, with no service, fleet or store behind them; the
writer-thread check; idempotency; the routers' status mapping; the shared request rules."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.domain.records import Cargo
from orchestrator.lanegraph import Side
from orchestrator.messages import RiskLevel
from risk_bridge.domain import Role, Treatment, VerdictInput
from risk_bridge.errors import Conflict, Forbidden
from risk_bridge.idempotency import Write, idempotent
from risk_bridge.lanes import change_lane
from risk_bridge.outbox import Feed, LaneInCore, Outbox, Publish, WriteKind
from risk_bridge.request_rules import (
    IDEMPOTENCY_KEY_MAX,
    IDEMPOTENCY_KEY_MIN,
    IDEMPOTENCY_KEY_PATTERN,
    bearer_token,
    is_idempotency_key,
    require_role,
)
from risk_bridge.routers.common import reply_status, status_of
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import as_writer
from risk_bridge.verdicts import accept_verdicts
from tests.orchestrator.helpers import container

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CID = container(7)
GACC = Principal("gacc", Role.AUTHORITY_SYSTEM, "CN")


def _state() -> BridgeState:
    st = BridgeState()
    st.cargo[CID] = Cargo(CID, "Gobi Cashmere", "510211", "MN")
    return st


def _v(vid: str, level: RiskLevel, t: datetime = NOW) -> VerdictInput:
    return VerdictInput(vid, CID, Side.CN, level, None, Treatment.NONE, ("why",), t, 0)


def test_accept_verdicts_returns_rows_effects_and_result():
    st = _state()
    with as_writer():
        outcome = accept_verdicts(st, [_v("V1", RiskLevel.HIGH)], GACC, Outbox(st, NOW))
    assert outcome.result.kind is WriteKind.CREATED
    assert outcome.result.body == {
        "results": [{"verdict_id": "V1", "status": "accepted"}],
        "accepted": 1,
    }
    b = outcome.batch
    assert [r[0] for r in b.verdicts] == ["V1"] and len(b.audit) == 1
    assert [e[2] for e in b.events] == ["verdict.effective"]
    publish, feed = outcome.effects
    assert isinstance(publish, Publish) and publish.row[2] == "verdict.effective"
    assert feed == Feed(CID, timed=True, fresh=True)
    assert st.latest[CID]["CN"].verdict_id == "V1" and st.fed == {}  # fed by the effect only


def test_a_duplicate_is_unchanged_and_an_older_verdict_superseded():
    st = _state()
    with as_writer():
        accept_verdicts(st, [_v("V1", RiskLevel.LOW)], GACC, Outbox(st, NOW))
        dup = accept_verdicts(st, [_v("V1", RiskLevel.LOW)], GACC, Outbox(st, NOW))
        old = accept_verdicts(
            st, [_v("V0", RiskLevel.HIGH, NOW - timedelta(hours=1))], GACC, Outbox(st, NOW)
        )
        with pytest.raises(Conflict, match="V1"):
            accept_verdicts(st, [_v("V1", RiskLevel.MEDIUM)], GACC, Outbox(st, NOW))
    assert dup.result.kind is WriteKind.UNCHANGED and not dup.batch.verdicts
    assert dup.result.body["results"] == [{"verdict_id": "V1", "status": "duplicate"}]
    assert old.result.body["results"] == [{"verdict_id": "V0", "status": "superseded"}]
    assert Feed(CID, timed=True, fresh=False) in old.effects  # not in force: not fresh


def test_lane_change_asks_the_core_only_on_transitions():
    st = BridgeState()
    op = Principal("op", Role.OPERATOR, None)
    with as_writer():
        first = change_lane(
            st, Outbox(st, NOW), op, "L1", is_zone=False, close=True, reason="works"
        )
        again = change_lane(
            st, Outbox(st, NOW), op, "L1", is_zone=False, close=True, reason="works"
        )
    assert LaneInCore("L1", False, True, "works") in first.effects
    assert not [e for e in again.effects if isinstance(e, LaneInCore)]
    assert again.result.body == {"target": "L1", "closed": True, "closed_by": ["operator"]}


def test_writer_side_functions_refuse_other_threads():
    st = _state()
    with pytest.raises(AssertionError, match="only the committer thread"):
        accept_verdicts(st, [_v("V1", RiskLevel.LOW)], GACC, Outbox(st, NOW))
    errors: list[BaseException] = []

    def elsewhere() -> None:
        try:
            accept_verdicts(st, [_v("V2", RiskLevel.LOW)], GACC, Outbox(st, NOW))
        except AssertionError as exc:
            errors.append(exc)

    with as_writer():  # this thread is the writer; another one still is not
        t = threading.Thread(target=elsewhere)
        t.start()
        t.join()
    assert len(errors) == 1 and not st.verdict_ids


def test_idempotent_replay_answers_the_stored_code_and_body():
    st = _state()

    def job(state, out):
        return accept_verdicts(state, [_v("V1", RiskLevel.LOW)], GACC, out)

    w = Write(GACC, "key-00000001", "digest-a")
    with as_writer():
        first = idempotent(st, w, job, status_of, NOW)
        replay = idempotent(st, w, job, status_of, NOW)
        with pytest.raises(Conflict, match="key-00000001"):
            idempotent(st, Write(GACC, "key-00000001", "digest-b"), job, status_of, NOW)
    (row,) = first.batch.idempotency
    assert row[:4] == (GACC.key, "key-00000001", "digest-a", 201)
    assert replay.result.kind is WriteKind.REPLAYED and not replay.batch.idempotency
    assert reply_status(replay.result) == 201 == reply_status(first.result)
    assert replay.result.body == {
        "accepted": 1,
        "results": [{"status": "accepted", "verdict_id": "V1"}],
    }


def test_status_codes_of_outcomes():
    assert status_of(WriteKind.CREATED) == 201
    assert status_of(WriteKind.UPDATED) == 200
    assert status_of(WriteKind.UNCHANGED) == 200


@pytest.mark.parametrize(
    "key",
    [
        "abcdefgh",
        "a" * 128,
        "a" * 7,
        "a" * 129,
        "with space1",
        "ok.key:1-_",
        "ünïcode12",
        "x\n" * 5,
    ],
)
def test_idempotency_key_rule_is_the_header_rule(key):
    header_rule = (
        re.fullmatch(IDEMPOTENCY_KEY_PATTERN[1:-1], key) is not None
        and IDEMPOTENCY_KEY_MIN <= len(key) <= IDEMPOTENCY_KEY_MAX
    )
    assert is_idempotency_key(key) is header_rule


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc  ", "abc"),
        ("BEARER abc", "abc"),
        ("Bearer", None),
        ("Bearer    ", None),
        ("Basic abc", None),
        ("Bearerabc", None),
        ("", None),
    ],
)
def test_bearer_token(header, token):
    assert bearer_token(header) == token


def test_require_role_names_the_allowed_roles():
    viewer = Principal("v", Role.VIEWER, None)
    with pytest.raises(Forbidden, match=r"role viewer may not do this \(allowed: officer\)"):
        require_role(viewer, (Role.OFFICER,))
    require_role(viewer, (Role.OFFICER, Role.VIEWER))
