"""A client factory that reconnects with ``connector.connect()``, as the seed describes.

Each connection sends one numbered message, prints the echo and closes; the factory then
connects again, until it has had ``COUNT`` echoes. If the server is not there (yet), it retries
every ``DELAY`` seconds, at most ``MAX_FAILURES`` times in a row.

Run: ``python examples/reconnectingclient.py [PORT [COUNT [DELAY]]]`` (defaults 8000, 3, 1.0),
then start ``examples/echoserver.py`` on that port, before or after the client.
"""

from __future__ import annotations

import os
import sys

from torsion.internet import reactor
from torsion.internet.address import IPv4Address
from torsion.internet.interfaces import IConnector
from torsion.internet.protocol import ClientFactory, Protocol
from torsion.python.failure import Failure

MAX_FAILURES = 30


class Greeter(Protocol):
    factory: ReconnectingFactory

    def connectionMade(self) -> None:
        self.factory.failures = 0
        self.message = f"message {self.factory.echoes + 1}".encode()
        self.received = b""
        assert self.transport is not None
        self.transport.write(self.message)

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if len(self.received) >= len(self.message):
            self.factory.echoes += 1
            print("Echoed:", self.received.decode(), flush=True)
            assert self.transport is not None
            self.transport.loseConnection()


class ReconnectingFactory(ClientFactory):
    protocol = Greeter

    def __init__(self, count: int, delay: float) -> None:
        self.count = count
        self.delay = delay
        self.echoes = 0
        self.failures = 0

    def startedConnecting(self, connector: IConnector) -> None:
        destination = connector.getDestination()
        assert isinstance(destination, IPv4Address)  # connectTCP to an IPv4 host
        print("Connecting to port", destination.port, flush=True)

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        if self.echoes < self.count:
            connector.connect()  # reconnect at once
        else:
            print("Done after", self.echoes, "connections.")
            reactor.stop()

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        self.failures += 1
        print("Connection failed:", reason.getErrorMessage(), flush=True)
        if self.failures >= MAX_FAILURES:
            print("Giving up.")
            reactor.stop()
        else:
            reactor.callLater(self.delay, connector.connect)  # try again later


def main() -> None:
    args = sys.argv[1:]
    port = int(args[0] if args else os.environ.get("ECHO_PORT", "8000"))
    count = int(args[1]) if len(args) > 1 else 3
    delay = float(args[2]) if len(args) > 2 else 1.0
    reactor.connectTCP("127.0.0.1", port, ReconnectingFactory(count, delay))
    reactor.run()


if __name__ == "__main__":
    main()
