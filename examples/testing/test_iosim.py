"""Testing a client and a server together with ``iosim``: two protocols, bytes in memory.

``connectedServerAndClient`` connects them through fake transports; ``pump.flush()`` moves
bytes back and forth until both are quiet. With a ``Clock``, flushing can also move time.
"""

from shouter import Collector, ShouterFactory

from torsion.internet.address import IPv4Address
from torsion.internet.task import Clock
from torsion.test import iosim


def test_conversation() -> None:
    clock = Clock()
    factory = ShouterFactory(clock, idleTimeout=10)
    client, _server, pump = iosim.connectedServerAndClient(
        lambda: factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 0)), Collector
    )
    pump.flush()
    assert client.received == b"HELLO\r\n"
    assert client.transport is not None
    client.transport.write(b"hi")
    pump.flush()
    assert client.received == b"HELLO\r\nHI"


def test_idleServerHangsUp() -> None:
    clock = Clock()
    factory = ShouterFactory(clock, idleTimeout=10)
    client, _server, pump = iosim.connectedServerAndClient(
        lambda: factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 0)), Collector
    )
    pump.flush()
    clock.advance(10)
    pump.flush()
    assert client.received.endswith(b"BYE\r\n")
    assert client.lost
