"""Outbound URLs an admin types (the alert URL): public https only, checked when saved and again
when connecting, so the service cannot be pointed at itself, the cloud's metadata service or a
private network (server-side request forgery).

When saved: https, a host name or a public address; never loopback, link-local, private,
multicast, reserved or unspecified addresses, nor names that only resolve inside a network
(localhost, *.local, *.internal). When connecting: every address the name resolves to must be
public, and the socket's actual peer is checked again before a byte is sent (a name that
resolved to a public address a moment ago may resolve to a private one now: DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan", ".home.arpa")


class UnsafeTarget(ValueError):
    """The URL's host is not a public address; the message says why, in plain words."""


def is_public_address(address: str) -> bool:
    """Whether ``address`` (an IP literal) is a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an outbound target, or None when it may be saved."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        return "is not a URL"
    if parts.scheme != "https":
        return "must be an https:// URL (alerts carry callback details)"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "has no host name"
    if parts.username or parts.password:
        return "must not carry a user name or password (use the alert secret)"
    if port is not None and not 0 < port < 65536:
        return "has a port that does not exist"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(_LOCAL_NAMES) or "." not in host:
            return "must name a public host, not one inside this network"
        return None
    if not is_public_address(host):
        return "must be a public address, not a private, loopback or link-local one"
    return None


def resolve_public(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, when every one is public; else UnsafeTarget."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise UnsafeTarget("the alert URL's host name does not resolve") from None
    addresses = sorted({info[4][0] for info in found})
    if not addresses or not all(is_public_address(address) for address in addresses):
        raise UnsafeTarget("the alert URL's host resolves to an address that is not public")
    return addresses
