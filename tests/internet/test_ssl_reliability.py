"""TLS under stress, on every reactor (docs/reliability.md, scenarios 18, 19 and 20a).

* Many failed handshakes (verification failures, clients dropping mid-handshake, handshake
  timeouts) leave no file descriptors, protocols or client options behind.
* Many clients at once, and both ends of one connection streaming at once, get every byte.
* Garbage injected into a live TLS stream ends that connection with a TLS error, delivers
  nothing after it, and the server goes on serving its other clients.
"""

from __future__ import annotations

import gc
import hashlib
import os
import random
import socket
import ssl
import weakref
from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Echo, Recorder, runUntil
from tests.internet._tlshelpers import certs
from torsion.internet import error, protocol
from torsion.internet._transports.stream import StreamTransport
from torsion.internet.defer import Deferred, gatherResults
from torsion.internet.task import Clock
from torsion.protocols.tls import TLSMemoryBIOFactory, TLSMemoryBIOProtocol
from torsion.python.failure import Failure

MiB = 1024 * 1024


def openFds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


class Tally(protocol.ClientFactory):
    """Builds `Tracked` protocols and keeps only weak references to them and their transports.

    Attributes:
        made: How many connections were made.
        endings: The type of each connectionLost reason (no Failure: it would keep frames).
    """

    def __init__(self, abortOnConnect: bool = False) -> None:
        self.abortOnConnect = abortOnConnect
        self.made = 0
        self.endings: list[type[BaseException]] = []
        self.refs: list[weakref.ref[Any]] = []
        self._waits: list[tuple[int, int, Deferred[None]]] = []

    def buildProtocol(self, addr: Any) -> Tracked:
        p = Tracked(self)
        self.refs.append(weakref.ref(p))
        return p

    def when(self, made: int = 0, lost: int = 0) -> Deferred[None]:
        """A Deferred fired once ``made`` connections were made and ``lost`` were lost."""
        d: Deferred[None] = Deferred()
        self._waits.append((made, lost, d))
        self._check()
        return d

    def _check(self) -> None:
        for wait in list(self._waits):
            if self.made >= wait[0] and len(self.endings) >= wait[1]:
                self._waits.remove(wait)
                wait[2].callback(None)


class Tracked(protocol.Protocol):
    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def connectionMade(self) -> None:
        self.tally.refs.append(weakref.ref(self.transport))
        self.tally.made += 1
        self.tally._check()
        if self.tally.abortOnConnect:
            assert isinstance(self.transport, TLSMemoryBIOProtocol)
            self.transport.abortConnection()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.tally.endings.append(type(reason.value))
        self.tally._check()


def clientHello() -> bytes:
    """The first flight of a TLS client, to send from a plain socket."""
    context = ssl.create_default_context()
    tls = context.wrap_bio(ssl.MemoryBIO(), outgoing := ssl.MemoryBIO(), False, "localhost")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def rawClients(port: int, count: int, first: bytes) -> list[socket.socket]:
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    for s in sockets:
        if first:
            s.sendall(first)
    return sockets


def warmUp(reactor: Any) -> None:
    """One good TLS connection, so later fd counts don't see the reactor's lazy setup."""
    server = Collecting(Echo)
    port = reactor.listenSSL(0, server, certs().serverOptions(), interface="127.0.0.1")
    client = Client(Recorder)
    reactor.connectSSL("127.0.0.1", port.getHost().port, client, certs().clientOptions())
    proto = runUntil(reactor, client.first)
    proto.expect = 1
    runUntil(reactor, proto.made).transport.write(b"x")
    runUntil(reactor, proto.enough)
    proto.transport.loseConnection()
    runUntil(reactor, gatherResults([proto.lost, server.built[0].lost]))
    runUntil(reactor, port.stopListening())


