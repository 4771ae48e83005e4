"""Whether a host is an IP address literal (needs no name resolution), and of which family."""

from __future__ import annotations

import socket

__all__ = ["isIPLiteral", "isIPv4Literal", "isIPv6Literal"]


def isIPv4Literal(host: str) -> bool:
    """Return whether ``host`` is a dotted-quad IPv4 address literal."""
    try:
        socket.inet_pton(socket.AF_INET, host)
    except (OSError, ValueError):
        return False
    return True


def isIPv6Literal(host: str) -> bool:
    """Return whether ``host`` is an IPv6 address literal (optionally with ``%scope``)."""
    try:
        socket.inet_pton(socket.AF_INET6, host.split("%", 1)[0])
    except (OSError, ValueError):
        return False
    return True


def isIPLiteral(host: str) -> bool:
    """Return whether ``host`` is an IPv4 or IPv6 address literal."""
    return isIPv4Literal(host) or isIPv6Literal(host)
