"""An echo client: sends a message, prints what comes back, closes, and stops the reactor.

Run: ``python examples/echoclient.py [PORT [MESSAGE]]`` against ``examples/echoserver.py``
(port default 8000, or ``$ECHO_PORT``).
"""

from __future__ import annotations

import os
import sys

from torsion.internet import reactor
from torsion.internet.interfaces import IConnector
from torsion.internet.protocol import ClientFactory, Protocol
from torsion.python.failure import Failure


class EchoClient(Protocol):
    factory: EchoClientFactory

    def connectionMade(self) -> None:
        self.received = b""
        assert self.transport is not None
        self.transport.write(self.factory.message)

    def dataReceived(self, data: bytes) -> None:
        # The echo may arrive in several pieces: wait for all of it.
        self.received += data
        if len(self.received) >= len(self.factory.message):
            print("Server said:", self.received.decode())
            assert self.transport is not None
            self.transport.loseConnection()


class EchoClientFactory(ClientFactory):
    protocol = EchoClient

    def __init__(self, message: bytes) -> None:
        self.message = message

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        print("Connection failed:", reason.getErrorMessage())
        reactor.stop()

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        print("Connection lost:", reason.getErrorMessage())
        reactor.stop()


def main() -> None:
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECHO_PORT", "8000"))
    message = sys.argv[2] if len(sys.argv) > 2 else "hello, world"
    reactor.connectTCP("127.0.0.1", port, EchoClientFactory(message.encode()))
    reactor.run()


if __name__ == "__main__":
    main()
