"""TCP reliability on every reactor: no leaks, churn, fairness under load, shutdown with work.

Scenarios 9, 41, 42, 43 and 45 of the reliability reference, scaled down so that the whole file
runs in well under half a minute over the five reactors on a two-core machine (each test says
by how much). Nothing here sleeps or measures time: tests run the reactor until what they wait
for has happened (`runUntil`, bounded by a timeout that only fails a hung test) and assert on
counts.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import socket
import weakref
from typing import Any

import pytest

from tests.internet._tcphelpers import (
    LIMIT,
    Client,
    Collecting,
    Echo,
    Recorder,
    connectPair,
    runUntil,
)
from torsion.internet import error, protocol
from torsion.internet.defer import Deferred, gatherResults
from torsion.python.failure import Failure

KiB = 1024
MiB = 1024 * KiB
PAYLOAD = bytes(range(256)) * 4  # 1 KiB


def openFds() -> set[int]:
    """The descriptors open in this process, but the one used to list them and /dev/null.

    (libuv opens /dev/null once per loop, lazily, as the descriptor it gives up when accept()
    fails with EMFILE: not a leak.)
    """
    listed = {int(name) for name in os.listdir("/proc/self/fd")}
    return {fd for fd in listed if isOpen(fd) and not isDevNull(fd)}


def isDevNull(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}") == os.devnull
    except OSError:
        return False


def isOpen(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError as e:
        assert e.errno == errno.EBADF, e
        return False
    return True


def settle(reactor: Any, fds: set[int]) -> set[int]:
    """The open descriptors, once they are ``fds`` or after at most 5 passes of the loop.

    The asyncio and uvloop transports close their sockets on a pass of the loop after
    ``connectionLost`` (see test_socket_closed_before_connection_lost); the other reactors
    need no pass at all.
    """
    for _ in range(5):
        now = openFds()
        if now == fds:
            return now
        reactor.iterate(0)
    return openFds()


def objectCount() -> int:
    gc.collect()
    return len(gc.get_objects())


def registered(reactor: Any) -> tuple[set[int], set[int]]:
    """Identities of the reactor's readers and writers."""
    return {id(r) for r in reactor.getReaders()}, {id(w) for w in reactor.getWriters()}


# -- 9: no leaks after close ----------------------------------------------------------------


class Handoff(protocol.ServerFactory):
    """Builds ``protocolClass`` and fires ``next`` with it; keeps no reference to it."""

    def __init__(self, protocolClass: Any) -> None:
        self.protocol = protocolClass
        self.next: Deferred[Any] | None = None

    def buildProtocol(self, addr: Any) -> protocol.Protocol | None:
        p = super().buildProtocol(addr)
        waiting, self.next = self.next, None
        assert waiting is not None, "an unexpected connection"
        waiting.callback(p)
        return p


class FdEcho(Echo):
    """Echo that remembers its socket's descriptor."""

    fd = -1

    def connectionMade(self) -> None:
        self.fd = self.transport.fileno()  # type: ignore[union-attr]
        super().connectionMade()


class Exchanger(Recorder):
    """Sends 1 KiB when connected and closes once all of it has come back."""

    fd = -1

    def connectionMade(self) -> None:
        self.fd = self.transport.fileno()  # type: ignore[union-attr]
        super().connectionMade()
        self.transport.write(PAYLOAD)  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if len(self.received) == len(PAYLOAD):
            self.transport.loseConnection()  # type: ignore[union-attr]


def exchangeOnce(reactor: Any, factory: Handoff, portNumber: int) -> tuple[list[Any], list[int]]:
    """Connect, exchange 1 KiB, close; return weakrefs to what should die, and the fds."""
    built: Deferred[FdEcho] = Deferred()
    factory.next = built
    client = Client(Exchanger)
    # A noisy factory's "Starting/Stopping factory" events carry it (and so its protocol) as a
    # field, and the global log keeps its last events until logging begins: that bounded
    # history is not a leak of the connection.
    client.noisy = False
    reactor.connectTCP("127.0.0.1", portNumber, client)
    server = runUntil(reactor, built)
    mine = runUntil(reactor, client.first)
    reasons = runUntil(reactor, gatherResults([mine.lost, server.lost]))
    assert all(r.check(error.ConnectionDone) for r in reasons)
    assert bytes(mine.received) == bytes(server.received) == PAYLOAD
    assert client.calls == ["started", "build", "lost"]
    refs = [weakref.ref(x) for x in (server, mine, server.transport, mine.transport, client)]
    return refs, [server.fd, mine.fd]


