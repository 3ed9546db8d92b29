"""``borderflow ros record``: record borderflow's ROS 2 topics into an MCAP file, as received.

Subscribes to every topic of the borderflow topic table (``/borderflow/...``, see
``borderflow_ros.qos``) and to each vehicle's ``/agv/<id>/odom`` and ``/agv/<id>/state``, found
as they appear, and writes the serialized CDR bytes of every message unchanged (rclpy's
``raw=True``) with the schema of its type read from the installed ROS 2 packages: the same
``ros2`` profile MCAP as ``simulate --mcap`` and rosbag2's MCAP storage. Each subscription takes
its publishers' reliability and durability (latched topics such as the map markers arrive even
though they were published before). rclpy is imported only after
:func:`cli.ros_cmd.activate_in_process`; everything before that (options, the output path) is
checked without ROS.
"""

from __future__ import annotations

import math
import os
import re
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["record", "run_record", "wanted_topic"]

_VEHICLE = re.compile(r"^/agv/[A-Za-z_][A-Za-z0-9_]*/(odom|state)$")
_DISCOVER_S = 0.5


def wanted_topic(name: str) -> bool:
    """A topic ``ros record`` records: borderflow's own, or a vehicle's odometry or state."""
    if "/_action/" in name:
        return False  # an action's hidden feedback and status topics: not messages of ours
    return name.startswith("/borderflow/") or _VEHICLE.match(name) is not None


def record(
    out: Annotated[Path, typer.Argument(help="The MCAP file to write.", show_default=False)],
    domain_id: Annotated[
        int | None,
        typer.Option(help="ROS_DOMAIN_ID (default: $ROS_DOMAIN_ID, else one per user)."),
    ] = None,
    duration_s: Annotated[
        float | None,
        typer.Option("--duration-s", help="Stop after this many seconds (default: at Ctrl-C)."),
    ] = None,
) -> None:
    """Record the borderflow topics of a running ROS 2 system into an MCAP file.

    Records /borderflow/* and every vehicle's /agv/<id>/odom and
    /agv/<id>/state (vehicles that appear later too) as the messages arrive,
    with their ROS 2 schemas: open the file in Foxglove or read it with the
    mcap tools. Ctrl-C (or --duration-s) stops and finishes the file.

    Examples, beside `borderflow ros up` or `borderflow ros mirror` on the
    same domain:

      borderflow ros record out/ros.mcap --duration-s 30

      borderflow ros record out/ros.mcap --domain-id 7
    """
    from recording.msgdefs import RecordingError
    from recording.writer import open_output

    if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
        typer.echo(f"error: --duration-s must be a number of seconds > 0, got {duration_s:g}",
                   err=True)  # fmt: skip
        raise typer.Exit(2)
    from cli.ros_cmd import default_domain_id

    dom = domain_id if domain_id is not None else default_domain_id()
    if not 0 <= dom <= 101:
        typer.echo(f"error: ROS_DOMAIN_ID {dom} is outside 0..101; pick another", err=True)
        raise typer.Exit(2)
    try:
        stream = open_output(out)
    except RecordingError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    count, topics = run_record(stream, dom, duration_s)
    typer.echo(f"{out}: {count} messages on {topics} topics (ROS_DOMAIN_ID={dom})")


def _qos(node: Any, topic: str) -> Any:
    """A subscription QoS that matches the topic's publishers: reliable and transient-local
    only when every publisher offers it (as rosbag2 adapts)."""
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

    infos = node.get_publishers_info_by_topic(topic)
    reliable = bool(infos) and all(
        i.qos_profile.reliability == ReliabilityPolicy.RELIABLE for i in infos
    )
    latched = bool(infos) and all(
        i.qos_profile.durability == DurabilityPolicy.TRANSIENT_LOCAL for i in infos
    )
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=1000,
        reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE,
    )


def _message_class(type_name: str) -> Any:
    import importlib

    pkg, kind, name = type_name.split("/")
    return getattr(importlib.import_module(f"{pkg}.{kind}"), name)


def run_record(stream: Any, domain_id: int, duration_s: float | None) -> tuple[int, int]:
    """Record into the open ``stream`` until ``duration_s`` or a signal; (messages, topics)."""
    from cli.ros_cmd import activate_in_process

    activate_in_process(domain_id)
    import rclpy
    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

    from recording.msgdefs import RecordingError, share_lookup
    from recording.writer import BagWriter

    prefixes = os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep)
    bag = BagWriter(stream, share_lookup(p for p in prefixes if p))
    rclpy.init()
    node = rclpy.create_node("borderflow_recorder")
    clock = node.get_clock()
    subs: dict[str, Any] = {}
    skipped: set[str] = set()

    def discover() -> None:
        for name, types in node.get_topic_names_and_types():
            if name in subs or name in skipped or not wanted_topic(name) or len(types) != 1:
                continue
            if not node.get_publishers_info_by_topic(name):
                continue  # only subscribers so far: wait for a publisher to learn its QoS
            try:
                cid = bag.ros_channel(name, types[0])
            except RecordingError as exc:
                skipped.add(name)
                typer.echo(f"warning: not recording {name}: {exc}", err=True)
                continue

            def on_message(data: bytes, cid: int = cid) -> None:
                bag.write(cid, clock.now().nanoseconds, data)

            subs[name] = node.create_subscription(
                _message_class(types[0]), name, on_message, _qos(node, name), raw=True
            )

    executor: Any = SingleThreadedExecutor()
    executor.add_node(node)
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    deadline = math.inf if duration_s is None else time.monotonic() + duration_s
    next_discovery = 0.0
    try:
        while not stopping and time.monotonic() < deadline:
            if time.monotonic() >= next_discovery:
                discover()
                next_discovery = time.monotonic() + _DISCOVER_S
            executor.spin_once(timeout_sec=min(0.1, max(0.0, deadline - time.monotonic())))
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        bag.close()
        node.destroy_node()
        rclpy.try_shutdown()
    return bag.count, len(subs)
