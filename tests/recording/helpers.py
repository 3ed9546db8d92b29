"""Reading recordings back with the mcap readers, for the recording tests (and tests/ros)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcap.reader import make_reader
from mcap_ros2.decoder import DecoderFactory


@dataclass
class Recording:
    profile: str
    schemas: dict[str, tuple[str, bytes]]  # topic -> (schema name, encoding + data)
    encodings: dict[str, tuple[str, str]]  # topic -> (schema encoding, message encoding)
    messages: dict[str, list[tuple[int, Any, bytes]]] = field(default_factory=dict)
    order: list[tuple[str, int]] = field(default_factory=list)  # (topic, log_time) as written
    metadata: dict[str, dict[str, str]] = field(default_factory=dict)


def read(path: Path) -> Recording:
    """Every message of ``path``, decoded (ROS 2 CDR by mcap_ros2 from the file's own schema
    text; JSON as parsed objects), per topic in file order, and the file's write order."""
    factory = DecoderFactory()
    decoders: dict[int, Any] = {}
    with path.open("rb") as f:
        reader = make_reader(f)
        header = reader.get_header()
        summary = reader.get_summary()
        assert summary is not None, f"{path} has no summary section"
        rec = Recording(header.profile, {}, {})
        for ch in summary.channels.values():
            sc = summary.schemas[ch.schema_id]
            rec.schemas[ch.topic] = (sc.name, sc.data)
            rec.encodings[ch.topic] = (sc.encoding, ch.message_encoding)
            if ch.message_encoding == "json":
                decoders[ch.id] = json.loads
            else:
                decoder = factory.decoder_for(ch.message_encoding, sc)
                assert decoder is not None, f"no decoder for {ch.topic} ({sc.name})"
                decoders[ch.id] = decoder
        messages: dict[str, list[tuple[int, Any, bytes]]] = defaultdict(list)
        for _schema, ch, msg in reader.iter_messages(log_time_order=False):
            rec.order.append((ch.topic, msg.log_time))
            messages[ch.topic].append((msg.log_time, decoders[ch.id](msg.data), msg.data))
        rec.metadata = {m.name: dict(m.metadata) for m in reader.iter_metadata()}
    rec.messages = dict(messages)
    return rec


def stamp_ns(msg: Any) -> int:
    return int(msg.header.stamp.sec) * 1_000_000_000 + int(msg.header.stamp.nanosec)
