"""An echo server: a Protocol subclass, a factory, listenTCP, reactor.run().

Run: ``python examples/echoserver.py [PORT]`` (default 8000, or ``$ECHO_PORT``; 0 picks a free
port). It prints ``listening on PORT`` once it is ready. Try it with ``nc 127.0.0.1 8000``.
"""

from __future__ import annotations

import os
import sys

from torsion.internet import reactor
from torsion.internet.protocol import Factory, Protocol, connectionDone
from torsion.python.failure import Failure


class Echo(Protocol):
    factory: EchoFactory

    def connectionMade(self) -> None:
        self.factory.numConnections += 1

    def dataReceived(self, data: bytes) -> None:
        # As soon as any data is received, write it back.
        assert self.transport is not None
        self.transport.write(data)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.factory.numConnections -= 1


class EchoFactory(Factory):
    protocol = Echo
    numConnections = 0


def main() -> None:
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECHO_PORT", "8000"))
    listening = reactor.listenTCP(port, EchoFactory(), interface="127.0.0.1")
    print("listening on", listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
