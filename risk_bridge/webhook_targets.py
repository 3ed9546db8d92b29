"""Where a webhook may point: public addresses only, unless an operator allow-lists a target.

A caller who may subscribe a webhook chooses the URL the bridge then POSTs signed events to. An
address inside the bridge's own network (loopback, link-local with the cloud metadata service
at 169.254.169.254, private ranges, unspecified ``0.0.0.0`` / ``::``, multicast, reserved) would
turn the bridge into a proxy into it. :func:`check_target` refuses such a URL unless its host,
or a network holding the address, is in the operator's allow-list
(``BridgeSettings.webhook_allow``: host names, IP addresses or CIDR networks). The host's
addresses are resolved and every one must be allowed; the check runs when the webhook is
registered (422) and again before each delivery (a name may resolve elsewhere later). Redirects
are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from risk_bridge.errors import BadInput

__all__ = ["TargetPolicy", "check_target"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError) as exc:
        raise BadInput(f"webhook host {host!r} does not resolve: {exc}") from exc
    return sorted({str(info[4][0]) for info in infos})


def _internal(addr: Address) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return _internal(addr.ipv4_mapped)
    return (
        addr.is_loopback
        or addr.is_link_local
        or addr.is_private
        or addr.is_unspecified
        or addr.is_multicast
        or addr.is_reserved
        or not addr.is_global
    )


class TargetPolicy:
    """The operator's allow-list, parsed once."""

    def __init__(self, allow: Iterable[str] = (), resolve: Resolver = _resolve) -> None:
        self.hosts: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allow:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry.lower().rstrip("."))
        self.resolve = resolve

    def check(self, url: str) -> None:
        check_target(url, self)

    def allows(self, host: str, addr: Address) -> bool:
        return host in self.hosts or any(addr in net for net in self.networks)


def check_target(url: str, policy: TargetPolicy) -> None:
    """Raise :class:`BadInput` unless ``url`` is an http(s) URL whose host resolves only to
    public addresses (or is allow-listed)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port raises here
    except ValueError as exc:
        raise BadInput(f"webhook url {url!r} is malformed: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"webhook url {url!r} must be http:// or https:// with a host")
    if parts.username is not None or parts.password is not None:
        raise BadInput("webhook url must not carry credentials; the payload is signed instead")
    host = parts.hostname.lower().rstrip(".")
    try:
        addrs = [ipaddress.ip_address(host)]
    except ValueError:
        addrs = [ipaddress.ip_address(a.split("%")[0]) for a in policy.resolve(host)]
    if not addrs:
        raise BadInput(f"webhook host {host!r} does not resolve")
    for addr in addrs:
        if _internal(addr) and not policy.allows(host, addr):
            raise BadInput(
                f"webhook url {url!r} points to an internal address ({addr}); webhooks go to "
                "public addresses only. An operator can allow a target with `borderflow serve "
                "--webhook-allow HOST_OR_CIDR`"
            )
