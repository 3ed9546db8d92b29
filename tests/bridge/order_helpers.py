"""Transport orders for the bridge tests: a body for POST /v1/orders, fresh container and seal
numbers that no scenario brings, and reading an order back."""

from __future__ import annotations

import itertools
from typing import Any

from orchestrator.domain.iso6346 import container_number
from tests.bridge.conftest import Bridge

CARGO = {"consignor": "Erlian Trading Co", "hs_code": "842911", "origin_country": "CN"}
_serials = itertools.count(500_001)


def fresh_container() -> str:
    """A valid ISO 6346 number under an owner code no bundled scenario uses."""
    return str(container_number("ZZZ", next(_serials)))


def fresh_seal() -> str:
    """A seal number no scenario puts on its containers (seals are single-use)."""
    return f"ZZ-{next(_serials):08d}"


def order_body(
    cid: str | None = None,
    *,
    direction: str = "CN->MN",
    station: str = "cn_slot_02",
    seals: tuple[str, ...] | None = None,
    cargo: dict[str, str] | None = CARGO,
    **kw: Any,
) -> dict[str, Any]:
    """A POST /v1/orders body (a fresh container and seal unless given)."""
    body: dict[str, Any] = {
        "container_id": cid or fresh_container(),
        "direction": direction,
        "origin_station": station,
        "seal_numbers": list(seals) if seals is not None else [fresh_seal()],
        **kw,
    }
    if cargo is not None:
        body["cargo"] = dict(cargo)
    return body


def post_order(b: Bridge, body: dict[str, Any], *, key: str | None = None) -> Any:
    return b.client.post("/v1/orders", json=body, headers=b.headers("operator", key=key))


def get_order(b: Bridge, order_id: str) -> dict[str, Any]:
    r = b.client.get(f"/v1/orders/{order_id}", headers=b.headers("viewer"))
    assert r.status_code == 200, r.text
    got: dict[str, Any] = r.json()
    return got
