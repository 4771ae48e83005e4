"""Testing over a real TCP connection with the torsion pytest plugin.

An ``async def`` test that takes the ``reactor`` fixture runs on that fresh reactor until it
returns; it must close what it opened (the plugin fails a test that leaves ports or
connections behind, listing them). ``@pytest.mark.reactors`` runs it on every reactor.
"""

import pytest
from shouter import Collector, ShouterFactory

from torsion.internet import protocol, task
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IFullReactor


class Receiver(Collector):
    """A `Collector` whose ``done`` fires when ``expected`` bytes have arrived."""

    def __init__(self, expected: bytes) -> None:
        super().__init__()
        self.expected = expected
        self.done: Deferred[bytes] = Deferred()
        self.closed: Deferred[None] = Deferred()

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self.received == self.expected:
            self.done.callback(self.received)

    def connectionLost(self, reason: object = None) -> None:
        super().connectionLost(reason)
        self.closed.callback(None)


@pytest.mark.reactors
async def test_shoutsOverTCP(reactor: IFullReactor) -> None:
    port = reactor.listenTCP(0, ShouterFactory(reactor), interface="127.0.0.1")
    creator = protocol.ClientCreator(reactor, Receiver, b"HELLO\r\nPING")
    client = await creator.connectTCP("127.0.0.1", port.getHost().port)
    client.transport.write(b"ping")
    assert await client.done == b"HELLO\r\nPING"
    client.transport.loseConnection()
    await client.closed
    await port.stopListening()
    # One more pass of the loop lets the server side read the close as well.
    await task.deferLater(reactor, 0, lambda: None)
