"""Transport orders in: the check made before an order is queued, the writer-side functions that
store it and say what the fleet must be told, and what the fleet's answers change.

Before queueing (no state, :func:`check_order`): the origin station must be a yard slot of the
map on the side the direction starts from. On the writer thread (:func:`accept_order`): an
``order_id`` seen before is the same order again if the request asks for the same thing (its
stored answer, nothing written), else a conflict; the container may have had no order but
refused ones, here or in the fleet (a container the fleet moves or delivered on an order of its
own), and its seals may be on no other order (custody is recorded once per container, from its
seals' affixing to its delivery, and seals are single-use); a container not on the manifest
needs its cargo declared with the order, one on it may not be declared differently. Then the
order is stored (and the container declared), audited, sent out as ``order.accepted``, and
handed to the fleet once durable (:class:`~risk_bridge.outbox.DeliverOrder`).

After the hand-off (:func:`record_handoff`): the order is marked sent, or refused with the
fleet's reason (a ``core.refused`` event; a refusal is final: the client submits a corrected
order). A delivery the fleet reports marks it delivered (:func:`record_delivered`). After a
restart every order neither delivered nor refused is handed over again (:func:`replay`), as the
verdicts are: a fleet that starts over (the SimPy fleet) learns them again; one that kept its
orders refuses the duplicate, which changes nothing here.

Ids the bridge makes (:func:`order_id_for`): ``ORD-<container>-<n>``, n being 1 + how many of
the container's orders are closed (delivered or refused). The same request therefore gets the
same id, and so the same order, until that order is closed (after a refusal, a corrected order
gets the next n); an id already taken by another order (a client's own) moves n on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from orchestrator.domain.records import Cargo
from orchestrator.ids import OrderId
from orchestrator.lanegraph import StationId, StationRole
from orchestrator.messages import Direction, OrderArrived
from risk_bridge.domain import OrderInput, OrderRecord
from risk_bridge.errors import BadInput, Conflict
from risk_bridge.fleet_port import FleetPort
from risk_bridge.order_view import describe
from risk_bridge.outbox import DeliverOrder, Outbox, Outcome, WriteKind, Written
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = [
    "accept_order",
    "arrival",
    "check_order",
    "order_id_for",
    "record_delivered",
    "record_handoff",
    "replay",
]

_LISTED = 24  # station ids named in an error before "and N more"


def check_order(fleet: FleetPort | None, o: OrderInput) -> None:
    """Before queueing: a fleet to carry it, and a yard slot on the side the order starts."""
    if fleet is None:
        raise Conflict(
            "this bridge runs without a fleet, so no vehicle could carry the order; submit it "
            "to a bridge started with `borderflow serve`"
        )
    graph = fleet.graph
    side = o.direction.origin
    slots = [s.id for s in graph.stations_with(StationRole.YARD_SLOT, side)]
    valid = f"the yard slots on the {side.value} side, where a {o.direction.value} order "
    valid += f"starts: {_names(slots)}"
    st = graph.stations.get(StationId(o.origin_station))
    if st is None:
        raise BadInput(
            f"origin_station {o.origin_station!r} is no station of the map {graph.name!r}; {valid}"
        )
    if st.role is not StationRole.YARD_SLOT:
        raise BadInput(
            f"origin_station {st.id} is a {st.role.value} station, not a yard slot a container "
            f"is picked up from; {valid}"
        )
    if st.side is not side:
        other = Direction.MN_TO_CN if o.direction is Direction.CN_TO_MN else Direction.CN_TO_MN
        raise BadInput(
            f"origin_station {st.id} is on the {st.side.value} side, but a {o.direction.value} "
            f"order starts on the {side.value} side: give direction {other.value}, or one of "
            f"{valid}"
        )


def _names(ids: Sequence[str]) -> str:
    if not ids:
        return "none (this map has none)"
    shown = ", ".join(ids[:_LISTED])
    return shown if len(ids) <= _LISTED else f"{shown} and {len(ids) - _LISTED} more"


def order_id_for(state: BridgeState, o: OrderInput) -> str:
    """The id the bridge gives an order submitted without one (see the module doc)."""
    mine = state.orders_by_container.get(o.container_id, [])
    n = 1 + sum(1 for oid in mine if state.orders[oid].closed)
    while True:
        candidate = f"ORD-{o.container_id}-{n}"
        old = state.orders.get(candidate)
        if old is None or (not old.closed and old.same_order(o)):
            return candidate
        n += 1


def accept_order(
    state: BridgeState, fleet: FleetPort | None, out: Outbox, p: Principal, o: OrderInput
) -> Outcome[Written]:
    """Store a new transport order (or answer the same order again); see the module doc."""
    assert_writer_thread()
    oid = o.order_id or order_id_for(state, o)
    old = state.orders.get(oid)
    if old is not None:
        if not old.same_order(o):
            raise Conflict(
                f"order {oid} was already received for container {old.container_id} "
                f"({old.direction} from {old.origin_station}, seals "
                f"{', '.join(old.seals) or 'none'}); a different order needs a new order_id"
            )
        return out.done(Written(WriteKind.UNCHANGED, describe(fleet, old)))
    _check_orderable(state, fleet, o)
    cargo = _declared(state, o)
    cid = o.container_id
    if cargo is not None:
        state.cargo[cid] = cargo
        out.batch.containers.append(
            (cid, cargo.consignor, cargo.hs_code, cargo.origin_country, out.now_iso)
        )
    rec = OrderRecord(
        oid,
        state.order_seq + 1,
        cid,
        o.direction.value,
        o.origin_station,
        o.seals,
        o.order_id is None,
        out.now_iso,
        p.subject,
    )
    state.add_order(rec)
    out.batch.orders.append(_row(rec))
    detail = {
        "container_id": cid,
        "direction": rec.direction,
        "origin_station": rec.origin_station,
        "seal_numbers": list(rec.seals),
        "declared_cargo": cargo is not None,
    }
    out.audit(p, "order.submit", oid, detail)
    out.event("order.accepted", cid, {"order_id": oid, **detail})
    out.after(DeliverOrder(oid))
    return out.done(Written(WriteKind.CREATED, describe(fleet, rec)))


def _check_orderable(state: BridgeState, fleet: FleetPort | None, o: OrderInput) -> None:
    """The container was never ordered here or in the fleet (but for refused orders), and its
    seals are on no other order: a container's custody record runs from its seals' affixing to
    its delivery once, and seals are single-use (the custody ledger refuses anything else,
    and a core whose ledger refuses an event it applies stops)."""
    cid = o.container_id
    for oid in reversed(state.orders_by_container.get(cid, [])):
        r = state.orders[oid]
        if r.refusal is not None:
            continue
        if r.delivered_at is not None:
            raise Conflict(
                f"container {cid} was delivered on order {oid} ({r.delivered_at}); its custody "
                "record ends with that delivery, so it is not ordered again"
            )
        raise Conflict(
            f"container {cid} already has the open order {oid} (from {r.origin_station}, "
            f"accepted {r.accepted_at}); GET /v1/orders/{oid} follows it"
        )
    view = fleet.container_view(cid) if fleet is not None else None
    if view is not None:
        where = f" at {view.node}" if view.node else ""
        on = f" on {view.vehicle_id}" if view.vehicle_id else ""
        raise Conflict(
            f"container {cid} is already in the fleet's hands on an order of its own "
            f"({view.state or 'in transit'}{on}{where}); it is not ordered again"
        )
    for seal in o.seals:
        for oid in state.seal_orders.get(seal, ()):
            r = state.orders[oid]
            if r.refusal is None:
                raise Conflict(
                    f"seal {seal} is on order {oid} (container {r.container_id}) already; seals "
                    "are single-use: give the seal numbers on this container"
                )


def _declared(state: BridgeState, o: OrderInput) -> Cargo | None:
    """The cargo to put on the manifest with the order (None: it is on it already)."""
    cid, known = o.container_id, state.cargo.get(o.container_id)
    if known is None:
        if o.cargo is None:
            raise BadInput(
                f"container {cid} is not on the manifest of this crossing, so customs know "
                'nothing of its cargo: declare it with the order, as "cargo": {"consignor": '
                '..., "hs_code": ..., "origin_country": ...}'
            )
        return o.cargo
    if o.cargo is not None and o.cargo != known:
        raise Conflict(
            f"container {cid} is on the manifest as {known.consignor!r}, HS {known.hs_code}, "
            f"from {known.origin_country}; the order declares {o.cargo.consignor!r}, HS "
            f"{o.cargo.hs_code}, from {o.cargo.origin_country}: leave cargo out, or have the "
            "manifest corrected"
        )
    return None


def _row(r: OrderRecord) -> tuple[object, ...]:
    return (
        r.order_id,
        r.seq,
        r.container_id,
        r.direction,
        r.origin_station,
        json.dumps(list(r.seals)),
        int(r.generated),
        r.accepted_at,
        r.actor,
        r.sent_at,
        r.refused_at,
        r.refusal,
        r.delivered_at,
        r.delivery_station,
        r.delivered_by,
    )


def arrival(state: BridgeState, order_id: str, t_s: float) -> OrderArrived | None:
    """The core event of a stored order (None: no such order)."""
    r = state.orders.get(order_id)
    if r is None:
        return None
    return OrderArrived(
        t_s,
        OrderId(r.order_id),
        r.container_id,
        Direction(r.direction),
        StationId(r.origin_station),
        r.seals,
    )


def record_handoff(
    state: BridgeState, order_id: str, refused: str | None, out: Outbox
) -> Outcome[None]:
    """What the fleet said to the order: taken (``refused`` None), or refused and why."""
    assert_writer_thread()
    r = state.orders.get(order_id)
    if r is None or r.closed:
        return out.done(None)
    if refused is None:
        if r.sent_at is None:
            state.add_order(replace(r, sent_at=out.now_iso))
            out.batch.order_sent.append((order_id, out.now_iso))
        return out.done(None)
    data = {"refused": "OrderArrived", "error": refused, "order_id": order_id, "fail_safe": "none"}
    if r.sent_at is None:
        state.add_order(replace(r, refused_at=out.now_iso, refusal=refused))
        out.batch.order_refused.append((order_id, out.now_iso, refused))
    else:
        data["kept"] = "the fleet had taken the order before; it stands as it was"
    out.event("core.refused", r.container_id, data)
    return out.done(None)


def record_delivered(
    state: BridgeState, out: Outbox, order_id: str, station: str | None, vehicle: str | None
) -> None:
    """The fleet delivered the order's container (an order of the scenario's own is not here)."""
    assert_writer_thread()
    r = state.orders.get(order_id)
    if r is None or r.delivered_at is not None:
        return
    state.add_order(
        replace(r, delivered_at=out.now_iso, delivery_station=station, delivered_by=vehicle)
    )
    out.batch.order_delivered.append((order_id, out.now_iso, station, vehicle))


def replay(state: BridgeState) -> list[DeliverOrder]:
    """After a restart: every order neither delivered nor refused, handed over again."""
    return [DeliverOrder(r.order_id) for r in state.orders.values() if not r.closed]
