"""Who is calling: the verified claims of a bearer token."""

from __future__ import annotations

from dataclasses import dataclass

from risk_bridge.domain import Role

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str  # client id or officer id
    role: Role
    authority: str | None  # "CN" / "MN"; None for operators and viewers of the port itself

    @property
    def key(self) -> str:
        """Namespace for idempotency keys: one caller's key never collides with another's."""
        return f"{self.role.value}:{self.authority or '-'}:{self.subject}"
