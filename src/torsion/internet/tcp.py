"""TCP: listening ports, connectors, and the connection transports (Twisted's ``tcp`` module).

The reactor's ``listenTCP`` creates and starts a `Port`; its ``connectTCP`` creates a
`Connector` and calls `Connector.connect`. Connections are `Server` (accepted) and `Client`
(connected) transports, both `Connection`s. The implementation is in
``torsion.internet._transports``.

`_NUMERIC_ONLY` is the ``getaddrinfo`` flags that resolve a numeric host and port only, never
asking DNS or the services database (Twisted's private name, which its tests import).
"""

from __future__ import annotations

import socket

from torsion.internet._transports.connection import READ_SIZE
from torsion.internet._transports.connectors import BaseConnector
from torsion.internet._transports.tcp import Connector, Port
from torsion.internet._transports.tcpconnection import Client, Connection, Server

_NUMERIC_ONLY = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV

__all__ = ["READ_SIZE", "BaseConnector", "Client", "Connection", "Connector", "Port", "Server"]
