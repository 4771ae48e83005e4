"""``ClientCreator``: a one-off connection without a factory, its Deferred firing with the
connected protocol.

Run: ``python examples/clientcreator.py [PORT [MESSAGE]]`` against ``examples/echoserver.py``
(port default 8000, or ``$ECHO_PORT``).
"""

import os
import sys

from torsion.internet import reactor
from torsion.internet.defer import Deferred
from torsion.internet.protocol import ClientCreator, Protocol
from torsion.python.failure import Failure


class Ask(Protocol):
    """Sends a question; `ask` returns a Deferred of the whole reply."""

    def ask(self, question: bytes) -> Deferred[bytes]:
        self.expected = len(question)
        self.received = b""
        self.reply: Deferred[bytes] = Deferred()
        assert self.transport is not None
        self.transport.write(question)
        return self.reply

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if len(self.received) >= self.expected:
            self.reply.callback(self.received)


def connected(protocol: Ask, message: bytes) -> Deferred[bytes]:
    assert protocol.transport is not None
    print("Connected to", protocol.transport.getPeer())
    return protocol.ask(message)


def gotReply(reply: bytes) -> None:
    print("Reply:", reply.decode())


def failed(reason: Failure) -> None:
    print("Failed:", reason.getErrorMessage())


def main() -> None:
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECHO_PORT", "8000"))
    message = (sys.argv[2] if len(sys.argv) > 2 else "hello from ClientCreator").encode()
    creator = ClientCreator(reactor, Ask)
    d = creator.connectTCP("127.0.0.1", port)
    d.addCallback(connected, message)
    d.addCallbacks(gotReply, failed)
    d.addBoth(lambda _: reactor.stop())
    reactor.run()


if __name__ == "__main__":
    main()
