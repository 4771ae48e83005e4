"""Connect a server and a client protocol to each other, for tests (Twisted's ``loopback``).

`loopbackAsync` joins two protocols in memory: what one writes is queued, and a *pump policy*
delivers the queue to the other's ``dataReceived``. Delivery never happens inside ``write``
(no real transport re-enters a protocol that way): when both queues are empty the pump waits for
the next write and continues from a ``callLater(0)`` on the clock. When either side closes, what
it wrote is delivered, both get ``connectionLost(ConnectionDone)`` and the Deferred fires.

`loopbackTCP` joins them over a real TCP connection on 127.0.0.1, `loopbackUNIX` over a UNIX
socket in a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from torsion.internet import error
from torsion.internet._globalreactor import globalReactor
from torsion.internet._task.clock import deferLater
from torsion.internet.address import IPv4Address
from torsion.internet.defer import Deferred, succeed
from torsion.internet.interfaces import (
    IAddress,
    IListeningPort,
    IProducer,
    IReactorTCP,
    IReactorTime,
    IReactorUNIX,
    ITCPListeningPort,
)
from torsion.internet.protocol import ClientFactory, Factory, Protocol
from torsion.protocols.policies import ProtocolWrapper, WrappingFactory
from torsion.python.failure import Failure

__all__ = [
    "collapsingPumpPolicy",
    "identityPumpPolicy",
    "loopbackAsync",
    "loopbackTCP",
    "loopbackUNIX",
]

_T = TypeVar("_T")


class _LoopbackQueue:
    """The bytes one side wrote and the other has not received; None marks the close."""

    disconnect = False

    def __init__(self) -> None:
        self._queue: list[bytes | None] = []
        self._waiting: Deferred[None] | None = None

    def put(self, item: bytes | None) -> None:
        self._queue.append(item)
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            waiting.callback(None)

    def __bool__(self) -> bool:
        return bool(self._queue)

    def get(self) -> bytes | None:
        return self._queue.pop(0)


class _LoopbackTransport:
    """The transport of one side: writes go to the queue the other side reads."""

    disconnecting = False
    producer: Any = None
    streamingProducer = False

    def __init__(self, queue: _LoopbackQueue) -> None:
        self.queue = queue
        self._address = IPv4Address("TCP", "127.0.0.1", 0)

    def write(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        self.queue.put(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        if not self.disconnecting:
            self.disconnecting = True
            self.queue.disconnect = True
            self.queue.put(None)

    abortConnection = loseConnection

    def getPeer(self) -> IAddress:
        return self._address

    def getHost(self) -> IAddress:
        return self._address

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        if self.producer is not None:
            raise RuntimeError(f"Cannot register {producer!r}: {self.producer!r} is registered")
        self.producer = producer
        self.streamingProducer = streaming
        self._pollProducer()

    def unregisterProducer(self) -> None:
        self.producer = None

    def pauseProducing(self) -> None:
        """Accepted and ignored: the pump delivers everything queued."""

    def resumeProducing(self) -> None:
        """Accepted and ignored."""

    def stopProducing(self) -> None:
        self.loseConnection()

    def _pollProducer(self) -> None:
        if self.producer is not None and not self.streamingProducer:
            self.producer.resumeProducing()


PumpPolicy = Callable[[_LoopbackQueue, Any], None]


def identityPumpPolicy(queue: _LoopbackQueue, target: Any) -> None:
    """Deliver each queued chunk to ``target.dataReceived`` as it was written."""
    while queue:
        chunk = queue.get()
        if chunk is None:
            break
        target.dataReceived(chunk)


def collapsingPumpPolicy(queue: _LoopbackQueue, target: Any) -> None:
    """Deliver everything queued to ``target.dataReceived`` as one chunk."""
    chunks: list[bytes] = []
    while queue:
        chunk = queue.get()
        if chunk is None:
            break
        chunks.append(chunk)
    if chunks:
        target.dataReceived(b"".join(chunks))


def loopbackAsync(
    server: Any,
    client: Any,
    pumpPolicy: PumpPolicy = identityPumpPolicy,
    *,
    clock: IReactorTime | None = None,
) -> Deferred[None]:
    """Connect ``server`` and ``client`` in memory and pass data until one side closes.

    Args:
        server: The server-side protocol (``makeConnection`` is called first on it).
        client: The client-side protocol.
        pumpPolicy: ``pumpPolicy(queue, protocol)`` empties ``queue`` (``get()`` returns the
            next chunk, None at the close; true while non-empty) into ``protocol``.
        clock: Where to schedule the pumping after a wait (torsion addition); the global
            reactor if None.

    Returns:
        A Deferred that fires with None once both sides got ``connectionLost``.
    """
    serverToClient = _LoopbackQueue()
    clientToServer = _LoopbackQueue()
    server.makeConnection(_LoopbackTransport(serverToClient))
    client.makeConnection(_LoopbackTransport(clientToServer))
    pump = _Pump(server, serverToClient, client, clientToServer, pumpPolicy, clock)
    return pump.run()


class _Pump:
    """Moves queued bytes both ways until a side closes."""

    def __init__(
        self,
        server: Any,
        serverToClient: _LoopbackQueue,
        client: Any,
        clientToServer: _LoopbackQueue,
        pumpPolicy: PumpPolicy,
        clock: IReactorTime | None,
    ) -> None:
        self.server, self.serverToClient = server, serverToClient
        self.client, self.clientToServer = client, clientToServer
        self.pumpPolicy = pumpPolicy
        self.clock = clock

    def _move(self, source: Any, queue: _LoopbackQueue, target: Any) -> bool:
        if not queue:
            return False
        self.pumpPolicy(queue, target)
        if not queue:
            # The source's write buffer is empty: a pull producer may produce more.
            source.transport._pollProducer()
        return True

    def run(self) -> Deferred[None]:
        """Pump until both queues are empty (then wait) or a side closes (then finish)."""
        while True:
            serverSent = self._move(self.server, self.serverToClient, self.client)
            clientSent = self._move(self.client, self.clientToServer, self.server)
            if not serverSent and not clientSent:
                return self._wait()
            if self.serverToClient.disconnect:
                self._move(self.server, self.serverToClient, self.client)
            elif self.clientToServer.disconnect:
                self._move(self.client, self.clientToServer, self.server)
            else:
                continue
            done = Failure(error.ConnectionDone())
            self.server.connectionLost(done)
            self.client.connectionLost(done)
            return succeed(None)

    def _wait(self) -> Deferred[None]:
        woken: Deferred[None] = Deferred()
        self.serverToClient._waiting = self.clientToServer._waiting = woken
        return woken.addCallback(self._continue)

    def _continue(self, _: None) -> Deferred[None]:
        self.serverToClient._waiting = self.clientToServer._waiting = None
        clock = self.clock if self.clock is not None else cast(IReactorTime, globalReactor())
        # The Deferred that run() returns is chained: this fires when it does.
        return cast("Deferred[None]", deferLater(clock, 0, self.run))


class _FireOnClose(ProtocolWrapper):
    """Wraps the server protocol of `loopbackTCP`; ``deferred`` fires at its connectionLost."""

    def __init__(self, factory: Any, wrappedProtocol: Any) -> None:
        super().__init__(factory, wrappedProtocol)
        self.deferred: Deferred[None] = Deferred()

    def connectionLost(self, reason: Failure | None = None) -> None:
        super().connectionLost(reason)
        self.deferred.callback(None)


class _SingleServer(WrappingFactory):
    def __init__(self, wrapper: _FireOnClose) -> None:
        super().__init__(Factory())
        self.wrapper = wrapper

    def buildProtocol(self, addr: IAddress) -> Any:
        return self.wrapper


class LoopbackClientFactory(ClientFactory):
    """Connects the given protocol once; ``deferred`` fires when that connection ends."""

    def __init__(self, protocol: Protocol) -> None:
        self.disconnected = False
        self.deferred: Deferred[None] = Deferred()
        self.instance = protocol

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        return self.instance

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self.disconnected = True
        self.deferred.callback(None)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.deferred.errback(reason)


def loopbackTCP(
    server: Protocol,
    client: Protocol,
    port: int = 0,
    noisy: bool = True,
    *,
    reactor: IReactorTCP | None = None,
) -> Deferred[None]:
    """Connect ``server`` and ``client`` over TCP on 127.0.0.1.

    Args:
        server: The protocol for the accepted connection.
        client: The protocol for the outgoing connection.
        port: The port to listen on (0: any free port).
        noisy: Whether the factories log starting and stopping.
        reactor: The reactor to use (torsion addition); the global reactor if None.

    Returns:
        A Deferred that fires once both sides are closed and the port stopped listening.
    """
    tcp = reactor if reactor is not None else cast(IReactorTCP, globalReactor())

    def listen(factory: Factory) -> IListeningPort:
        return tcp.listenTCP(port, factory, interface="127.0.0.1")

    def connect(listening: IListeningPort, factory: ClientFactory) -> None:
        tcp.connectTCP("127.0.0.1", cast(ITCPListeningPort, listening).getHost().port, factory)

    return _loopbackOver(listen, connect, server, client, noisy)


def loopbackUNIX(
    server: Protocol,
    client: Protocol,
    noisy: bool = True,
    *,
    reactor: IReactorUNIX | None = None,
) -> Deferred[None]:
    """Connect ``server`` and ``client`` over a UNIX socket in a new temporary directory.

    Args:
        server: The protocol for the accepted connection.
        client: The protocol for the outgoing connection.
        noisy: Whether the factories log starting and stopping.
        reactor: The reactor to use (torsion addition); the global reactor if None.

    Returns:
        A Deferred that fires once both sides are closed, the port stopped listening and the
        temporary directory is removed.
    """
    unix = reactor if reactor is not None else cast(IReactorUNIX, globalReactor())
    directory = tempfile.mkdtemp(prefix="torsion-loopback-")
    path = os.path.join(directory, "socket")

    def listen(factory: Factory) -> IListeningPort:
        return unix.listenUNIX(path, factory)

    def connect(listening: IListeningPort, factory: ClientFactory) -> None:
        unix.connectUNIX(path, factory)

    def removeDirectory(result: _T) -> _T:
        shutil.rmtree(directory, ignore_errors=True)
        return result

    return _loopbackOver(listen, connect, server, client, noisy).addBoth(removeDirectory)


def _loopbackOver(
    listen: Callable[[Factory], IListeningPort],
    connect: Callable[[IListeningPort, ClientFactory], None],
    server: Protocol,
    client: Protocol,
    noisy: bool,
) -> Deferred[None]:
    """Listen with ``server`` and connect ``client``; fire once both closed and it stopped."""
    wrapper = _FireOnClose(None, server)
    serverFactory = _SingleServer(wrapper)
    wrapper.factory = serverFactory
    serverFactory.noisy = noisy
    listening = listen(serverFactory)
    clientFactory = LoopbackClientFactory(client)
    clientFactory.noisy = noisy
    connect(listening, clientFactory)
    finished = clientFactory.deferred
    finished.addCallback(lambda _: wrapper.deferred)
    finished.addCallback(lambda _: listening.stopListening())
    return finished
