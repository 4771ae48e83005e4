"""The checks of `checkStreamTransport`, one function each, in the order they run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torsion.internet.error import ConnectionAborted, ConnectionClosed, ConnectionDone
from torsion.testing._streamcheck._harness import (
    HalfCloseablePeer,
    MiB,
    Options,
    Peer,
    Scenario,
    StreamMaker,
    pattern,
)

KiB = 1024

#: Sizes the ordering check writes, in turn: tiny, odd, and around common buffer sizes.
_SIZES = (1, 7, 100, 1000, 4096, 16 * KiB - 1, 16 * KiB + 1, 65 * KiB, 3, 250 * KiB)


class Run:
    """The scenarios one check made, so a failure can drop the connections it left open."""

    def __init__(self, name: str, maker: StreamMaker, options: Options) -> None:
        self.name = name
        self.maker = maker
        self.options = options
        self.scenarios: list[Scenario] = []

    def scenario(self, server: type[Peer] = Peer, client: type[Peer] = Peer) -> Scenario:
        s = Scenario(self.name, self.maker, self.options, server, client)
        self.scenarios.append(s)
        return s


def _t(peer: Peer) -> Any:
    """The peer's transport, as the checks use it (whatever interfaces it has)."""
    return peer.transport


def _expectData(s: Scenario, peer: Peer, expected: bytes, what: str) -> None:
    if bytes(peer.received) != expected:
        at = next(
            (i for i, (a, b) in enumerate(zip(peer.received, expected, strict=False)) if a != b),
            min(len(peer.received), len(expected)),
        )
        raise s.fail(
            f"{peer.name} received {len(peer.received):,} bytes of {what}, expected"
            f" {len(expected):,}; they differ from byte {at:,}"
        )


def _closeAndFinish(s: Scenario, closer: Peer) -> None:
    _t(closer).loseConnection()
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)


# -- data -----------------------------------------------------------------------------------


def ordering(run: Run) -> None:
    """Many writes of varying sizes (then 20,000 small ones), both ways at once, arrive whole
    and in order."""
    s = run.scenario()
    s.start()
    sent: dict[str, bytes] = {}
    for seed, peer in enumerate((s.client, s.server)):
        chunks = [pattern(_SIZES[i % len(_SIZES)], seed + i) for i in range(60)]
        chunks += [b"%06d" % i for i in range(20_000)]  # many small writes, buffered
        for chunk in chunks:
            _t(peer).write(chunk)
        sent[peer.name] = b"".join(chunks)
    s.waitFor(
        "all the writes to arrive",
        lambda: s.server.count >= len(sent["client"]) and s.client.count >= len(sent["server"]),
    )
    _expectData(s, s.server, sent["client"], "the client's writes")
    _expectData(s, s.client, sent["server"], "the server's writes")
    _closeAndFinish(s, s.client)


def largeTransfer(run: Run) -> None:
    """``transferSize`` bytes each way, in one write each, arrive intact (by SHA-256)."""
    import hashlib

    size = run.options.transferSize
    s = run.scenario()
    s.server.keep = s.client.keep = False
    s.start()
    payloads = {"client": pattern(size, 1), "server": pattern(size, 2)}
    _t(s.client).write(payloads["client"])
    _t(s.server).write(payloads["server"])
    s.waitFor(f"{size:,} bytes each way", lambda: s.server.count >= size and s.client.count >= size)
    for peer, other in ((s.server, "client"), (s.client, "server")):
        s.expect(peer.count == size, f"{peer.name} received {peer.count:,} bytes, not {size:,}")
        s.expect(
            peer.digest.digest() == hashlib.sha256(payloads[other]).digest(),
            f"{peer.name} received {size:,} bytes, but not the ones sent",
        )
    _closeAndFinish(s, s.server)


def writeSequence(run: Run) -> None:
    """``writeSequence`` (of bytes, empty chunks, bytearray and memoryview) keeps the order,
    also mixed with ``write``, both ways."""
    s = run.scenario()
    s.start()
    sent: dict[str, bytes] = {}
    for seed, peer in enumerate((s.client, s.server)):
        big = pattern(300 * KiB, seed)
        parts: list[Any] = [b"a", b"", b"bc", big, bytearray(b"de"), memoryview(b"fgh"), b"i"]
        _t(peer).writeSequence(parts)
        _t(peer).write(b"|")
        _t(peer).writeSequence([b"%05d" % i for i in range(20_000)])
        _t(peer).writeSequence([])
        sent[peer.name] = b"abc" + big + b"defghi|" + b"".join(b"%05d" % i for i in range(20_000))
    s.waitFor(
        "the sequences to arrive",
        lambda: s.server.count >= len(sent["client"]) and s.client.count >= len(sent["server"]),
    )
    _expectData(s, s.server, sent["client"], "the client's sequences")
    _expectData(s, s.client, sent["server"], "the server's sequences")
    _closeAndFinish(s, s.client)