def test_no_leaks_after_sequential_exchanges(reactor: Any) -> None:
    """Scenario 9, scaled from 1,000 cycles to 300: connect / exchange 1 KiB / close, in turn.

    After each cycle both sockets are closed (``fstat`` fails with EBADF before anything else
    opens a descriptor). At the end, after ``gc.collect()``: every protocol, transport and client
    factory is gone (weakrefs dead); the process's open descriptors are exactly those of the
    baseline (taken after a warm-up); the reactor watches what it watched before and has no
    timed calls; the number of live objects is back to the baseline within 1 %.
    """
    factory = Handoff(FdEcho)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    portNumber = port.getHost().port
    for _ in range(5):  # warm-up: lazily created state (caches, pools) exists from now on
        _, fds = exchangeOnce(reactor, factory, portNumber)
    gc.collect()
    fdsBefore = settle(reactor, openFds() - set(fds))
    readersBefore, writersBefore = registered(reactor)
    objectsBefore = objectCount()
    refs: list[Any] = []
    for _ in range(300):
        cycleRefs, fds = exchangeOnce(reactor, factory, portNumber)
        refs += cycleRefs
        assert settle(reactor, fdsBefore) == fdsBefore, f"descriptors {fds} still open"
    gc.collect()
    alive = [ref() for ref in refs if ref() is not None]
    assert not alive, f"{len(alive)} objects outlived their connection, e.g. {alive[:4]}"
    del refs, cycleRefs  # the weakrefs themselves are not to be counted
    assert registered(reactor) == (readersBefore, writersBefore)
    assert reactor.getDelayedCalls() == []
    objectsAfter = objectCount()
    assert abs(objectsAfter - objectsBefore) <= objectsBefore // 100, (
        f"{objectsBefore} objects before, {objectsAfter} after"
    )
    runUntil(reactor, port.stopListening())
    assert not reactor.getReaders() and not reactor.getWriters()


class NotesSocketAtLost(Recorder):
    """Notes whether its socket is still open when connectionLost is called."""

    fd = -1
    openAtLost: bool | None = None

    def connectionMade(self) -> None:
        self.fd = self.transport.fileno()  # type: ignore[union-attr]
        super().connectionMade()

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.openAtLost = isOpen(self.fd)
        super().connectionLost(reason)


@pytest.mark.parametrize("how", ["loseConnection", "peerClosed", "shutdown"])
def test_socket_closed_before_connection_lost(
    reactor: Any, request: pytest.FixtureRequest, how: str
) -> None:
    """By the time connectionLost runs, the connection's socket is closed (as in Twisted,
    which closes it first): a protocol that counts descriptors or reconnects at once sees it
    gone.

    Known bug on asyncio and uvloop: `_asynciotcp` tells the protocol from inside asyncio's
    ``connection_lost`` (or right after ``transport.abort()``), and asyncio closes the socket
    only after that returns, or on a later pass of the loop; after ``reactor.stop()`` the run
    ends before that pass, so ``run()`` returns with the sockets still open.
    """
    if type(reactor).__name__ in ("AsyncioReactor", "UVLoopReactor"):
        request.applymarker(
            pytest.mark.xfail(strict=True, reason="_asynciotcp: socket closed after connectionLost")
        )
    port, server, client = connectPair(reactor, NotesSocketAtLost, NotesSocketAtLost)
    if how == "shutdown":
        reactor.callWhenRunning(reactor.stop)
        runWithSafety(reactor)
        checked = [server, client]
    else:
        client.transport.loseConnection()
        runUntil(reactor, gatherResults([server.lost, client.lost]))
        checked = [client] if how == "loseConnection" else [server]
        runUntil(reactor, port.stopListening())
    settle(reactor, set())  # Whatever happens to the assertion, leave nothing open.
    assert [p.openAtLost for p in checked] == [False] * len(checked)


# -- 41: connect/close churn ----------------------------------------------------------------


