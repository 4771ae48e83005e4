"""Testing a protocol with ``StringTransport``: no sockets, no reactor, no waiting.

The transport records what the protocol writes (``value()``) and whether it asked to
disconnect (``disconnecting``); the test feeds it bytes by calling ``dataReceived``.
"""

from shouter import ShouterFactory

from torsion.internet.address import IPv4Address
from torsion.internet.task import Clock
from torsion.internet.testing import StringTransport


def test_greetsAndShoutsBack() -> None:
    factory = ShouterFactory(Clock())
    proto = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 0))
    transport = StringTransport()
    proto.makeConnection(transport)
    assert transport.value() == b"HELLO\r\n"
    transport.clear()
    proto.dataReceived(b"quiet please")
    assert transport.value() == b"QUIET PLEASE"
    assert not transport.disconnecting
