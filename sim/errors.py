"""The simulation runtime's exception hierarchy.

Every failure the SimPy runtime raises on purpose is a :class:`SimError`; its message names the
offending file, key, vehicle or container and says how to fix it. Expected outcomes (a scan that
escalates, a hold) are data, never exceptions.
"""

from __future__ import annotations

__all__ = ["ScenarioError", "SimError", "VehicleCommandError"]


class SimError(Exception):
    """Base class of every error raised by ``sim/``."""


class ScenarioError(SimError):
    """A scenario file is missing, unreadable or invalid.

    ``path`` is the file, ``key`` the dotted TOML key (``fleet.agvs``), ``problem`` what is wrong
    and what is allowed.
    """

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")


class VehicleCommandError(SimError):
    """The core sent a command a virtual AGV cannot carry out (unknown vehicle, broken path)."""
