"""Checking a stream transport with ``checkStreamTransport``: here iosim's in-memory one, and
TCP on every reactor.

The maker connects the two protocols it is given and returns a driver: ``PumpDriver`` pumps an
in-memory connection, ``ReactorDriver`` runs a reactor (and calls the cleanup at the end).
"""

from typing import Any

import pytest

from torsion.internet.protocol import ClientFactory, Factory
from torsion.test.iosim import FakeTransport, connect
from torsion.testing import PumpDriver, ReactorDriver, checkStreamTransport


def test_iosimTransport() -> None:
    def maker(server: Any, client: Any) -> PumpDriver:
        pump = connect(server, FakeTransport(server, True), client, FakeTransport(client, False))
        return PumpDriver(pump)

    # iosim does not simulate half-close, buffers without bound, drops writes after
    # loseConnection, and closes without waiting for a pull producer to unregister: those
    # checks are turned off, adjusted or skipped.
    ran = checkStreamTransport(
        maker,
        halfClose=False,
        backPressure=False,
        writesAfterLoseConnection=False,
        skip=["pullProducer"],
    )
    assert "abort" in ran and "halfClose" not in ran


@pytest.mark.reactors
def test_tcpTransport(reactor: Any) -> None:
    def maker(server: Any, client: Any) -> ReactorDriver:
        port = reactor.listenTCP(0, Factory.forProtocol(lambda: server), interface="127.0.0.1")
        clientFactory = ClientFactory.forProtocol(lambda: client)
        reactor.connectTCP("127.0.0.1", port.getHost().port, clientFactory)
        return ReactorDriver(reactor, port.stopListening)

    checkStreamTransport(maker)
