"""The VDA 5050 versions borderflow speaks and their MQTT topics.

Topic: ``interface/majorVersion/manufacturer/serialNumber/topic`` (VDA 5050 §6.2; e.g.
``uagv/v2/AcmeAGV/0001/order``). The parts are checked here, once: MQTT wildcards and level
separators in a manufacturer or serial number would let one vehicle's messages land on
another's topic.
"""

from __future__ import annotations

import re
from enum import Enum

__all__ = ["TOPICS", "TopicError", "Version", "topic"]

# order / instantActions out; state / connection / factsheet in (3.0 adds zoneSet, responses).
TOPICS = ("order", "instantActions", "state", "connection", "factsheet", "visualization",
          "zoneSet", "responses")  # fmt: skip
_PART = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class TopicError(ValueError):
    """A topic part that is not a plain MQTT level (empty, too long, ``/``, ``+``, ``#``)."""


class Version(Enum):
    V2_1 = "2.1.0"
    V3_0 = "3.0.0"

    @property
    def major(self) -> str:
        """The topic's ``majorVersion`` level: ``v2``, ``v3``."""
        return "v" + self.value.split(".", 1)[0]

    @classmethod
    def parse(cls, text: str) -> Version:
        """``2.1``, ``2.1.0``, ``3``, ``3.0.0`` ...: the version it names; ValueError saying
        which are known otherwise."""
        for v in cls:
            if text in (v.value, v.value.rsplit(".", 1)[0], v.major, v.major[1:]):
                return v
        known = ", ".join(v.value for v in cls)
        raise ValueError(f"VDA 5050 version {text!r} is not one borderflow speaks ({known})")


def topic(interface: str, version: Version, manufacturer: str, serial_number: str,
          leaf: str) -> str:  # fmt: skip
    """The MQTT topic of ``leaf`` for one vehicle; TopicError naming a bad part."""
    for name, part in (("interface", interface), ("manufacturer", manufacturer),
                       ("serial number", serial_number)):  # fmt: skip
        if not _PART.match(part):
            raise TopicError(
                f"VDA 5050 {name} {part!r} must be 1-64 letters, digits, '.', '_' or '-' "
                "(no '/', '+', '#' or spaces: it is an MQTT topic level)"
            )
    if leaf not in TOPICS:
        raise TopicError(f"unknown VDA 5050 topic {leaf!r} (known: {', '.join(TOPICS)})")
    return f"{interface}/{version.major}/{manufacturer}/{serial_number}/{leaf}"
