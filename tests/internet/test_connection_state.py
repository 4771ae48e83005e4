"""The stream transports' one explicit state: `StreamState`, its table, and real transports.

The table below is written out by hand (not derived from the implementation's): every
(state, event) pair, with the state it leads to or None where the state refuses the event.
It is checked on the state type alone (sans-IO), on a bare `StreamTransport` (the public
attributes and ``_direct`` that `StreamTransport._apply` keeps in step), and, for a few
rows, through a real TCP connection on every reactor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.internet._tcphelpers import HalfCloseable, connectPair, runUntil
from torsion.internet import error, protocol
from torsion.internet._asyncio.tcp import AsyncioConnection
from torsion.internet._transports.stream import StreamEvent, StreamState, StreamTransport
from torsion.internet._transports.tcpconnection import Connection as TCPConnection
from torsion.internet._transports.unixconnection import UNIXConnection
from torsion.internet.defer import Deferred, gatherResults
from torsion.protocols import tls
from torsion.python.failure import Failure

S, E = StreamState, StreamEvent

_: None = None  # refused: the state stays as it is (typed: to mypy, `_` is a throwaway name)
# Each row: the state reached by each of EVENTS (below), in that order.
TABLE: dict[StreamState, tuple[StreamState | None, ...]] = {
    S.OPEN: (S.DISCONNECTING, S.HALF_CLOSING, _, S.READ_CLOSED, S.CLOSING, S.ABORTING, S.CLOSED),
    S.READ_CLOSED: (
        S.DISCONNECTING, S.READ_CLOSED_HALF_CLOSING, _, _, S.CLOSING, S.ABORTING, S.CLOSED,
    ),
    S.HALF_CLOSING: (
        S.DISCONNECTING, _, S.WRITE_CLOSED, S.READ_CLOSED_HALF_CLOSING, S.CLOSING, S.ABORTING,
        S.CLOSED,
    ),
    S.READ_CLOSED_HALF_CLOSING: (
        S.DISCONNECTING, _, S.CLOSING, _, S.CLOSING, S.ABORTING, S.CLOSED,
    ),
    S.WRITE_CLOSED: (
        S.DISCONNECTING_WRITE_CLOSED, _, _, S.CLOSING, S.CLOSING, S.ABORTING, S.CLOSED,
    ),
    S.DISCONNECTING: (_, _, _, S.DISCONNECTING, S.CLOSING, S.ABORTING, S.CLOSED),
    S.DISCONNECTING_WRITE_CLOSED: (
        _, _, _, S.DISCONNECTING_WRITE_CLOSED, S.CLOSING, S.ABORTING, S.CLOSED,
    ),
    S.CLOSING: (_, _, _, _, S.CLOSING, S.ABORTING, S.CLOSED),
    S.ABORTING: (_, _, _, _, S.ABORTING, _, S.CLOSED),
    S.CLOSED: (_, _, _, _, _, _, _),
}  # fmt: skip
EVENTS = (
    E.LOSE_CONNECTION,
    E.LOSE_WRITE_CONNECTION,
    E.WRITE_SHUT_DOWN,
    E.READ_EOF,
    E.CLOSE,
    E.ABORT,
    E.LOST,
)
ROWS = [
    pytest.param(state, event, TABLE[state][i], id=f"{state.name}-{event.name}")
    for state in S
    for i, event in enumerate(EVENTS)
]

#: What each state allows: (writeOpen, readOpen, shutdownPending, writeShutDown,
#: disconnecting, closing).
FLAGS = {
    S.OPEN: (1, 1, 0, 0, 0, 0),
    S.READ_CLOSED: (1, 0, 0, 0, 0, 0),
    S.HALF_CLOSING: (1, 1, 1, 0, 0, 0),
    S.READ_CLOSED_HALF_CLOSING: (1, 0, 1, 0, 0, 0),
    S.WRITE_CLOSED: (0, 1, 0, 1, 0, 0),
    S.DISCONNECTING: (1, 0, 0, 0, 1, 0),
    S.DISCONNECTING_WRITE_CLOSED: (0, 0, 0, 1, 1, 0),
    S.CLOSING: (0, 0, 0, 0, 0, 1),
    S.ABORTING: (0, 0, 0, 0, 0, 1),
    S.CLOSED: (0, 0, 0, 0, 0, 1),
}


def test_table_covers_every_state_and_event() -> None:
    assert set(TABLE) == set(S) and set(EVENTS) == set(E)


# -- the state type alone -------------------------------------------------------------------


@pytest.mark.parametrize(("state", "event", "expected"), ROWS)
def test_transition(state: StreamState, event: StreamEvent, expected: StreamState | None) -> None:
    assert state.after(event) is expected


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.name)
def test_flags(state: StreamState) -> None:
    flags = (
        state.writeOpen,
        state.readOpen,
        state.shutdownPending,
        state.writeShutDown,
        state.disconnecting,
        state.closing,
    )
    assert flags == tuple(bool(f) for f in FLAGS[state])


def test_closed_is_reached_from_every_state_and_left_by_none() -> None:
    for state in S:
        assert state.after(E.LOST) is (None if state is S.CLOSED else S.CLOSED)
    assert all(S.CLOSED.after(event) is None for event in E)


# -- a bare transport: what _apply keeps in step --------------------------------------------


class Bare(StreamTransport[None]):
    """A `StreamTransport` with no I/O, to watch `_apply` and `_updateDirect`."""

    _direct = True
    writable = True  # What the transport itself adds to the rule (_mayWriteNow).

    def __init__(self) -> None:
        pass

    def _mayWriteNow(self) -> bool:
        return self.writable

    def _checkHighWater(self) -> None:
        pass


class Pull:
    def resumeProducing(self) -> None:
        pass

    def stopProducing(self) -> None:
        pass


def reach(transport: StreamTransport[Any], state: StreamState) -> None:
    """Drive ``transport`` from OPEN to ``state`` by events, along the table."""
    paths = {
        S.OPEN: (),
        S.READ_CLOSED: (E.READ_EOF,),
        S.HALF_CLOSING: (E.LOSE_WRITE_CONNECTION,),
        S.READ_CLOSED_HALF_CLOSING: (E.READ_EOF, E.LOSE_WRITE_CONNECTION),
        S.WRITE_CLOSED: (E.LOSE_WRITE_CONNECTION, E.WRITE_SHUT_DOWN),
        S.DISCONNECTING: (E.LOSE_CONNECTION,),
        S.DISCONNECTING_WRITE_CLOSED: (
            E.LOSE_WRITE_CONNECTION,
            E.WRITE_SHUT_DOWN,
            E.LOSE_CONNECTION,
        ),
        S.CLOSING: (E.CLOSE,),
        S.ABORTING: (E.ABORT,),
        S.CLOSED: (E.LOST,),
    }
    for event in paths[state]:
        assert transport._apply(event)
    assert transport._state is state


@pytest.mark.parametrize(("state", "event", "expected"), ROWS)
def test_apply(state: StreamState, event: StreamEvent, expected: StreamState | None) -> None:
    """_apply follows the table and keeps the public attributes and _direct in step."""
    t = Bare()
    reach(t, state)
    wasDisconnecting = t.disconnecting
    assert t._apply(event) is (expected is not None)
    now = state if expected is None else expected
    assert t._state is now
    assert t.connected is (now is not S.CLOSED)
    assert t.disconnected is (now is S.CLOSED)
    # disconnecting: loseConnection() was called before the close, even if refused; it stays.
    lose = event is E.LOSE_CONNECTION and state is not S.CLOSED
    assert t.disconnecting is (wasDisconnecting or lose)
    assert t._direct is now.writeOpen


def test_disconnecting_is_sticky() -> None:
    t = Bare()
    t._apply(E.LOSE_CONNECTION)
    t._apply(E.CLOSE)
    t._apply(E.LOST)
    assert (t.connected, t.disconnecting, t.disconnected) == (False, True, True)


def test_lose_connection_while_aborting_is_refused_but_marks_disconnecting() -> None:
    """As in Twisted: ``disconnecting`` is set, but the abort goes on (no drain, no close)."""
    t = Bare()
    t._apply(E.ABORT)
    assert not t._apply(E.LOSE_CONNECTION)
    assert t._state is S.ABORTING and t.disconnecting and t.connected


def test_direct_follows_the_producer_and_the_transport() -> None:
    """_direct: a state that accepts writes, no pull producer, and _mayWriteNow."""
    t = Bare()
    assert t._direct
    t.registerProducer(Pull(), False)
    assert not t._direct
    t.producer = None
    t.streamingProducer = False
    t._updateDirect()
    assert t._direct
    t.registerProducer(Pull(), True)
    assert t._direct  # A streaming producer is paused by write(), which may still send.
    t.producer = None
    t.writable = False
    t._updateDirect()
    assert not t._direct
    t.writable = True
    t._apply(E.LOSE_WRITE_CONNECTION)
    assert t._direct  # Writes are still sent until the half-close happens.
    t._apply(E.WRITE_SHUT_DOWN)
    assert not t._direct


def _fresh(cls: type[Any]) -> Any:
    t = object.__new__(cls)
    if cls is UNIXConnection:
        t._outgoingFds = []
    return t


@pytest.mark.parametrize("cls", [TCPConnection, UNIXConnection, AsyncioConnection])
def test_class_default_of_direct_is_what_update_direct_computes(cls: type[Any]) -> None:
    """A new connection's ``_direct`` (a class attribute) is the value of the rule."""
    t = _fresh(cls)
    default = t._direct
    t._updateDirect()
    assert t._direct is default
    assert t._state is S.OPEN and t.connected and not t.disconnecting and not t.disconnected


