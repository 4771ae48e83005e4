"""`ListeningBase`: how listening stream ports and datagram ports stop.

Both stop the same way (Twisted's ``IListeningPort.stopListening``): stop reading at once,
close the socket on the next reactor pass (never from inside one of the port's own callbacks),
run the factory's or protocol's ``doStop``, and fire every Deferred that `stopListening`
returned with its outcome.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from torsion.internet.defer import Deferred, succeed
from torsion.internet.error import ConnectionDone
from torsion.internet.interfaces import IReactorTime
from torsion.python.failure import Failure

__all__ = ["ListeningBase"]


class ListeningBase:
    """Stopping a port; subclasses open the socket and close it in ``connectionLost``.

    Attributes:
        reactor: The reactor the port is registered with.
        socket: The port's socket once open, or None.
        connected: True while the socket is open.
        disconnecting: True once `stopListening` was called.
    """

    reactor: IReactorTime
    socket: socket.socket | None
    connected: bool
    disconnecting: bool
    _waiters: list[Deferred[None]]

    def stopListening(self) -> Deferred[None]:
        """Stop reading now and close the socket on the next reactor pass.

        Connections a listening port accepted stay open. The factory's (or datagram
        protocol's) ``doStop`` runs at the close.

        Returns:
            A Deferred that fires with None once the socket is closed (at once if it is not
            open), or fails with what ``doStop`` raised; binding the same address again works
            from then on.
        """
        if self.socket is None or not self.connected:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._waiters.append(waiter)
        if not self.disconnecting:
            self.disconnecting = True
            self._stopReading()
            self.reactor.callLater(0, self.connectionLost, Failure(ConnectionDone()))
        return waiter

    # Twisted warns that this is deprecated; here it is only another name.
    loseConnection = stopListening

    def connectionLost(self, reason: Failure) -> None:
        """Close the socket and run ``doStop`` (each kind of port has its own)."""
        raise NotImplementedError

    def _stopReading(self) -> None:
        """Stop watching the socket for reading (each kind of port has its own)."""
        raise NotImplementedError

    def _stopped(self, doStop: Callable[[], object]) -> Failure | None:
        """The socket is closed: run ``doStop``, then fire the `stopListening` Deferreds.

        Returns:
            What ``doStop`` raised when no Deferred was there to report it (for the caller to
            log), else None.
        """
        outcome: Failure | None = None
        try:
            doStop()
        except Exception:
            outcome = Failure()
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.callback(None) if outcome is None else waiter.errback(outcome)
        return None if waiters else outcome