def writeTypes(run: Run) -> None:
    """``write("text")`` and a text chunk in ``writeSequence`` raise TypeError; a bytearray
    is taken at the call (changing it later changes nothing); writes after the connection is
    lost are ignored without an error."""
    s = run.scenario()
    s.start()
    transport = _t(s.client)
    for method, argument in (("write", "text"), ("writeSequence", [b"a", "b"])):
        try:
            getattr(transport, method)(argument)
        except TypeError:
            pass
        else:
            raise s.fail(f"{method}({argument!r}) did not raise TypeError")
    transport.write(b"")
    data = bytearray(b"abc")
    transport.write(data)
    data[:] = b"xyz"
    transport.writeSequence([memoryview(b"def")])
    s.waitFor("6 bytes", lambda: s.server.count >= 6)
    _expectData(s, s.server, b"abcdef", "the writes")
    _closeAndFinish(s, s.client)
    transport.write(b"after")
    transport.writeSequence([b"after"])


# -- closing --------------------------------------------------------------------------------


class _QuitOnData(Peer):
    """On its first data: writes a lot, loses the connection, then writes b"late"."""

    size = 1 * MiB
    afterLose: list[str]

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self.calls["data"] == 1:
            t: Any = self.transport
            t.write(pattern(self.size, 3))
            t.loseConnection()
            self.afterLose = list(self.events)
            t.write(b"late")
            t.loseConnection()


class _CloseOnMade(Peer):
    """Writes a lot in connectionMade (before a TLS handshake, say) and closes at once."""

    size = 4 * MiB

    def connectionMade(self) -> None:
        super().connectionMade()
        t: Any = self.transport
        t.write(pattern(self.size, 4))
        t.write(b"!")
        t.loseConnection()
        t.write(b"late")
        t.loseConnection()  # a second call changes nothing


def loseConnectionDrains(run: Run) -> None:
    """Everything written before ``loseConnection`` reaches the peer, then ConnectionDone on
    both sides; writes made in the same turn after it are sent or dropped as
    ``writesAfterLoseConnection`` says (Twisted's TCP sends them; its TLS drops them).
    ``connectionLost`` never comes from inside ``loseConnection``. Once from ``dataReceived``
    on the server, once from ``connectionMade`` on the client (before a TLS handshake)."""
    s = run.scenario(server=_QuitOnData)
    s.start()
    _t(s.client).write(b"quit")
    s.waitForLost()
    body = pattern(_QuitOnData.size, 3)
    _expectLate(s, s.client, body, "what was written around loseConnection")
    server: Any = s.server
    s.expect("lost" not in server.afterLose, "connectionLost was called inside loseConnection")
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)

    s = run.scenario(client=_CloseOnMade)
    s.start()
    s.waitForLost()
    body = pattern(_CloseOnMade.size, 4) + b"!"
    _expectLate(s, s.server, body, "what the client wrote in connectionMade")
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)


def _expectLate(s: Scenario, peer: Peer, body: bytes, what: str) -> None:
    """``body`` then ``late``, written after a close in the same turn, as the option says."""
    late = s.options.writesAfterLoseConnection
    if late is None:
        late = bytes(peer.received) == body + b"late"
    _expectData(s, peer, body + b"late" if late else body, what)


def abort(run: Run) -> None:
    """``abortConnection`` right after a write larger than any socket buffer: ConnectionAborted
    here, a lost connection (not ConnectionAborted) at the peer, the buffered data dropped; a
    second abort and later writes do nothing, and ``connectionLost`` does not come from
    inside it."""
    size = 4 * run.options.bufferLimit
    s = run.scenario()
    s.start()
    s.settle()
    _t(s.client).write(pattern(size))
    _t(s.client).abortConnection()
    _t(s.client).abortConnection()
    _t(s.client).write(b"ignored")
    s.expect(s.client.events[-1] != "lost", "connectionLost was called inside abortConnection")
    s.waitForLost()
    s.expectReason(s.client, ConnectionAborted)
    s.expectReason(s.server, ConnectionClosed, exclude=(ConnectionAborted,))
    s.expect(s.server.count < size, f"all {size:,} bytes arrived: the buffer was not dropped")
    s.finish()