# -- through real connections, on every reactor ---------------------------------------------


class Halves(HalfCloseable):
    """Records the state its transport is in at each of its callbacks."""

    def __init__(self) -> None:
        super().__init__()
        self.readLost: Deferred[None] = Deferred()
        self.writeLost: Deferred[None] = Deferred()
        self.seen: list[tuple[str, StreamState]] = []

    def readConnectionLost(self) -> None:
        super().readConnectionLost()
        self.seen.append(("readLost", self.transport._state))  # type: ignore[union-attr]
        self.readLost.callback(None)

    def writeConnectionLost(self) -> None:
        super().writeConnectionLost()
        self.seen.append(("writeLost", self.transport._state))  # type: ignore[union-attr]
        self.writeLost.callback(None)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.seen.append(("lost", self.transport._state))  # type: ignore[union-attr]
        super().connectionLost(reason)


def _toWriteClosed(reactor: Any, mine: Halves, peer: Halves) -> None:
    mine.transport.loseWriteConnection()  # type: ignore[union-attr]
    runUntil(reactor, gatherResults([mine.writeLost, peer.readLost]))


def _toReadClosed(reactor: Any, mine: Halves, peer: Halves) -> None:
    peer.transport.loseWriteConnection()  # type: ignore[union-attr]
    runUntil(reactor, gatherResults([mine.readLost, peer.writeLost]))


