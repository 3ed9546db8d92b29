"""Prometheus metrics, rendered from the service's counters (prometheus-client text format)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

if TYPE_CHECKING:  # an annotation only: the service imports the routers that import this
    from risk_bridge.service import BridgeService

__all__ = ["render"]


def render(svc: BridgeService) -> bytes:
    reg = CollectorRegistry()
    Counter("bridge_verdicts_accepted", "verdicts stored and applied", registry=reg).inc(
        svc.metrics["verdicts_accepted"]
    )
    Counter("bridge_commits", "durable store transactions (group commits)", registry=reg).inc(
        svc.committer.commits
    )
    Counter("bridge_writes", "write jobs completed", registry=reg).inc(svc.committer.jobs_done)
    Gauge("bridge_holds_active", "active customs holds", registry=reg).set(
        len(svc.state.active_hold)
    )
    Gauge("bridge_warnings_active", "active risk warnings", registry=reg).set(
        sum(1 for a in svc.state.warning_active.values() if a)
    )
    Gauge("bridge_degraded", "1 while the store is unavailable (fail-safe)", registry=reg).set(
        1 if svc.degraded else 0
    )
    Counter(
        "bridge_core_refusals", "acknowledged events the fleet's core refused", registry=reg
    ).inc(svc.core.refusals)
    Gauge(
        "bridge_containers_failsafe",
        "containers fed UNKNOWN because the core refused their acknowledged event",
        registry=reg,
    ).set(len(svc.state.core_failsafe))
    Gauge("bridge_sse_subscribers", "open event streams", registry=reg).set(svc.broker.subscribers)
    if svc.fleet is not None:
        Gauge("fleet_sim_time_seconds", "simulated time of the fleet", registry=reg).set(
            svc.fleet.now_s()
        )
        Counter("fleet_commands", "commands sent to vehicles by bridge events", registry=reg).inc(
            svc.fleet.commands_sent
        )
    return generate_latest(reg)
