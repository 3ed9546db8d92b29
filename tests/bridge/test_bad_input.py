"""Bad input gets a precise 4xx and changes nothing: ISO 6346 check digits, unknown containers
and levels, future / far-past timestamps, oversized batches, wrong content types, missing
idempotency keys."""

from __future__ import annotations

import json

import pytest

from tests.bridge.helpers import iso, verdict


def _state(b):
    return (
        len(b.svc.state.verdict_ids),
        len(b.svc.store.audit(10_000)),
        len(b.svc.store.events_after(0, 100_000)),
    )


def _post(b, path, body, authority="CN", **headers):
    h = {**b.headers("authority_system", authority), **headers}
    if isinstance(body, bytes | str):
        return b.client.post(path, content=body, headers=h)
    return b.client.post(path, json=body, headers=h)


@pytest.fixture
def b(shared_bridge):
    return shared_bridge


def test_check_digit_error_names_the_expected_digit(b):
    before = _state(b)
    cid = b.containers()[0]
    wrong = cid[:10] + str((int(cid[10]) + 1) % 10)
    r = _post(b, "/v1/verdicts", verdict(wrong, "LOW"))
    assert r.status_code == 422
    assert f"check digit is {wrong[10]}, expected {cid[10]}" in r.json()["detail"]
    assert r.json()["detail"].startswith("body.container_id")
    assert _state(b) == before


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("CSQU305438", "11 characters"),
        ("C5QU3054383", "owner code"),
        ("CSQX3054383", "category identifier"),
        ("CSQU30543A3", "serial"),
    ],
)
def test_malformed_container_numbers(b, bad, words):
    before = _state(b)
    r = _post(b, "/v1/verdicts", verdict(bad, "LOW"))
    assert r.status_code == 422 and words in r.json()["detail"]
    assert _state(b) == before


def test_unknown_container(b):
    before = _state(b)
    r = _post(b, "/v1/verdicts", verdict("CSQU3054383", "LOW"))
    assert r.status_code == 404
    assert "CSQU3054383 is not on the manifest" in r.json()["detail"]
    r = b.client.get("/v1/containers/CSQU3054383", headers=b.headers("viewer"))
    assert r.status_code == 404
    assert _state(b) == before


def test_unknown_level_and_extra_fields(b):
    before = _state(b)
    cid = b.containers()[0]
    r = _post(b, "/v1/verdicts", verdict(cid, "CRITICAL"))
    assert r.status_code == 422 and "body.level" in r.json()["detail"]
    assert "LOW" in r.json()["detail"] and "HIGH" in r.json()["detail"]
    r = _post(b, "/v1/verdicts", {**verdict(cid, "LOW"), "colour": "red"})
    assert r.status_code == 422 and "colour" in r.json()["detail"]
    assert _state(b) == before


@pytest.mark.parametrize(
    ("issued_at", "words"),
    [
        (iso(3600), "in the future"),
        (iso(-90 * 86400), "older than 30 days"),
        ("2026-11-23T10:00:00", "timezone"),
        ("yesterday", "datetime"),
    ],
)
def test_timestamps(b, issued_at, words):
    before = _state(b)
    r = _post(b, "/v1/verdicts", verdict(b.containers()[0], "LOW", issued_at=issued_at))
    assert r.status_code == 422 and words in r.json()["detail"], r.text
    assert _state(b) == before


def test_oversized_batch(b):
    before = _state(b)
    cid = b.containers()[0]
    items = [verdict(cid, "LOW", vid=f"big-{i}") for i in range(b.settings.max_batch + 1)]
    r = _post(b, "/v1/verdicts/batch", {"verdicts": items})
    assert r.status_code == 413
    assert (
        f"batch of {len(items)} verdicts exceeds the limit of {b.settings.max_batch}"
        in (r.json()["detail"])
    )
    r = _post(b, "/v1/verdicts/batch", {"verdicts": []})
    assert r.status_code == 422
    r = _post(
        b,
        "/v1/verdicts/batch",
        b"x" * (b.settings.max_body_bytes + 1),
        **{"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert _state(b) == before


def test_batch_is_all_or_nothing(b):
    before = _state(b)
    cids = b.containers()
    items = [verdict(cids[0], "LOW", vid="aon-1"), verdict("CSQU3054383", "LOW", vid="aon-2")]
    r = _post(b, "/v1/verdicts/batch", {"verdicts": items})
    assert r.status_code == 404 and "item 1" in r.json()["detail"]
    assert "aon-1" not in b.svc.state.verdict_ids
    assert _state(b) == before


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type(b, ctype):
    before = _state(b)
    body = json.dumps(verdict(b.containers()[0], "LOW"))
    r = _post(b, "/v1/verdicts", body, **{"Content-Type": ctype})
    assert r.status_code == 415 and "application/json" in r.json()["detail"]
    assert _state(b) == before


def test_not_json_and_missing_idempotency_key(b):
    before = _state(b)
    r = _post(b, "/v1/verdicts", b"{not json", **{"Content-Type": "application/json"})
    assert r.status_code == 422
    h = b.headers("authority_system", "CN")
    del h["Idempotency-Key"]
    r = b.client.post("/v1/verdicts", json=verdict(b.containers()[0], "LOW"), headers=h)
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["detail"]
    assert _state(b) == before


def test_warning_shapes(b):
    before = _state(b)
    bad = [
        {"warning_id": "W1", "authority": "CN", "kind": "raise_level", "hs_prefix": "26"},
        {"warning_id": "W1", "authority": "CN", "kind": "raise_level", "level": "HIGH"},
        {"warning_id": "W1", "authority": "CN", "kind": "close_lane"},
        {"warning_id": "W1", "authority": "CN", "kind": "close_lane", "target": "no_such_lane"},
        {
            "warning_id": "W1",
            "authority": "CN",
            "kind": "raise_level",
            "level": "HIGH",
            "hs_prefix": "26",
            "valid_from": iso(100),
            "valid_until": iso(50),
        },
    ]
    codes = [_post(b, "/v1/warnings", w).status_code for w in bad]
    assert codes == [422, 422, 422, 404, 422]
    assert _state(b) == before