Reach = Callable[[Any, Halves, Halves], None]
REACH: dict[StreamState, Reach] = {
    S.OPEN: lambda reactor, mine, peer: None,
    S.DISCONNECTING: lambda reactor, mine, peer: mine.transport.loseConnection(),  # type: ignore[union-attr]
    S.ABORTING: lambda reactor, mine, peer: mine.transport.abortConnection(),  # type: ignore[union-attr]
    S.HALF_CLOSING: lambda reactor, mine, peer: mine.transport.loseWriteConnection(),  # type: ignore[union-attr]
    S.WRITE_CLOSED: _toWriteClosed,
    S.READ_CLOSED: _toReadClosed,
}
CALLS = {
    E.LOSE_CONNECTION: "loseConnection",
    E.LOSE_WRITE_CONNECTION: "loseWriteConnection",
    E.ABORT: "abortConnection",
}
REAL_ROWS = [
    (S.OPEN, E.LOSE_CONNECTION),
    (S.OPEN, E.LOSE_WRITE_CONNECTION),
    (S.OPEN, E.ABORT),
    (S.DISCONNECTING, E.LOSE_CONNECTION),
    (S.DISCONNECTING, E.LOSE_WRITE_CONNECTION),
    (S.DISCONNECTING, E.ABORT),
    (S.ABORTING, E.LOSE_CONNECTION),
    (S.ABORTING, E.ABORT),
    (S.HALF_CLOSING, E.LOSE_WRITE_CONNECTION),
    (S.WRITE_CLOSED, E.LOSE_CONNECTION),
    (S.WRITE_CLOSED, E.LOSE_WRITE_CONNECTION),
    (S.READ_CLOSED, E.LOSE_WRITE_CONNECTION),
]


