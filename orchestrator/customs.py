"""Customs steps: verdicts, scan results, officers' releases and seal reads, as the core
applies them.

Each is checked completely first (:meth:`check_*`, which raises and changes nothing), then
applied (:meth:`apply_*`): the container's risk status changes (:mod:`orchestrator.risk_policy`),
the custody ledger and the domain events record it, and the vehicle carrying the container is
rerouted or held at once (:meth:`orchestrator.jobs.Jobs.risk_changed`). A verdict that comes
before the container's order is kept until the order arrives. Only an officer of the authority
that placed a hold may release it; the release breaks the first seal for inspection and
reseals. A seal read that does not match the manifest is a tamper alert and an automatic HIGH.
"""

from __future__ import annotations

from orchestrator import lookups
from orchestrator.custody.events import CustodyEventKind
from orchestrator.domain.customs_events import (
    HoldLifted,
    LateVerdict,
    ScanResult,
    SealVerified,
    TamperAlert,
    VerdictReceived,
)
from orchestrator.domain.iso6346 import ContainerId, parse_container_number
from orchestrator.domain.seals import Seal
from orchestrator.domain.states import ContainerState
from orchestrator.errors import UnauthorisedReleaseError, UnexpectedEventError
from orchestrator.jobs import Jobs
from orchestrator.journal import Journal
from orchestrator.messages import (
    HoldReleased,
    RiskLevel,
    ScanCompleted,
    ScanOutcome,
    SealChecked,
    VerdictIssued,
)
from orchestrator.outbox import Outbox
from orchestrator.risk_policy import RiskStatus
from orchestrator.state import ContainerRun
from orchestrator.world import World

__all__ = ["CustomsSteps"]

K = CustodyEventKind


def _high_cause(e: VerdictIssued) -> str:
    return f"{e.authority.value} customs verdict HIGH ({e.verdict_id})" + (
        f": {e.reason}" if e.reason else ""
    )


class CustomsSteps:
    def __init__(self, world: World, jobs: Jobs, journal: Journal, outbox: Outbox) -> None:
        self._world = world
        self._jobs = jobs
        self._journal = journal
        self._outbox = outbox

    # ------------------------------------------------------------------ scan result

    def check_scan(self, e: ScanCompleted) -> ContainerRun:
        c = lookups.container(self._world, e.container_id)
        if c.state is not ContainerState.SCANNING or c.scan_outcome_seen:
            raise UnexpectedEventError(
                f"container {c.id}: ScanCompleted but no scan was requested (it is {c.state.name})"
            )
        self._outbox.check_scan(c.id, e.command_id)
        return c

    def apply_scan(self, e: ScanCompleted, c: ContainerRun) -> None:
        c.scan_outcome_seen = True
        c.risk = c.risk.with_scan(e.outcome)
        if e.outcome is ScanOutcome.ESCALATE:
            c.hold_cause = "NII scan image escalated: the container becomes HIGH risk"
        self._journal.emit(ScanResult(self._world.now_s, c.id, e.outcome))
        if c.vehicle_id is not None:
            self._jobs.maybe_leave_scanner(self._world.vehicles[c.vehicle_id])

    # ------------------------------------------------------------------ verdicts

    def check_verdict(self, e: VerdictIssued) -> ContainerId:
        return parse_container_number(e.container_id)

    def apply_verdict(self, e: VerdictIssued, cid: ContainerId) -> None:
        world = self._world
        self._journal.emit(VerdictReceived(world.now_s, cid, e.level, e.authority, e.reason))
        c = world.containers.get(cid)
        if c is None:
            early = world.early_verdicts.get(cid, RiskStatus())
            world.early_verdicts[cid] = early.with_verdict(e.level, e.authority)
            if e.level is RiskLevel.HIGH:
                world.early_causes[cid] = _high_cause(e)
            return
        if c.state is ContainerState.DELIVERED:
            return
        c.risk = c.risk.with_verdict(e.level, e.authority)
        if e.level is RiskLevel.HIGH:
            c.hold_cause = _high_cause(e)
        if c.committed is not None and c.vehicle_id is not None and not c.risk.cleared:
            # Past the point of no return (docs/traffic.md): it goes on across and is held at
            # the first place on the other side; customs hear that the verdict came late.
            gate_id, committed_t_s = c.committed
            self._journal.emit(
                LateVerdict(
                    world.now_s, cid, c.vehicle_id, e.level, e.authority, gate_id, committed_t_s
                )
            )
        self._jobs.risk_changed(c, f"verdict {e.level.value} from {e.authority.value}")

    # ------------------------------------------------------------------ releases

    def check_release(self, e: HoldReleased) -> ContainerRun:
        c = lookups.container(self._world, e.container_id)
        if c.risk.hold_side is None:
            raise UnauthorisedReleaseError(f"container {c.id} is not held; nothing to release")
        if e.authority is not c.risk.hold_side:
            raise UnauthorisedReleaseError(
                f"container {c.id} is held by {c.risk.hold_side.value} customs; officer "
                f"{e.officer_id} of {e.authority.value} customs cannot release it"
            )
        return c

    def apply_release(self, e: HoldReleased, c: ContainerRun) -> None:
        assert c.risk.hold_side is not None
        hold_side = c.risk.hold_side
        side, officer, reason = hold_side.value, e.officer_id, e.reason
        node = self._jobs.where(c)
        journal = self._journal
        if c.seals:
            broken = c.seals[0]
            journal.custody(
                K.INSPECTION_OPENED, c, node, broken, officer,
                reason=reason or "inspection before release",
            )  # fmt: skip
            fresh = journal.new_seal_number(side)
            journal.custody(
                K.RESEALED, c, node, fresh, officer, seal_class="H", maker="borderflow customs"
            )
            c.seals = [fresh, *c.seals[1:]]
        journal.custody(K.HOLD_RELEASED, c, node, None, officer)
        c.risk = c.risk.with_release()
        journal.emit(HoldLifted(self._world.now_s, c.id, officer, hold_side, reason))
        if c.state is ContainerState.HELD:
            c.set_state(ContainerState.ON_VEHICLE)
        self._jobs.risk_changed(c, f"hold released by officer {officer}")

    # ------------------------------------------------------------------ seals

    def check_seal(self, e: SealChecked) -> ContainerRun:
        c = lookups.container(self._world, e.container_id)
        lookups.node(self._world, e.node)
        Seal(e.seal_number)  # a malformed seal number raises
        return c

    def apply_seal(self, e: SealChecked, c: ContainerRun) -> None:
        seal, node = e.seal_number, e.node
        ok = e.matches and seal in c.seals
        now = self._world.now_s
        self._journal.emit((SealVerified if ok else TamperAlert)(now, c.id, seal, node))
        if c.state is ContainerState.DELIVERED:
            return
        vid = c.vehicle_id if c.loaded else None
        result = "match" if ok else "mismatch"
        self._journal.custody(
            K.SEAL_READ, c, node, seal, "system", vehicle_id=vid, method="e-seal", result=result
        )
        if ok:
            return
        why = f"seal {seal} read at {node} does not match the manifest"
        self._journal.custody(K.TAMPER_ALERT, c, node, seal, "system", vehicle_id=vid, reason=why)
        c.risk = c.risk.with_verdict(RiskLevel.HIGH)
        c.hold_cause = why
        self._jobs.risk_changed(c, why)
