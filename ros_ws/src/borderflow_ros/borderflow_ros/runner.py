"""Run one node until Ctrl-C / SIGTERM, then shut down cleanly (exit code 0).

A bad parameter (:class:`ParameterError`) prints one clear line and exits with code 2 instead
of a traceback.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import Any

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node

from borderflow_ros.errors import ParameterError

__all__ = ["run_node"]


def run_node(factory: Callable[..., Node], argv: list[str]) -> None:
    rclpy.init(args=argv)
    # SIGTERM (from `borderflow ros up` or a test) ends the spin like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: rclpy.try_shutdown())
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
        if rclpy.ok():
            raise
        # Stopped while still starting (the context is shut down): a clean stop, not a crash.
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
