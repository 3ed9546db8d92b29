"""An MCAP file as rosbag2 writes it: profile ``ros2``, ``ros2msg`` schemas, ``cdr`` channels.

:class:`BagWriter` owns one open recording: it registers a schema per message type (its full
dependency text, :func:`recording.msgdefs.schema_text`) and a channel per topic, lazily, and
writes messages with log time = publish time = the header stamp, in nanoseconds since 1970. JSON
channels (``jsonschema`` schemas, ``json`` messages) carry what has no ROS type, such as the
simulation's event log, which Foxglove shows as a table. Opening the path fails with
:class:`~recording.msgdefs.RecordingError` naming it, before anything is simulated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from mcap.writer import CompressionType, Writer

from recording.msgdefs import Lookup, RecordingError, bundled_lookup, normalize, schema_text

__all__ = ["LIBRARY", "BagWriter", "open_output"]

LIBRARY = "borderflow recording"


def open_output(path: Path) -> IO[bytes]:
    """``path`` opened for writing (its folder made); RecordingError saying why it cannot be."""
    if path.exists() and path.is_dir():
        raise RecordingError(f"{path} is a directory; give a file name such as out/run.mcap")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")
    except OSError as exc:
        raise RecordingError(f"cannot write the recording {path}: {exc.strerror}") from None


class BagWriter:
    """One MCAP recording being written; :meth:`close` writes the summary (always call it)."""

    def __init__(
        self,
        stream: IO[bytes],
        lookup: Lookup = bundled_lookup,
        *,
        compression: CompressionType = CompressionType.ZSTD,
    ) -> None:
        self._stream = stream
        self._lookup = lookup
        self._writer = Writer(stream, compression=compression, chunk_size=4 * 1024 * 1024)
        self._writer.start(profile="ros2", library=LIBRARY)
        self._schemas: dict[str, int] = {}
        self._channels: dict[str, int] = {}
        self._closed = False
        self.count = 0

    def ros_channel(
        self, topic: str, type_name: str, qos_yaml: str = "", schema: str | None = None
    ) -> int:
        """The channel id of ``topic`` carrying ``type_name`` (``pkg/msg/Name``); ``schema``:
        its text when the caller has it, else built from the lookup. ``qos_yaml``: the
        publisher's QoS as rosbag2 writes it in ``offered_qos_profiles`` (empty: none)."""
        if topic in self._channels:
            return self._channels[topic]
        name = normalize(type_name)
        schema_id = self._schemas.get(name)
        if schema_id is None:
            text = schema if schema is not None else schema_text(name, self._lookup)
            schema_id = self._writer.register_schema(name, "ros2msg", text.encode("utf-8"))
            self._schemas[name] = schema_id
        metadata = {"offered_qos_profiles": qos_yaml} if qos_yaml else {}
        cid = self._writer.register_channel(topic, "cdr", schema_id, metadata)
        self._channels[topic] = cid
        return cid

    def json_channel(self, topic: str, schema_name: str, schema: dict[str, Any]) -> int:
        """A channel of JSON messages described by a JSON Schema (Foxglove's ``jsonschema``)."""
        if topic in self._channels:
            return self._channels[topic]
        text = json.dumps(schema, sort_keys=True).encode("utf-8")
        schema_id = self._writer.register_schema(schema_name, "jsonschema", text)
        cid = self._writer.register_channel(topic, "json", schema_id)
        self._channels[topic] = cid
        return cid

    def write(self, channel_id: int, t_ns: int, data: bytes) -> None:
        self._writer.add_message(channel_id, t_ns, data, t_ns)
        self.count += 1

    def metadata(self, name: str, values: dict[str, str]) -> None:
        self._writer.add_metadata(name, values)

    def close(self) -> None:
        """Write the summary and close the file (a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.finish()  # type: ignore[no-untyped-call]
        finally:
            self._stream.close()
