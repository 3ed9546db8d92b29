"""Records a SimPy run as an MCAP file that Foxglove and ROS 2 tools open (``simulate --mcap``).

:class:`SimRecorder` attaches to a :class:`~sim.runner.Simulation` as one more SimPy process: at
t = 0 it writes the map (``/borderflow/map_markers``), then every ``1 / rate_hz`` simulated
seconds it samples every vehicle as ``borderflow ros mirror`` publishes it (``/agv/<id>/odom``,
``/agv/<id>/state``) and the fleet as ``/borderflow/fleet_markers``, and copies the event log's
new lines to ``/borderflow/events`` (JSON). Times are the scenario's: its epoch plus simulated
seconds, in nanoseconds since 1970. The recorder only reads the simulation (snapshots and the
log), so a run with it has the same events and KPIs as one without.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from maps.frame import map_origin
from recording.cdr import OdometryEncoder, StateEncoder, marker_array, stamp_bytes
from recording.markers import FleetArray, map_markers
from recording.topics import vehicle_topic
from recording.writer import BagWriter, open_output
from sim.simtypes import AgvState, ProcessGen

if TYPE_CHECKING:
    from sim.runner import Simulation

__all__ = [
    "EVENTS_TOPIC",
    "EVENT_SCHEMA",
    "FLEET_MARKERS_TOPIC",
    "MAP_MARKERS_TOPIC",
    "SimRecorder",
    "vehicle_topic",
]

MAP_MARKERS_TOPIC = "/borderflow/map_markers"
FLEET_MARKERS_TOPIC = "/borderflow/fleet_markers"
EVENTS_TOPIC = "/borderflow/events"
EVENT_SCHEMA: dict[str, object] = {
    "title": "borderflow event log entry",
    "type": "object",
    "properties": {
        "t_s": {"type": "number", "description": "simulated seconds since the scenario's epoch"},
        "at": {"type": "string", "description": "the same instant, ISO 8601 UTC"},
        "kind": {"type": "string"},
        "subject": {"type": "string"},
        "message": {"type": "string"},
        "data": {"type": "object"},
    },
    "required": ["t_s", "kind", "subject", "message", "data"],
}
# rosbag2's offered_qos_profiles for the topics as the ROS package publishes them (qos.py).
_SENSOR_QOS = ("- history: 1\n  depth: 5\n  reliability: 2\n  durability: 2\n  deadline:\n"
               "    sec: 2147483647\n    nsec: 4294967295\n  lifespan:\n    sec: 2147483647\n"
               "    nsec: 4294967295\n  liveliness: 1\n  liveliness_lease_duration:\n"
               "    sec: 2147483647\n    nsec: 4294967295\n  avoid_ros_namespace_conventions: "
               "false\n")  # fmt: skip
_LATCHED_QOS = _SENSOR_QOS.replace("depth: 5", "depth: 1").replace(
    "reliability: 2\n  durability: 2", "reliability: 1\n  durability: 1"
)
_MODE = {  # borderflow_interfaces/VehicleState MODE_*
    AgvState.IDLE: 0,
    AgvState.EMPTY: 1,
    AgvState.LOADED: 1,
    AgvState.WORKING: 2,
    AgvState.CHARGING: 3,
    AgvState.FAULTED: 4,
}
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
_STATE_TYPE = "borderflow_interfaces/msg/VehicleState"


class SimRecorder:
    """Writes one simulation to ``path`` while it runs; :meth:`close` finishes the file."""

    def __init__(self, sim: Simulation, path: Path, rate_hz: float = 1.0) -> None:
        if not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"--mcap-hz must be a number > 0, got {rate_hz}")
        self.sim = sim
        self.path = path
        self.period_s = 1.0 / rate_hz
        self.samples = 0
        clock = sim.scenario.timebase
        epoch = clock.epoch.astimezone(UTC) - _UNIX
        self._epoch_ns = (epoch.days * 86_400 + epoch.seconds) * 10**9 + epoch.microseconds * 1000
        self.bag = BagWriter(open_output(path))
        self.bag.metadata("borderflow", {
            "scenario": sim.scenario.name, "map": str(sim.scenario.map_ref),
            "seed": str(sim.scenario.seed), "epoch_utc": clock.iso_utc(0.0),
            "time_zone": clock.time_zone, "sample_hz": f"{rate_hz:g}"})  # fmt: skip
        self._origin = map_origin(sim.graph)
        map_ch = self.bag.ros_channel(
            MAP_MARKERS_TOPIC, "visualization_msgs/msg/MarkerArray", _LATCHED_QOS
        )
        self._fleet_ch = self.bag.ros_channel(
            FLEET_MARKERS_TOPIC, "visualization_msgs/msg/MarkerArray", _SENSOR_QOS
        )
        self._events_ch = self.bag.json_channel(
            EVENTS_TOPIC, "borderflow.EventLogEntry", EVENT_SCHEMA
        )
        self._vehicles = []
        for vid in sorted(sim.vehicles):
            odom = self.bag.ros_channel(vehicle_topic(vid, "odom"), "nav_msgs/msg/Odometry",
                                        _SENSOR_QOS)  # fmt: skip
            state = self.bag.ros_channel(vehicle_topic(vid, "state"), _STATE_TYPE, _SENSOR_QOS)
            self._vehicles.append(
                (sim.vehicles[vid], str(vid), odom, state, OdometryEncoder(vid), StateEncoder(vid))
            )
        # Per vehicle, the (pose, state) last written; marker ids fixed per vehicle, so a
        # vehicle's box is replaced whichever others change with it.
        self._last: list[tuple[tuple[object, ...], tuple[object, ...]] | None] = [None] * len(
            self._vehicles
        )
        self._fleet = FleetArray({str(vid): i for i, vid in enumerate(sorted(sim.vehicles))})
        self._events_done = 0
        drawn = map_markers(sim.graph, self._origin)
        self.bag.write(map_ch, self._epoch_ns, marker_array(self._epoch_ns, drawn))
        sim.env.process(self._sampler())

    def t_ns(self, t_s: float) -> int:
        """Simulated seconds as nanoseconds since 1970 (the scenario's epoch + ``t_s``)."""
        return self._epoch_ns + round(t_s * 1e9)

    def _sampler(self) -> ProcessGen:
        env = self.sim.env
        k = 0
        while True:
            self.sample(env.now)
            k += 1
            # k * period, not a running sum: no drift over a simulated day.
            yield env.timeout(k * self.period_s - env.now)

    def sample(self, now_s: float) -> None:
        """Write what changed since the last sample: the odometry of each vehicle whose pose or
        speed changed, the state of each whose state changed, and one fleet marker array with
        those vehicles' boxes (the first sample writes everything).

        A player shows a topic's last message until the next one (Foxglove also looks back for
        it when seeking), so a vehicle standing still needs no message per sample: in the
        Erenhot day two thirds of the vehicle samples are unchanged, and each message costs the
        mcap writer a few microseconds (docs/benchmarks.md). Markers live until replaced
        (lifetime 0): a SimPy run never removes a vehicle."""
        t_ns = self.t_ns(now_s)
        stamp = stamp_bytes(t_ns)
        self._events()
        ox, oy = self._origin
        write = self.bag.write
        last = self._last
        changed: list[tuple[str, float, float, float, int]] = []
        for i, (agv, vid, odom_ch, state_ch, odom, state) in enumerate(self._vehicles):
            edge = agv.edge
            cargo = agv.cargo[0] if agv.cargo else ""
            state_key = (agv.state, agv.node, edge, cargo, agv.battery.kwh, agv.speed_mps)
            before = last[i]
            if edge is None and before is not None and before[1] == state_key:
                continue  # standing at a node, nothing changed: no pose to compute
            x, y, yaw = agv.pose_now()
            pose_key = (x, y, yaw, agv.speed_mps)
            if before is not None and before == (pose_key, state_key):
                continue
            x, y = x - ox, y - oy
            if before is None or before[0] != pose_key:
                write(odom_ch, t_ns, odom.encode_stamped(stamp, x, y, yaw, agv.speed_mps))
            mode = _MODE.get(agv.state, 0)
            # The state when it changes (mode, node, next node, cargo, battery as booked at
            # each node, speed), as the ROS vehicles publish it slower than odometry; its pose
            # is the vehicle's then.
            if before is None or before[1] != state_key:
                nxt = str(edge.target) if edge is not None else ""
                data = state.encode(t_ns, mode, str(agv.node), nxt, (x, y, yaw),
                                    agv.speed_mps, agv.battery.kwh, cargo)  # fmt: skip
                write(state_ch, t_ns, data)
            last[i] = (pose_key, state_key)
            changed.append((vid, x, y, yaw, 2 if mode == 4 else 1 if cargo else 0))
        if changed:
            write(self._fleet_ch, t_ns, self._fleet.encode_stamped(stamp, changed))
        self.samples += 1

    def _events(self) -> None:
        """The event log's lines since the last call, each at its own simulated time."""
        lines = self.sim.log.lines
        if self._events_done == len(lines):
            return
        ch, write, t_ns = self._events_ch, self.bag.write, self.t_ns
        for line in lines[self._events_done :]:
            # Keys are sorted, so the top-level t_s is the last one: no JSON parse per line.
            i = line.rindex('"t_s":')
            write(ch, t_ns(float(line[i + 6 : -1])), line.encode("utf-8"))
        self._events_done = len(lines)

    def close(self) -> None:
        """Copy the last event lines and write the file's summary."""
        try:
            self._events()
        finally:
            self.bag.close()