class ChurnServer(protocol.ServerFactory):
    """Counts the server connections made and lost; remembers the peer ports it accepted."""

    def __init__(self) -> None:
        self.made = 0
        self.lost = 0
        self.peerPorts: set[int] = set()
        self.quiet: Deferred[None] | None = None  # fired when made == lost
        self.seen: tuple[int, Deferred[None]] | None = None  # fired when that peer port comes

    def buildProtocol(self, addr: Any) -> protocol.Protocol | None:
        factory = self

        class Counted(protocol.Protocol):
            def connectionMade(self) -> None:
                factory.made += 1
                factory.peerPorts.add(addr.port)
                if factory.seen is not None and factory.seen[0] == addr.port:
                    factory.seen[1].callback(None)
                    factory.seen = None

            def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
                factory.lost += 1
                if factory.quiet is not None and factory.made == factory.lost:
                    factory.quiet.callback(None)
                    factory.quiet = None

        p = Counted()
        p.factory = self
        return p

    def whenQuiet(self) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        if self.made == self.lost:
            d.callback(None)
        else:
            self.quiet = d
        return d


class CloseOnMade(protocol.Protocol):
    def connectionMade(self) -> None:
        self.transport.loseConnection()  # type: ignore[union-attr]


class ChurnClients(protocol.ClientFactory):
    """One factory for a batch: fires ``done`` when every attempt has ended, once each."""

    protocol = CloseOnMade

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.ended = 0
        self.outcomes: dict[str, int] = {}
        self.done: Deferred[None] = Deferred()

    def _ended(self, how: str) -> None:
        self.outcomes[how] = self.outcomes.get(how, 0) + 1
        self.ended += 1
        assert self.ended <= self.expected, "an attempt ended twice"
        if self.ended == self.expected:
            self.done.callback(None)

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self._ended("lost")

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        assert reason.check(error.UserError), reason  # only the attempts given up on purpose
        self._ended("failed")


def test_connect_close_churn_leaves_no_timers_or_fds(reactor: Any) -> None:
    """Scenario 41, scaled from 50,000 cycles in batches of 500 to 2,000 in batches of 100.

    Each batch starts 100 connections at once: three of four close as soon as they are made,
    every fourth is given up (``stopConnecting``) right after ``connectTCP``. Between batches
    the reactor has no timed calls left (every connect timeout was cancelled) and watches only
    the listening port; at the end the process's descriptors are those of the baseline.
    """
    server = ChurnServer()
    port = reactor.listenTCP(0, server, backlog=512, interface="127.0.0.1")
    portNumber = port.getHost().port
    readersBefore, writersBefore = registered(reactor)
    fdsBefore = openFds()

    def batch(size: int) -> dict[str, int]:
        clients = ChurnClients(size)
        for i in range(size):
            connector = reactor.connectTCP("127.0.0.1", portNumber, clients)
            if i % 4 == 3:
                connector.stopConnecting()
        runUntil(reactor, clients.done)
        # Attempts given up may still have reached the server's accept queue: a last
        # connection, accepted after all of them (in order), flushes them out.
        probe = Client()
        reactor.connectTCP("127.0.0.1", portNumber, probe)
        probeProto = runUntil(reactor, probe.first)
        seen: Deferred[None] = Deferred()
        local = probeProto.transport.getHost().port
        if local in server.peerPorts:
            seen.callback(None)
        else:
            server.seen = (local, seen)
        runUntil(reactor, seen)
        probeProto.transport.loseConnection()
        runUntil(reactor, probeProto.lost)
        runUntil(reactor, server.whenQuiet())
        assert reactor.getDelayedCalls() == []
        assert registered(reactor) == (readersBefore, writersBefore)
        return clients.outcomes

    for _ in range(20):
        outcomes = batch(100)
        assert outcomes.get("failed", 0) == 25 and outcomes.get("lost", 0) == 75, outcomes
        assert settle(reactor, fdsBefore) == fdsBefore
    assert server.made == server.lost
    runUntil(reactor, port.stopListening())
    assert reactor.getDelayedCalls() == []


# -- 42: bounded work per wake-up -----------------------------------------------------------

BLOB = b"x" * MiB


class Firehose(protocol.Protocol):
    """Writes 1 MiB each time its transport asks for more (a pull producer), until stopped:
    the socket's send buffer stays full, the peer always has more to read than one read takes."""

    stopped = False

    def connectionMade(self) -> None:
        self.lost: Deferred[None] = Deferred()
        self.transport.registerProducer(self, False)  # type: ignore[union-attr]

    def resumeProducing(self) -> None:
        if not self.stopped:
            self.transport.write(BLOB)  # type: ignore[union-attr]

    def stopProducing(self) -> None:
        self.stopped = True

    def stop(self) -> None:
        self.stopped = True
        self.transport.unregisterProducer()  # type: ignore[union-attr]
        self.transport.loseConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.stopped = True
        self.lost.callback(None)


