"""Holds end to end: a HIGH verdict holds the moving vehicle, only the owning authority's
officer releases it, mutual recognition, and releases reaching the custody ledger."""

from __future__ import annotations

import time

import pytest

from tests.bridge.helpers import (
    drive_until,
    first_arrival,
    held_by_core,
    hold_row,
    post_verdict,
    verdict,
)
from tests.bridge.test_authz import ROLES


def _held(bridge):
    cid = first_arrival(bridge)
    assert post_verdict(bridge, verdict(cid, "HIGH", reasons=["watch list"])).status_code == 201
    drive_until(bridge, lambda: held_by_core(bridge, cid) and hold_row(bridge, cid))
    return cid


def test_high_verdict_holds_and_only_own_officer_releases(bridge):
    cid = _held(bridge)
    hold = hold_row(bridge, cid)
    assert hold["authority"] == "CN" and "watch list" in hold["reason"]
    listed = bridge.client.get("/v1/holds", headers=bridge.headers("viewer")).json()
    assert [h["container_id"] for h in listed] == [cid]
    assert listed[0]["position"]["state"] == "held" and listed[0]["position"]["vehicle_id"]

    url = f"/v1/holds/{cid}/release"
    body = {"reason": "inspected, no findings"}
    r = bridge.client.post(url, json=body, headers=bridge.headers("officer", "MN"))
    assert r.status_code == 403 and "only CN officers" in r.json()["detail"]
    r = bridge.client.post(url, json=body, headers=bridge.headers("operator"))
    assert r.status_code == 403
    assert held_by_core(bridge, cid)
    r = bridge.client.post(url, json={"reason": ""}, headers=bridge.headers("officer", "CN"))
    assert r.status_code == 422  # the reason is mandatory
    r = bridge.client.post(url, json=body, headers=bridge.headers("officer", "CN", sub="CN-o-7"))
    assert r.status_code == 201, r.text
    assert r.json()["officer"] == "CN-o-7" and r.json()["hold_id"] == hold["hold_id"]
    assert not bridge.fleet.container_view(cid).held
    assert bridge.fleet.container_view(cid).cleared
    assert bridge.svc.state.holds[hold["hold_id"]]["status"] == "released"
    r = bridge.client.post(url, json=body, headers=bridge.headers("officer", "CN"))
    assert r.status_code == 409  # nothing left to release
    audit = bridge.client.get("/v1/audit", headers=bridge.headers("operator")).json()
    assert [a["action"] for a in audit][-1] == "hold.release"
    assert audit[-1]["actor"] == "CN-o-7" and audit[-1]["authority"] == "CN"


def test_a_fresh_high_verdict_after_release_holds_again(bridge):
    cid = _held(bridge)
    h = {"reason": "inspected"}
    assert (
        bridge.client.post(
            f"/v1/holds/{cid}/release", json=h, headers=bridge.headers("officer", "CN")
        ).status_code
        == 201
    )
    assert not held_by_core(bridge, cid) and bridge.svc.state.pending_release == {}
    later = verdict(cid, "HIGH", vid="CN-second-high", sequence=5)
    assert post_verdict(bridge, later).status_code == 201
    drive_until(bridge, lambda: held_by_core(bridge, cid) and hold_row(bridge, cid))
    assert "CN-second-high" in hold_row(bridge, cid)["reason"]


def test_mutual_recognition_needs_configuration_and_reaches_hold(bridge_factory):
    bridge = bridge_factory(recognises={"CN": (), "MN": ("CN",)})
    cid = _held(bridge)
    rel = bridge.client.post(
        f"/v1/holds/{cid}/release",
        json={"reason": "x-ray and opened"},
        headers=bridge.headers("officer", "CN"),
    ).json()
    url = f"/v1/containers/{cid}/recognitions"
    body = {"inspection_id": rel["release_id"], "reason": "accept GACC inspection"}
    r = bridge.client.post(url, json=body, headers=bridge.headers("officer", "CN"))
    assert r.status_code == 409  # CN's own inspection: nothing to recognise
    r = bridge.client.post(url, json=body, headers=bridge.headers("officer", "MN", sub="MN-o-1"))
    assert r.status_code == 201, r.text
    assert r.json()["recognised_authority"] == "CN" and r.json()["kind"] == "recognition"
    # MN accepted CN's inspection: a later MN hold on this container is released at once.
    assert bridge.svc.state.pending_release[cid]["side"] == "MN"
    r = bridge.client.post(
        url, json={**body, "inspection_id": "R-nope"}, headers=bridge.headers("officer", "MN")
    )
    assert r.status_code == 404


