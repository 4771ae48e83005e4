"""Testing time with ``task.Clock``: the test moves time; nothing sleeps.

The factory takes the clock the protocol schedules its idle timeout on; ``clock.advance(n)``
runs whatever falls due in the next ``n`` seconds, instantly.
"""

from shouter import Shouter, ShouterFactory

from torsion.internet.address import IPv4Address
from torsion.internet.task import Clock
from torsion.internet.testing import StringTransport


def connect(clock: Clock) -> tuple[Shouter, StringTransport]:
    proto = ShouterFactory(clock, idleTimeout=30).buildProtocol(IPv4Address("TCP", "h", 1))
    transport = StringTransport()
    proto.makeConnection(transport)
    transport.clear()
    return proto, transport


def test_hangsUpWhenIdle(clock: Clock) -> None:  # `clock`: the plugin's fresh Clock
    _, transport = connect(clock)
    clock.advance(29)
    assert not transport.disconnecting
    clock.advance(1)
    assert transport.value() == b"BYE\r\n" and transport.disconnecting


def test_dataPostponesTheTimeout(clock: Clock) -> None:
    proto, transport = connect(clock)
    clock.advance(20)
    proto.dataReceived(b"still here")
    clock.advance(29)
    assert not transport.disconnecting
    clock.advance(1)
    assert transport.disconnecting
