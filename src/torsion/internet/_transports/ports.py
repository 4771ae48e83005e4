"""`StreamPort`: accepting connections on a listening stream socket, TCP or UNIX.

The TCP and UNIX ports (`torsion.internet._transports.tcp.Port`,
`torsion.internet._transports.unix.Port`) are its siblings: each binds its own kind of socket
and names its own addresses; accepting, pausing on descriptor exhaustion and closing are here.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable
from typing import Any, cast

from torsion.internet._transports.listening import ListeningBase
from torsion.internet._transports.reservation import BuffersLogs, reservedFD
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IDelayedCall, IReactorTimeAndFDSet
from torsion.internet.protocol import Factory
from torsion.logger import Logger, LogLevel, globalLogPublisher
from torsion.python.failure import Failure

__all__ = ["StreamPort"]

_log = Logger(namespace="torsion.internet.tcp")

# accept() errors meaning "no descriptors left": wait for some to be freed instead of spinning.
_FD_EXHAUSTION = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
# accept() errors about one failed incoming connection, not about the port.
_PEER_GONE = frozenset({errno.ECONNABORTED, errno.EPROTO, errno.EPERM})


class StreamPort(ListeningBase):
    """A listening stream socket that accepts connections for a factory.

    Accepts at most `numberAccepts` connections per wake-up, so one busy port cannot starve the
    rest of the loop. When accept fails for lack of file descriptors (EMFILE, ENFILE), the error
    is logged and the port stops accepting until one of its connections closes or
    `acceptRetryDelay` seconds pass: no busy loop, and the port stays open.

    Subclasses bind and listen in ``startListening`` (then call `_listening`), and say how an
    accepted descriptor becomes a socket (`_acceptedSocket`) and its peer an address
    (`_peerAddress`).

    Attributes:
        factory: Builds a protocol for each accepted connection.
        backlog: The ``listen`` backlog.
        reactor: The reactor the port is registered with.
        connected: True while listening.
        disconnecting: True from `stopListening` until the socket is closed.
        disconnected: True once the socket was closed (until the port listens again).
        sessionno: How many connections were accepted so far (the next one's number).
    """

    reactor: IReactorTimeAndFDSet
    numberAccepts = 128
    acceptRetryDelay = 1.0
    #: The transport class of accepted connections (the asyncio reactor substitutes its own).
    serverTransport: Callable[..., Any]
    #: Turns an accepted socket's peer address into an address object.
    _peerAddress: Callable[[Any], Any]

    def __init__(
        self, factory: Factory, backlog: int, reactor: IReactorTimeAndFDSet | None
    ) -> None:
        self.factory = factory
        self.backlog = backlog
        # None (the default of Twisted's signature) is kept as it is, not replaced by the
        # global reactor: the port fails on first use without a reactor.
        self.reactor = cast(IReactorTimeAndFDSet, reactor)
        self.connected = False
        self.disconnecting = False
        self.disconnected = False
        self.sessionno = 0
        self.socket: socket.socket | None = None
        self._fileno = -1
        self._accepting = False
        self._retry: IDelayedCall | None = None
        self._waiters: list[Deferred[None]] = []

    def _acceptedSocket(self, fd: int) -> socket.socket:
        """The socket object of a descriptor ``accept`` returned."""
        raise NotImplementedError

    def _listening(self, skt: socket.socket) -> None:
        """The socket is bound and listening: start the factory and start accepting.

        The process's spare descriptor is reserved now, if it is not yet (see
        `_outOfDescriptors`).
        """
        reservedFD.reserve()
        skt.setblocking(False)
        self.socket = skt
        self._fileno = skt.fileno()
        self.factory.doStart()
        self.connected = True
        self.disconnected = False
        self._startReading()

    def fileno(self) -> int:
        """Return the listening socket's file descriptor."""
        return self._fileno

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this port: the factory's."""
        return self.factory.logPrefix()

    def doRead(self) -> None:
        """Accept the connections waiting (at most `numberAccepts`); the reactor calls this."""
        skt = self.socket
        assert skt is not None
        accept = skt._accept  # type: ignore[attr-defined]  # (fd, address): no socket object yet
        makeSocket = self._acceptedSocket
        for _ in range(self.numberAccepts):
            try:
                fd, addr = accept()
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno in _PEER_GONE:
                    continue
                if e.errno in _FD_EXHAUSTION:
                    self._outOfDescriptors(e)
                else:
                    _log.error(
                        "Could not accept new connection on {port!r}: {error}", port=self, error=e
                    )
                return
            self._accepted(makeSocket(fd), addr)

    def _accepted(self, skt: socket.socket, addr: Any) -> None:
        skt.setblocking(False)
        peer = self._peerAddress(addr)
        try:
            protocol = self.factory.buildProtocol(peer)
        except Exception:
            _log.failure(
                "Unhandled error in {prefix}.buildProtocol",
                level=LogLevel.error,
                prefix=self.logPrefix(),
            )
            protocol = None
        if protocol is None:
            skt.close()
            return
        sessionno = self.sessionno  # Numbered from 0, as in Twisted.
        self.sessionno = sessionno + 1
        self.serverTransport(skt, protocol, peer, self, sessionno, self.reactor)._start()

    def _outOfDescriptors(self, e: OSError) -> None:
        """``accept`` failed for lack of descriptors: turn the waiting clients away, or pause.

        At the process's limit (EMFILE) with the spare descriptor reserved, the spare is
        released, each waiting connection accepted and closed at once (its client sees the
        connection closed instead of hanging in the backlog), and the spare reserved again.
        Otherwise (the system's limit, no memory, or no spare) accepting pauses.
        """
        if e.errno == errno.EMFILE and reservedFD.available():
            self._turnAway()
        else:
            self._pauseAccepting(e)

    def _turnAway(self) -> None:
        skt = self.socket
        assert skt is not None
        accept = skt._accept  # type: ignore[attr-defined]  # (fd, address): nothing allocated
        # Observers may open files: their events wait until the spare is reserved again.
        with BuffersLogs("torsion.internet.tcp", globalLogPublisher) as log:
            log.info("EMFILE encountered; releasing reserved file descriptor.")
            with reservedFD:
                for _ in range(self.numberAccepts):
                    try:
                        fd, address = accept()
                    except BlockingIOError:
                        break
                    except OSError as e:
                        if e.errno in _PEER_GONE:
                            continue
                        log.info("Could not accept new connection ({error})", error=e)
                        break
                    os.close(fd)
                    log.info("EMFILE recovery: Closed socket from {address}", address=address)
                log.info("Re-reserving EMFILE recovery file descriptor.")

    def _pauseAccepting(self, e: OSError) -> None:
        _log.error(
            "Out of file descriptors accepting on {port!r} ({reason}):"
            " pausing accept for {delay} s",
            port=self,
            reason=e.strerror,
            delay=self.acceptRetryDelay,
        )
        self._stopReading()
        self._retry = self.reactor.callLater(self.acceptRetryDelay, self._resumeAccepting)

    def _resumeAccepting(self) -> None:
        self._retry = None
        self._startReading()

    def connectionClosed(self) -> None:
        """One of this port's connections closed: a descriptor is free, accept again now."""
        if self._retry is not None:
            self._retry.cancel()
            self._resumeAccepting()

    def connectionLost(self, reason: Failure) -> None:
        """Close the socket and stop the factory (from `stopListening`, or at shutdown)."""
        if not self.connected:
            return
        self.connected = False
        self._stopReading()
        # Stopped: the port may listen again, from the stopListening Deferred's callbacks on.
        self.disconnecting = False
        self.disconnected = True
        self._closeSocket()
        failure = self._stopped(self.factory.doStop)
        if failure is not None:
            _log.failure(
                "Error stopping factory {factory!r}", failure, LogLevel.error, factory=self.factory
            )

    def _closeSocket(self) -> None:
        """Close the listening socket (subclasses also remove what they created)."""
        raise NotImplementedError

    def _startReading(self) -> None:
        if not self._accepting and self.connected and not self.disconnecting:
            self._accepting = True
            self.reactor.addReader(self)

    def _stopReading(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._accepting:
            self._accepting = False
            self.reactor.removeReader(self)
