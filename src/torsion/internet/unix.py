"""UNIX stream sockets: listening ports, connectors and their transports (Twisted's ``unix``).

The reactor's ``listenUNIX`` creates and starts a `Port`; its ``connectUNIX`` creates a
`Connector`. Connections are `Server` (accepted) and `Client` (connected) `UNIXConnection`s,
which can pass file descriptors. Addresses are paths (``str`` or ``bytes``); on Linux a name
starting with a NUL byte is in the abstract namespace. ``wantPID``/``checkPID`` use Twisted's
``<path>.lock`` PID lock. The UNIX datagram ports are here too, as in Twisted.
"""

from __future__ import annotations

from torsion.internet._transports.unix import Connector, Port, inFilesystem
from torsion.internet._transports.unixconnection import Client, Server, UNIXConnection
from torsion.internet._transports.unixdatagram import ConnectedDatagramPort, DatagramPort

__all__ = [
    "Client",
    "ConnectedDatagramPort",
    "Connector",
    "DatagramPort",
    "Port",
    "Server",
    "UNIXConnection",
    "inFilesystem",
]
