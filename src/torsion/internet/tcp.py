"""TCP: listening ports, connectors, and the connection transports (Twisted's ``tcp`` module).

The reactor's ``listenTCP`` creates and starts a `Port`; its ``connectTCP`` creates a
`Connector` and calls `Connector.connect`. Connections are `Server` (accepted) and `Client`
(connected) transports, both `Connection`s. `makeBinding` describes a local address with its
socket options, for ``listenTCP``'s port or ``connectTCP``'s ``bindAddress``. The
implementation is in ``torsion.internet._transports``.

Twisted's private names that its tests (and some programs) import are here too:
`_NUMERIC_ONLY`, the ``getaddrinfo`` flags that resolve a numeric host and port only, never
asking DNS or the services database; `_resolveIPv6`; the spare descriptor that lets a port
turn clients away when the process has no descriptors left (`_reservedFD`, of the
`_IFileDescriptorReservation` kind) and `_BuffersLogs`, which holds log events meanwhile.
"""

from __future__ import annotations

from torsion.internet._transports import binding as _binding
from torsion.internet._transports import reservation as _reservation
from torsion.internet._transports.binding import Binding, makeBinding
from torsion.internet._transports.connection import READ_SIZE
from torsion.internet._transports.connectors import BaseConnector
from torsion.internet._transports.tcp import Connector, Port
from torsion.internet._transports.tcpconnection import Client, Connection, Server

__all__ = [
    "READ_SIZE",
    "BaseConnector",
    "Binding",
    "Client",
    "Connection",
    "Connector",
    "Port",
    "Server",
    "makeBinding",
]

# Twisted's private names, importable from here as from Twisted's module.
_NUMERIC_ONLY = _binding.NUMERIC_ONLY
_resolveIPv6 = _binding.resolveIPv6
_BuffersLogs = _reservation.BuffersLogs
_IFileDescriptorReservation = _reservation.IFileDescriptorReservation
_FileDescriptorReservation = _reservation.FileDescriptorReservation
_NullFileDescriptorReservation = _reservation.NullFileDescriptorReservation
_reservedFD = _reservation.reservedFD
