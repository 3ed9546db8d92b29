"""What the orchestrator node runs, announced to whoever joins: map, trusted key, arrivals.

Owns the ``FleetInfo`` announcement (``/borderflow/fleet_info``, reliable + transient-local,
depth 1, so a bridge that starts later still reads it) and its typed form,
:class:`FleetAnnouncement`. The customs bridge (``borderflow serve --fleet ros``) reads it before
it starts: it refuses to run on another map (id and content hash, :mod:`maps.fingerprint`) or
with another decision key than the node trusts, and takes the containers the node's own
arrivals bring (``declared``) as its manifest when it was given none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from borderflow_ros.arrivals_feed import ArrivalsFile
from maps.fingerprint import MapIdentity
from orchestrator.domain.records import Cargo

__all__ = ["FleetAnnouncement", "announcement_from_msg", "announcement_to_msg"]


@dataclass(frozen=True, slots=True)
class FleetAnnouncement:
    map_id: str
    map_name: str
    map_sha256: str
    decision_key_id: str
    arrivals: str  # "" when the node has no arrivals of its own
    arrivals_total: int
    declared: tuple[Cargo, ...]
    started_s: float  # the node's start, ROS time

    @property
    def run_token(self) -> str:
        """Tells one run of the node from the next (its start time, in seconds)."""
        return f"r{int(self.started_s)}"


def announcement_to_msg(
    identity: MapIdentity,
    map_name: str,
    key_id: str,
    arrivals: ArrivalsFile | None,
    stamp: Any,
) -> Any:
    from borderflow_interfaces.msg import CargoDeclaration, FleetInfo

    msg = FleetInfo()
    msg.header.stamp = stamp
    msg.map_id, msg.map_name, msg.map_sha256 = identity.map_id, map_name, identity.sha256
    msg.decision_key_id = key_id
    if arrivals is not None:
        msg.arrivals = arrivals.source or "arrivals file"
        msg.arrivals_total = len(arrivals.arrivals)
        msg.declared = [
            CargoDeclaration(container_id=a.container_id, consignor=a.consignor,
                             hs_code=a.hs_code, origin_country=a.origin_country)
            for a in arrivals.arrivals
        ]  # fmt: skip
    return msg


def announcement_from_msg(msg: Any) -> FleetAnnouncement:
    declared = tuple(
        Cargo(d.container_id, d.consignor, d.hs_code, d.origin_country) for d in msg.declared
    )
    stamp = msg.header.stamp
    return FleetAnnouncement(
        msg.map_id, msg.map_name, msg.map_sha256, msg.decision_key_id, msg.arrivals,
        int(msg.arrivals_total), declared, stamp.sec + stamp.nanosec * 1e-9,
    )  # fmt: skip
