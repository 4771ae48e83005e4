"""Shared pieces of the datagram tests: a recording protocol and waiting for datagrams."""

from __future__ import annotations

import functools
import socket
from typing import Any

from tests.internet._tcphelpers import Why
from torsion.internet.defer import Deferred
from torsion.internet.protocol import ConnectedDatagramProtocol, DatagramProtocol

LOOPBACK = "127.0.0.1"


class Recorder(DatagramProtocol):
    """Records datagrams and events; `waitFor` fires once enough datagrams have arrived.

    Attributes:
        received: ``(datagram, addr)`` pairs, in order.
        events: ``"start"``, ``"stop"``, ``"refused"`` in order.
        refused: Fires at the first ``connectionRefused``.
        stopped: Fires at ``stopProtocol``.
    """

    noisy = False

    def __init__(self) -> None:
        self.received: list[tuple[bytes, Any]] = []
        self.events: list[str] = []
        self.refused: Deferred[None] = Deferred()
        self.stopped: Deferred[None] = Deferred()
        self._waiters: list[tuple[int, Deferred[list[tuple[bytes, Any]]]]] = []

    def startProtocol(self) -> None:
        self.events.append("start")

    def stopProtocol(self) -> None:
        self.events.append("stop")
        self.stopped.callback(None)

    def connectionRefused(self) -> None:
        self.events.append("refused")
        if not self.refused.called:
            self.refused.callback(None)

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.received.append((datagram, addr))
        self._check()

    def _check(self) -> None:
        ready = [(n, d) for n, d in self._waiters if len(self.received) >= n]
        for entry in ready:
            self._waiters.remove(entry)
            entry[1].callback(self.received[: entry[0]])

    def waitFor(self, count: int) -> Deferred[list[tuple[bytes, Any]]]:
        """A Deferred that fires with the first ``count`` datagrams once they have arrived."""
        d: Deferred[list[tuple[bytes, Any]]] = Deferred()
        self._waiters.append((count, d))
        self._check()
        return d


class ConnectedRecorder(ConnectedDatagramProtocol, Recorder):
    """A `Recorder` for connected UNIX datagram ports (no address; records failures)."""

    def __init__(self) -> None:
        Recorder.__init__(self)
        self.failed: Deferred[Any] = Deferred()

    def datagramReceived(self, datagram: bytes) -> None:  # type: ignore[override]
        Recorder.datagramReceived(self, datagram, None)

    def connectionFailed(self, failure: Any) -> None:
        self.events.append("failed")
        self.failed.callback(Why(failure))


@functools.cache
def loopbackMulticastProblem() -> str | None:
    """Why multicast on loopback does not work here, or None: one datagram, plain sockets."""
    group = "228.0.0.250"
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as r,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s,
    ):
        try:
            r.bind((group, 0))
            request = socket.inet_aton(group) + socket.inet_aton(LOOPBACK)
            r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, request)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(LOOPBACK))
            s.sendto(b"probe", (group, r.getsockname()[1]))
            r.settimeout(5)  # a bound for failure only: loopback delivers at once
            r.recv(16)
        except OSError as e:
            return f"no multicast on the loopback interface here: {e}"
    return None
