"""Serve the console's page and assets, and the API docs from local files.

(Being built: see docs/console.md.)"""

from __future__ import annotations

from fastapi import FastAPI


def mount_console(app: FastAPI) -> None:
    """Add the console's routes to ``app`` (the page at ``/``, assets, ``/docs``, ``/redoc``)."""