def halfClose(run: Run) -> None:
    """``loseWriteConnection`` on a half-closeable client: the server receives everything
    written before it, then ``readConnectionLost``, and answers (256 KiB) and closes; the
    client gets ``writeConnectionLost``, still reads the whole answer, and both end with
    ConnectionDone. A second ``loseWriteConnection`` does nothing; a write in the same turn
    after it is sent or dropped as ``writesAfterLoseConnection`` says."""
    answer = pattern(256 * KiB, 5)
    s = run.scenario(server=HalfCloseablePeer, client=HalfCloseablePeer)

    def respond() -> None:
        _t(s.server).write(answer)
        _t(s.server).loseConnection()

    s.server.onReadLost = respond
    s.start()
    request = pattern(100 * KiB, 6)
    _t(s.client).write(request)
    _t(s.client).loseWriteConnection()
    _t(s.client).loseWriteConnection()
    _t(s.client).write(b"late")
    s.waitForLost()
    _expectLate(s, s.server, request, "the request")
    _expectData(s, s.client, answer, "the answer to a half-closed request")
    server, client = s.server.events, s.client.events
    s.expect(
        server[-2:] == ["readLost", "lost"] and server.count("readLost") == 1,
        "the server did not get readConnectionLost once, after the data",
    )
    s.expect(
        client.count("writeLost") == 1 and client.index("writeLost") < client.index("lost"),
        "the client did not get writeConnectionLost once",
    )
    s.expect("readLost" not in client[: client.index("data")], "the client lost its reading")
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)


def halfCloseUnsupported(run: Run) -> None:
    """A peer without ``readConnectionLost`` sees the other side's half-close as the end:
    it receives everything, then connectionLost(ConnectionDone); so does the half-closer.
    ``loseWriteConnection`` after the close does nothing."""
    s = run.scenario(server=Peer, client=HalfCloseablePeer)
    s.start()
    request = pattern(64 * KiB, 7)
    _t(s.client).write(request)
    _t(s.client).loseWriteConnection()
    s.waitForLost()
    _expectData(s, s.server, request, "the request")
    s.expect(s.client.calls.get("writeLost") == 1, "the client got no writeConnectionLost")
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)
    _t(s.client).loseWriteConnection()  # after the close: nothing happens


def pauseReading(run: Run) -> None:
    """``transport.pauseProducing()`` (several times) stops ``dataReceived``: the data waits
    (while data the other way still flows) and arrives whole after as many
    ``resumeProducing()`` calls."""
    s = run.scenario()
    s.start()
    s.settle()
    for _ in range(3):
        _t(s.server).pauseProducing()
    payload = pattern(100 * KiB, 8)
    _t(s.client).write(payload)
    marker = pattern(512 * KiB, 9)
    _t(s.server).write(marker)
    s.waitFor("the other direction's data", lambda: s.client.count >= len(marker))
    s.expect(s.server.count == 0, "dataReceived was called while reading was paused")
    for _ in range(3):
        _t(s.server).resumeProducing()
    s.waitFor("the paused data", lambda: s.server.count >= len(payload))
    _expectData(s, s.server, payload, "the data sent while paused")
    _closeAndFinish(s, s.client)


# -- producers ------------------------------------------------------------------------------


class _Push:
    """A push producer: writes ``chunk``-byte pieces while not paused, ``total`` in all; then
    unregisters and loses the connection."""

    def __init__(self, s: Scenario, peer: Peer, total: int, chunk: int = 16 * KiB) -> None:
        self.s = s
        self.transport = _t(peer)
        self.total = total
        self.chunk = chunk
        self.written = 0
        self.paused = False
        self.writtenAtPause: int | None = None
        self.log: list[str] = []
        self.done = False
        self.data = pattern(chunk, 10)

    def resumeProducing(self) -> None:
        self.log.append("resume")
        self.paused = False
        while not self.paused and self.written < self.total:
            self.written += self.chunk
            self.transport.write(self.data)
        if self.written >= self.total and not self.done:
            self.done = True
            self.transport.unregisterProducer()
            self.transport.loseConnection()
        self.s.poke()

    def pauseProducing(self) -> None:
        self.log.append("pause")
        self.paused = True
        if self.writtenAtPause is None:
            self.writtenAtPause = self.written
        self.s.poke()

    def stopProducing(self) -> None:
        self.log.append("stop")
        self.s.poke()


