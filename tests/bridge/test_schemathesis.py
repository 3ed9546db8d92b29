"""Schemathesis against /openapi.json (bounded examples): no request, however odd, may get a 5xx,
and every answer's status is one the operation documents (the other direction, that every
documented status occurs, is tests/bridge/test_openapi_doc.py).

Runs in-process (ASGI) on a shared bridge with a real fleet, as an authority system (most write
paths) and as an officer (releases, recognitions). The SSE stream is excluded: it is an endless
response by design and is tested in test_events.py.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings


@pytest.fixture(scope="module")
def api_schema(shared_bridge):
    # From the app's own /openapi.json document (loading it over ASGI would run the lifespan).
    return schemathesis.openapi.from_dict(shared_bridge.client.get("/openapi.json").json())


# The SSE streams never end by themselves (they are tested on their own).
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"/stream$")
BOUNDED = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def _check(case, bridge, role, authority):
    # Sent through the bridge's own TestClient: schemathesis' ASGI transport would run the
    # app's lifespan (and so shut the shared app down) on every call.
    kw = case.as_transport_kwargs(
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {bridge.token(role, authority)}"},
    )
    kw.pop("cookies", None)
    # Generated non-ASCII header values go out as raw UTF-8 bytes (httpx refuses str ones).
    kw["headers"] = {
        k: v.encode() if isinstance(v, str) and not v.isascii() else v
        for k, v in kw["headers"].items()
    }
    data = kw.pop("data", None)
    if isinstance(data, bytes | str):
        kw["content"] = data
    elif data is not None:
        kw["data"] = data
    response = bridge.client.request(**kw)
    assert response.status_code < 500, (
        case.method,
        case.path,
        response.status_code,
        response.text[:500],
    )
    if case.method.upper() != case.operation.method.upper():
        return  # a probe with another method: not this operation's answer (405, or another's)
    documented = {str(code) for code in case.operation.responses.status_codes}
    assert str(response.status_code) in documented, (
        f"{case.method} {case.path} answered {response.status_code}, documented: "
        f"{sorted(documented)}",
        response.text[:500],
    )


@pytest.mark.slow
@schema.parametrize()
@BOUNDED
def test_no_server_errors_as_authority_system(case, shared_bridge):
    _check(case, shared_bridge, "authority_system", "CN")


@pytest.mark.slow
@schema.parametrize()
@BOUNDED
def test_no_server_errors_as_officer(case, shared_bridge):
    _check(case, shared_bridge, "officer", "MN")