class Sinks(protocol.ServerFactory):
    """Counts the bytes of each connection; fires ``enough`` when the total reaches ``volume``."""

    def __init__(self, volume: int) -> None:
        self.volume = volume
        self.total = 0
        self.counts: list[int] = []
        self.lost: list[Deferred[None]] = []
        self.enough: Deferred[None] = Deferred()

    def buildProtocol(self, addr: Any) -> protocol.Protocol | None:
        factory, index = self, len(self.counts)
        self.counts.append(0)
        lost: Deferred[None] = Deferred()
        self.lost.append(lost)

        class Sink(protocol.Protocol):
            def dataReceived(self, data: bytes) -> None:
                factory.counts[index] += len(data)
                factory.total += len(data)
                if factory.total >= factory.volume and not factory.enough.called:
                    factory.enough.callback(None)

            def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
                lost.callback(None)

        return Sink()


class PingPong(Recorder):
    """Sends 4 bytes, waits for them to come back, again and again; counts the round trips."""

    trips = 0
    running = True

    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.write(b"ping")  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if len(self.received) == 4:
            self.trips += 1
            del self.received[:]
            if self.running:
                self.transport.write(b"ping")  # type: ignore[union-attr]


STREAMS = 8
VOLUME_PER_STREAM = 32 * MiB
MIN_TICKS = 20
MIN_TRIPS = 8


def test_streams_do_not_starve_timers_or_other_connections(reactor: Any) -> None:
    """Scenario 42, scaled from 200 clients to 8, counting passes of the loop instead of timing.

    8 clients stream to one server as fast as their transports take data (1 MiB per request of
    a pull producer keeps every send buffer full). Until 256 MiB have arrived, a
    ``callLater(0)`` that reschedules itself must have run at least 20 times and a 4-byte
    ping-pong on another connection must have made at least 8 round trips; every stream must
    have delivered at least 10 % of the mean. (Observed: about 130 passes on the torsion
    reactors, which read at most 256 KiB per connection per pass, and 35 on uvloop, whose
    libuv reads up to 32 times per readiness; a loop that runs timed calls only on every 20th
    pass fails.)
    """
    sinks = Sinks(STREAMS * VOLUME_PER_STREAM)
    sinkPort = reactor.listenTCP(0, sinks, interface="127.0.0.1")
    echoPort, echoServer, pinger = connectPair(reactor, Echo, PingPong)
    ticks = 0
    pending: list[Any] = []

    def tick() -> None:
        nonlocal ticks
        ticks += 1
        pending[:] = [reactor.callLater(0, tick)]

    hoses = Client(Firehose)
    for _ in range(STREAMS):
        reactor.connectTCP("127.0.0.1", sinkPort.getHost().port, hoses)
    tick()
    tripsBefore = pinger.trips
    runUntil(reactor, sinks.enough)
    ticksDuring, tripsDuring = ticks, pinger.trips - tripsBefore
    counts = list(sinks.counts)

    pending[0].cancel()
    pinger.running = False
    for hose in hoses.built:
        hose.stop()
    pinger.transport.loseConnection()
    runUntil(reactor, gatherResults([h.lost for h in hoses.built] + sinks.lost))
    runUntil(reactor, gatherResults([pinger.lost, echoServer.lost]))
    runUntil(reactor, gatherResults([sinkPort.stopListening(), echoPort.stopListening()]))

    assert len(counts) == STREAMS == len(hoses.built)
    assert ticksDuring >= MIN_TICKS, f"the timer ran {ticksDuring} times"
    assert tripsDuring >= MIN_TRIPS, f"{tripsDuring} round trips"
    mean = sum(counts) / len(counts)
    assert min(counts) >= mean / 10, f"bytes per stream: {counts}"


# -- 43: reactor.stop with work in flight ---------------------------------------------------


class StopRecording(Collecting):
    def __init__(self) -> None:
        super().__init__(Recorder)
        self.stops = 0

    def stopFactory(self) -> None:
        self.stops += 1


