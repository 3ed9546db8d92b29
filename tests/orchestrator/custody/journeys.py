"""Valid custody journeys to build tests on: container numbers and event sequences."""

from __future__ import annotations

from orchestrator.custody.errors import MalformedCustodyEvent
from orchestrator.custody.events import CustodyEvent, CustodyEventKind
from orchestrator.custody.seals import check_container_id

K = CustodyEventKind


def container_id(n: int, owner: str = "BFL") -> str:
    """The n-th container number with a valid ISO 6346 check digit."""
    stem = f"{owner}U{n:06d}"
    for digit in range(10):
        try:
            return check_container_id(f"{stem}{digit}")
        except MalformedCustodyEvent:
            continue
    raise AssertionError(f"no check digit for {stem}")


def event(
    kind: CustodyEventKind,
    cid: str,
    t_s: float,
    *,
    seal: str | None = None,
    vehicle: str | None = None,
    node: str | None = "n1",
    zone: str | None = None,
    side: str = "CN",
    actor: str = "system",
    **details: str,
) -> CustodyEvent:
    return CustodyEvent(
        kind=kind,
        t_s=t_s,
        container_id=cid,
        seal_number=seal,
        vehicle_id=vehicle,
        node=node,
        zone=zone,
        side=side,
        actor=actor,
        details=details,
    )


def crossing(cid: str, seal: str, t0_s: float = 0.0, vehicle: str = "agv-1") -> list[CustodyEvent]:
    """Seal in the Chinese yard, carry across to Mongolia, deliver: 7 events."""
    return [
        event(K.SEAL_AFFIXED, cid, t0_s, seal=seal, zone="cn_yard", seal_class="H", maker="Acme"),
        event(K.SEAL_READ, cid, t0_s + 1, seal=seal, node="cn_gate", method="mechanical"),
        event(K.HANDOFF_YARD_TO_AGV, cid, t0_s + 2, vehicle=vehicle, node="cn_slot_3"),
        event(K.SEAL_READ, cid, t0_s + 3, seal=seal, node="border_gate", method="e-seal"),
        event(K.BORDER_HANDOFF, cid, t0_s + 4, vehicle=vehicle, node="border", side="MN"),
        event(K.HANDOFF_AGV_TO_YARD, cid, t0_s + 5, vehicle=vehicle, node="mn_slot", side="MN"),
        event(K.DELIVERED, cid, t0_s + 6, zone="mn_yard", side="MN"),
    ]


def inspected(cid: str, seal: str, new_seal: str, t0_s: float = 0.0) -> list[CustodyEvent]:
    """Sealed, loaded, held at the border for a tamper alert, opened, resealed, released."""
    return [
        event(K.SEAL_AFFIXED, cid, t0_s, seal=seal, zone="cn_yard", seal_class="S", maker="Acme"),
        event(K.HANDOFF_YARD_TO_AGV, cid, t0_s + 1, vehicle="agv-2", node="cn_slot_1"),
        event(K.TAMPER_ALERT, cid, t0_s + 2, seal=seal, node="cn_gate", reason="e-seal open"),
        event(K.HOLD_PLACED, cid, t0_s + 3, zone="cn_hold_bay", reason="tamper alert"),
        event(
            K.INSPECTION_OPENED,
            cid,
            t0_s + 4,
            seal=seal,
            zone="cn_hold_bay",
            actor="officer-CN-17",
            reason="tamper alert",
        ),
        event(
            K.RESEALED,
            cid,
            t0_s + 5,
            seal=new_seal,
            zone="cn_hold_bay",
            actor="officer-CN-17",
            seal_class="H",
            maker="Acme",
        ),
        event(K.HOLD_RELEASED, cid, t0_s + 6, zone="cn_hold_bay", actor="officer-CN-17"),
        event(K.BORDER_HANDOFF, cid, t0_s + 7, vehicle="agv-2", node="border", side="MN"),
    ]


def many(n_containers: int) -> list[CustodyEvent]:
    """``7 * n_containers`` events of interleaved crossings, in time order."""
    journeys = [crossing(container_id(i), f"EZ-{i:08d}", t0_s=i * 0.5) for i in range(n_containers)]
    return sorted((e for j in journeys for e in j), key=lambda e: e.t_s)
