"""Two protocols connected in memory, with bytes moved on demand (Twisted's ``iosim``).

`connectedServerAndClient` builds a server and a client protocol, gives each a `FakeTransport`,
and returns an `IOPump`: each `IOPump.pump` moves what each side wrote to the other once, and
`IOPump.flush` pumps until nothing moves. Nothing happens between pumps, so a test decides
exactly when bytes arrive and can look at both sides in between; no sockets, no reactor, no
waiting.

A `FakeTransport` only moves bytes (in with ``bufferReceived``, out with ``getOutBuffer``) and
makes no assumption about what produces or consumes them, so a protocol that wraps another
(TLS over ``ssl.MemoryBIO``, say) runs through it unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import TypeVar, cast

from torsion.internet._fakes.reactor import MemoryReactor, _FakeConnector
from torsion.internet._fakes.transport import dataMustBeBytes
from torsion.internet._task.clock import Clock
from torsion.internet.address import IPv4Address
from torsion.internet.error import ConnectionAborted, ConnectionDone, ConnectionLost
from torsion.internet.error import ConnectionRefusedError as _Refused
from torsion.internet.interfaces import IAddress, IProducer, IProtocol, IPullProducer
from torsion.python.failure import Failure

__all__ = [
    "ConnectionCompleter",
    "FakeAddress",
    "FakeTransport",
    "IOPump",
    "connect",
    "connectedServerAndClient",
    "makeFakeClient",
    "makeFakeServer",
]

_ServerT = TypeVar("_ServerT", bound=IProtocol)
_ClientT = TypeVar("_ClientT", bound=IProtocol)

#: How many turns `IOPump.flush` allows before deciding the two sides will never go quiet.
MAX_FLUSH_TURNS = 1000


class FakeAddress:
    """The address of either end of a `FakeTransport` unless one is given (compared by
    identity: each transport has its own)."""

    def __repr__(self) -> str:
        return f"<FakeAddress at {id(self):#x}>"


class FakeTransport:
    """One end of an in-memory connection: what its protocol writes waits in `stream` until an
    `IOPump` moves it to the other end.

    It provides `ITCPTransport` and `IConsumer`, and is an `IPushProducer` of incoming data:
    `pauseProducing` holds the peer's bytes back until `resumeProducing`.

    Args:
        protocol: The protocol this end delivers bytes to.
        isServer: True for the accepting end, False for the connecting one.
        hostAddress: What `getHost` returns; a new `FakeAddress` when None.
        peerAddress: What `getPeer` returns; a new `FakeAddress` when None.

    Attributes:
        stream: Bytes written and not yet pumped.
        connected: True until the protocol was told the connection is lost.
        disconnecting: True once this end closes (or learns the peer closed); writes are
            dropped from then on, as on a closed socket.
        disconnected: True once this end's close has been passed on to the peer.
        aborted: True once `abortConnection` was called.
        disconnectReason: The exception the protocol's ``connectionLost`` gets.
        producer: The registered producer, or None.
        streamingProducer: Whether ``producer`` is a push producer.
        paused: Whether `pauseProducing` is holding back incoming bytes.
    """

    _serials = itertools.count()
    disconnectReason: BaseException = ConnectionDone("Connection done")

    def __init__(
        self,
        protocol: IProtocol,
        isServer: bool,
        hostAddress: IAddress | None = None,
        peerAddress: IAddress | None = None,
    ) -> None:
        self.protocol = protocol
        self.isServer = isServer
        self.stream: list[bytes] = []
        self.serial = next(self._serials)
        self.hostAddress: IAddress = FakeAddress() if hostAddress is None else hostAddress
        self.peerAddress: IAddress = FakeAddress() if peerAddress is None else peerAddress
        self.connected = True
        self.disconnecting = False
        self.disconnected = False
        self.aborted = False
        self.producer: IProducer | None = None
        self.streamingProducer = False
        self.paused = False
        self.tcpNoDelay = False
        self.tcpKeepAlive = False

    def __repr__(self) -> str:
        side = "S" if self.isServer else "C"
        return f"FakeTransport<{side},{self.serial},{type(self.protocol).__name__}>"

    def logPrefix(self) -> str:
        """Return ``"iosim"``, the prefix for log lines about this transport."""
        return "iosim"

    # -- ITransport ------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the peer; dropped once this end is closing.

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        data = dataMustBeBytes(data)
        if not self.disconnecting and data:
            self.stream.append(data)

    def writeSequence(self, iovec: Iterable[bytes]) -> None:
        """Queue each of ``iovec`` in turn, as `write`."""
        self.write(b"".join([dataMustBeBytes(item) for item in iovec]))

    def loseConnection(self) -> None:
        """Close once the bytes already written have been pumped to the peer."""
        self.disconnecting = True

    def getPeer(self) -> IAddress:
        """Return the peer's address."""
        return self.peerAddress

    def getHost(self) -> IAddress:
        """Return this end's address."""
        return self.hostAddress

    # -- ITCPTransport ---------------------------------------------------------------------

    def abortConnection(self) -> None:
        """Close now: unsent bytes are dropped, nothing more is delivered to this end, and the
        protocol gets `ConnectionAborted` (the peer `ConnectionLost`) on the next pump."""
        if self.disconnected or not self.connected:
            return
        self.aborted = True
        self.disconnecting = True
        self.stream.clear()
        self.disconnectReason = ConnectionAborted()

    def loseWriteConnection(self) -> None:
        """Do nothing: half-close is not simulated."""

    def getTcpNoDelay(self) -> bool:
        """Return the value last given to `setTcpNoDelay`."""
        return self.tcpNoDelay

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Record ``enabled``."""
        self.tcpNoDelay = enabled

    def getTcpKeepAlive(self) -> bool:
        """Return the value last given to `setTcpKeepAlive`."""
        return self.tcpKeepAlive

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Record ``enabled``."""
        self.tcpKeepAlive = enabled

    # -- IConsumer -------------------------------------------------------------------------

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Attach ``producer``; a pull producer is asked for data now and on every pump.

        A push producer is never paused: the buffer has no limit. On a closed connection the
        producer is stopped at once, as by the real transports.

        Raises:
            RuntimeError: Another producer is registered.
        """
        if self.producer is not None:
            raise RuntimeError(f"Cannot register {producer!r}: {self.producer!r} is registered")
        if not self.connected:
            producer.stopProducing()
            return
        self.producer = producer
        self.streamingProducer = streaming
        if not streaming:
            self._pull()

    def unregisterProducer(self) -> None:
        """Detach the producer (if any)."""
        self.producer = None
        self.streamingProducer = False

    def stopConsuming(self) -> None:
        """Detach the producer and close."""
        self.unregisterProducer()
        self.loseConnection()

    def _pull(self) -> None:
        producer = self.producer
        if producer is not None and not self.streamingProducer:
            cast(IPullProducer, producer).resumeProducing()

    # -- IPushProducer (of incoming data) --------------------------------------------------

    def pauseProducing(self) -> None:
        """Hold back the peer's bytes (and its close) until `resumeProducing`."""
        self.paused = True

    def resumeProducing(self) -> None:
        """Let the next pump deliver the peer's bytes again."""
        self.paused = False

    def stopProducing(self) -> None:
        """Close, as `loseConnection`."""
        self.loseConnection()

    # -- what IOPump calls -----------------------------------------------------------------

    def getOutBuffer(self) -> bytes | None:
        """Take the bytes waiting to be sent (None if there are none)."""
        if not self.stream:
            return None
        data = b"".join(self.stream)
        self.stream.clear()
        return data

    def bufferReceived(self, buf: bytes) -> None:
        """Deliver ``buf`` to the protocol, unless this end was aborted or has lost the
        connection (a closed socket reads nothing)."""
        if self.connected and not self.aborted:
            self.protocol.dataReceived(buf)

    def reportDisconnect(self) -> None:
        """Tell the protocol the connection is lost (`disconnectReason`), once; stop the
        producer first, as the real transports do."""
        if not self.connected:
            return
        self.connected = False
        self.disconnecting = True
        self.stream.clear()
        producer, self.producer = self.producer, None
        if producer is not None:
            producer.stopProducing()
        self.protocol.connectionLost(Failure(self.disconnectReason))