@pytest.mark.parametrize(
    ("state", "event"), REAL_ROWS, ids=[f"{s.name}-{e.name}" for s, e in REAL_ROWS]
)
def test_real_transport(reactor: Any, state: StreamState, event: StreamEvent) -> None:
    """The table's row, through a TCP connection's public methods, then a close."""
    port, mine, peer = connectPair(reactor, Halves, Halves)
    t = mine.transport
    REACH[state](reactor, mine, peer)
    assert t._state is state
    expected = TABLE[state][EVENTS.index(event)]
    getattr(t, CALLS[event])()
    assert t._state is (state if expected is None else expected)
    assert t.connected and not t.disconnected
    assert t._direct is (t._state.writeOpen and t._mayWriteNow())
    # Whatever the state, an abort ends it, with the reason of the first close.
    aborted = t._state is S.ABORTING
    t.abortConnection()
    peer.transport.abortConnection()
    reasons = runUntil(reactor, gatherResults([mine.lost, peer.lost]))
    assert t._state is S.CLOSED and not t.connected and t.disconnected and not t._direct
    assert mine.seen[-1] == ("lost", S.CLOSED)
    assert reasons[0].check(error.ConnectionAborted), (aborted, reasons[0])
    assert t.disconnecting is (state is S.DISCONNECTING or event is E.LOSE_CONNECTION)
    runUntil(reactor, port.stopListening())


def test_real_half_close_both_ways(reactor: Any) -> None:
    """OPEN -> HALF_CLOSING -> WRITE_CLOSED -> CLOSING -> CLOSED, and the peer's mirror."""
    port, mine, peer = connectPair(reactor, Halves, Halves)
    mine.transport.loseWriteConnection()
    runUntil(reactor, gatherResults([mine.writeLost, peer.readLost]))
    peer.transport.loseWriteConnection()
    assert peer.transport._state is S.READ_CLOSED_HALF_CLOSING
    reasons = runUntil(reactor, gatherResults([mine.lost, peer.lost]))
    assert all(r.check(error.ConnectionDone) for r in reasons)
    assert mine.seen == [
        ("writeLost", S.WRITE_CLOSED),
        ("readLost", S.CLOSING),
        ("lost", S.CLOSED),
    ]
    assert peer.seen == [
        ("readLost", S.READ_CLOSED),
        ("writeLost", S.CLOSING),
        ("lost", S.CLOSED),
    ]
    runUntil(reactor, port.stopListening())


def test_real_direct_follows_a_pull_producer(reactor: Any) -> None:
    """_direct is recomputed as a pull producer comes and goes (every reactor)."""
    port, mine, peer = connectPair(reactor, Halves, Halves)
    t = mine.transport
    runUntil(reactor, _passes(reactor, 3))  # asyncio: the socket is handed over by now.
    assert t._direct
    t.registerProducer(Pull(), False)
    assert not t._direct
    t.unregisterProducer()
    assert t._direct
    t.loseConnection()
    assert runUntil(reactor, mine.lost).check(error.ConnectionDone)
    assert not t._direct
    runUntil(reactor, peer.readLost)  # Half-closeable: the peer closes in its own time.
    peer.transport.loseConnection()
    runUntil(reactor, peer.lost)
    runUntil(reactor, port.stopListening())


def _passes(reactor: Any, n: int) -> Deferred[None]:
    d: Deferred[None] = Deferred()

    def step(left: int) -> None:
        if left:
            reactor.callLater(0, step, left - 1)
        else:
            d.callback(None)

    step(n)
    return d


