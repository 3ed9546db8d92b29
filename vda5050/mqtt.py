"""MQTT for VDA 5050: broker URLs, and one paho-mqtt client set up as VDA 5050 wants it.

``mqtt://[user[:password]@]host[:port]`` (default port 1883) or ``mqtts://...`` (TLS, default
8883; ``ca_file`` for a private CA). Credentials may also come from ``BORDERFLOW_MQTT_USER`` /
``BORDERFLOW_MQTT_PASSWORD`` so they stay out of process lists. QoS as VDA 5050 says: 0 for
order, instantActions, state, factsheet, visualization; 1 for connection (with the last will).
Received messages are handed to the caller's callback from paho's network thread; the caller
queues them (no work is done on that thread).
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

__all__ = ["BrokerUrl", "MqttError", "MqttLink", "qos_of"]


class MqttError(RuntimeError):
    """A broker that cannot be reached or refused us, said in one line with what to check."""


@dataclass(frozen=True, slots=True)
class BrokerUrl:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> BrokerUrl:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise ValueError(
                f"broker URL {url!r} must start with mqtt:// (or mqtts:// for TLS), e.g. "
                "mqtt://127.0.0.1:1883"
            )
        if not parts.hostname:
            raise ValueError(f"broker URL {url!r} has no host")
        tls = parts.scheme == "mqtts"
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            raise ValueError(f"broker URL {url!r} has a bad port") from None
        user = unquote(parts.username) if parts.username else os.environ.get("BORDERFLOW_MQTT_USER")
        password = (unquote(parts.password) if parts.password
                    else os.environ.get("BORDERFLOW_MQTT_PASSWORD"))  # fmt: skip
        return cls(parts.hostname, port, tls, user, password)

    def display(self) -> str:
        """The URL without its password (for logs)."""
        who = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{who}{self.host}:{self.port}"


def qos_of(leaf: str) -> int:
    return 1 if leaf == "connection" else 0


OnMessage = Callable[[str, bytes], None]


class MqttLink:
    """One connected client: subscribe, publish, a last will; stopped by :meth:`close`."""

    def __init__(self, url: BrokerUrl, client_id: str, on_message: OnMessage, *,
                 will: tuple[str, bytes] | None = None, ca_file: str | None = None,
                 keepalive_s: int = 10) -> None:  # fmt: skip
        self.url = url
        self._on_message = on_message
        self._connected = threading.Event()
        self._refused: str | None = None
        self._subscriptions: list[tuple[str, int]] = []
        c = self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                       protocol=paho.MQTTv311)  # fmt: skip
        if url.username is not None:
            c.username_pw_set(url.username, url.password)
        if url.tls:
            c.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
        if will is not None:
            c.will_set(will[0], will[1], qos=1, retain=True)
        c.on_connect = self._connected_cb
        c.on_message = self._message_cb
        c.reconnect_delay_set(min_delay=1, max_delay=5)
        self._keepalive_s = keepalive_s

    def _connected_cb(self, client: paho.Client, userdata: object, flags: object,
                      reason: object, properties: object) -> None:  # fmt: skip
        if getattr(reason, "is_failure", False):
            self._refused = str(reason)
            self._connected.set()
            return
        for topic, qos in self._subscriptions:  # again after a reconnect
            client.subscribe(topic, qos)
        self._connected.set()

    def _message_cb(self, client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        self._on_message(msg.topic, bytes(msg.payload))

    def connect(self, timeout_s: float = 10.0) -> None:
        """Connect and start the network thread; MqttError saying why when it cannot."""
        try:
            self._client.connect(self.url.host, self.url.port, keepalive=self._keepalive_s)
        except (OSError, ssl.SSLError) as exc:
            raise MqttError(
                f"cannot reach the MQTT broker at {self.url.display()}: {exc} (is it running? "
                "`make mqtt` starts one on 127.0.0.1:1883)"
            ) from None
        self._client.loop_start()
        if not self._connected.wait(timeout_s):
            self.close()
            raise MqttError(f"the MQTT broker at {self.url.display()} did not answer in "
                            f"{timeout_s:g} s")  # fmt: skip
        if self._refused is not None:
            self.close()
            raise MqttError(f"the MQTT broker at {self.url.display()} refused us: "
                            f"{self._refused} (check the user name and password)")  # fmt: skip

    def subscribe(self, topic: str, qos: int = 0) -> None:
        self._subscriptions.append((topic, qos))
        self._client.subscribe(topic, qos)

    def publish(self, topic: str, payload: bytes, *, qos: int = 0, retain: bool = False) -> None:
        self._client.publish(topic, payload, qos=qos, retain=retain)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
