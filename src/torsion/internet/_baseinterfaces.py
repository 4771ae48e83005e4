"""The interfaces below the Deferred and the protocol classes (public in ``interfaces``).

Time (`IDelayedCall`, `IReactorTime`), addresses, producers and consumers, and the transport
and connector a protocol or factory is given. The Deferred takes an `IReactorTime`
(``addTimeout``) and `torsion.internet.protocol`'s classes hold transports and connectors, so
these sit below both; the rest of ``torsion.internet.interfaces`` speaks of Deferreds and
factories, and sits above them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ParamSpec, Protocol, runtime_checkable

from torsion.internet._interfacemeta import InterfaceMeta

__all__ = [
    "IAddress",
    "IConnector",
    "IConsumer",
    "IDelayedCall",
    "IProcessTransport",
    "IProducer",
    "IPullProducer",
    "IPushProducer",
    "IReactorTime",
    "ITransport",
]

_P = ParamSpec("_P")


@runtime_checkable
class IDelayedCall(Protocol, metaclass=InterfaceMeta):
    """A call scheduled to run later, which can still be cancelled or moved.

    Once the call has run or been cancelled it is inactive, and `cancel`, `delay` and `reset`
    raise `torsion.internet.error.AlreadyCalled` or `torsion.internet.error.AlreadyCancelled`.
    """

    def getTime(self) -> float:
        """Return the time at which the call is due, on its clock's `IReactorTime.seconds` scale."""
        ...

    def cancel(self) -> None:
        """Unschedule the call so it never runs.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def delay(self, secondsLater: float) -> None:
        """Move the call ``secondsLater`` seconds after the time it is currently due.

        A negative value moves it earlier.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def reset(self, secondsFromNow: float) -> None:
        """Make the call due ``secondsFromNow`` seconds after the clock's current time.

        The same as cancelling it and scheduling it again, except that it is the same object.

        Raises:
            AlreadyCalled: The call has already run.
            AlreadyCancelled: The call was already cancelled.
        """
        ...

    def active(self) -> bool:
        """Return True until the call has run or been cancelled."""
        ...


@runtime_checkable
class IReactorTime(Protocol, metaclass=InterfaceMeta):
    """A clock that can run calls later: the reactor, or `torsion.internet.task.Clock` in tests.

    Code that takes an `IReactorTime` instead of using the global reactor can be tested without
    waiting for real time to pass.
    """

    def seconds(self) -> float:
        """Return the current time in seconds (the scale `callLater` and `getTime` use)."""
        ...

    def callLater(
        self, delay: float, callable: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs
    ) -> IDelayedCall:
        """Call ``callable(*args, **kwargs)`` once ``delay`` seconds have passed.

        Args:
            delay: Seconds from now; 0 means as soon as possible, but never from inside
                this call.
            callable: What to call; its return value is ignored.
            *args: Positional arguments for ``callable``.
            **kwargs: Keyword arguments for ``callable``.

        Returns:
            The scheduled call, which can be cancelled or moved until it runs.
        """
        ...

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        """Return the calls that are scheduled and have neither run nor been cancelled."""
        ...


# -- transports, protocols, producers and consumers -------------------------------------------


@runtime_checkable
class IAddress(Protocol, metaclass=InterfaceMeta):
    """An address (`torsion.internet.address`): any value object describing an endpoint."""


@runtime_checkable
class IProducer(Protocol, metaclass=InterfaceMeta):
    """Something that writes data to a consumer (`IConsumer`) and can be told to stop."""

    def stopProducing(self) -> None:
        """Stop producing for good: the consumer is going away."""
        ...


@runtime_checkable
class IPushProducer(IProducer, Protocol):
    """A producer that writes on its own (``streaming=True``) until it is paused."""

    def pauseProducing(self) -> None:
        """Stop writing until `resumeProducing` is called (the consumer's buffer is full)."""
        ...

    def resumeProducing(self) -> None:
        """Start writing again after `pauseProducing`."""
        ...


@runtime_checkable
class IPullProducer(IProducer, Protocol):
    """A producer that writes one chunk each time it is asked (``streaming=False``)."""

    def resumeProducing(self) -> None:
        """Write the next chunk to the consumer."""
        ...


@runtime_checkable
class IConsumer(Protocol, metaclass=InterfaceMeta):
    """Something that data is written to, and that can push back on a producer."""

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Attach a producer: push (``streaming=True``) or pull (``streaming=False``).

        Raises:
            RuntimeError: A producer is already registered.
        """
        ...

    def unregisterProducer(self) -> None:
        """Detach the registered producer."""
        ...

    def write(self, data: bytes) -> None:
        """Accept ``data`` for sending."""
        ...


@runtime_checkable
class ITransport(Protocol, metaclass=InterfaceMeta):
    """A connection's writing end, as the protocol sees it."""

    def write(self, data: bytes) -> None:
        """Send ``data`` (bytes only) eventually and in order; never blocks.

        Raises:
            TypeError: ``data`` is not bytes-like (for example a ``str``).
        """
        ...

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each of ``data`` in turn, as `write` would."""
        ...

    def loseConnection(self) -> None:
        """Close once everything written so far (and until the close) has been sent."""
        ...

    def getPeer(self) -> IAddress:
        """Return the remote end's address."""
        ...

    def getHost(self) -> IAddress:
        """Return the local end's address."""
        ...


@runtime_checkable
class IConnector(Protocol, metaclass=InterfaceMeta):
    """An outgoing connection attempt, as returned by ``connectTCP``."""

    def stopConnecting(self) -> None:
        """Abandon the attempt in progress (`UserError` to the factory).

        Raises:
            NotConnectingError: No attempt is in progress.
        """
        ...

    def disconnect(self) -> None:
        """Stop connecting, or close the connection once made."""
        ...

    def connect(self) -> None:
        """Start a new attempt (for example to reconnect)."""
        ...

    def getDestination(self) -> IAddress:
        """Return the address being connected to."""
        ...


@runtime_checkable
class IProcessTransport(ITransport, Protocol):
    """A child process as its protocol sees it (`torsion.internet.process.Process`).

    Attributes:
        pid: The child's process id; None once it has been reaped.
    """

    pid: int | None

    def closeStdin(self) -> None:
        """Close the child's stdin once what was written has been sent."""
        ...

    def closeStdout(self) -> None:
        """Stop reading the child's stdout and close it."""
        ...

    def closeStderr(self) -> None:
        """Stop reading the child's stderr and close it."""
        ...

    def closeChildFD(self, descriptor: int) -> None:
        """Close the pipe to the child's file descriptor ``descriptor``."""
        ...

    def writeToChild(self, childFD: int, data: bytes) -> None:
        """Write ``data`` to the pipe read by the child's descriptor ``childFD``."""
        ...

    def signalProcess(self, signalID: str | int) -> None:
        """Send a signal (``"TERM"``, ``"KILL"``, ``"INT"``, ``"HUP"`` or a number).

        Raises:
            torsion.internet.error.ProcessExitedAlready: The child was already reaped.
        """
        ...
