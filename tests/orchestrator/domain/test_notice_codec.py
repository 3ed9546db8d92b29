"""Customs notices survive the trip through JSON; malformed payloads are refused by field."""

from __future__ import annotations

import json

import pytest

from orchestrator.domain.customs_events import (
    BorderCrossed,
    HoldLifted,
    HoldPlaced,
    LateVerdict,
    TamperAlert,
)
from orchestrator.domain.events import OrderDelivered
from orchestrator.domain.notice_codec import NoticeDecodeError, decode, encode
from orchestrator.ids import ContainerId, OrderId, VehicleId
from orchestrator.lanegraph import NodeId, Side, StationId
from orchestrator.messages import Direction, RiskLevel
from tests.orchestrator.helpers import container

CID = ContainerId(container(7))
NOTICES = [
    HoldPlaced(1.5, CID, VehicleId("AGV-1"), StationId("CN-H1"), Side.CN, "HIGH (v-1)"),
    HoldPlaced(1.5, CID, VehicleId("AGV-1"), None, Side.MN, "seal mismatch"),
    HoldLifted(2.0, CID, "CN-officer-3", Side.CN, ""),
    BorderCrossed(3.0, VehicleId("AGV-1"), CID, "G1", Side.MN, True),
    BorderCrossed(3.0, VehicleId("AGV-2"), None, "G2", Side.CN, True),
    OrderDelivered(4.0, OrderId("O1"), CID, VehicleId("AGV-1"), None, Direction.CN_TO_MN, 611.5),
    TamperAlert(5.0, CID, "EZ-20260001", NodeId("cn_gate")),
    LateVerdict(6.0, CID, VehicleId("AGV-1"), RiskLevel.HIGH, Side.CN, "G1", 5.5),
]


@pytest.mark.parametrize("notice", NOTICES, ids=lambda n: type(n).__name__)
def test_round_trip(notice: object) -> None:
    assert decode(*encode(notice)) == notice  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"side": "RU"}, r"HoldPlaced.side = 'RU' is not one of CN, MN"),
        ({"t_s": "soon"}, r"HoldPlaced.t_s must be a number"),
        ({"container_id": "MSCU1234560"}, r"HoldPlaced.container_id: .*check digit"),
        ({"vehicle_id": ""}, r"HoldPlaced.vehicle_id must be a non-empty text"),
        ({"station": 7}, r"HoldPlaced.station must be a non-empty text"),
        ({"extra": 1}, r"fields must be exactly"),
    ],
)
def test_malformed_fields_are_refused_by_name(change: dict[str, object], message: str) -> None:
    kind, text = encode(NOTICES[0])
    data = {**json.loads(text), **change}
    with pytest.raises(NoticeDecodeError, match=message):
        decode(kind, json.dumps(data))


def test_unknown_kind_and_bad_json() -> None:
    with pytest.raises(NoticeDecodeError, match="'VehicleWaiting' is not one of"):
        decode("VehicleWaiting", "{}")
    with pytest.raises(NoticeDecodeError, match="not JSON"):
        decode("HoldLifted", "{")
    with pytest.raises(NoticeDecodeError, match="must be a JSON object"):
        decode("HoldLifted", "[1]")


def test_a_late_verdict_with_a_bad_level_is_refused() -> None:
    kind, text = encode(NOTICES[-1])
    with pytest.raises(NoticeDecodeError, match=r"LateVerdict.level = 'SEVERE' is not one of"):
        decode(kind, json.dumps({**json.loads(text), "level": "SEVERE"}))
