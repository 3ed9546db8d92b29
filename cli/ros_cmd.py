"""``borderflow ros``: run the ROS 2 nodes as processes where ``ros2 launch`` is not available.

``borderflow ros up --agvs N`` starts the same set of nodes as ``launch/borderflow_sim.launch.py``
(orchestrator, AGV simulators, markers) as subprocesses with the project's DDS settings (loopback
only, a private ROS_DOMAIN_ID) and stops them cleanly on Ctrl-C / SIGTERM. Containers arrive by
themselves (``--arrivals``: the map's bundled demo scenario unless told otherwise,
:mod:`cli.ros_arrivals`), so the fleet moves as soon as customs clear them. The helpers here
(:func:`ros_environment`, :class:`ProcessGroup`) are also what the tests and benchmarks use, so
every ROS process of the project starts the same way. No rclpy import happens in this module.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from cli.ros_record import record
from cli.ros_up import arrivals_cmd, up

__all__ = [
    "ProcessGroup",
    "activate_in_process",
    "app",
    "default_domain_id",
    "ensure_built",
    "node_argv",
    "ros_environment",
]

ROOT = Path(__file__).resolve().parents[1]
WS = ROOT / "ros_ws"
INSTALL = WS / "install"
PROFILE = WS / "fastdds_localhost.xml"

app = typer.Typer(help="ROS 2 nodes: orchestrator, fleet adapter, simulated AGVs, markers.",
                  no_args_is_help=True)  # fmt: skip
app.command("up")(up)
app.command("arrivals")(arrivals_cmd)
app.command("record")(record)


def default_domain_id() -> int:
    """``$ROS_DOMAIN_ID``, else one per user (1..100): ``ros up`` and ``serve --fleet ros``
    started without it meet on the same domain, and another user's stack on this machine is on
    another one."""
    env = os.environ.get("ROS_DOMAIN_ID", "").strip()
    if env:
        if not env.isdigit():
            raise typer.BadParameter(f"ROS_DOMAIN_ID={env!r} is not a number; give --domain-id N")
        return int(env)
    return os.getuid() % 100 + 1


def ros_environment(domain_id: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every borderflow ROS process: built packages on the paths, DDS kept
    on loopback (ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST + the loopback-only Fast DDS profile)."""
    if not 0 <= domain_id <= 101:
        raise typer.BadParameter(f"ROS_DOMAIN_ID {domain_id} is outside 0..101; pick another")
    env = dict(os.environ if base is None else base)
    site = (
        INSTALL
        / "lib"
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "site-packages"
    )
    venv = Path(sys.prefix)

    def prepend(key: str, *values: str) -> None:
        old = env.get(key, "")
        env[key] = os.pathsep.join([*values, *([old] if old else [])])

    prepend("PYTHONPATH", str(site), str(ROOT))
    prepend("LD_LIBRARY_PATH", str(INSTALL / "lib"))
    env["AMENT_PREFIX_PATH"] = os.pathsep.join([str(INSTALL), str(venv)])
    env["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    env["ROS_DOMAIN_ID"] = str(domain_id)
    env["FASTDDS_DEFAULT_PROFILES_FILE"] = str(PROFILE)
    env["RMW_IMPLEMENTATION"] = "rmw_fastrtps_cpp"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def ensure_built() -> None:
    """Run scripts/ros_setup.sh (idempotent, about a second when nothing changed)."""
    done = subprocess.run(["bash", str(ROOT / "scripts" / "ros_setup.sh")], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(
            "scripts/ros_setup.sh failed (ROS 2 wheels or the colcon build of ros_ws/); run it "
            f"by hand to see why:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )


def _preload(lib_dir: Path) -> None:
    pending = sorted(lib_dir.glob("lib*.so"))
    for _ in range(len(pending) + 1):  # load in any order: retry until dependencies are in
        failed = []
        for lib in pending:
            try:
                ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                failed.append(lib)
        if not failed:
            return
        pending = failed
    raise RuntimeError(f"cannot load {[p.name for p in pending]} from {lib_dir}")


def activate_in_process(domain_id: int) -> dict[str, str]:
    """Build if needed, export the DDS settings into this process, make the built packages
    importable here, and return the environment for child processes.

    The built message libraries are preloaded with ctypes because the dynamic loader read
    LD_LIBRARY_PATH when this process started.
    """
    ensure_built()
    env = ros_environment(domain_id)
    keys = (
        "AMENT_PREFIX_PATH",
        "ROS_AUTOMATIC_DISCOVERY_RANGE",
        "ROS_DOMAIN_ID",
        "FASTDDS_DEFAULT_PROFILES_FILE",
        "RMW_IMPLEMENTATION",
        "LD_LIBRARY_PATH",
    )
    for key in keys:
        os.environ[key] = env[key]
    site = str(INSTALL / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
               / "site-packages")  # fmt: skip
    if site not in sys.path:
        sys.path.insert(0, site)
    _preload(INSTALL / "lib")
    return env


def node_argv(module: str, params: dict[str, object]) -> list[str]:
    """``python -m borderflow_ros <module> --ros-args -p k:=v ...`` for this interpreter."""
    argv = [sys.executable, "-m", "borderflow_ros", module, "--ros-args"]
    for key, value in params.items():
        if isinstance(value, list | tuple):
            text = "[" + ",".join(f"'{v}'" if isinstance(v, str) else str(v) for v in value) + "]"
        elif isinstance(value, bool):
            text = str(value).lower()
        else:
            text = str(value)
        argv += ["-p", f"{key}:={text}"]
    return argv


class ProcessGroup:
    """Started node processes; ``stop`` sends SIGINT, then SIGTERM, then SIGKILL, by pid."""

    def __init__(self, env: dict[str, str], log_dir: Path | None = None) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(list(argv), env=self.env, stdout=out, stderr=subprocess.STDOUT
                                if out is not None else None)  # fmt: skip
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """Kill one process hard (SIGKILL), as a crash would."""
        proc = self.procs[name]
        proc.kill()
        proc.wait(timeout=5)

    def stop(self, timeout_s: float = 5.0) -> dict[str, int]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        codes: dict[str, int] = {}
        deadline = time.monotonic() + timeout_s
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    codes[name] = proc.wait(timeout=2.0)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    codes[name] = proc.wait()
        return codes


def stack_processes(
    agvs: int,
    map_name: str,
    time_scale: float,
    per_process: int,
    decision_key: Path,
    arrivals_file: Path | None = None,
    fork_key: Path | None = None,
    adapters: int = 0,
) -> list[tuple[str, list[str]]]:
    """The nodes of launch/borderflow_sim.launch.py, as (name, argv); the orchestrator trusts
    the decisions signed with the private half of ``decision_key`` (a public key PEM) and feeds
    the arrivals of ``arrivals_file`` at the vehicles' time scale; with ``fork_key`` it hands
    the bridge its frozen core for forecasts; with ``adapters`` > 0 its fleet adapter runs as
    that many shard processes."""
    params: dict[str, object] = {"map": map_name, "decision_key": str(decision_key),
                                 "adapters": adapters}  # fmt: skip
    if fork_key is not None:
        params["fork_key"] = str(fork_key)
    if arrivals_file is not None:
        params |= {"arrivals_file": str(arrivals_file), "arrivals_time_scale": time_scale}
    out = [("orchestrator", node_argv("orchestrator_node", params))]
    for shard in range(adapters):
        out.append((f"adapter_{shard}", node_argv("adapter_node", {
            "map": map_name, "shard": shard, "adapters": adapters})))  # fmt: skip
    first = 1
    while first <= agvs:
        n = min(per_process, agvs - first + 1)
        out.append((f"agv_sim_{first:02d}", node_argv("agv_sim_node", {
            "map": map_name, "vehicles": n, "first_index": first, "fleet_size": agvs,
            "time_scale": time_scale})))  # fmt: skip
        first += n
    out.append(("markers", node_argv("markers_node", {"map": map_name})))
    return out


@app.command("mirror")
def mirror(
    scenario: Annotated[str, typer.Argument(help="Bundled scenario name or TOML path.")] = (
        "test_small"
    ),
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall second.", min=0.01)] = (
        10.0
    ),
    rate_hz: Annotated[float, typer.Option(help="Publishing rate per vehicle.", min=0.1)] = 10.0,
    domain_id: Annotated[
        int | None,
        typer.Option(help="ROS_DOMAIN_ID (default: $ROS_DOMAIN_ID, else one per user)."),
    ] = None,
) -> None:
    """Run a SimPy scenario and publish its vehicles on ROS 2 (odom, state) until Ctrl-C.

    Example, beside `borderflow ros up` for the markers: borderflow ros mirror test_small --speed 20
    """
    from cli.ros_mirror import run_mirror

    ensure_built()
    run_mirror(
        scenario, speed, rate_hz, domain_id if domain_id is not None else default_domain_id()
    )