def test_real_lose_connection_after_abort_from_a_timed_call(reactor: Any) -> None:
    """ABORTING refuses loseConnection: the close stays an abort on every reactor.

    (Before the explicit state, the select/poll/epoll transports registered as a writer
    here, and the drain could report ConnectionDone before the scheduled abort ran.)
    """
    port, mine, peer = connectPair(reactor, Halves, Halves)
    t = mine.transport

    def abortThenLose() -> None:
        t.abortConnection()
        t.loseConnection()
        assert t._state is S.ABORTING and t.disconnecting

    reactor.callLater(0, abortThenLose)
    assert runUntil(reactor, mine.lost).check(error.ConnectionAborted)
    runUntil(reactor, peer.lost)
    runUntil(reactor, port.stopListening())


# -- the TLS layer's state ------------------------------------------------------------------

T, TE = tls._State, tls._Event


def tlsState(layer: tls.TLSMemoryBIOProtocol) -> tls._State:
    """``layer._state``, read afresh: mypy would keep an attribute narrowed by an earlier
    ``assert ... is`` across the calls that change it."""
    return layer._state


TLS_EVENTS = (
    TE.HANDSHAKE_DONE,
    TE.LOSE_WRITE_CONNECTION,
    TE.SENT_CLOSE_NOTIFY,
    TE.RECEIVED_CLOSE_NOTIFY,
    TE.CLOSE,
    TE.ABORT,
    TE.LOST,
)
# Each row: the state reached by each of TLS_EVENTS, in that order.
TLS_TABLE: dict[tls._State, tuple[tls._State | None, ...]] = {
    T.HANDSHAKING: (T.OPEN, T.HANDSHAKING_HALF_CLOSING, _, _, T.CLOSED, T.ABORTED, T.CLOSED),
    T.HANDSHAKING_HALF_CLOSING: (T.HALF_CLOSING, _, _, _, T.CLOSED, T.ABORTED, T.CLOSED),
    T.OPEN: (_, T.HALF_CLOSING, T.SENT, T.RECEIVED, T.CLOSED, T.ABORTED, T.CLOSED),
    T.HALF_CLOSING: (_, _, T.SENT, T.RECEIVED_HALF_CLOSING, T.CLOSED, T.ABORTED, T.CLOSED),
    T.SENT: (_, _, _, T.SHUT_DOWN, T.CLOSED, T.ABORTED, T.CLOSED),
    T.RECEIVED: (_, T.RECEIVED_HALF_CLOSING, T.SHUT_DOWN, _, T.CLOSED, T.ABORTED, T.CLOSED),
    T.RECEIVED_HALF_CLOSING: (_, _, T.SHUT_DOWN, _, T.CLOSED, T.ABORTED, T.CLOSED),
    T.SHUT_DOWN: (_, _, _, _, T.CLOSED, T.ABORTED, T.CLOSED),
    T.CLOSED: (_, _, _, _, T.CLOSED, T.ABORTED, T.CLOSED),
    T.ABORTED: (_, _, _, _, T.ABORTED, _, T.CLOSED),
}
TLS_ROWS = [
    pytest.param(state, event, TLS_TABLE[state][i], id=f"{state.name}-{event.name}")
    for state in T
    for i, event in enumerate(TLS_EVENTS)
]
#: (handshaking, open, over, halfClosePending, sentCloseNotify, receivedCloseNotify,
#:  writeClosed, decrypts, encrypts)
TLS_FLAGS = {
    T.HANDSHAKING: (1, 0, 0, 0, 0, 0, 0, 1, 1),
    T.HANDSHAKING_HALF_CLOSING: (1, 0, 0, 1, 0, 0, 1, 1, 1),
    T.OPEN: (0, 1, 0, 0, 0, 0, 0, 1, 1),
    T.HALF_CLOSING: (0, 1, 0, 1, 0, 0, 1, 1, 1),
    T.SENT: (0, 1, 0, 0, 1, 0, 1, 1, 0),
    T.RECEIVED: (0, 1, 0, 0, 0, 1, 0, 0, 1),
    T.RECEIVED_HALF_CLOSING: (0, 1, 0, 1, 0, 1, 1, 0, 1),
    T.SHUT_DOWN: (0, 0, 1, 0, 1, 1, 1, 0, 0),
    T.CLOSED: (0, 0, 1, 0, 0, 0, 1, 0, 0),
    T.ABORTED: (0, 0, 1, 0, 0, 0, 1, 0, 0),
}