def makeFakeClient(clientProtocol: IProtocol) -> FakeTransport:
    """Return a client-side `FakeTransport` for ``clientProtocol``."""
    return FakeTransport(clientProtocol, isServer=False)


def makeFakeServer(serverProtocol: IProtocol) -> FakeTransport:
    """Return a server-side `FakeTransport` for ``serverProtocol``."""
    return FakeTransport(serverProtocol, isServer=True)


class IOPump:
    """Moves bytes between the two ends of an in-memory connection when told to.

    Args:
        client: The client protocol.
        server: The server protocol.
        clientIO: The client protocol's transport.
        serverIO: The server protocol's transport.
        debug: Print what moves on each pump.
        clock: Advanced by 0 before each pump, so ``callLater(0, ...)`` calls run; a new
            `task.Clock` when None.
    """

    def __init__(
        self,
        client: IProtocol,
        server: IProtocol,
        clientIO: FakeTransport,
        serverIO: FakeTransport,
        debug: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.server = server
        self.clientIO = clientIO
        self.serverIO = serverIO
        self.debug = debug
        self.clock = Clock() if clock is None else clock

    def flush(self, debug: bool = False, advanceClock: bool = True) -> bool:
        """Pump until nothing moves.

        Returns:
            Whether anything moved.

        Raises:
            AssertionError: Still moving after `MAX_FLUSH_TURNS` pumps (the two sides keep
                talking forever, say two echo protocols).
        """
        moved = False
        for _ in range(MAX_FLUSH_TURNS):
            if not self.pump(debug, advanceClock):
                return moved
            moved = True
        raise AssertionError(f"IOPump.flush: still moving after {MAX_FLUSH_TURNS} pumps")

    def pump(self, debug: bool = False, advanceClock: bool = True) -> bool:
        """Run due clock calls, then move each side's written bytes to the other once.

        Bytes written while they are delivered wait for the next pump. When no bytes move, a
        close is passed on instead: first to the peer of the end that closed, then (next
        pump) to that end itself.

        Returns:
            Whether anything moved (bytes or a close).
        """
        if advanceClock:
            self.clock.advance(0)
        debug = debug or self.debug
        if debug:
            print("-- GLUG --")
        sData = None if self.clientIO.paused else self.serverIO.getOutBuffer()
        cData = None if self.serverIO.paused else self.clientIO.getOutBuffer()
        self.clientIO._pull()
        self.serverIO._pull()
        if debug:
            print(".")
            if cData:
                print("C: " + repr(cData))
            if sData:
                print("S: " + repr(sData))
        if cData:
            self.serverIO.bufferReceived(cData)
        if sData:
            self.clientIO.bufferReceived(sData)
        if cData or sData:
            return True
        return self._passOnClose(self.serverIO, self.clientIO, debug and "* C") or (
            self._passOnClose(self.clientIO, self.serverIO, debug and "* S")
        )

    @staticmethod
    def _passOnClose(closing: FakeTransport, peer: FakeTransport, note: str | bool) -> bool:
        """Tell ``peer``'s protocol that ``closing`` closed, once ``closing`` has sent all."""
        if not closing.disconnecting or closing.disconnected or closing.stream:
            return False
        if peer.paused and not peer.aborted:
            return False  # A paused reader does not see the end of the stream either.
        if note:
            print(note)
        closing.disconnected = True
        if closing.aborted and not peer.disconnecting:
            peer.disconnectReason = ConnectionLost("Connection reset by peer")
        peer.disconnecting = True
        peer.reportDisconnect()
        return True


def connect(
    serverProtocol: IProtocol,
    serverTransport: FakeTransport,
    clientProtocol: IProtocol,
    clientTransport: FakeTransport,
    debug: bool = False,
    greet: bool = True,
    clock: Clock | None = None,
) -> IOPump:
    """Connect two protocols through their transports and return the pump between them.

    Calls ``makeConnection`` on the server, then on the client.

    Args:
        serverProtocol: The accepting end's protocol.
        serverTransport: Its transport.
        clientProtocol: The connecting end's protocol.
        clientTransport: Its transport.
        debug: Print what moves on each pump.
        greet: `IOPump.flush` once before returning, so greetings and handshakes are done.
        clock: The clock the pump advances (see `IOPump`).
    """
    serverProtocol.makeConnection(serverTransport)
    clientProtocol.makeConnection(clientTransport)
    pump = IOPump(clientProtocol, serverProtocol, clientTransport, serverTransport, debug, clock)
    if greet:
        pump.flush()
    return pump


def connectedServerAndClient(
    ServerClass: Callable[[], _ServerT],
    ClientClass: Callable[[], _ClientT],
    clientTransportFactory: Callable[[_ClientT], FakeTransport] = makeFakeClient,
    serverTransportFactory: Callable[[_ServerT], FakeTransport] = makeFakeServer,
    debug: bool = False,
    greet: bool = True,
    clock: Clock | None = None,
) -> tuple[_ClientT, _ServerT, IOPump]:
    """Build a server and a client protocol and connect them with `connect`.

    Args:
        ServerClass: Returns the server protocol (a class, or a factory's ``buildProtocol``
            wrapped in a lambda).
        ClientClass: Returns the client protocol.
        clientTransportFactory: Makes the client's transport from its protocol.
        serverTransportFactory: Makes the server's transport from its protocol.
        debug: Print what moves on each pump.
        greet: Flush once before returning.
        clock: The clock the pump advances.

    Returns:
        The client protocol, the server protocol, and the pump between them.
    """
    client = ClientClass()
    server = ServerClass()
    clientIO = clientTransportFactory(client)
    serverIO = serverTransportFactory(server)
    return client, server, connect(server, serverIO, client, clientIO, debug, greet, clock)


class ConnectionCompleter:
    """Completes or fails the TCP connections a `MemoryReactor` recorded.

    A ``connectTCP`` is matched with a ``listenTCP`` on the same port; both factories build a
    protocol and the two are connected through `FakeTransport`\\ s with IPv4 addresses.

    Args:
        memoryReactor: The reactor whose ``tcpClients`` and ``tcpServers`` to use; if it is
            also a `task.Clock` (`MemoryReactorClock`), the pumps advance it.
    """

    _clientPorts = itertools.count(49152)

    def __init__(self, memoryReactor: MemoryReactor) -> None:
        self._reactor = memoryReactor

    def succeedOnce(self, debug: bool = False, greet: bool = True) -> IOPump | None:
        """Connect the first pending client that has a matching server.

        Returns:
            The pump between the two new protocols, or None if no client has a server.

        Raises:
            RuntimeError: A factory built no protocol (returned None).
        """
        reactor = self._reactor
        for index, (_, port, clientFactory, _, _) in enumerate(reactor.tcpClients):
            for serverPort, serverFactory, _, _ in reactor.tcpServers:
                if serverPort != port:
                    continue
                del reactor.tcpClients[index]
                connector = reactor.connectors.pop(index)
                serverAddress = connector.getDestination()
                clientAddress = IPv4Address("TCP", "127.0.0.1", next(self._clientPorts))
                clientProtocol = clientFactory.buildProtocol(serverAddress)
                serverProtocol = serverFactory.buildProtocol(clientAddress)
                if clientProtocol is None or serverProtocol is None:
                    raise RuntimeError("a factory refused to build a protocol")
                return connect(
                    serverProtocol,
                    FakeTransport(serverProtocol, True, serverAddress, clientAddress),
                    clientProtocol,
                    FakeTransport(clientProtocol, False, clientAddress, serverAddress),
                    debug,
                    greet,
                    reactor if isinstance(reactor, Clock) else None,
                )
        return None

    def failOnce(self, reason: Failure | None = None) -> None:
        """Fail the first pending client connection with ``reason``
        (`ConnectionRefusedError` when None), through ``clientConnectionFailed``.

        Raises:
            IndexError: No connection is pending.
        """
        _, _, factory, _, _ = self._reactor.tcpClients.pop(0)
        connector: _FakeConnector = self._reactor.connectors.pop(0)
        factory.clientConnectionFailed(connector, reason or Failure(_Refused()))