def fullListener() -> tuple[socket.socket, list[socket.socket]]:
    """A listener that never accepts, with its backlog full: new SYNs are dropped."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    return listener, fillers


def runWithSafety(reactor: Any) -> None:
    """``reactor.run()``; a hung shutdown fails the test instead of hanging it."""
    hung: list[bool] = []

    def giveUp() -> None:
        hung.append(True)
        reactor.crash()

    safety = reactor.callLater(LIMIT, giveUp)
    reactor.run(installSignalHandlers=False)
    assert not hung, "the reactor did not stop"
    # The shutdown keeps timed calls (a restart runs them): the safety call is still pending.
    safety.cancel()


def test_stop_with_work_in_flight(reactor: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Scenario 43 (without the child process and the thread job): a listening port, an
    established connection, a connection attempt to a listener that drops its SYNs and a
    ``callLater(60)`` when ``stop()`` is called.

    Shutdown triggers run in order; the established connection's two protocols get
    ``connectionLost`` once; the connecting factory hears ``clientConnectionFailed`` once (and
    its connect timeout is cancelled); the port closes and its factory is stopped; the pending
    call has not run and is still pending; nothing is logged as an error. Then the reactor runs
    again: a new connection works and a second stop() shuts it down again.
    """
    caplog.set_level(logging.WARNING)
    factory = StopRecording()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    client = Client()
    reactor.connectTCP("127.0.0.1", port.getHost().port, client)
    server = runUntil(reactor, factory.first)
    mine = runUntil(reactor, client.first)
    runUntil(reactor, gatherResults([server.made, mine.made]))
    listener, fillers = fullListener()
    try:
        stalled = Client()
        reactor.connectTCP(*listener.getsockname(), stalled, timeout=60)
        later: list[str] = []
        pendingCall = reactor.callLater(60, later.append, "ran")
        phases: list[str] = []
        for phase in ("before", "during", "after"):
            reactor.addSystemEventTrigger(phase, "shutdown", phases.append, phase)
        reactor.callWhenRunning(reactor.stop)
        runWithSafety(reactor)

        assert phases == ["before", "during", "after"]
        assert server.events == ["made", "lost"] and mine.events == ["made", "lost"]
        assert server.reason.check(error.ConnectionLost)
        assert client.calls == ["started", "build", "lost"]
        assert stalled.calls == ["started", "failed"], stalled.calls
        assert not port.connected and factory.stops == 1
        assert later == [] and pendingCall.active()
        assert reactor.getDelayedCalls() == [pendingCall]
        assert not reactor.getReaders() and not reactor.getWriters()
        pendingCall.cancel()
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text

    # Restartable: the same reactor serves a new connection, and stops again.
    port2, server2, client2 = connectPair(reactor)
    reactor.callWhenRunning(reactor.stop)
    runWithSafety(reactor)
    assert phases == ["before", "during", "after"] * 2
    assert server2.events == client2.events == ["made", "lost"]
    assert not port2.connected
    assert reactor.getDelayedCalls() == []


# -- 45: bad connectionLost at shutdown -----------------------------------------------------


class RaisingOnLost(Recorder):
    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        super().connectionLost(reason)
        raise ZeroDivisionError(f"lost {id(self)}")


def test_raising_connection_lost_does_not_block_shutdown(
    reactor: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Scenario 45, every side raising (test_tcp.py has 3 of 10 server sides): 10 connections
    whose client and server protocols all raise in ``connectionLost`` during shutdown.

    All 20 ``connectionLost`` calls happen once each, all 20 errors are logged, the shutdown's
    ``after`` phase runs, ``run()`` returns, the port is closed, nothing is left registered, no
    timed calls are left and every socket is closed.
    """
    caplog.set_level(logging.ERROR)
    fdsBefore = openFds()
    factory = Collecting(RaisingOnLost)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    clients = []
    for _ in range(10):
        client = Client(RaisingOnLost)
        reactor.connectTCP("127.0.0.1", port.getHost().port, client)
        clients.append(runUntil(reactor, client.first))
    everyone = factory.built + clients
    runUntil(reactor, gatherResults([p.made for p in everyone]))
    assert len(everyone) == 20
    after: list[str] = []
    reactor.addSystemEventTrigger("after", "shutdown", after.append, "after")
    reactor.callWhenRunning(reactor.stop)
    runWithSafety(reactor)

    assert after == ["after"]
    assert all(p.events == ["made", "lost"] for p in everyone)
    assert all(p.reason.check(error.ConnectionLost) for p in everyone)
    raised = [r for r in caplog.records if r.exc_info and r.exc_info[0] is ZeroDivisionError]
    assert sorted(str(r.exc_info[1]) for r in raised if r.exc_info) == sorted(
        f"lost {id(p)}" for p in everyone
    )
    assert not port.connected and not reactor.getReaders() and not reactor.getWriters()
    assert reactor.getDelayedCalls() == []
    assert settle(reactor, fdsBefore) == fdsBefore
