"""The OpenAPI document (/openapi.json, shown at /docs) is written for people and tells the truth.

* Every operation has a summary of its own (not FastAPI's one from the function name), a
  description that says who may call it, and one tag of the document's list.
* Every (operation, status) the document lists really occurs: ``TRIGGERS`` drives each one on
  test bridges and the answer must have that status, the documented media type and a body
  that validates against the documented schema, with no undocumented keys. The table must
  cover exactly the documented pairs, so an endpoint (or a status) added without its trigger
  fails here, and so does a trigger for a status the document does not list.
* The other direction, that whatever an endpoint answers is documented, is the schemathesis
  run (tests/bridge/test_schemathesis.py), which checks every answer's status against the
  operation's documented ones.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest

from risk_bridge.domain import Role
from risk_bridge.routers.common import OPENAPI_TAGS
from risk_bridge.security.users import UserBook
from tests.bridge.doc_triggers import (
    ORDER_TRIGGERS,
    UNKNOWN_CONTAINER,
    Ok,
    Req,
    Trigger,
    World,
    as_role,
    huge_body,
    key_reused,
    make_world,
    no_token,
    ok,
    send,
    store_down,
    unknown_query,
    wrong_type,
)
from tests.bridge.helpers import verdict

PASSWORD = "correct horse battery"

# ---------------------------------------------------------------- requests each endpoint takes


def _verdict(w: World) -> Req:
    body = verdict(w.spare, "LOW", "CN", vid=f"doc-{uuid.uuid4().hex[:12]}")
    return Req("POST", "/v1/verdicts", "authority_system", "CN", json=body)


def _batch(w: World) -> Req:
    return _verdict(w).but(url="/v1/verdicts/batch", json={"verdicts": [_verdict(w).json]})


def _duplicate(build: Ok) -> Trigger:
    def t(w: World) -> httpx.Response:
        r = build(w)
        assert send(w.b, r).status_code == 201
        return send(w.b, r)  # the same verdicts under a new key: nothing new

    return t


def _stored_verdict(w: World) -> Req:
    r = _verdict(w)
    assert send(w.b, r).status_code == 201
    return Req("GET", f"/v1/verdicts/{r.json['verdict_id']}")


def _warning(w: World, **kw: Any) -> Req:
    body = {
        "warning_id": f"doc-{uuid.uuid4().hex[:12]}",
        "authority": "CN",
        "kind": "raise_level",
        "level": "LOW",  # a warning only raises levels, and matches nobody: harmless
        "consignor": "nobody at all",
        "reason": "openapi doc",
        **kw,
    }
    return Req("POST", "/v1/warnings", "authority_system", "CN", json=body)


def _withdrawal(w: World) -> Req:
    r = _warning(w)
    assert send(w.b, r).status_code == 201
    url = f"/v1/warnings/{r.json['warning_id']}/withdraw"
    return Req("POST", url, "authority_system", "CN", json={"reason": "lifted"})


def _release(w: World) -> Req:
    return Req(
        "POST", f"/v1/holds/{w.held}/release", "officer", w.held_by, json={"reason": "inspected"}
    )


def _recognition(w: World) -> Req:
    return Req(
        "POST",
        f"/v1/containers/{w.inspected}/recognitions",
        "officer",
        w.other(w.inspected_by),
        json={"inspection_id": w.inspection_id, "reason": "recognised"},
    )


def _lane(action: str) -> Ok:
    return lambda w: Req(
        "POST", f"/v1/lanes/{w.lane}/{action}", "operator", json={"reason": "openapi doc"}
    )


def _ack(w: World) -> Req:
    return Req("POST", f"/v1/alerts/{w.alert()}/ack", "operator")


def _ack_down(w: World) -> httpx.Response:
    return send(w.down, Req("POST", f"/v1/alerts/{w.alert(w.down)}/ack", "operator"))


def _webhook(w: World) -> Req:
    body = {"url": "http://127.0.0.1:9/openapi-doc", "kinds": ["lane.closed"]}
    return Req("POST", "/v1/webhooks", "authority_system", "CN", json=body)


def _head(w: World) -> dict[str, Any]:
    r = send(w.b, Req("GET", "/v1/ledger/head"))
    assert r.status_code == 200, r.text
    head: dict[str, Any] = r.json()["tree_head"]
    return head


def _consistency(w: World, grow: int = 0) -> Req:
    head = _head(w)
    params = {"tree_size": head["tree_size"] + grow, "root_hash": head["root_hash"]}
    return Req("GET", "/v1/ledger/consistency", params=params)


def _token(w: World, client: str = "", secret: str = "", grant: str = "client_credentials") -> Req:
    if not client:
        client = f"doc-{uuid.uuid4().hex[:8]}"
        secret = w.b.keys.add_client(client, Role.AUTHORITY_SYSTEM, "CN")
    data = {"grant_type": grant, "client_id": client, "client_secret": secret or "guess"}
    return Req("POST", "/v1/oauth/token", None, data=data)


def _sign_in(w: World, password: str = PASSWORD, name: str = "") -> Req:
    name = name or f"doc.{uuid.uuid4().hex[:8]}"
    UserBook(w.b.keys.path).add(name, PASSWORD, Role.OPERATOR, None)
    return Req("POST", "/v1/session", None, json={"username": name, "password": password})


def _session(method: str) -> Ok:
    def build(w: World) -> Req:
        r = send(w.b, _sign_in(w))
        assert r.status_code == 200, r.text
        cookie = {"Cookie": f"bf_session={r.cookies['bf_session']}"}
        return Req(method, "/v1/session", None, headers=cookie)

    return build


def _repeat_until_429(build: Ok, tries: int = 6) -> Trigger:
    def t(w: World) -> httpx.Response:
        r = build(w)
        for _ in range(tries):
            got = send(w.b, r)
            if got.status_code == 429:
                break
        return got

    return t


def _get(url: str, role: str = "viewer", authority: str | None = None, **params: Any) -> Ok:
    return lambda w: Req("GET", url.format(w=w), role, authority, params=params)


def _at(bridge: str, build: Ok) -> Trigger:
    return lambda w: send(getattr(w, bridge), build(w))


def _reads(build: Ok) -> dict[int, Trigger]:
    """What every signed-in read answers: 200, 401 without a token, 422 for a stray parameter."""
    return {200: ok(build), 401: no_token(build), 422: unknown_query(build)}


def _writes(build: Ok, code: int = 200, *, json_body: bool = True) -> dict[int, Trigger]:
    out = {
        code: ok(build),
        401: no_token(build),
        403: as_role(build, "viewer"),
        409: key_reused(build),
        413: huge_body(build),
        422: unknown_query(build),
        503: store_down(build),
    }
    if json_body:
        out[415] = wrong_type(build)
    return out


# ------------------------------------------------------------------------------- the table

_TABLE: dict[tuple[str, str], dict[int, Trigger]] = {
    ("post", "/v1/oauth/token"): {
        200: ok(_token),
        400: ok(lambda w: _token(w).but(content=b"x", content_type="multipart/form-data")),
        401: ok(lambda w: _token(w, client="doc-nobody", secret="wrong")),
        413: huge_body(_token),
        422: ok(lambda w: _token(w, grant="password")),
        429: _repeat_until_429(lambda w: _token(w, client=f"doc-{uuid.uuid4().hex[:8]}")),
    },
    ("post", "/v1/session"): {
        200: ok(_sign_in),
        401: ok(lambda w: _sign_in(w, password="wrong password")),
        413: huge_body(_sign_in),
        415: wrong_type(_sign_in),
        422: ok(lambda w: _sign_in(w).but(json={"username": "x"})),
        429: _repeat_until_429(lambda w: _sign_in(w, password="wrong password")),
    },
    ("get", "/v1/session"): {
        200: ok(_session("GET")),
        401: ok(lambda w: Req("GET", "/v1/session", None)),
        422: unknown_query(_session("GET")),
    },
    ("delete", "/v1/session"): {
        204: ok(_session("DELETE")),
        401: ok(lambda w: Req("DELETE", "/v1/session", None)),
        422: unknown_query(_session("DELETE")),
    },
    ("post", "/v1/verdicts"): {
        **_writes(_verdict, 201),
        200: _duplicate(_verdict),
        404: ok(lambda w: _verdict(w).but(json=verdict(UNKNOWN_CONTAINER, "LOW"))),
    },
    ("post", "/v1/verdicts/batch"): {
        **_writes(_batch, 201),
        200: _duplicate(_batch),
        404: ok(lambda w: _batch(w).but(json={"verdicts": [verdict(UNKNOWN_CONTAINER, "LOW")]})),
    },
    ("get", "/v1/verdicts/{verdict_id}"): {
        **_reads(_stored_verdict),
        404: ok(_get("/v1/verdicts/no-such-verdict")),
    },
    ("post", "/v1/warnings"): {
        **_writes(_warning, 201),
        404: ok(
            lambda w: _warning(
                w, kind="close_lane", level=None, consignor=None, target="no-such-lane"
            )
        ),
    },
    ("get", "/v1/warnings"): _reads(_get("/v1/warnings")),
    ("post", "/v1/warnings/{warning_id}/withdraw"): {
        **_writes(_withdrawal),
        404: ok(lambda w: _withdrawal(w).but(url="/v1/warnings/no-such-warning/withdraw")),
    },
    ("get", "/v1/holds"): _reads(_get("/v1/holds", active="false")),
    ("post", "/v1/holds/{container_id}/release"): {
        **_writes(_release, 201),
        404: ok(lambda w: _release(w).but(url=f"/v1/holds/{UNKNOWN_CONTAINER}/release")),
        409: ok(lambda w: _release(w).but(url=f"/v1/holds/{w.spare}/release")),  # not held
        422: ok(lambda w: _release(w).but(json={"reason": ""})),
    },
    ("post", "/v1/containers/{container_id}/recognitions"): {
        **_writes(_recognition, 201),
        404: ok(
            lambda w: _recognition(w).but(json={"inspection_id": "R-none", "reason": "recognised"})
        ),
        409: ok(lambda w: _recognition(w).but(authority=w.inspected_by)),  # its own inspection
    },
    ("get", "/v1/containers"): _reads(_get("/v1/containers", risk="HIGH", limit=5)),
    ("get", "/v1/containers/{container_id}/proof"): {
        **_reads(_get("/v1/containers/{w.held}/proof")),
        404: _at("bare", _get("/v1/containers/{w.held}/proof")),
        422: ok(_get("/v1/containers/CSQU3054384/proof")),
    },
    ("get", "/v1/containers/{container_id}/custody"): {
        **_reads(_get("/v1/containers/{w.held}/custody")),
        404: ok(_get(f"/v1/containers/{UNKNOWN_CONTAINER}/custody")),
        422: ok(_get("/v1/containers/CSQU3054384/custody")),  # check digit is 3
    },
    ("get", "/v1/containers/{container_id}"): {
        **_reads(_get("/v1/containers/{w.held}")),
        404: ok(_get(f"/v1/containers/{UNKNOWN_CONTAINER}")),
        422: ok(_get("/v1/containers/csqu-305438")),
    },
    ("get", "/v1/lanes"): _reads(_get("/v1/lanes")),
    ("post", "/v1/lanes/{lane_id}/close"): {
        **_writes(_lane("close")),
        404: ok(lambda w: _lane("close")(w).but(url="/v1/lanes/no-such-lane/close")),
    },
    ("post", "/v1/lanes/{lane_id}/open"): {
        **_writes(_lane("open")),
        404: ok(lambda w: _lane("open")(w).but(url="/v1/lanes/no-such-lane/open")),
    },
    ("get", "/v1/ledger/head"): {
        **_reads(_get("/v1/ledger/head")),
        404: _at("bare", _get("/v1/ledger/head")),
    },
    ("get", "/v1/ledger/consistency"): {
        **_reads(_consistency),
        404: _at("bare", _get("/v1/ledger/consistency", tree_size=1, root_hash="0" * 64)),
        409: ok(lambda w: _consistency(w, grow=1)),  # the saved head is bigger: a cut tail
    },
    ("get", "/v1/console/map"): _reads(_get("/v1/console/map")),
    ("get", "/v1/vehicles"): _reads(_get("/v1/vehicles")),
    ("get", "/v1/vehicles/stream"): _reads(_get("/v1/vehicles/stream", max_frames=1)),
    ("get", "/v1/vehicles/{vehicle_id}"): {
        **_reads(_get("/v1/vehicles/{w.vehicle}")),
        404: ok(_get("/v1/vehicles/AGV-999")),
    },
    ("get", "/v1/kpis"): _reads(_get("/v1/kpis")),
    ("get", "/v1/alerts"): _reads(_get("/v1/alerts", open="true")),
    ("post", "/v1/alerts/{alert_id}/ack"): {
        **_writes(_ack, json_body=False),
        404: ok(lambda w: Req("POST", "/v1/alerts/vehicle_silent:AGV-none:1/ack", "operator")),
        503: _ack_down,
    },
    ("get", "/v1/events/stream"): _reads(
        lambda w: Req(
            "GET", "/v1/events/stream", params={"max_events": 1}, headers={"Last-Event-ID": "0"}
        )
    ),
    ("post", "/v1/webhooks"): _writes(_webhook, 201),
    ("get", "/v1/webhooks"): {
        **_reads(_get("/v1/webhooks", "authority_system", "CN")),
        403: ok(_get("/v1/webhooks")),  # a viewer
    },
    ("get", "/v1/audit"): {
        **_reads(_get("/v1/audit", role="operator", limit=5)),
        403: ok(_get("/v1/audit")),  # a viewer
        503: store_down(_get("/v1/audit", role="operator")),
    },
    ("get", "/healthz"): {
        200: ok(_get("/healthz")),
        422: unknown_query(_get("/healthz")),
        503: store_down(_get("/healthz")),
    },
    ("get", "/metrics"): _reads(_get("/metrics")),
    **ORDER_TRIGGERS,
}

# (method, path, status) -> how to make the bridge answer it
TRIGGERS: dict[tuple[str, str, int], Trigger] = {
    (m, p, code): t for (m, p), codes in _TABLE.items() for code, t in sorted(codes.items())
}


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from make_world(tmp_path_factory.mktemp("openapi-doc"))


@pytest.fixture(scope="module")
def doc(world: World) -> dict[str, Any]:
    r = world.b.client.get("/openapi.json")
    assert r.status_code == 200
    document: dict[str, Any] = r.json()
    return document


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    methods = ("get", "put", "post", "delete", "patch")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in methods:
                yield method, path, op


# ------------------------------------------------------------------------- written for people


def _generated_summary(method: str, path: str, op: dict[str, Any]) -> str:
    """What FastAPI would call the operation: its function's name in title case (the name is
    the operationId without the path and method FastAPI appends)."""
    suffix = re.sub(r"\W", "_", path) + f"_{method}"
    name = str(op["operationId"]).removesuffix(suffix)
    return name.replace("_", " ").title()


def test_every_operation_has_its_own_summary_a_description_and_a_tag(
    doc: dict[str, Any],
) -> None:
    tags = [t["name"] for t in OPENAPI_TAGS]
    problems = []
    for method, path, op in _operations(doc):
        where = f"{method.upper()} {path}"
        summary = op.get("summary", "")
        if not summary or summary == _generated_summary(method, path, op):
            problems.append(f"{where}: no summary of its own ({summary!r})")
        if "**Who may call:**" not in op.get("description", ""):
            problems.append(f"{where}: the description does not say who may call it")
        if len(op.get("tags", [])) != 1 or op["tags"][0] not in tags:
            problems.append(f"{where}: tags {op.get('tags')} (one of {tags})")
    assert problems == []


def test_the_generated_summary_is_recognised(doc: dict[str, Any]) -> None:
    op = doc["paths"]["/v1/holds"]["get"]
    assert _generated_summary("get", "/v1/holds", op) == "List Holds"


def test_streams_are_documented_as_server_sent_events(doc: dict[str, Any]) -> None:
    for path in ("/v1/events/stream", "/v1/vehicles/stream"):
        assert list(doc["paths"][path]["get"]["responses"]["200"]["content"]) == [
            "text/event-stream"
        ]


def test_the_table_covers_exactly_the_documented_status_codes(doc: dict[str, Any]) -> None:
    documented = {
        (method, path, int(code))
        for method, path, op in _operations(doc)
        for code in op["responses"]
    }
    assert sorted(documented - set(TRIGGERS)) == [], "documented, but no trigger in the table"
    assert sorted(set(TRIGGERS) - documented) == [], "triggered, but not documented"
    # The size of the API, for the record (and so a shrinking table is seen).
    assert len(list(_operations(doc))) == len(_TABLE)


# ------------------------------------------------------------------- every documented status


def _strict(node: Any) -> Any:
    """The schema with no room for undocumented keys: objects with properties admit no others
    (the response models allow extra keys at run time, so nothing is lost silently)."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if "properties" in out and out.get("additionalProperties", True) is True:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def _check_body(doc: dict[str, Any], response: dict[str, Any], got: httpx.Response) -> None:
    content = response.get("content")
    if not content:
        assert got.content == b"", got.content[:200]
        return
    media = got.headers.get("content-type", "").split(";")[0].strip()
    assert media in content, (media, list(content))
    schema = content[media].get("schema")
    if media != "application/json" or not schema:
        return
    root = {**copy.deepcopy(schema), "components": _strict(doc["components"])}
    errors = [e.message for e in jsonschema_rs.validator_for(root).iter_errors(got.json())]
    assert errors == [], (errors[:5], json.dumps(got.json())[:500])


@pytest.mark.parametrize(
    ("method", "path", "code"),
    sorted(TRIGGERS),
    ids=[f"{m.upper()} {p} {c}" for m, p, c in sorted(TRIGGERS)],
)
def test_each_documented_status_occurs(
    world: World, doc: dict[str, Any], method: str, path: str, code: int
) -> None:
    got = TRIGGERS[(method, path, code)](world)
    assert got.status_code == code, got.text[:500]
    response = doc["paths"][path][method]["responses"][str(code)]
    _check_body(doc, response, got)
