"""Where commands write their files: a missing folder is made (``-o out/map.png`` on a fresh
clone has no ``out/`` yet), and a path that cannot be written is one clear line and exit 2,
not a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

__all__ = ["cannot_write", "ready_to_write"]


def cannot_write(path: Path, exc: OSError) -> typer.Exit:
    why = exc.strerror or str(exc)
    print(f"error: cannot write {path}: {why}; pick a writable path", file=sys.stderr)
    return typer.Exit(2)


def ready_to_write(path: Path) -> Path:
    """``path`` with its folder made; exits 2 with the reason when it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    if path.is_dir():
        raise cannot_write(path, IsADirectoryError(21, "it is a folder"))
    return path