def test_tls_table_covers_every_state_and_event() -> None:
    assert set(TLS_TABLE) == set(T) and set(TLS_EVENTS) == set(TE)


@pytest.mark.parametrize(("state", "event", "expected"), TLS_ROWS)
def test_tls_transition(state: tls._State, event: tls._Event, expected: tls._State | None) -> None:
    assert state.after(event) is expected


@pytest.mark.parametrize("state", list(T), ids=lambda s: s.name)
def test_tls_flags(state: tls._State) -> None:
    flags = (
        state.handshaking,
        state.open,
        state.over,
        state.halfClosePending,
        state.sentCloseNotify,
        state.receivedCloseNotify,
        state.writeClosed,
        state.decrypts,
        state.encrypts,
    )
    assert flags == tuple(bool(f) for f in TLS_FLAGS[state])


class TLSHalves(HalfCloseable):
    """Records the TLS layer's state at each of its callbacks."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, tls._State]] = []

    def readConnectionLost(self) -> None:
        super().readConnectionLost()
        self.seen.append(("readLost", self.transport._state))  # type: ignore[union-attr]

    def writeConnectionLost(self) -> None:
        super().writeConnectionLost()
        self.seen.append(("writeLost", self.transport._state))  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:
        self.seen.append(("lost", self.transport._state))  # type: ignore[union-attr]
        super().connectionLost(reason)


def test_tls_half_close_both_ways() -> None:
    """OPEN -> SENT -> SHUT_DOWN on the side that half-closes first; RECEIVED on the other."""
    from tests.protocols.test_tls import Pair

    pair = Pair(serverProtocol=TLSHalves, clientProtocol=TLSHalves, greet=False)
    assert tlsState(pair.clientTLS) is T.HANDSHAKING
    pair.client.transport.loseWriteConnection()
    assert tlsState(pair.clientTLS) is T.HANDSHAKING_HALF_CLOSING
    pair.pump.flush()
    assert pair.client.seen[0] == ("writeLost", T.SENT)
    assert pair.server.seen[0] == ("readLost", T.RECEIVED)
    pair.server.transport.write(b"last")
    pair.server.transport.loseWriteConnection()
    assert tlsState(pair.serverTLS) is T.SHUT_DOWN  # Ours answers theirs: TLS is over.
    pair.pump.flush()
    assert bytes(pair.client.received) == b"last"
    assert pair.client.reason.check(error.ConnectionDone)
    assert pair.server.reason.check(error.ConnectionDone)
    assert tlsState(pair.clientTLS) is T.CLOSED and tlsState(pair.serverTLS) is T.CLOSED
    # Its close_notify was out already: the peer's ends TLS, with no readConnectionLost.
    assert pair.client.seen == [("writeLost", T.SENT), ("lost", T.CLOSED)]
    assert pair.server.seen == [("readLost", T.RECEIVED), ("lost", T.CLOSED)]


def test_tls_abort_then_lose_connection() -> None:
    """ABORTED refuses a second abort; loseConnection after it changes nothing."""
    from tests.protocols.test_tls import Pair

    pair = Pair(serverProtocol=TLSHalves, clientProtocol=TLSHalves)
    assert tlsState(pair.clientTLS) is T.OPEN
    pair.client.transport.abortConnection()
    assert tlsState(pair.clientTLS) is T.ABORTED and pair.clientTLS.disconnecting
    pair.client.transport.loseConnection()
    pair.client.transport.abortConnection()
    assert tlsState(pair.clientTLS) is T.ABORTED
    pair.pump.flush()
    assert pair.client.reason.check(error.ConnectionAborted)
    assert tlsState(pair.clientTLS) is T.CLOSED
