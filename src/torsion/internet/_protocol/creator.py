"""`ClientCreator`: connect one ready-made protocol instance, and get it through a Deferred.

Apart from the protocol classes (`torsion.internet._protocol.base`) because it takes a reactor,
typed with the reactor interfaces, which themselves name those classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from torsion.internet._protocol.base import ClientFactory, Protocol
from torsion.internet.defer import Deferred
from torsion.python.failure import Failure

if TYPE_CHECKING:
    from torsion.internet.interfaces import (
        IAddress,
        IConnector,
        IDelayedCall,
        IReactorTCPUNIXSSLAndTime,
        IReactorTime,
    )

__all__ = ["ClientCreator"]


class _InstanceFactory(ClientFactory):
    """`ClientCreator`'s factory: hands out one ready-made protocol, reports to a Deferred.

    The Deferred fires on the next reactor pass, after ``connectionMade`` has run.
    """

    noisy = False

    def __init__(self, reactor: IReactorTime, instance: Protocol, deferred: Deferred[Any]) -> None:
        self.reactor = reactor
        self.instance = instance
        self.deferred: Deferred[Any] | None = deferred
        self.pending: IDelayedCall | None = None

    def __repr__(self) -> str:
        return f"<ClientCreator factory: {self.instance!r}>"

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        """Return the instance and arrange for the Deferred to fire with it."""
        if self.deferred is None:
            return None  # The attempt was cancelled: close the connection.
        self.pending = self.reactor.callLater(0, self._fire, self.deferred.callback, self.instance)
        self.deferred = None
        return self.instance

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        """Arrange for the Deferred to fail with ``reason``."""
        if self.deferred is not None:
            self.pending = self.reactor.callLater(0, self._fire, self.deferred.errback, reason)
            self.deferred = None

    def _fire(self, func: Callable[[Any], None], value: object) -> None:
        self.pending = None
        func(value)


class ClientCreator:
    """One-off client connections without a factory of your own.

    ``ClientCreator(reactor, MyProtocol, *args, **kwargs).connectTCP(host, port)`` returns a
    Deferred that fires with the connected ``MyProtocol(*args, **kwargs)`` instance (after its
    ``connectionMade``), or fails with the reason the connection could not be made. Cancelling
    the Deferred abandons the attempt (or closes the connection if it was just made) and fails
    it with `CancelledError`.
    """

    def __init__(
        self,
        reactor: IReactorTCPUNIXSSLAndTime,
        protocolClass: Callable[..., Protocol],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        self.reactor = reactor
        self.protocolClass = protocolClass
        self.args = args
        self.kwargs = kwargs

    def connectTCP(
        self,
        host: str,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Deferred[Any]:
        """Connect to a TCP server; see ``IReactorTCP.connectTCP`` (without the factory).

        Returns:
            A Deferred of the connected protocol instance.
        """
        return self._connect(
            lambda factory: self.reactor.connectTCP(host, port, factory, timeout, bindAddress)
        )

    def connectUNIX(
        self, address: str, timeout: float = 30, checkPID: bool = False
    ) -> Deferred[Any]:
        """Connect to a UNIX socket server; see ``IReactorUNIX.connectUNIX``.

        Returns:
            A Deferred of the connected protocol instance.
        """
        return self._connect(
            lambda factory: self.reactor.connectUNIX(address, factory, timeout, checkPID)
        )

    def connectSSL(
        self,
        host: str,
        port: int,
        contextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Deferred[Any]:
        """Connect to a TLS server; see ``IReactorSSL.connectSSL``.

        Returns:
            A Deferred of the connected protocol instance (after the TLS handshake started).
        """
        return self._connect(
            lambda factory: self.reactor.connectSSL(
                host, port, factory, contextFactory, timeout, bindAddress
            )
        )

    def _connect(self, connect: Callable[[ClientFactory], IConnector]) -> Deferred[Any]:
        """Start ``connect(factory)`` and return the Deferred of the connected instance."""

        def cancel(deferred: Deferred[Any]) -> None:
            connector.disconnect()
            if factory.pending is not None:
                factory.pending.cancel()
                factory.pending = None
            # Deferred.cancel fails the Deferred with CancelledError; nothing else may fire it.
            factory.deferred = None

        result: Deferred[Any] = Deferred(cancel)
        factory = _InstanceFactory(
            self.reactor, self.protocolClass(*self.args, **self.kwargs), result
        )
        connector = connect(factory)
        return result
