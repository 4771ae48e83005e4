"""TCP: listening ports, connectors, and the connection transports (Twisted's ``tcp`` module).

The reactor's ``listenTCP`` creates and starts a `Port`; its ``connectTCP`` creates a
`Connector` and calls `Connector.connect`. Connections are `Server` (accepted) and `Client`
(connected) transports, both `Connection`s. The implementation is in
``torsion.internet._transports``.
"""

from __future__ import annotations

from torsion.internet._transports.connection import READ_SIZE
from torsion.internet._transports.connectors import BaseConnector
from torsion.internet._transports.tcp import Connector, Port
from torsion.internet._transports.tcpconnection import Client, Connection, Server

__all__ = ["READ_SIZE", "BaseConnector", "Client", "Connection", "Connector", "Port", "Server"]
