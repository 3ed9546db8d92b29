"""``python -m borderflow_ros <node> --ros-args ...``: run one node (orchestrator_node,
adapter_node, agv_sim_node, diff_drive_sim_node, markers_node). Ctrl-C / SIGTERM during the
imports exits quietly with code 0 too, so a stack stopped while still starting reports a clean
stop."""

from __future__ import annotations

import importlib
import signal
import sys

NODES = ("orchestrator_node", "adapter_node", "agv_sim_node", "diff_drive_sim_node", "markers_node")


def _quiet_exit(*_: object) -> None:
    sys.exit(0)


def main() -> None:
    signal.signal(signal.SIGINT, _quiet_exit)
    signal.signal(signal.SIGTERM, _quiet_exit)
    if len(sys.argv) < 2 or sys.argv[1] not in NODES:
        print(f"usage: python -m borderflow_ros {{{','.join(NODES)}}} [--ros-args ...]",
              file=sys.stderr)  # fmt: skip
        sys.exit(2)
    name = sys.argv[1]
    module = importlib.import_module(f"borderflow_ros.{name}")
    module.main([sys.argv[0], *sys.argv[2:]])


if __name__ == "__main__":
    main()
