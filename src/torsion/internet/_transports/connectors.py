"""`BaseConnector`: what the TCP and UNIX connectors share (Twisted's ``IConnector``).

A connector makes (and, when its factory asks, remakes) one connection: its states, starting and
stopping the factory, and telling the factory how each attempt ended are here; how an attempt
connects is each connector's own.
"""

from __future__ import annotations

from typing import Any, cast

from torsion.internet.interfaces import IAddress, IDelayedCall, IReactorTimeAndFDSet
from torsion.internet.protocol import ClientFactory
from torsion.python.failure import Failure

__all__ = ["BaseConnector"]


class BaseConnector:
    """What the TCP and UNIX connectors share: the states, and starting and stopping the factory.

    Subclasses begin an attempt in `_startAttempt` and end it with ``factory``'s
    ``clientConnectionFailed`` or a connected transport.

    Attributes:
        factory: The client factory told about each attempt.
        timeout: Seconds before an attempt fails with `TimeoutError` (None: no limit).
        reactor: The reactor used.
        state: ``"disconnected"``, ``"connecting"`` or ``"connected"``.
        transport: The transport once connected, or None.
    """

    transport: Any

    def __init__(
        self, factory: ClientFactory, timeout: float | None, reactor: IReactorTimeAndFDSet | None
    ) -> None:
        self.factory = factory
        self.timeout = timeout
        # None (the default of Twisted's signature) is kept as it is, not replaced by the
        # global reactor: the connector fails on first use without a reactor.
        self.reactor = cast(IReactorTimeAndFDSet, reactor)
        self.state = "disconnected"
        self.factoryStarted = False
        self._timeoutCall: IDelayedCall | None = None

    def connect(self) -> None:
        """Start an attempt: ``startedConnecting`` now, the socket work on the next pass.

        Raises:
            RuntimeError: Already connecting or connected.
        """
        if self.state != "disconnected":
            raise RuntimeError("can't connect in this state")
        self.state = "connecting"
        if not self.factoryStarted:
            self.factory.doStart()
            self.factoryStarted = True
        self._startAttempt()
        self.factory.startedConnecting(self)

    def _startAttempt(self) -> None:
        """Schedule the attempt's socket work for the next pass, and its timeout."""
        raise NotImplementedError

    def disconnect(self) -> None:
        """Stop connecting, or close the connection once made."""
        if self.state == "connecting":
            self.stopConnecting()
        elif self.state == "connected" and self.transport is not None:
            self.transport.loseConnection()

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress (each connector has its own)."""
        raise NotImplementedError

    def getDestination(self) -> IAddress:
        """Return the address connected to (each connector has its own)."""
        raise NotImplementedError

    def connectionLost(self, reason: Failure) -> None:
        """The connection closed: tell the factory, which may `connect` again."""
        self.transport = None
        self.state = "disconnected"
        self.factory.clientConnectionLost(self, reason)
        self._maybeStopFactory()

    def _maybeStopFactory(self) -> None:
        if self.state == "disconnected" and self.factoryStarted:
            self.factoryStarted = False
            self.factory.doStop()
