"""`torsion.testing.checkStreamTransport` run against every stream transport torsion has.

One test per transport; those on a real reactor run on every reactor (tests/conftest.py).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.internet._tlshelpers import certs
from tests.internet._unixhelpers import shortDirectory
from torsion.internet.address import IPv4Address
from torsion.internet.interfaces import IHalfCloseableProtocol
from torsion.internet.protocol import ClientFactory, Factory, ProcessProtocol
from torsion.internet.stdio import StandardIO
from torsion.internet.task import Clock
from torsion.protocols.tls import TLSMemoryBIOFactory
from torsion.python.failure import Failure
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
        checkStreamTransport(stdioMaker(reactor), only=["pullProducer"], timeout=1)
    finally:
        cleanReactor(reactor)  # what the stalled connection left behind


@pytest.mark.xfail(strict=True, reason=_PIPE_DROPS_WRITES)
@pytest.mark.reactors("epoll")
def test_stdio_writes_after_lose_connection(reactor: Any) -> None:
    checkStreamTransport(stdioMaker(reactor), only=["loseConnectionDrains"])


# -- a child process, speaking over its stdin and stdout ------------------------------------

#: The child: relays its stdin to a UNIX socket and the socket to its stdout (blocking, one
#: thread each way, so a full pipe or socket holds the other end back); the end of stdin is
#: passed on as a half-close, the end of the socket by closing stdout.
_RELAY = """
import os, socket, sys, threading
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])

def up():
    try:
        while chunk := os.read(0, 65536):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def down():
    try:
        while chunk := s.recv(65536):
            view = memoryview(chunk)
            while view:
                view = view[os.write(1, view):]
    except OSError:
        pass
    os.close(1)

