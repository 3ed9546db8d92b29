"""People's sign-in for the control-room console: session cookies with CSRF protection.

(Being built: see docs/console.md.)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/session", tags=["session"])
