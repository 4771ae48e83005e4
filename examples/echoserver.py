"""An echo server: a Protocol subclass, a factory, listenTCP, reactor.run().

Run: ``python examples/echoserver.py [PORT]`` (default 8000, or ``$ECHO_PORT``; 0 picks a free
port). It prints ``listening on PORT`` once it is ready. Try it with ``nc 127.0.0.1 8000``.
"""

import os
import sys

from torsion.internet import reactor
from torsion.internet.protocol import Factory, Protocol


class Echo(Protocol):
    def connectionMade(self):
        self.factory.numConnections += 1

    def dataReceived(self, data):
        # As soon as any data is received, write it back.
        self.transport.write(data)

    def connectionLost(self, reason):
        self.factory.numConnections -= 1


class EchoFactory(Factory):
    protocol = Echo
    numConnections = 0


def main():
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECHO_PORT", "8000"))
    listening = reactor.listenTCP(port, EchoFactory(), interface="127.0.0.1")
    print("listening on", listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
