"""Endpoints: where to listen and where to connect, as objects or description strings.

Twisted's ``twisted.internet.endpoints``: TCP server and client endpoints,
`HostnameEndpoint` (happy eyeballs, RFC 8305), `connectProtocol`, and `serverFromString` /
`clientFromString` with their plugin hook (`registerServerParser`, `registerClientParser`,
the ``torsion.endpoints`` entry points). See ``docs/endpoints.md``.
"""

from __future__ import annotations

from torsion.internet._endpoints.hostname import HostnameEndpoint
from torsion.internet._endpoints.parse import (
    clientFromString,
    quoteStringArgument,
    registerClientParser,
    registerServerParser,
    serverFromString,
)
from torsion.internet._endpoints.resolver import IAddressResolver, ThreadedAddressResolver
from torsion.internet._endpoints.tcp import (
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
    connectProtocol,
)
from torsion.internet._endpoints.tls import (
    SSL4ClientEndpoint,
    SSL4ServerEndpoint,
    wrapClientTLS,
    wrapServerTLS,
)
from torsion.internet._endpoints.unix import UNIXClientEndpoint, UNIXServerEndpoint

__all__ = [
    "HostnameEndpoint",
    "IAddressResolver",
    "SSL4ClientEndpoint",
    "SSL4ServerEndpoint",
    "TCP4ClientEndpoint",
    "TCP4ServerEndpoint",
    "TCP6ClientEndpoint",
    "TCP6ServerEndpoint",
    "ThreadedAddressResolver",
    "UNIXClientEndpoint",
    "UNIXServerEndpoint",
    "clientFromString",
    "connectProtocol",
    "quoteStringArgument",
    "registerClientParser",
    "registerServerParser",
    "serverFromString",
    "wrapClientTLS",
    "wrapServerTLS",
]
