"""UDP and multicast ports (Twisted's ``udp`` module).

The reactor's ``listenUDP`` creates and starts a `Port`, its ``listenMulticast`` a
`MulticastPort`. Each is both the listening port and its protocol's transport:
``self.transport.write(data, (host, port))`` sends a datagram.

Differences from Twisted, on purpose: a received datagram longer than ``maxPacketSize`` is
dropped with a log line (Twisted delivers its first ``maxPacketSize`` bytes as if whole);
`MessageLengthError` is also an ``OSError``; writing to a closed port drops the datagram
(Twisted raises ``AttributeError``); ``loseConnection`` is ``stopListening`` without a
deprecation warning.
"""

from __future__ import annotations

from torsion.internet._transports.udp import MulticastPort, Port

__all__ = ["MulticastPort", "Port"]
