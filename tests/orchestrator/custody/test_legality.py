"""Per-container custody rules: what may follow what, and what calls for a hold."""

from __future__ import annotations

import dataclasses

import pytest

from orchestrator.custody.errors import (
    IllegalCustodyEvent,
    MalformedCustodyEvent,
    UnknownContainer,
    UnknownSeal,
)
from orchestrator.custody.legality import CustodyPosition, CustodyTracker, hold_trigger
from orchestrator.custody.seals import check_container_id, check_seal_number
from tests.orchestrator.custody.journeys import K, container_id, crossing, event, inspected

C = container_id(1)
C2 = container_id(2)


def _tracker(events: list) -> CustodyTracker:  # type: ignore[type-arg]
    t = CustodyTracker()
    for e in events:
        t.apply(e)
    return t


def test_a_full_crossing_is_admitted_and_tracked() -> None:
    t = _tracker(crossing(C, "EZ-0001"))
    state = t.get(C)
    assert state is not None
    assert (state.position, state.side, state.seals, state.held) == (
        CustodyPosition.DELIVERED,
        "MN",
        {"EZ-0001"},
        False,
    )
    assert state.events == 7


def test_inspection_and_reseal_swap_the_seal() -> None:
    t = _tracker(inspected(C, "EZ-0001", "EZ-0002"))
    state = t.get(C)
    assert state is not None
    assert state.seals == {"EZ-0002"} and not state.opened and state.side == "MN"
    assert state.alerts == 1


def test_border_handoff_before_the_seal_is_affixed_is_an_unknown_container() -> None:
    with pytest.raises(UnknownContainer, match=rf"{C}.*SEAL_AFFIXED"):
        CustodyTracker().check(event(K.BORDER_HANDOFF, C, 0, vehicle="agv-1", side="MN"))


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        (2, "BORDER_HANDOFF is out of order: the container is yard"),  # never loaded
        (5, "DELIVERED is out of order: the container is agv"),  # never unloaded
    ],
)
def test_events_out_of_order_are_refused(drop: int, message: str) -> None:
    journey = crossing(C, "EZ-0001")
    del journey[drop]
    t = CustodyTracker()
    with pytest.raises(IllegalCustodyEvent, match=message):
        for e in journey:
            t.apply(e)


def test_nothing_follows_delivery() -> None:
    t = _tracker(crossing(C, "EZ-0001"))
    with pytest.raises(IllegalCustodyEvent, match="delivered"):
        t.check(event(K.SEAL_READ, C, 10, seal="EZ-0001", method="mechanical"))


def test_a_seal_read_of_a_seal_not_on_the_container_is_unknown_unless_a_mismatch() -> None:
    t = _tracker(crossing(C, "EZ-0001")[:2])
    read = event(K.SEAL_READ, C, 5, seal="EZ-9999", method="e-seal")
    with pytest.raises(UnknownSeal, match=r"EZ-9999 is not on it.*EZ-0001"):
        t.check(read)
    mismatch = dataclasses.replace(read, details={"method": "e-seal", "result": "mismatch"})
    t.apply(mismatch)
    assert hold_trigger(mismatch) is not None and "EZ-9999" in str(hold_trigger(mismatch))
    assert hold_trigger(read) is None


def test_tamper_alert_calls_for_a_hold() -> None:
    alert = event(K.TAMPER_ALERT, C, 1, reason="shackle cut")
    assert "shackle cut" in str(hold_trigger(alert))


def test_a_held_container_does_not_cross_or_get_delivered() -> None:
    journey = crossing(C, "EZ-0001")
    t = _tracker(journey[:4])
    t.apply(event(K.HOLD_PLACED, C, 3.5, reason="HIGH verdict"))
    with pytest.raises(IllegalCustodyEvent, match="while the container is held"):
        t.check(journey[4])
    with pytest.raises(IllegalCustodyEvent, match="already"):
        t.check(event(K.HOLD_PLACED, C, 3.6, reason="again"))
    t.apply(event(K.HOLD_RELEASED, C, 3.7, actor="officer-1"))
    t.apply(journey[4])


def test_an_opened_container_must_be_resealed_before_it_moves_or_is_released() -> None:
    steps = inspected(C, "EZ-0001", "EZ-0002")
    t = _tracker(steps[:5])  # opened, not yet resealed
    with pytest.raises(IllegalCustodyEvent, match="reseal first"):
        t.check(steps[6])  # release
    with pytest.raises(IllegalCustodyEvent, match="reseal first"):
        t.check(event(K.HANDOFF_AGV_TO_YARD, C, 9, vehicle="agv-2"))


