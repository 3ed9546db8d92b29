from __future__ import annotations

import pytest

from orchestrator.lanegraph import Side
from orchestrator.messages import RiskLevel, ScanOutcome
from orchestrator.risk_policy import RiskStatus, StopKind, next_stop

R = RiskLevel


@pytest.mark.parametrize(
    ("status", "cleared", "stop"),
    [
        (RiskStatus(), False, StopKind.BUFFER),
        (RiskStatus(R.LOW), True, StopKind.DESTINATION),
        (RiskStatus(R.MEDIUM), False, StopKind.SCANNER),
        (RiskStatus(R.MEDIUM).with_scan(ScanOutcome.CLEAR), True, StopKind.DESTINATION),
        (RiskStatus(R.HIGH), False, StopKind.HOLD),
        (RiskStatus(R.MEDIUM).with_scan(ScanOutcome.ESCALATE), False, StopKind.HOLD),
        (RiskStatus(R.HIGH).with_hold(Side.CN, "x").with_release(), True, StopKind.DESTINATION),
        (RiskStatus(R.LOW).with_hold(Side.MN, "seal"), False, StopKind.HOLD),
    ],
)
def test_clearance_and_next_stop(status: RiskStatus, cleared: bool, stop: StopKind) -> None:
    assert status.cleared is cleared
    assert next_stop(status) is stop


def test_a_new_high_verdict_voids_an_earlier_inspection() -> None:
    released = RiskStatus(R.HIGH).with_hold(Side.CN, "x").with_release()
    again = released.with_verdict(R.HIGH)
    assert not again.cleared and again.needs_hold


def test_lower_verdict_does_not_lift_an_active_hold() -> None:
    held = RiskStatus(R.HIGH).with_hold(Side.CN, "x").with_verdict(R.LOW)
    assert held.held and not held.cleared
    assert held.with_release().cleared
