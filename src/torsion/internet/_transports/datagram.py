"""`DatagramPort`: what UDP, multicast and UNIX datagram ports share.

A datagram port is both the listening port and the transport: the reactor watches its socket
for reading (never for writing: a datagram is sent at once or dropped, as UDP may drop it
anyway), and its protocol writes through it.

Reading drains several datagrams per wake-up, bounded by `DatagramPort.maxDatagrams` and
`DatagramPort.maxThroughput` so one busy socket cannot starve the rest of the loop. Blocking
and ICMP errors never reach the reactor, and an exception raised by the protocol is logged
without closing the port.
"""

from __future__ import annotations

import errno
import socket
from typing import Any, cast

from torsion.internet._transports.listening import ListeningBase
from torsion.internet.defer import Deferred
from torsion.internet.error import MessageLengthError
from torsion.internet.interfaces import IReactorTimeAndFDSet
from torsion.internet.protocol import AbstractDatagramProtocol
from torsion.logger import Logger, LogLevel
from torsion.python import log
from torsion.python.failure import Failure

__all__ = ["DatagramPort"]

_log = Logger(namespace="torsion.internet.udp")


class DatagramPort(ListeningBase):
    """A bound datagram socket attached to a protocol; subclasses create and bind the socket.

    Attributes:
        protocol: The datagram protocol the port delivers to.
        maxPacketSize: The largest datagram delivered; a longer one is dropped and logged
            (Twisted delivers its first ``maxPacketSize`` bytes as if it were whole).
        reactor: The reactor the port is registered with.
        connected: True while the socket is open (Twisted's name: "listening").
        disconnecting: True once `stopListening` was called.
        maxThroughput: Bytes read per wake-up at most (Twisted's 256 KiB).
        maxDatagrams: Datagrams read per wake-up at most (bounds a burst of empty ones too).
    """

    maxThroughput = 256 * 1024
    maxDatagrams = 32
    _kind = "UDP"  # for log lines

    reactor: IReactorTimeAndFDSet

    def __init__(
        self,
        protocol: AbstractDatagramProtocol,
        maxPacketSize: int,
        reactor: IReactorTimeAndFDSet | None,
    ) -> None:
        self.protocol = protocol
        self.maxPacketSize = maxPacketSize
        # None (the default of Twisted's signature) is kept as it is, not replaced by the
        # global reactor: the port fails on first use without a reactor.
        self.reactor = cast(IReactorTimeAndFDSet, reactor)
        self.connected = False
        self.disconnecting = False
        self.socket: socket.socket | None = None
        self._fileno = -1
        self._reading = False
        self._peer: Any = None  # the connected peer's address, if connected
        self._waiters: list[Deferred[None]] = []

    def fileno(self) -> int:
        """Return the socket's file descriptor (-1 before binding)."""
        return self._fileno

    def getHandle(self) -> socket.socket:
        """Return the socket (Twisted's ``ISystemHandle``), for options torsion does not wrap.

        Raises:
            RuntimeError: The port is not open.
        """
        if self.socket is None:
            raise RuntimeError("the port is not open")
        return self.socket

    def logPrefix(self) -> str:
        """Return the prefix for log lines about this port: the protocol's, and the kind."""
        return f"{self._protocolPrefix()} ({self._kind})"

    def _protocolPrefix(self) -> str:
        """The protocol's log prefix (its class name if it has none)."""
        prefix = getattr(self.protocol, "logPrefix", None)
        return prefix() if callable(prefix) else self.protocol.__class__.__name__

    def _start(self, skt: socket.socket) -> None:
        """Adopt the bound ``skt``, attach the protocol and start reading."""
        skt.setblocking(False)
        self.socket = skt
        self._fileno = skt.fileno()
        self.connected = True
        try:
            self.protocol.makeConnection(self)
        except BaseException:
            self.connected = False
            skt.close()
            self._closed()
            raise
        if self.connected and not self.disconnecting:
            self._reading = True
            self.reactor.addReader(self)

    def doRead(self) -> None:
        """Deliver the waiting datagrams, a bounded number of them; the reactor calls this."""
        recvfrom = self.socket.recvfrom  # type: ignore[union-attr]
        limit = self.maxPacketSize
        budget = self.maxThroughput
        for _ in range(self.maxDatagrams):
            if not self._reading:  # the protocol stopped the port
                return
            try:
                # One byte more than allowed tells an oversized datagram from a full-size one.
                data, addr = recvfrom(limit + 1)
            except BlockingIOError:  # drained (EINTR is retried by Python itself)
                return
            except ConnectionRefusedError:  # ICMP port unreachable for an earlier datagram
                self._refused()
                return
            except OSError as e:  # another ICMP report (host unreachable, ...): the port lives
                _log.warn(
                    "{prefix}: receive error ignored: {error}", prefix=self.logPrefix(), error=e
                )
                return
            if len(data) > limit:
                _log.warn(
                    "{prefix}: dropped a datagram from {sender!r} longer than maxPacketSize"
                    " ({limit} bytes)",
                    prefix=self.logPrefix(),
                    sender=addr,
                    limit=limit,
                )
                continue
            try:
                self._deliver(data, addr)
            except Exception:
                _log.failure(
                    "Unhandled error in {prefix}.datagramReceived",
                    level=LogLevel.error,
                    prefix=self.logPrefix(),
                )
            budget -= len(data)
            if budget <= 0:
                return

    def _deliver(self, data: bytes, addr: Any) -> None:
        self.protocol.datagramReceived(data, addr)

    def _refused(self) -> None:
        """Tell a connected port's protocol; an error it raises is logged, the port lives."""
        if self._peer is None:
            return  # a stale report for a socket that is not connected: nobody to tell
        try:
            self.protocol.connectionRefused()  # type: ignore[attr-defined]
        except Exception:
            _log.failure(
                "Unhandled error in {prefix}.connectionRefused",
                level=LogLevel.error,
                prefix=self.logPrefix(),
            )

    def _send(self, datagram: bytes, addr: Any) -> None:
        """Send one datagram to ``addr`` (None: to the connected peer), or drop it.

        Raises:
            MessageLengthError: Too long to send.
        """
        skt = self.socket
        if skt is None or not self.connected:
            return  # closed: the datagram is lost, as it could be on the network
        try:
            if addr is None:
                skt.send(datagram)
            else:
                skt.sendto(datagram, addr)
        except BlockingIOError:
            pass  # the send buffer is full: drop it, as a full queue on the path would
        except ConnectionRefusedError:  # an ICMP report about an earlier datagram
            self._refused()
        except OSError as e:
            if e.errno != errno.EMSGSIZE:
                raise
            raise MessageLengthError(f"{len(datagram)} bytes: {e.strerror}") from e

    def connectionLost(self, reason: Failure | None = None) -> None:
        """Close the socket and stop the protocol (from `stopListening`, or at shutdown)."""
        if not self.connected:
            return
        self.connected = False
        self._stopReading()
        self.socket.close()  # type: ignore[union-attr]
        self._closed()
        # A legacy event, as in Twisted, whose tests read its "message".
        log.msg(f"({self._kind} Port {self._where()} Closed)", log_namespace="torsion.internet.udp")
        failure = self._stopped(self.protocol.doStop)
        if failure is not None:
            _log.failure(
                "Error stopping protocol {protocol!r}",
                failure,
                LogLevel.error,
                protocol=self.protocol,
            )

    def _closed(self) -> None:
        """Clean up after the socket closed (a UNIX port removes its file)."""

    def _where(self) -> str:
        """Where the port is bound, for log lines."""
        raise NotImplementedError

    def _stopReading(self) -> None:
        if self._reading:
            self._reading = False
            self.reactor.removeReader(self)

    def __repr__(self) -> str:
        where = self._where() if self.connected else "not listening"
        return f"<{self.protocol.__class__.__name__} on {where}>"