def pushProducer(run: Run) -> None:
    """A streaming producer on the server feeds the connection to its end: with
    ``backPressure``, it is paused while the client does not read and resumed once it reads
    again. A second ``registerProducer`` raises RuntimeError; the producer is never stopped;
    everything arrives, and ``unregisterProducer`` then ``loseConnection`` ends the
    connection with ConnectionDone."""
    total = run.options.transferSize
    s = run.scenario()
    s.server.keep = False
    s.start()
    s.settle()
    producer = _Push(s, s.server, total)
    if run.options.backPressure:
        _t(s.client).pauseProducing()
    _t(s.server).registerProducer(producer, True)
    try:
        _t(s.server).registerProducer(_Push(s, s.server, 0), True)
    except RuntimeError:
        pass
    else:
        raise s.fail("a second registerProducer did not raise RuntimeError")
    producer.resumeProducing()
    if run.options.backPressure:
        s.waitFor("the producer to be paused", lambda: "pause" in producer.log)
        _t(s.client).resumeProducing()
        s.waitFor("the producer to be resumed", lambda: producer.log[2:].count("resume") >= 1)
    s.waitForLost()
    s.expect(s.client.count == total, f"the client received {s.client.count:,} of {total:,}")
    s.expect(
        s.client.digest.digest() == _digest(producer.data * (total // producer.chunk)),
        "the client received other bytes than the producer wrote",
    )
    s.expect("stop" not in producer.log, "a producer that unregistered was stopped")
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)


def _digest(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()


class _Pull:
    """A pull producer: one numbered 32 KiB chunk per ``resumeProducing``, ``count`` times,
    then it unregisters."""

    def __init__(self, s: Scenario, peer: Peer, count: int) -> None:
        self.s = s
        self.transport = _t(peer)
        self.count = count
        self.calls = 0
        self.inside = False
        self.reentered = False
        self.stopped = 0

    def chunk(self, n: int) -> bytes:
        return b"%05d" % n + pattern(32 * KiB - 5, n)

    def resumeProducing(self) -> None:
        if self.inside:
            self.reentered = True
        self.inside = True
        try:
            self.calls += 1
            if self.calls > self.count:
                self.transport.unregisterProducer()
            else:
                self.transport.write(self.chunk(self.calls))
        finally:
            self.inside = False
        self.s.poke()

    def pauseProducing(self) -> None:
        raise AssertionError("a pull producer is never paused")

    def stopProducing(self) -> None:
        self.stopped += 1


def pullProducer(run: Run) -> None:
    """A pull producer is asked for data at registration and again each time what it wrote
    has gone (never from inside its own write); ``loseConnection`` right after registering
    waits for ``unregisterProducer``, then everything arrives in order, then ConnectionDone."""
    s = run.scenario()
    s.start()
    producer = _Pull(s, s.server, 50)
    _t(s.server).registerProducer(producer, False)
    _t(s.server).loseConnection()
    s.waitForLost()
    s.expect(not producer.reentered, "resumeProducing was called from inside itself")
    s.expect(producer.calls == 51, f"resumeProducing called {producer.calls} times, not 51")
    expected = b"".join(producer.chunk(n) for n in range(1, 51))
    _expectData(s, s.client, expected, "the pull producer's chunks")
    s.expect(producer.stopped == 0, "a producer that unregistered was stopped")
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)


class _Recording:
    """A producer that only records what it is told."""

    def __init__(self, s: Scenario) -> None:
        self.s = s
        self.log: list[str] = []

    def pauseProducing(self) -> None:
        self.log.append("pause")
        self.s.poke()

    def resumeProducing(self) -> None:
        self.log.append("resume")
        self.s.poke()

    def stopProducing(self) -> None:
        self.log.append("stop")
        self.s.poke()


def producerLifecycle(run: Run) -> None:
    """``loseConnection`` with a producer registered waits for ``unregisterProducer`` (the data
    written before still arrives); a producer registered on a closed connection is stopped at
    once."""
    s = run.scenario()
    s.start()
    producer = _Recording(s)
    _t(s.server).registerProducer(producer, True)
    _t(s.server).write(b"before")
    _t(s.server).loseConnection()
    s.waitFor("the data written before loseConnection", lambda: s.client.count >= 6)
    s.expect(not s.server.lost, "loseConnection did not wait for unregisterProducer")
    _t(s.server).unregisterProducer()
    s.waitForLost()
    s.expect("stop" not in producer.log, "an unregistered producer was stopped")
    late = _Recording(s)
    _t(s.server).registerProducer(late, True)
    s.expect(late.log == ["stop"], "a producer registered after the close was not stopped")
    s.finish()
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)


