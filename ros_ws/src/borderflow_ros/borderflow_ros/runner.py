"""Run one node until Ctrl-C / SIGTERM, then shut down cleanly (exit code 0).

A bad parameter (:class:`ParameterError`) prints one clear line and exits with code 2 instead
of a traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node

from borderflow_ros.errors import ParameterError

__all__ = ["run_node"]


def run_node(factory: Callable[..., Node], argv: list[str]) -> None:
    rclpy.init(args=argv)
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()
        rclpy.try_shutdown()

    # Ctrl-C and SIGTERM (from `borderflow ros up` or a test) end the spin the same way, and
    # say that a stop was asked for: rclpy may raise from a subscription being taken while the
    # context shuts down ("Unable to convert call argument '0'", seen once in make test), which
    # is the stop, not a crash.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    node: Any = None
    try:
        node = factory()
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        executor.spin()
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        rclpy.try_shutdown()
        sys.exit(2)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:
        if rclpy.ok() and not stopping.is_set():
            raise
        # Stopped while starting or while shutting down: a clean stop, not a crash.
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
