"""`torsion.testing.checkStreamTransport` run against every stream transport torsion has.

One test per transport; those on a real reactor run on every reactor (tests/conftest.py).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._tlshelpers import certs
from tests.internet._unixhelpers import shortDirectory
from torsion.internet.address import IPv4Address
from torsion.internet.protocol import ClientFactory, Factory
from torsion.internet.stdio import StandardIO
from torsion.internet.task import Clock
from torsion.protocols.tls import TLSMemoryBIOFactory
from torsion.test.iosim import FakeTransport, connect
from torsion.testing import (
    STREAM_CHECKS,
    PumpDriver,
    ReactorDriver,
    checkStreamTransport,
    cleanReactor,
)

ALL = list(STREAM_CHECKS)
MiB = 1024 * 1024


def _factories(server: Any, client: Any) -> tuple[Factory, ClientFactory]:
    return Factory.forProtocol(lambda: server), ClientFactory.forProtocol(lambda: client)


def test_tcp(reactor: Any) -> None:
    def maker(server: Any, client: Any) -> ReactorDriver:
        serverFactory, clientFactory = _factories(server, client)
        port = reactor.listenTCP(0, serverFactory, interface="127.0.0.1")
        reactor.connectTCP("127.0.0.1", port.getHost().port, clientFactory)
        return ReactorDriver(reactor, port.stopListening)

    assert checkStreamTransport(maker, transferSize=10 * MiB) == ALL


@pytest.fixture
def sockdir() -> Iterator[str]:
    yield from shortDirectory()


def test_unix(reactor: Any, sockdir: str) -> None:
    paths = (os.path.join(sockdir, str(i)) for i in itertools.count())

    def maker(server: Any, client: Any) -> ReactorDriver:
        serverFactory, clientFactory = _factories(server, client)
        path = next(paths)
        port = reactor.listenUNIX(path, serverFactory)
        reactor.connectUNIX(path, clientFactory)
        return ReactorDriver(reactor, port.stopListening)

    assert checkStreamTransport(maker) == ALL


def tlsMaker(reactor: Any) -> Any:
    def maker(server: Any, client: Any) -> ReactorDriver:
        serverFactory, clientFactory = _factories(server, client)
        port = reactor.listenSSL(0, serverFactory, certs().serverOptions(), interface="127.0.0.1")
        reactor.connectSSL("127.0.0.1", port.getHost().port, clientFactory, certs().clientOptions())
        return ReactorDriver(reactor, port.stopListening)

    return maker


def test_tls_over_tcp(reactor: Any) -> None:
    """The large transfers are 48 MiB each way here (TLS records, TCP buffers and the
    encryption all in play)."""
    assert checkStreamTransport(tlsMaker(reactor), transferSize=48 * MiB, **_TLS) == [
        n for n in ALL if n != "stopProducing"
    ]


_TLS_STOP_PRODUCING = (
    "TLSMemoryBIOProtocol.stopProducing (ProtocolWrapper's) stops the transport below TLS:"
    " the TCP connection is closed without a close_notify, so both sides see ConnectionLost"
    " (a truncation) instead of ConnectionDone; TCP's is a clean loseConnection"
)
_TLS: dict[str, Any] = {"writesAfterLoseConnection": False, "skip": ["stopProducing"]}


@pytest.mark.xfail(strict=True, reason=_TLS_STOP_PRODUCING)
@pytest.mark.reactors("epoll")
def test_tls_stop_producing_is_a_clean_close(reactor: Any) -> None:
    checkStreamTransport(tlsMaker(reactor), only=["stopProducing"])


def test_tls_in_memory() -> None:
    """TLSMemoryBIOProtocols over iosim's FakeTransports: no reactor, no sockets. The fake
    transports' buffers have no bound, so back-pressure does not apply."""
    address = IPv4Address("TCP", "127.0.0.1", 4433)

    def maker(server: Any, client: Any) -> PumpDriver:
        clock = Clock()
        serverFactory, clientFactory = _factories(server, client)
        serverTLS = TLSMemoryBIOFactory(
            certs().serverOptions(), False, serverFactory, clock
        ).buildProtocol(address)
        clientTLS = TLSMemoryBIOFactory(
            certs().clientOptions(), True, clientFactory, clock
        ).buildProtocol(address)
        pump = connect(
            serverTLS,
            FakeTransport(serverTLS, isServer=True),
            clientTLS,
            FakeTransport(clientTLS, isServer=False),
            greet=False,
            clock=clock,
        )
        return PumpDriver(pump)

    ran = checkStreamTransport(maker, backPressure=False, **_TLS)
    assert ran == [name for name in ALL if name not in ("backPressure", "stopProducing")]


class _PipeStandardIO(StandardIO):
    """StandardIO over descriptors this test owns: it closes the write end once writing is
    done, so that the peer reads the end, as the pipe of an exiting program would be."""

    def __init__(self, proto: Any, stdin: int, stdout: int, reactor: Any, fds: set[int]) -> None:
        self._stdout = stdout
        self._open = fds
        super().__init__(proto, stdin, stdout, reactor)

    def childConnectionLost(self, childFD: int, reason: Any) -> None:
        super().childConnectionLost(childFD, reason)
        if childFD == 1 and self._stdout in self._open:
            self._open.remove(self._stdout)
            os.close(self._stdout)


def stdioMaker(reactor: Any) -> Any:
    """`StandardIO` on both ends of two pipes, in this process; the read ends are closed
    once both sides are done (closing one earlier would break the peer's writing end)."""

    def maker(server: Any, client: Any) -> ReactorDriver:
        toServer, toClient = os.pipe(), os.pipe()
        fds = {*toServer, *toClient}

        def closeAll() -> None:
            for fd in fds:
                os.close(fd)
            fds.clear()

        _PipeStandardIO(server, toServer[0], toClient[1], reactor, fds)
        _PipeStandardIO(client, toClient[0], toServer[1], reactor, fds)
        return ReactorDriver(reactor, closeAll)

    return maker


#: Where pipes (stdio, and the process pipes built on the same writer) differ from Twisted.
_PIPE_DROPS_WRITES = (
    "PipeWriter.write drops writes once loseConnection was called, even while a producer is"
    " registered (Twisted's writers accept them until the close is done): writes in the same"
    " turn after loseConnection are lost, and a pull producer registered before"
    " loseConnection can never write, so the connection never closes"
)


def test_stdio_over_pipes(reactor: Any) -> None:
    """Every check but abort (StandardIO has no abortConnection) and producerStoppedOnLost
    (the end of stdin does not end stdout while a producer is registered), and, for the
    failure below, pullProducer."""
    skip = ["pullProducer", "producerStoppedOnLost"]
    ran = checkStreamTransport(
        stdioMaker(reactor), abort=False, writesAfterLoseConnection=None, skip=skip
    )
    assert ran == [name for name in ALL if name not in ["abort", *skip]]


@pytest.mark.xfail(strict=True, reason=_PIPE_DROPS_WRITES)
@pytest.mark.reactors("epoll")
def test_stdio_pull_producer_then_lose_connection(reactor: Any) -> None:
    try:
        checkStreamTransport(stdioMaker(reactor), only=["pullProducer"], timeout=2)
    finally:
        cleanReactor(reactor)  # what the stalled connection left behind


@pytest.mark.xfail(strict=True, reason=_PIPE_DROPS_WRITES)
@pytest.mark.reactors("epoll")
def test_stdio_writes_after_lose_connection(reactor: Any) -> None:
    checkStreamTransport(stdioMaker(reactor), only=["loseConnectionDrains"])