def test_failed_handshakes_leak_nothing(reactor: Any) -> None:
    """200 failed handshakes of three kinds: fds back to the baseline, every protocol, TLS
    layer and client options object collected, and each side told why it ended."""
    verifying, dropping, silent, aborting = 60, 50, 50, 40
    warmUp(reactor)
    baseline = openFds()
    clock = Clock()
    server = Tally()
    tlsFactory = TLSMemoryBIOFactory(
        certs().serverOptions(), False, server, clock, handshakeTimeout=5
    )
    port = reactor.listenTCP(0, tlsFactory, backlog=512, interface="127.0.0.1")
    number = port.getHost().port
    clients, aborters = Tally(), Tally(abortOnConnect=True)
    optionsRefs = []
    for _ in range(verifying):  # A wrong host name: the client refuses the certificate.
        options = certs().clientOptions("wrong.example")
        optionsRefs.append(weakref.ref(options))
        reactor.connectSSL("127.0.0.1", number, clients, options)
    for _ in range(aborting):  # The client aborts before its handshake completes.
        reactor.connectSSL("127.0.0.1", number, aborters, certs().clientOptions())
    runUntil(reactor, gatherResults([clients.when(lost=verifying), aborters.when(lost=aborting)]))
    # Clients that send a ClientHello and close, then clients that never send anything.
    raw = rawClients(number, dropping, clientHello())
    try:
        for s in raw:
            s.close()
        runUntil(reactor, server.when(lost=verifying + aborting + dropping))
        raw = rawClients(number, silent, b"")
        runUntil(reactor, server.when(made=verifying + aborting + dropping + silent))
        clock.advance(5)  # The silent ones time out.
        runUntil(reactor, server.when(lost=verifying + aborting + dropping + silent))
    finally:
        for s in raw:
            s.close()
    runUntil(reactor, port.stopListening())
    assert clients.endings == [ssl.SSLCertVerificationError] * verifying
    assert aborters.endings == [error.ConnectionAborted] * aborting
    kinds = set(server.endings)
    assert kinds <= {ssl.SSLError, error.ConnectionLost, error.TLSHandshakeTimeoutError}
    assert server.endings.count(error.TLSHandshakeTimeoutError) == silent
    assert not tlsFactory.protocols and not clock.getDelayedCalls()
    assert openFds() == baseline
    del options, tlsFactory
    gc.collect()
    alive = [r() for t in (server, clients, aborters) for r in t.refs if r() is not None]
    alive += [r() for r in optionsRefs if r() is not None]
    assert alive == []


class Sender(Recorder):
    """Writes its payload at connectionMade (before the handshake) and hashes what returns."""

    def __init__(self, senders: Senders, payload: bytes) -> None:
        super().__init__()
        self.senders = senders
        self.payload = payload
        self.count = 0
        self.digest = hashlib.sha256()

    def connectionMade(self) -> None:
        super().connectionMade()
        assert self.transport is not None
        self.transport.write(self.payload)

    def dataReceived(self, data: bytes) -> None:
        self.count += len(data)
        self.digest.update(data)
        if self.count == len(self.payload):
            self.senders.finished += 1
            if self.senders.finished == len(self.senders.payloads):
                self.senders.done.callback(None)


class Senders(protocol.ClientFactory):
    """Connects one `Sender` per payload; ``done`` fires when every echo is back."""

    def __init__(self, payloads: list[bytes]) -> None:
        self.payloads = payloads
        self.built: list[Sender] = []
        self.finished = 0
        self.done: Deferred[None] = Deferred()

    def buildProtocol(self, addr: Any) -> Sender:
        p = Sender(self, self.payloads[len(self.built)])
        self.built.append(p)
        return p


class EchoOnly(Recorder):
    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)


def test_concurrent_clients_get_every_byte(reactor: Any) -> None:
    """25 clients at once each send 1 MiB (written before the handshake) and get it back."""
    server = Collecting(EchoOnly)
    port = reactor.listenSSL(0, server, certs().serverOptions(), interface="127.0.0.1")
    senders = Senders([random.Random(i).randbytes(MiB) for i in range(25)])
    for _ in senders.payloads:
        reactor.connectSSL("127.0.0.1", port.getHost().port, senders, certs().clientOptions())
    runUntil(reactor, senders.done, limit=20)
    for sender in senders.built:
        assert sender.digest.digest() == hashlib.sha256(sender.payload).digest()
        assert sender.transport is not None
        sender.transport.loseConnection()
    reasons = runUntil(reactor, gatherResults([p.lost for p in senders.built + server.built]))
    assert len(reasons) == 50 and all(r.check(error.ConnectionDone) for r in reasons)
    runUntil(reactor, port.stopListening())