def producerStoppedOnLost(run: Run) -> None:
    """A producer still registered when the peer closes the connection is stopped, once (for
    a transport where the peer's close ends the connection: not pipes, whose other direction
    stays open while a producer is registered)."""
    s = run.scenario()
    s.start()
    producer = _Recording(s)
    _t(s.server).registerProducer(producer, True)
    _t(s.client).loseConnection()
    s.waitForLost()
    s.expect(
        producer.log.count("stop") == 1,
        f"the registered producer was told {producer.log} when the connection was lost",
    )
    s.finish()


class _Flow(_Recording):
    """A producer that only records, and knows whether it is paused."""

    paused = False

    def pauseProducing(self) -> None:
        self.paused = True
        super().pauseProducing()

    def resumeProducing(self) -> None:
        self.paused = False
        super().resumeProducing()


def backPressure(run: Run) -> None:
    """A client that does not read: the server's push producer is paused (at the latest when
    ``write`` returns) before ``bufferLimit`` bytes are buffered, and ``writeSequence`` of more
    than that pauses it too; each time the client reads again it is resumed and everything
    arrives."""
    limit = run.options.bufferLimit
    chunk = pattern(64 * KiB, 11)
    s = run.scenario()
    s.server.keep = False
    s.start()
    s.settle()
    producer = _Flow(s)
    _t(s.server).registerProducer(producer, True)
    _t(s.client).pauseProducing()
    written = 0
    for _ in range(4 * limit // len(chunk)):
        _t(s.server).write(chunk)
        written += len(chunk)
        if producer.paused:
            break
    s.waitFor("the producer to be paused", lambda: producer.paused)
    s.expect(
        written <= limit,
        f"{written:,} bytes were buffered before the producer was paused (limit {limit:,})",
    )
    _t(s.client).resumeProducing()
    s.waitFor(f"{written:,} bytes at the client", lambda: s.client.count >= written)
    s.waitFor("the producer to be resumed", lambda: not producer.paused)
    _t(s.client).pauseProducing()
    sequence = [chunk] * (2 * limit // len(chunk))
    _t(s.server).writeSequence(sequence)
    written += len(chunk) * len(sequence)
    s.waitFor("the producer to be paused by writeSequence", lambda: producer.paused)
    _t(s.client).resumeProducing()
    s.waitFor(f"{written:,} bytes at the client", lambda: s.client.count >= written)
    s.expect(s.client.count == written, f"{s.client.count:,} bytes arrived, not {written:,}")
    s.waitFor("the producer to be resumed", lambda: not producer.paused)
    s.expect("stop" not in producer.log, "the producer was stopped")
    _t(s.server).unregisterProducer()
    _closeAndFinish(s, s.server)


def stopProducing(run: Run) -> None:
    """``transport.stopProducing()`` (the transport as the producer of what it reads) closes
    the connection as ``loseConnection`` does: what was written arrives, then ConnectionDone
    on both sides."""
    s = run.scenario()
    s.start()
    s.settle()
    _t(s.server).write(b"last words")
    _t(s.server).stopProducing()
    s.finish()
    _expectData(s, s.client, b"last words", "what was written before stopProducing")
    for peer in (s.server, s.client):
        s.expectReason(peer, ConnectionDone)


Check = Callable[[Run], None]

#: name -> (check, what the transport must support for it to run)
CHECKS: dict[str, tuple[Check, tuple[str, ...]]] = {
    "ordering": (ordering, ()),
    "largeTransfer": (largeTransfer, ()),
    "writeSequence": (writeSequence, ()),
    "writeTypes": (writeTypes, ()),
    "loseConnectionDrains": (loseConnectionDrains, ()),
    "pauseReading": (pauseReading, ()),
    "abort": (abort, ("abort",)),
    "halfClose": (halfClose, ("halfClose",)),
    "halfCloseUnsupported": (halfCloseUnsupported, ("halfClose",)),
    "pushProducer": (pushProducer, ("producers",)),
    "pullProducer": (pullProducer, ("producers",)),
    "producerLifecycle": (producerLifecycle, ("producers",)),
    "producerStoppedOnLost": (producerStoppedOnLost, ("producers",)),
    "backPressure": (backPressure, ("producers", "backPressure")),
    "stopProducing": (stopProducing, ()),
}
