"""``listenSSL`` and ``connectSSL`` for any reactor: its TCP, with a TLS layer on top.

Each is the reactor's ``listenTCP``/``connectTCP`` with the factory wrapped in a
`TLSMemoryBIOFactory`, so TLS works alike on every reactor that has TCP (a reactor may
delegate its ``IReactorSSL`` methods to these functions).
"""

from __future__ import annotations

from typing import Any

from torsion.internet.interfaces import IConnector, IReactorTCPAndTime, ITCPListeningPort
from torsion.protocols.tls import TLSMemoryBIOFactory

__all__ = ["connectSSL", "listenSSL"]


def listenSSL(
    reactor: IReactorTCPAndTime,
    port: int,
    factory: Any,
    contextFactory: Any,
    backlog: int = 50,
    interface: str = "",
) -> ITCPListeningPort:
    """Listen on ``port`` of ``reactor``; each accepted connection is a TLS server.

    Raises:
        CannotListenError: The address could not be bound.
    """
    tlsFactory = TLSMemoryBIOFactory(contextFactory, False, factory, reactor)
    listening: ITCPListeningPort = reactor.listenTCP(port, tlsFactory, backlog, interface)
    return listening


def connectSSL(
    reactor: IReactorTCPAndTime,
    host: str,
    port: int,
    factory: Any,
    contextFactory: Any,
    timeout: float = 30,
    bindAddress: tuple[str, int] | None = None,
) -> IConnector:
    """Connect to ``host``:``port`` with ``reactor`` and be the TLS client.

    ``host`` is the server name sent (SNI) and checked when ``contextFactory`` names none
    and its context checks host names (a plain `ssl.create_default_context()`, say).
    """
    tlsFactory = TLSMemoryBIOFactory(contextFactory, True, factory, reactor, serverHostname=host)
    connector: IConnector = reactor.connectTCP(host, port, tlsFactory, timeout, bindAddress)
    return connector
