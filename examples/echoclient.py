"""An echo client: sends a message, prints what comes back, closes, and stops the reactor.

Run: ``python examples/echoclient.py [PORT [MESSAGE]]`` against ``examples/echoserver.py``
(port default 8000, or ``$ECHO_PORT``).
"""

import os
import sys

from torsion.internet import reactor
from torsion.internet.protocol import ClientFactory, Protocol


class EchoClient(Protocol):
    def connectionMade(self):
        self.received = b""
        self.transport.write(self.factory.message)

    def dataReceived(self, data):
        # The echo may arrive in several pieces: wait for all of it.
        self.received += data
        if len(self.received) >= len(self.factory.message):
            print("Server said:", self.received.decode())
            self.transport.loseConnection()


class EchoClientFactory(ClientFactory):
    protocol = EchoClient

    def __init__(self, message):
        self.message = message

    def clientConnectionFailed(self, connector, reason):
        print("Connection failed:", reason.getErrorMessage())
        reactor.stop()

    def clientConnectionLost(self, connector, reason):
        print("Connection lost:", reason.getErrorMessage())
        reactor.stop()


def main():
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECHO_PORT", "8000"))
    message = sys.argv[2] if len(sys.argv) > 2 else "hello, world"
    reactor.connectTCP("127.0.0.1", port, EchoClientFactory(message.encode()))
    reactor.run()


if __name__ == "__main__":
    main()
