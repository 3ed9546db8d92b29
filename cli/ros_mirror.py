"""``borderflow ros mirror``: run a SimPy scenario and mirror its fleet onto ROS 2 topics.

The SimPy runtime and the ROS package know nothing of each other; this command wires them: a
:class:`sim.runner.Simulation` advanced ``speed`` times faster than the wall clock, and a
:class:`borderflow_ros.sim_mirror.SimMirror` publishing its vehicles' ``/agv/<id>/odom`` and
``/agv/<id>/state`` (so ``borderflow ros up``'s markers node, RViz or Foxglove show the run).
rclpy is imported only after :func:`cli.ros_cmd.activate_in_process` has put the built packages
on the paths.
"""

from __future__ import annotations

import signal
from typing import Any

__all__ = ["run_mirror"]


def run_mirror(scenario_name: str, speed: float, rate_hz: float, domain_id: int) -> None:
    from cli.ros_cmd import activate_in_process

    activate_in_process(domain_id)
    import rclpy
    from borderflow_ros.sim_mirror import SimMirror
    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

    from sim.runner import Simulation
    from sim.scenario import load_scenario

    sim = Simulation(load_scenario(scenario_name), keep_log=False)
    rclpy.init()
    node = rclpy.create_node("borderflow_sim_mirror")
    mirror = SimMirror(node, sim)
    t0_ns = node.get_clock().now().nanoseconds

    def tick() -> None:
        wall_s = (node.get_clock().now().nanoseconds - t0_ns) * 1e-9
        if not sim.done:
            sim.advance(wall_s * speed)
        mirror.publish()

    node.create_timer(1.0 / rate_hz, tick)
    node.get_logger().info(f"mirroring {len(sim.vehicles)} SimPy vehicles at {speed:g}x")
    signal.signal(signal.SIGTERM, lambda *_: rclpy.try_shutdown())
    executor: Any = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