def test_recognition_refused_when_authority_does_not_recognise(bridge_factory):
    bridge = bridge_factory(recognises={"CN": (), "MN": ()})
    cid = _held(bridge)
    rel = bridge.client.post(
        f"/v1/holds/{cid}/release",
        json={"reason": "inspected"},
        headers=bridge.headers("officer", "CN"),
    ).json()
    r = bridge.client.post(
        f"/v1/containers/{cid}/recognitions",
        json={"inspection_id": rel["release_id"], "reason": "accept"},
        headers=bridge.headers("officer", "MN"),
    )
    assert r.status_code == 403 and "not to recognise CN" in r.json()["detail"]


def test_hold_events_reach_the_sse_history(bridge):
    cid = _held(bridge)
    time.sleep(0.05)
    kinds = [r[2] for r in bridge.svc.store.events_after(0)]
    assert "verdict.effective" in kinds and "hold.placed" in kinds
    placed = [r for r in bridge.svc.store.events_after(0) if r[2] == "hold.placed"]
    assert placed[0][3] == cid


def test_release_and_recognition_are_written_to_the_custody_ledger(bridge_factory):
    bridge = bridge_factory(ledger=True)
    cid = _held(bridge)
    r = bridge.client.post(f"/v1/holds/{cid}/release", json={"reason": "opened, no findings"},
                           headers=bridge.headers("officer", "CN", sub="CN-o-3"))  # fmt: skip
    assert r.status_code == 201
    rel = r.json()["release_id"]
    r = bridge.client.post(f"/v1/containers/{cid}/recognitions",
                           json={"inspection_id": rel, "reason": "accept GACC result"},
                           headers=bridge.headers("officer", "MN", sub="MN-o-9"))  # fmt: skip
    assert r.status_code == 201, r.text
    extract = bridge.fleet.custody_extract(cid)
    assert extract is not None
    events = [e for _, e in extract.events]
    kinds = [e.kind.value for e in events]
    assert "hold_released" in kinds and kinds[-1] == "inspection_recognised"
    released = next(e for e in events if e.kind.value == "hold_released")
    assert released.actor == "CN-o-3"
    assert events[-1].actor == "MN-o-9" and events[-1].details["inspection"] == rel
    doc = bridge.client.get(f"/v1/containers/{cid}", headers=bridge.headers("viewer")).json()
    assert doc["custody"]["events"] == len(events)
    assert doc["custody"]["verification"].startswith("verified")
    assert doc["custody"]["last"]["kind"] == "inspection_recognised"


def test_a_hold_belongs_to_the_authority_whose_verdict_caused_it(bridge):
    # Issue 13: MN's HIGH and CN's LOW on a container still on the Chinese side. The hold is
    # MN's: a CN officer may not release it (it used to go across with MN's HIGH in force).
    cid = first_arrival(bridge)  # CN -> MN, waits in China
    assert post_verdict(bridge, verdict(cid, "LOW", "CN")).status_code == 201
    assert post_verdict(bridge, verdict(cid, "HIGH", "MN", reasons=["MN intel"])).status_code == 201
    drive_until(bridge, lambda: held_by_core(bridge, cid) and hold_row(bridge, cid))
    hold = hold_row(bridge, cid)
    assert hold["authority"] == "MN"
    assert bridge.fleet.container_view(cid).hold_side == "MN"
    url = f"/v1/holds/{cid}/release"
    body = {"reason": "inspected, no findings"}
    r = bridge.client.post(url, json=body, headers=bridge.headers("officer", "CN"))
    assert r.status_code == 403 and "only MN officers" in r.json()["detail"]
    assert held_by_core(bridge, cid)
    r = bridge.client.post(url, json=body, headers=bridge.headers("officer", "MN", sub="MN-o-2"))
    assert r.status_code == 201, r.text
    assert bridge.fleet.container_view(cid).cleared


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A container with CN LOW and MN HIGH, held in the CN hold bay (MN's hold)."""
    from tests.bridge.conftest import make_bridge

    made = []
    b = make_bridge(tmp_path_factory.mktemp("mixed"), made)
    cid = first_arrival(b)
    assert post_verdict(b, verdict(cid, "LOW", "CN")).status_code == 201
    assert post_verdict(b, verdict(cid, "HIGH", "MN")).status_code == 201
    drive_until(b, lambda: held_by_core(b, cid) and hold_row(b, cid))
    yield b, cid
    for c in made:
        c.__exit__(None, None, None)


@pytest.mark.parametrize(("role", "authority"), [r for r in ROLES if r != ("officer", "MN")])
def test_mixed_verdict_release_matrix_refuses_all_but_the_owner(mixed, role, authority):
    # Role x authority on the release of MN's hold on a container standing in China: every
    # pair but an MN officer is refused, and the container stays held.
    b, cid = mixed
    r = b.client.post(
        f"/v1/holds/{cid}/release",
        json={"reason": "inspected, no findings"},
        headers=b.headers(role, authority),
    )
    assert r.status_code == 403, (role, authority, r.text)
    assert held_by_core(b, cid) and hold_row(b, cid)["status"] == "active"
