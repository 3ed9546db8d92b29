"""One clock for one event on a live bridge: a hold the SimPy fleet's core places has the same
time (within a second) in the API (``placed_at``), in its custody ledger entry (stamped by the
ledger's wall clock, not the simulation's) and on ``serve``'s log line, all ISO 8601 UTC; and
the log's text form shows a time in UTC whatever offset it was given."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from orchestrator.custody.events import CustodyEventKind
from risk_bridge.serve_log import EventLog, format_text
from tests.bridge.conftest import make_bridge
from tests.bridge.helpers import drive_until, first_arrival, hold_row, post_verdict, verdict


def _utc(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert t.utcoffset() is not None and t.utcoffset().total_seconds() == 0, text  # type: ignore[union-attr]
    return t


def test_a_holds_api_time_ledger_timestamp_and_log_line_agree(tmp_path: Path) -> None:
    made: list[TestClient] = []
    bridge = make_bridge(tmp_path, made, ledger=True)
    out = io.StringIO()
    log = EventLog(out, "json")
    bridge.svc.broker.taps.append(log.tap)
    log.start()
    try:
        cid = first_arrival(bridge)
        before = datetime.now(UTC)
        r = post_verdict(bridge, verdict(cid, "HIGH", reasons=["watch list"]))
        assert r.status_code == 201, r.text
        drive_until(bridge, lambda: hold_row(bridge, cid))
        holds = bridge.client.get("/v1/holds", headers=bridge.headers("viewer")).json()
        api = _utc(next(h for h in holds if h["container_id"] == cid)["placed_at"])
        timeline = bridge.client.get(
            f"/v1/containers/{cid}/custody", headers=bridge.headers("viewer")
        ).json()
        placed = [e for e in timeline["events"] if e["kind"] == CustodyEventKind.HOLD_PLACED.value]
        assert len(placed) == 1 and timeline["status"] == "verified", timeline
        entry = _utc(placed[0]["timestamp"])
        assert placed[0]["timestamp"].endswith("Z")
        end = time.monotonic() + 5
        while time.monotonic() < end and '"hold.placed"' not in out.getvalue():
            time.sleep(0.02)
    finally:
        log.stop()
        for client in made:
            client.__exit__(None, None, None)
    line = next(
        json.loads(x) for x in out.getvalue().splitlines() if json.loads(x)["kind"] == "hold.placed"
    )
    logged = _utc(line["at"])
    # The wall clock of this hold, not the scenario's simulated 2026-12-03 08:00 epoch.
    assert before.timestamp() - 1 <= entry.timestamp() <= datetime.now(UTC).timestamp()
    for a, b in ((api, entry), (entry, logged), (api, logged)):
        assert abs((a - b).total_seconds()) < 1.0, (api, entry, logged)
    text = format_text((line["seq"], line["at"], line["kind"], cid, json.dumps({"data": {}})))
    assert text.split()[0] == logged.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_text_log_shows_utc_whatever_the_offset_given() -> None:
    row = (1, "2026-12-03T08:00:05.250000+08:00", "lane.closed", "", '{"data": {"target": "L1"}}')
    assert format_text(row).split()[:2] == ["2026-12-03T00:00:05Z", "lane.closed"]
    naive = (2, "2026-12-03T00:00:05", "lane.closed", "", '{"data": {}}')
    assert format_text(naive).split()[0] == "2026-12-03T00:00:05Z"