class Streaming(Recorder):
    """Streams ``total`` bytes with a push producer once TLS is up; hashes what it receives.

    It is its own producer: 64 KiB per write until paused, resumed by the transport.
    """

    total = 32 * MiB

    def __init__(self) -> None:
        super().__init__()
        self.left = self.total
        self.registered = False
        self.paused = False
        self.pauses = 0
        self.count = 0
        self.digest = hashlib.sha256()

    def handshakeCompleted(self) -> None:
        self.registered = True
        assert isinstance(self.transport, TLSMemoryBIOProtocol)
        self.transport.registerProducer(self, True)
        self.produce()

    def pauseProducing(self) -> None:
        self.paused = True
        self.pauses += 1

    def resumeProducing(self) -> None:
        self.paused = False
        self.produce()

    def stopProducing(self) -> None:
        self.left = 0

    def produce(self) -> None:
        chunk = b"s" * 65536
        for _ in range(self.total // len(chunk)):  # Bounded; returns once paused or done.
            if self.paused or self.left <= 0:
                break
            self.left -= len(chunk)
            assert isinstance(self.transport, TLSMemoryBIOProtocol)
            self.transport.write(chunk)
        if self.left <= 0 and self.registered:
            self.registered = False
            assert isinstance(self.transport, TLSMemoryBIOProtocol)
            self.transport.unregisterProducer()

    def dataReceived(self, data: bytes) -> None:
        self.count += len(data)
        self.digest.update(data)
        if self.count == self.total:
            self.enough.callback(b"")


def test_both_ends_stream_at_once(reactor: Any) -> None:
    """Both ends write 32 MiB at the same time with producers: no deadlock, every byte."""
    server = Collecting(Streaming)
    port = reactor.listenSSL(0, server, certs().serverOptions(), interface="127.0.0.1")
    client = Client(Streaming)
    reactor.connectSSL("127.0.0.1", port.getHost().port, client, certs().clientOptions())
    ends = [runUntil(reactor, client.first), runUntil(reactor, server.first)]
    runUntil(reactor, gatherResults([e.enough for e in ends]), limit=20)
    expected = hashlib.sha256(b"s" * Streaming.total).digest()
    for end in ends:
        assert end.digest.digest() == expected and end.left <= 0 and end.pauses > 0
        end.transport.loseConnection()
    reasons = runUntil(reactor, gatherResults([e.lost for e in ends]))
    assert all(r.check(error.ConnectionDone) for r in reasons)
    runUntil(reactor, port.stopListening())


def connectTLS(reactor: Any, port: Any) -> Recorder:
    client = Client(Recorder)
    reactor.connectSSL("127.0.0.1", port.getHost().port, client, certs().clientOptions())
    proto: Recorder = runUntil(reactor, client.first)
    runUntil(reactor, proto.made)
    return proto


def echoes(reactor: Any, proto: Recorder, data: bytes) -> bool:
    proto.expect, proto.enough = len(proto.received) + len(data), Deferred()
    assert proto.transport is not None
    proto.transport.write(data)
    return bool(runUntil(reactor, proto.enough).endswith(data))


@pytest.mark.parametrize(
    ("garbage", "problem"),
    [
        pytest.param(b"\xde\xad\xbe\xef" * 8, "wrong version number", id="not-a-record"),
        pytest.param(b"\x17\x03\x03\x00\x1b" + b"\x00" * 27, "bad record mac", id="forged-record"),
    ],
)
def test_garbage_in_a_live_stream(reactor: Any, garbage: bytes, problem: str) -> None:
    """32 bytes written to the client's socket behind TLS's back: the server's side ends with
    a TLS error and delivers nothing after them; its other connections go on."""
    server = Collecting(Echo)
    port = reactor.listenSSL(0, server, certs().serverOptions(), interface="127.0.0.1")
    victim, bystander = connectTLS(reactor, port), connectTLS(reactor, port)
    assert echoes(reactor, victim, b"before") and echoes(reactor, bystander, b"hello")
    victimServer = next(p for p in server.built if p.received == b"before")
    tls = victim.transport
    assert isinstance(tls, TLSMemoryBIOProtocol) and isinstance(tls.transport, StreamTransport)
    raw = socket.socket(fileno=os.dup(tls.transport.getHandle().fileno()))
    try:
        raw.sendall(garbage)
    finally:
        raw.close()
    tls.write(b"after")  # Encrypted, but behind the garbage.
    reasons = runUntil(reactor, gatherResults([victimServer.lost, victim.lost]))
    assert reasons[0].check(ssl.SSLError) and problem in str(reasons[0].value), reasons[0]
    assert victimServer.received == b"before"
    assert not reasons[1].check(error.ConnectionDone), reasons[1]
    assert echoes(reactor, bystander, b"still here")
    newcomer = connectTLS(reactor, port)
    assert echoes(reactor, newcomer, b"welcome")
    for proto in (bystander, newcomer):
        assert proto.transport is not None
        proto.transport.loseConnection()
    runUntil(reactor, gatherResults([p.lost for p in [bystander, newcomer, *server.built]]))
    runUntil(reactor, port.stopListening())