def test_seals_are_single_use_across_containers() -> None:
    t = _tracker(crossing(C, "EZ-0001")[:1])
    with pytest.raises(IllegalCustodyEvent, match=f"reuses seal EZ-0001, already affixed to {C}"):
        t.check(crossing(C2, "EZ-0001")[0])


def test_resealing_needs_an_opened_seal() -> None:
    t = _tracker(crossing(C, "EZ-0001")[:1])
    reseal = event(K.RESEALED, C, 1, seal="EZ-0005", actor="o-1", seal_class="H", maker="Acme")
    with pytest.raises(IllegalCustodyEvent, match="no seal was broken"):
        t.check(reseal)


def test_time_goes_forward_per_container() -> None:
    t = _tracker(crossing(C, "EZ-0001", t0_s=100)[:2])
    with pytest.raises(IllegalCustodyEvent, match="earlier than its previous event"):
        t.check(event(K.HANDOFF_YARD_TO_AGV, C, 50, vehicle="agv-1"))


def test_border_handoff_names_the_receiving_side() -> None:
    t = _tracker(crossing(C, "EZ-0001")[:3])
    with pytest.raises(IllegalCustodyEvent, match="already on the CN side"):
        t.check(event(K.BORDER_HANDOFF, C, 9, vehicle="agv-1", side="CN"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seal_number": "ez-0001"}, "malformed seal number 'ez-0001' \\(use upper case\\)"),
        ({"seal_number": "EZ-01"}, "malformed seal number"),
        ({"seal_number": None}, "needs a seal_number"),
        ({"container_id": "CSQU3054384"}, "check digit is 4, expected 3"),
        ({"container_id": "not-a-box"}, "malformed container number"),
        ({"side": "KZ"}, "side 'KZ'"),
        ({"actor": ""}, "needs an actor"),
        ({"node": None, "zone": None}, "needs a location"),
        ({"details": {"maker": "Acme"}}, "seal_class None is not an ISO 17712 class"),
        ({"details": {"seal_class": "X", "maker": "Acme"}}, "seal_class 'X'"),
        ({"details": {"seal_class": "H"}}, "needs details\\['maker'\\]"),
    ],
)
def test_malformed_events_are_refused_with_the_reason(changes: dict, message: str) -> None:  # type: ignore[type-arg]
    affix = crossing("CSQU3054383", "EZ-0001")[0]
    with pytest.raises(MalformedCustodyEvent, match=message):
        CustodyTracker().check(dataclasses.replace(affix, **changes))


def test_vehicle_and_read_method_are_required_where_they_matter() -> None:
    t = _tracker(crossing(C, "EZ-0001")[:1])
    with pytest.raises(MalformedCustodyEvent, match="vehicle_id"):
        t.check(event(K.HANDOFF_YARD_TO_AGV, C, 1))
    with pytest.raises(MalformedCustodyEvent, match="method"):
        t.check(event(K.SEAL_READ, C, 1, seal="EZ-0001"))
    with pytest.raises(MalformedCustodyEvent, match="reason"):
        t.check(event(K.HOLD_PLACED, C, 1))


def test_a_refused_batch_leaves_the_tracker_as_it_was() -> None:
    t = _tracker(crossing(C, "EZ-0001")[:1])
    good = crossing(C2, "EZ-0002")
    with pytest.raises(IllegalCustodyEvent):
        t.apply_all([*crossing(C, "EZ-0001")[1:3], *good[:1], good[4]])  # C2 not loaded yet
    assert t.get(C2) is None and t.seal_owner("EZ-0002") is None
    state = t.get(C)
    assert state is not None and state.position is CustodyPosition.YARD and state.events == 1
    t.apply_all(good)  # the same seal is usable: the failed batch left no trace


def test_check_changes_nothing() -> None:
    t = CustodyTracker()
    t.check(crossing(C, "EZ-0001")[0])
    assert t.get(C) is None and len(t) == 0


def test_identifier_rules() -> None:
    assert check_container_id("CSQU3054383") == "CSQU3054383"
    assert check_seal_number("CN2026000123") == "CN2026000123"
    with pytest.raises(MalformedCustodyEvent):
        check_seal_number("-EZ0001")