threads = [threading.Thread(target=up), threading.Thread(target=down)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


class _ProcessStream(ProcessProtocol):
    """The parent's side of a child process, as a stream transport for ``proto``: writes go to
    the child's stdin, its stdout is what the protocol receives; ``loseWriteConnection`` closes
    stdin, ``loseConnection`` is the process transport's (stdin after what is written, stdout,
    stderr); the end of stdout is ``readConnectionLost`` (or, for a protocol without it, the
    end); ``connectionLost`` comes with ``processEnded``. There is no ``abortConnection``."""

    def __init__(self, proto: Any) -> None:
        self.proto = proto
        self.stderr = bytearray()
        self.halfClosing = False

    # the process's events
    def connectionMade(self) -> None:
        self.proto.makeConnection(self)

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        if childFD == 1:
            self.proto.dataReceived(data)
        else:
            self.stderr += data

    def childConnectionLost(self, childFD: int) -> None:
        if childFD == 0 and self.halfClosing and hasattr(self.proto, "writeConnectionLost"):
            self.proto.writeConnectionLost()
        elif childFD == 1:
            if isinstance(self.proto, IHalfCloseableProtocol):
                self.proto.readConnectionLost()
            else:
                self.transport.loseConnection()  # type: ignore[union-attr]

    def processEnded(self, reason: Failure) -> None:
        self.proto.connectionLost(reason)  # ProcessDone is a ConnectionDone

    # the stream transport the protocol sees
    def write(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[union-attr]

    def writeSequence(self, data: Any) -> None:
        self.transport.writeSequence(data)  # type: ignore[union-attr]

    def loseConnection(self) -> None:
        self.transport.loseConnection()  # type: ignore[union-attr]

    def loseWriteConnection(self) -> None:
        self.halfClosing = True
        self.transport.closeStdin()  # type: ignore[union-attr]

    def getPeer(self) -> Any:
        return self.transport.getPeer()  # type: ignore[union-attr]

    def getHost(self) -> Any:
        return self.transport.getHost()  # type: ignore[union-attr]

    def pauseProducing(self) -> None:
        self.transport.pauseProducing()  # type: ignore[union-attr]

    def resumeProducing(self) -> None:
        self.transport.resumeProducing()  # type: ignore[union-attr]

    def stopProducing(self) -> None:
        self.transport.stopProducing()  # type: ignore[union-attr]

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.transport.registerProducer(producer, streaming)  # type: ignore[union-attr]

    def unregisterProducer(self) -> None:
        self.transport.unregisterProducer()  # type: ignore[union-attr]


def processMaker(reactor: Any, sockdir: str, side: str) -> Any:
    """One protocol (the ``side`` one) is this process's side of a child's stdin and stdout;
    the child relays them to the other, over a UNIX socket. (The checks put producers on the
    server and pause the client's reading, so both ways round are run.)"""
    paths = (os.path.join(sockdir, str(i)) for i in itertools.count())

    def maker(server: Any, client: Any) -> ReactorDriver:
        path = next(paths)
        processSide, socketSide = (client, server) if side == "client" else (server, client)
        port = reactor.listenUNIX(path, Factory.forProtocol(lambda: socketSide))
        argv = [sys.executable, "-c", _RELAY, path]
        reactor.spawnProcess(_ProcessStream(processSide), sys.executable, argv, env=None)
        return ReactorDriver(reactor, port.stopListening)

    return maker


@pytest.mark.parametrize("side", ["client", "server"])
def test_process_pipes(reactor: Any, sockdir: str, side: str) -> None:
    """Every check but abort (a process transport has none; killing the child is not one),
    producerStoppedOnLost (the end of the child's output does not close its stdin while a
    producer feeds it) and, for the failure above, pullProducer."""
    skip = ["pullProducer", "producerStoppedOnLost"]
    ran = checkStreamTransport(
        processMaker(reactor, sockdir, side),
        abort=False,
        writesAfterLoseConnection=None,
        skip=skip,
    )
    assert ran == [name for name in ALL if name not in ["abort", *skip]]


@pytest.mark.xfail(strict=True, reason=_PIPE_DROPS_WRITES)
@pytest.mark.reactors("epoll")
def test_process_pull_producer_then_lose_connection(reactor: Any, sockdir: str) -> None:
    maker = processMaker(reactor, sockdir, "server")
    try:
        checkStreamTransport(maker, only=["pullProducer"], timeout=1)
    finally:
        cleanReactor(reactor)  # what the stalled connection left behind


# -- the suite itself ---------------------------------------------------------------------


def _iosimMaker(server: Any, client: Any) -> PumpDriver:
    return PumpDriver(
        connect(server, FakeTransport(server, True), client, FakeTransport(client, False))
    )


def test_a_missing_capability_fails_its_check_by_name() -> None:
    """iosim simulates no half-close: claiming it fails halfClose, named, with both states."""
    with pytest.raises(AssertionError) as info:
        checkStreamTransport(_iosimMaker, only=["ordering", "halfClose"])
    message = str(info.value)
    assert message.startswith("checkStreamTransport: 1 of 2 checks failed:\n[halfClose] ")
    assert "nothing moves any more" in message and "server: events ['made'" in message
    assert "[ordering]" not in message


class _TwiceLost(FakeTransport):
    """A broken transport: tells its protocol the connection is lost twice."""

    def reportDisconnect(self) -> None:
        if not self.connected:
            return
        super().reportDisconnect()
        self.protocol.connectionLost(Failure(self.disconnectReason))


def test_connection_lost_twice_is_caught() -> None:
    def maker(server: Any, client: Any) -> PumpDriver:
        return PumpDriver(
            connect(server, FakeTransport(server, True), client, _TwiceLost(client, False))
        )

    with pytest.raises(AssertionError, match=r"\[ordering\].*client: connectionLost called 2"):
        checkStreamTransport(maker, only=["ordering"])


def test_capabilities_only_and_skip_choose_the_checks() -> None:
    ran = checkStreamTransport(
        _iosimMaker,
        halfClose=False,
        producers=False,
        writesAfterLoseConnection=False,
        skip=["largeTransfer"],
    )
    assert ran == [
        "ordering",
        "writeSequence",
        "writeTypes",
        "loseConnectionDrains",
        "pauseReading",
        "abort",
        "stopProducing",
    ]
    with pytest.raises(ValueError, match="unknown checks \\['nope'\\]"):
        checkStreamTransport(_iosimMaker, only=["nope"])
