"""The counts of the orchestrator node's ``get_status`` service (its ``counts_json``): the core's
KPI counts plus what the node itself saw (refused decisions, stale reports, its map and its
arrivals), so a client or test can tell what happened without reading the log."""

from __future__ import annotations

from typing import Any, Protocol

from borderflow_ros.arrivals_feed import ArrivalsFeed
from borderflow_ros.decision_auth import DecisionVerifier
from maps.fingerprint import MapIdentity

__all__ = ["status_counts"]


class _Fleet(Protocol):
    def counts(self) -> dict[str, Any]: ...


class _Node(Protocol):
    """What of the node the counts read."""

    core: Any

    @property
    def fleet(self) -> _Fleet: ...

    verifier: DecisionVerifier
    map_identity: MapIdentity
    arrivals: ArrivalsFeed
    commands_sent: int
    errors: int
    stale_reports: int
    decisions_refused: int
    verdicts_accepted: int
    last_refusal: str


def status_counts(node: _Node) -> dict[str, Any]:
    views = node.core.views
    counts: dict[str, Any] = dict(views.counts())
    counts["faulted_reasons"] = dict(views.faulted_vehicles())
    counts["commands_sent"] = node.commands_sent
    counts["errors"] = node.errors
    counts["stale_reports"] = node.stale_reports
    counts["decisions_refused"] = node.decisions_refused
    counts["verdicts_accepted"] = node.verdicts_accepted
    counts["last_refusal"] = node.last_refusal
    counts["decision_key_id"] = node.verifier.key_id
    counts["core_healthy"] = node.core.healthy
    counts.update(node.fleet.counts())  # states and odometry taken (per shard when sharded)
    counts["closed_lanes"] = sorted(views.closed_lanes())
    counts["map_id"] = node.map_identity.map_id
    counts["map_sha256"] = node.map_identity.sha256
    counts["arrivals_fed"] = node.arrivals.fed
    counts["arrivals_total"] = len(node.arrivals.arrivals)
    return counts
