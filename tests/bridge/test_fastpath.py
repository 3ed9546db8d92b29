"""The ASGI fast path for POST /v1/verdicts answers exactly as the FastAPI route does: same
statuses, bodies and stored effects, for the well-formed case it serves and for every error it
hands on to the route (with the body replayed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from risk_bridge.fastpath import VerdictFastPath
from tests.bridge.conftest import Bridge, make_bridge
from tests.bridge.helpers import iso, verdict


def _without_fast_path(b: Bridge) -> None:
    app: Any = b.client.app
    app.user_middleware = [m for m in app.user_middleware if m.cls is not VerdictFastPath]
    app.middleware_stack = app.build_middleware_stack()


def _script(b: Bridge) -> list[tuple[dict[str, Any], dict[str, str], Any]]:
    """(body, headers, raw content or None) for a sequence of requests covering every answer."""
    cid, other = b.containers()[:2]
    cn = b.headers("authority_system", "CN", key="fast-key-1", sub="gacc")
    ok = verdict(cid, "MEDIUM", vid="fp-1", reasons=["manifest mismatch"], sequence=3)
    return [
        (ok, cn, None),  # accepted (201)
        (ok, cn, None),  # replay: the stored response, nothing changes
        ({**ok, "level": "HIGH"}, cn, None),  # same key, other body: 409
        (ok, b.headers("authority_system", "CN", key="fast-key-2"), None),  # duplicate: 200
        ({**ok, "level": "LOW"}, b.headers("authority_system", "CN"), None),  # same id: 409
        (
            verdict(other, "LOW", vid="fp-old", issued_at=iso(-3600)),
            b.headers("authority_system", "CN"),
            None,
        ),
        (verdict("CSQU3054383", "LOW", vid="fp-404"), b.headers("authority_system", "CN"), None),
        (verdict("CSQU3054384", "LOW", vid="fp-cd"), b.headers("authority_system", "CN"), None),
        (verdict(cid, "SEVERE", vid="fp-lvl"), b.headers("authority_system", "CN"), None),
        (verdict(cid, "LOW", "MN", vid="fp-mn"), b.headers("authority_system", "CN"), None),
        (
            verdict(cid, "LOW", vid="fp-naive", issued_at="2026-01-01T00:00:00"),
            b.headers("authority_system", "CN"),
            None,
        ),
        (
            {**verdict(cid, "LOW", vid="fp-x"), "extra": 1},
            b.headers("authority_system", "CN"),
            None,
        ),
        (verdict(cid, "LOW", vid="fp-viewer"), b.headers("viewer"), None),
        (verdict(cid, "LOW", vid="fp-officer"), b.headers("officer", "CN"), None),
        (verdict(cid, "LOW", vid="fp-anon"), {"Idempotency-Key": "fast-key-3"}, None),
        (
            verdict(cid, "LOW", vid="fp-badtok"),
            {"Authorization": "Bearer nope", "Idempotency-Key": "fast-key-4"},
            None,
        ),
        (verdict(cid, "LOW", vid="fp-nokey"), {"Authorization": cn["Authorization"]}, None),
        (verdict(cid, "LOW", vid="fp-short"), {**cn, "Idempotency-Key": "short"}, None),
        (verdict(cid, "LOW", vid="fp-badkey"), {**cn, "Idempotency-Key": "has space in it"}, None),
        ({}, b.headers("authority_system", "CN"), b"{not json"),
        ({}, b.headers("authority_system", "CN"), b""),
    ]


def _run(b: Bridge) -> list[tuple[int, Any, str]]:
    out = []
    for body, headers, raw in _script(b):
        hdrs = {**headers, "Content-Type": "application/json"}
        if raw is None:
            r = b.client.post("/v1/verdicts", json=body, headers=hdrs)
        else:
            r = b.client.post("/v1/verdicts", content=raw, headers=hdrs)
        out.append((r.status_code, r.json(), r.headers["content-type"]))
    return out


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, per request reaching the fast path, whether it served it itself."""
    seen: list[bool] = []
    original = VerdictFastPath._try_submit

    def spy(self: VerdictFastPath, scope: Any, body: bytes) -> Any:
        fut = original(self, scope, body)
        seen.append(fut is not None)
        return fut

    monkeypatch.setattr(VerdictFastPath, "_try_submit", spy)
    return seen


@pytest.fixture
def two_bridges(tmp_path: Path) -> Iterator[tuple[Bridge, Bridge]]:
    """Two bridges on separate stores over the same scenario (same manifest)."""
    made: list[Any] = []
    yield make_bridge(tmp_path / "fast", made), make_bridge(tmp_path / "slow", made)
    for c in made:
        c.__exit__(None, None, None)


def test_fast_path_answers_exactly_like_the_route(two_bridges, served):
    fast, slow = two_bridges
    _without_fast_path(slow)
    got_fast = _run(fast)
    n_fast = len(served)
    got_slow = _run(slow)
    assert len(served) == n_fast  # the second bridge really went through FastAPI only
    assert got_fast == got_slow
    statuses = [s for s, _, _ in got_fast]
    assert statuses[:12] == [201, 201, 409, 200, 409, 201, 404, *[422] * 2, 403, *[422] * 2]
    assert statuses[12:] == [403, 403, 401, 401, *[422] * 5]
    # The fast path served the well-formed requests and handed every other one on.
    assert served == [True] * 7 + [False] * 14
    # Same stored effects: verdicts, audit rows and idempotency rows.
    for b in (fast, slow):
        assert sorted(b.svc.state.verdict_ids) == ["fp-1", "fp-old"]
    assert len(fast.svc.store.audit(1000)) == len(slow.svc.store.audit(1000))
    assert fast.svc.state.fed == slow.svc.state.fed


def test_fast_path_verdict_is_durable_and_fed(bridge, served):
    cid = bridge.containers()[3]
    h = bridge.headers("authority_system", "CN", sub="gacc")
    r = bridge.client.post("/v1/verdicts", json=verdict(cid, "HIGH", vid="fp-high"), headers=h)
    assert r.status_code == 201 and served == [True]
    assert r.json() == {"accepted": 1, "results": [{"verdict_id": "fp-high", "status": "accepted"}]}
    assert bridge.svc.state.fed[cid][0] == "HIGH"
    stored = [row[0] for row in bridge.svc.store.snapshot().verdicts]
    assert "fp-high" in stored
    assert bridge.svc.store.audit(1000)[-1][5] == "verdicts.submit"
