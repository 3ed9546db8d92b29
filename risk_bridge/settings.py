"""The bridge's one typed configuration object, validated once and passed in.

``BridgeSettings`` is built by the CLI (``borderflow serve``) or by tests and handed to
:func:`risk_bridge.app.create_app`; nothing reads the environment at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.lanegraph import Side

__all__ = ["BridgeSettings", "default_state_dir"]

_SIDES = frozenset(s.value for s in Side)


def default_state_dir() -> Path:
    return Path.home() / ".local" / "share" / "borderflow"


@dataclass(frozen=True, slots=True)
class BridgeSettings:
    db_url: str  # sqlite:///path.db or postgresql://...
    state_dir: Path  # signing keys and client secrets (never in the repository)
    max_batch: int = 5000  # verdicts per batch request
    max_body_bytes: int = 8_000_000
    future_skew_s: float = 120.0  # issued_at may be this far ahead of our clock
    max_age_s: float = 30 * 86400.0  # issued_at older than this is rejected as far past
    token_ttl_s: float = 900.0
    # Token endpoint attempts a minute per source address and per client id (then 429).
    token_per_source_per_min: float = 60.0
    token_per_client_per_min: float = 30.0
    token_tarpit_s: float = 1.0  # an over-limit source waits this long for its 429
    # People's console sessions (cookie bf_session): lifetime, and Secure cookies even over
    # plain http (behind a TLS-terminating proxy); an https request always gets Secure.
    session_ttl_s: float = 8 * 3600.0
    secure_cookies: bool = False
    # Mutual recognition: authority -> authorities whose inspection results it accepts.
    recognises: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"CN": ("MN",), "MN": ("CN",)}
    )
    webhook_retries: int = 6
    # Webhook targets allowed although internal (hosts, IPs, CIDRs): risk_bridge.webhook_targets.
    webhook_allow: tuple[str, ...] = ()
    webhook_backoff_s: float = 0.5
    issuer: str = "borderflow-bridge"
    audience: str = "borderflow"

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {self.max_batch}")
        if self.token_ttl_s <= 0:
            raise ValueError(f"token_ttl_s must be > 0, got {self.token_ttl_s}")
        if self.session_ttl_s <= 0:
            raise ValueError(f"session_ttl_s must be > 0, got {self.session_ttl_s}")
        for who, others in self.recognises.items():
            if who not in _SIDES or any(o not in _SIDES for o in others):
                raise ValueError(f"recognises: unknown authority in {who}: {others}")
