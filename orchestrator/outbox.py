"""Outbox: the commands an event causes, each with its identity, and the reports they expect.

Every command gets the next :data:`~orchestrator.ids.CommandId` (one counter per core, so ids are
deterministic). The outbox remembers, per vehicle, the Drive whose nodes it still has to report
and the Perform or Charge it still has to finish, and per container the scan it waits for. A
report must name that command: a report naming an earlier command (superseded by a new Drive,
re-sent after a fault, already answered) or one never issued is refused with
:class:`~orchestrator.errors.StaleReportError`, once, here, for every runtime.
"""

from __future__ import annotations

from collections.abc import Mapping

from orchestrator.errors import StaleReportError
from orchestrator.ids import CommandId, ContainerId, VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.messages import ActionKind, Charge, Command, Drive, Perform, Stop

__all__ = ["Outbox"]


class Outbox:
    def __init__(self) -> None:
        self._last = 0
        self.out: list[Command] = []
        self._drive: dict[VehicleId, CommandId] = {}  # Drive whose nodes are still to come
        # Read-only for others: the Drive each vehicle's node reports must name (the node
        # report check reads it inline, once per arrival).
        self.drives: Mapping[VehicleId, CommandId] = self._drive
        self.forget_drive = self._drive.pop  # drive_done(), as a C call: (vehicle, None)
        self._action: dict[VehicleId, CommandId] = {}  # Perform / Charge not finished yet
        self._scan: dict[ContainerId, CommandId] = {}  # scan Perform whose result is due

    def _next(self) -> CommandId:
        self._last += 1
        return CommandId(self._last)

    # ------------------------------------------------------------------ commands

    def drive(self, vehicle: VehicleId, path: tuple[NodeId, ...]) -> None:
        self._last += 1  # _next(), inlined: a Drive for nearly every node arrival
        cid: CommandId = self._last  # type: ignore[assignment]  # (a NewType call costs)
        self._drive[vehicle] = cid
        self.out.append(Drive(vehicle, path, cid))

    def stop(self, vehicle: VehicleId, reason: str) -> None:
        self.out.append(Stop(vehicle, reason, self._next()))

    def perform(self, vehicle: VehicleId, action: ActionKind, container: ContainerId) -> None:
        cid = self._next()
        self._action[vehicle] = cid
        if action is ActionKind.SCAN:
            self._scan[container] = cid
        self.out.append(Perform(vehicle, action, container, cid))

    def charge(self, vehicle: VehicleId, target_kwh: float) -> None:
        cid = self._next()
        self._action[vehicle] = cid
        self.out.append(Charge(vehicle, target_kwh, cid))

    def take(self) -> list[Command]:
        """The commands issued since the last call, in order."""
        out, self.out = self.out, []
        return out

    # ------------------------------------------------------------------ reports

    def check_arrival(self, vehicle: VehicleId, command: CommandId) -> None:
        expected = self._drive.get(vehicle)
        if command != expected:
            raise StaleReportError(
                f"vehicle {vehicle} reported a node of command {command}, but "
                + (f"its current Drive is {expected}" if expected else "it has no Drive to do")
                + ": a late, duplicated or replayed report; ignored"
            )

    def check_action(self, vehicle: VehicleId, command: CommandId) -> None:
        expected = self._action.get(vehicle)
        if command != expected:
            raise StaleReportError(
                f"vehicle {vehicle} reported command {command} done, but "
                + (f"it is doing {expected}" if expected else "it has no action to finish")
                + ": a late, duplicated or replayed report; ignored"
            )

    def check_scan(self, container: ContainerId, command: CommandId | None) -> None:
        expected = self._scan.get(container)
        if command is not None and command != expected:
            raise StaleReportError(
                f"scan result for {container} answers command {command}, but the scan due is "
                f"{expected}: a late, duplicated or replayed report; ignored"
            )

    def drive_done(self, vehicle: VehicleId) -> None:
        """Its granted path is fully reported: later reports of that Drive are stale."""
        self._drive.pop(vehicle, None)
        # (Movement calls the dict's own pop through ``forget_drive(vehicle, None)``, the
        # same thing without a Python call, at the end of nearly every Drive.)

    def action_done(self, vehicle: VehicleId) -> None:
        self._action.pop(vehicle, None)

    def scan_done(self, container: ContainerId) -> None:
        self._scan.pop(container, None)

    def forget(self, vehicle: VehicleId) -> None:
        """A vehicle joined anew: nothing it was commanded before is answered any more."""
        self._drive.pop(vehicle, None)
        self._action.pop(vehicle, None)

    def snapshot(self) -> dict[str, object]:
        return {
            "last": self._last,
            "pending": len(self.out),
            "drive": sorted(self._drive.items()),
            "action": sorted(self._action.items()),
            "scan": sorted(self._scan.items()),
        }
