"""Fake reactors for tests (public in `torsion.internet.testing`).

`MemoryReactor` records what code asks of a reactor (ports, connections, triggers,
descriptors) without doing any of it; `MemoryReactorClock` adds `task.Clock` time;
`RaisingMemoryReactor` fails every listen or connect with a chosen exception.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any, Generic, NoReturn, ParamSpec, Protocol, TypeVar

from torsion.internet._literals import isIPv6Literal
from torsion.internet._task.clock import Clock
from torsion.internet.address import IPv4Address, IPv6Address, UNIXAddress
from torsion.internet.defer import Deferred, succeed
from torsion.internet.interfaces import (
    IAddress,
    IDelayedCall,
    IReactorTime,
    IReadDescriptor,
    IWriteDescriptor,
)
from torsion.internet.protocol import ClientFactory, Factory

__all__ = [
    "MemoryReactor",
    "MemoryReactorClock",
    "RaisingMemoryReactor",
    "waitUntilAllDisconnected",
]

AddressT = TypeVar("AddressT")

_P = ParamSpec("_P")

#: One hook or trigger: what to call and its arguments.
Call = tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]


class _FakePort(Generic[AddressT]):
    """An `IListeningPort` that listens on nothing, "bound" to the address it is given.

    Attributes:
        listening: False once `stopListening` was called.
    """

    def __init__(self, hostAddress: AddressT) -> None:
        self._hostAddress = hostAddress
        self.listening = True

    def startListening(self) -> None:
        """Do nothing: the port is "listening" from the start."""

    def stopListening(self) -> Deferred[None]:
        """Clear `listening`; return an already-fired Deferred."""
        self.listening = False
        return succeed(None)

    def getHost(self) -> AddressT:
        """Return the address the port pretends to listen on."""
        return self._hostAddress


class _FakeConnector:
    """An `IConnector` that connects nowhere but records what it was told.

    Attributes:
        stoppedConnecting: True once `stopConnecting` was called.
        disconnected: True once `disconnect` was called.
        connectAttempts: How many times `connect` was called (after the first attempt).
    """

    stoppedConnecting: bool = False
    disconnected: bool = False
    connectAttempts: int = 0

    def __init__(self, address: IAddress) -> None:
        self._address = address

    @property
    def _disconnected(self) -> bool:
        """Twisted's name for `disconnected`."""
        return self.disconnected

    def stopConnecting(self) -> None:
        """Set `stoppedConnecting`."""
        self.stoppedConnecting = True

    def disconnect(self) -> None:
        """Set `disconnected`."""
        self.disconnected = True

    def connect(self) -> None:
        """Count the attempt in `connectAttempts`; nothing connects."""
        self.connectAttempts += 1

    def getDestination(self) -> IAddress:
        """Return the address being "connected" to."""
        return self._address


class MemoryReactor:
    """A reactor that records listen and connect calls and does nothing else.

    Connections never complete on their own: `torsion.test.iosim.ConnectionCompleter` can
    complete or fail them, or a test can build protocols from the recorded factories.

    Attributes:
        tcpServers: ``(port, factory, backlog, interface)`` per `listenTCP`.
        tcpClients: ``(host, port, factory, timeout, bindAddress)`` per `connectTCP`.
        sslServers: ``(port, factory, contextFactory, backlog, interface)`` per `listenSSL`.
        sslClients: ``(host, port, factory, contextFactory, timeout, bindAddress)`` per
            `connectSSL`.
        unixServers: ``(address, factory, backlog, mode, wantPID)`` per `listenUNIX`.
        unixClients: ``(address, factory, timeout, checkPID)`` per `connectUNIX`.
        udpServers: ``(port, protocol, interface, maxPacketSize)`` per `listenUDP`.
        connectors: The connector returned by each connect call, in order.
        readers: The descriptors added with `addReader`.
        writers: The descriptors added with `addWriter`.
        triggers: ``{phase: {eventType: [(callable, args, kw), ...]}}`` of
            `addSystemEventTrigger`.
        whenRunningHooks: ``(callable, args, kw)`` of each `callWhenRunning` before `run`.
        hasInstalled: Whether `install` was called.
        hasRun: Whether `run` was called.
        running: True only during `run`.
        hasStopped: Whether `stop` was called.
        hasCrashed: Whether `crash` was called.
    """

    def __init__(self) -> None:
        self.hasInstalled = False
        self.hasRun = False
        self.running = False
        self.hasStopped = False
        self.hasCrashed = False
        self.whenRunningHooks: list[Call] = []
        self.triggers: dict[str, dict[str, list[Call]]] = {}
        self.tcpServers: list[tuple[int, Factory, int, str]] = []
        self.tcpClients: list[tuple[str, int, ClientFactory, float, tuple[str, int] | None]] = []
        self.sslServers: list[tuple[int, Factory, object, int, str]] = []
        self.sslClients: list[
            tuple[str, int, ClientFactory, object, float, tuple[str, int] | None]
        ] = []
        self.unixServers: list[tuple[str | bytes, Factory, int, int, bool]] = []
        self.unixClients: list[tuple[str | bytes, ClientFactory, float, bool]] = []
        self.udpServers: list[tuple[int, object, str, int]] = []
        self.connectors: list[_FakeConnector] = []
        self.readers: set[IReadDescriptor] = set()
        self.writers: set[IWriteDescriptor] = set()

    # -- IReactorCore ----------------------------------------------------------------------

    def install(self) -> None:
        """Set `hasInstalled` (stands in for installing a reactor module)."""
        self.hasInstalled = True

    def run(self) -> None:
        """Run the `callWhenRunning` hooks, then `stop`: returns at once.

        Raises:
            AssertionError: Already running.
        """
        if self.running:
            raise AssertionError("MemoryReactor.run called while running")
        self.running = True
        self.hasRun = True
        for f, args, kw in self.whenRunningHooks:
            f(*args, **kw)
        self.stop()

    def stop(self) -> None:
        """Clear `running`, set `hasStopped` (no shutdown triggers run)."""
        self.running = False
        self.hasStopped = True

    def crash(self) -> None:
        """Clear `running`, set `hasCrashed`."""
        self.running = False
        self.hasCrashed = True

    def iterate(self, delay: float = 0) -> None:
        """Not supported: there is no loop to iterate.

        Raises:
            NotImplementedError: Always.
        """
        raise NotImplementedError("MemoryReactor.iterate")

    def fireSystemEvent(self, eventType: str) -> None:
        """Not supported: read `triggers` instead.

        Raises:
            NotImplementedError: Always.
        """
        raise NotImplementedError("MemoryReactor.fireSystemEvent")

    def callWhenRunning(
        self, callable: Callable[_P, object], *args: _P.args, **kw: _P.kwargs
    ) -> None:
        """Call ``callable`` now if `run` was called already, else record it for `run`."""
        if self.running or self.hasRun:
            callable(*args, **kw)
        else:
            self.whenRunningHooks.append((callable, args, kw))

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[_P, object],
        *args: _P.args,
        **kw: _P.kwargs,
    ) -> tuple[str, str, Call]:
        """Record the trigger in ``triggers[phase][eventType]``; nothing ever fires it.

        Returns:
            An ID for `removeSystemEventTrigger`.
        """
        entry: Call = (callable, args, kw)
        self.triggers.setdefault(phase, {}).setdefault(eventType, []).append(entry)
        return (phase, eventType, entry)

    def removeSystemEventTrigger(self, triggerID: tuple[str, str, Call]) -> None:
        """Remove a trigger recorded by `addSystemEventTrigger`.

        Raises:
            ValueError: No such trigger.
        """
        phase, eventType, entry = triggerID
        entries = self.triggers.get(phase, {}).get(eventType, [])
        for index, candidate in enumerate(entries):
            if candidate is entry:
                del entries[index]
                return
        raise ValueError(f"no such trigger: {triggerID!r}")

    def resolve(self, name: str, timeout: Iterable[float] = (1, 3, 11, 45)) -> Deferred[str]:
        """Return an address for ``name`` at once: an IP literal itself, any name 127.0.0.1."""
        try:
            return succeed(str(ipaddress.ip_address(name)))
        except ValueError:
            return succeed("127.0.0.1")

    # -- IReactorTCP, IReactorSSL, IReactorUNIX, IReactorUDP -------------------------------

    def listenTCP(
        self, port: int, factory: Factory, backlog: int = 50, interface: str = ""
    ) -> _FakePort[IPv4Address | IPv6Address]:
        """Record the call in `tcpServers`; return a port on ``interface`` (or 0.0.0.0)."""
        self.tcpServers.append((port, factory, backlog, interface))
        if isIPv6Literal(interface):
            return _FakePort(IPv6Address("TCP", interface, port))
        return _FakePort(IPv4Address("TCP", "0.0.0.0", port))

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> _FakeConnector:
        """Record the call in `tcpClients`; tell ``factory`` it started connecting."""
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        if isIPv6Literal(host):
            return self._connector(IPv6Address("TCP", host, port), factory)
        return self._connector(IPv4Address("TCP", host, port), factory)

    def listenSSL(
        self,
        port: int,
        factory: Factory,
        contextFactory: object,
        backlog: int = 50,
        interface: str = "",
    ) -> _FakePort[IPv4Address | IPv6Address]:
        """Record the call in `sslServers`; return a port on 0.0.0.0."""
        self.sslServers.append((port, factory, contextFactory, backlog, interface))
        return _FakePort(IPv4Address("TCP", "0.0.0.0", port))

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        contextFactory: object,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> _FakeConnector:
        """Record the call in `sslClients`; tell ``factory`` it started connecting."""
        self.sslClients.append((host, port, factory, contextFactory, timeout, bindAddress))
        return self._connector(IPv4Address("TCP", host, port), factory)

    def listenUNIX(
        self,
        address: str | bytes,
        factory: Factory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> _FakePort[UNIXAddress]:
        """Record the call in `unixServers`; return a port on ``address``."""
        self.unixServers.append((address, factory, backlog, mode, wantPID))
        return _FakePort(UNIXAddress(address))

    def connectUNIX(
        self,
        address: str | bytes,
        factory: ClientFactory,
        timeout: float = 30,
        checkPID: bool = False,
    ) -> _FakeConnector:
        """Record the call in `unixClients`; tell ``factory`` it started connecting."""
        self.unixClients.append((address, factory, timeout, checkPID))
        return self._connector(UNIXAddress(address), factory)

    def listenUDP(
        self, port: int, protocol: object, interface: str = "", maxPacketSize: int = 8192
    ) -> _FakePort[IPv4Address | IPv6Address]:
        """Record the call in `udpServers` (not in Twisted's); return a UDP port."""
        self.udpServers.append((port, protocol, interface, maxPacketSize))
        if isIPv6Literal(interface):
            return _FakePort(IPv6Address("UDP", interface, port))
        return _FakePort(IPv4Address("UDP", "0.0.0.0", port))

    def _connector(self, address: IAddress, factory: ClientFactory) -> _FakeConnector:
        connector = _FakeConnector(address)
        factory.startedConnecting(connector)
        self.connectors.append(connector)
        return connector

    # -- IReactorFDSet ---------------------------------------------------------------------

    def addReader(self, reader: IReadDescriptor) -> None:
        """Add ``reader`` to `readers`."""
        self.readers.add(reader)

    def addWriter(self, writer: IWriteDescriptor) -> None:
        """Add ``writer`` to `writers`."""
        self.writers.add(writer)

    def removeReader(self, reader: IReadDescriptor) -> None:
        """Remove ``reader`` from `readers`, if there."""
        self.readers.discard(reader)

    def removeWriter(self, writer: IWriteDescriptor) -> None:
        """Remove ``writer`` from `writers`, if there."""
        self.writers.discard(writer)

    def removeAll(self) -> list[Any]:
        """Empty `readers` and `writers`; return what they held (each descriptor once)."""
        result = list(self.readers | self.writers)
        self.readers.clear()
        self.writers.clear()
        return result

    def getReaders(self) -> list[Any]:
        """Return the descriptors in `readers`."""
        return list(self.readers)

    def getWriters(self) -> list[Any]:
        """Return the descriptors in `writers`."""
        return list(self.writers)


class MemoryReactorClock(MemoryReactor, Clock):
    """A `MemoryReactor` with `task.Clock` time: ``callLater``, ``advance``, ``seconds``."""

    def __init__(self) -> None:
        MemoryReactor.__init__(self)
        Clock.__init__(self)


class RaisingMemoryReactor:
    """A reactor whose listen calls and connect calls raise the exceptions given.

    Args:
        listenException: Raised by every ``listen*`` method.
        connectException: Raised by every ``connect*`` method.
    """

    def __init__(
        self,
        listenException: BaseException | None = None,
        connectException: BaseException | None = None,
    ) -> None:
        self._listenException = listenException
        self._connectException = connectException

    def _raise(self, exception: BaseException | None) -> NoReturn:
        if exception is None:
            raise TypeError("RaisingMemoryReactor was given no exception for this call")
        raise exception

    def listenTCP(
        self, port: int, factory: Factory, backlog: int = 50, interface: str = ""
    ) -> _FakePort[IPv4Address | IPv6Address]:
        """Raise ``listenException``."""
        self._raise(self._listenException)

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> _FakeConnector:
        """Raise ``connectException``."""
        self._raise(self._connectException)

    def listenSSL(self, port: int, factory: Factory, contextFactory: object, *a: Any) -> NoReturn:
        """Raise ``listenException``."""
        self._raise(self._listenException)

    def connectSSL(
        self, host: str, port: int, factory: ClientFactory, contextFactory: object, *a: Any
    ) -> NoReturn:
        """Raise ``connectException``."""
        self._raise(self._connectException)

    def listenUNIX(self, address: str | bytes, factory: Factory, *a: Any) -> NoReturn:
        """Raise ``listenException``."""
        self._raise(self._listenException)

    def connectUNIX(self, address: str | bytes, factory: ClientFactory, *a: Any) -> NoReturn:
        """Raise ``connectException``."""
        self._raise(self._connectException)

    def listenUDP(self, port: int, protocol: object, *a: Any) -> NoReturn:
        """Raise ``listenException``."""
        self._raise(self._listenException)


class _HasTransport(Protocol):
    """What `waitUntilAllDisconnected` needs of a protocol."""

    @property
    def transport(self) -> object: ...


def waitUntilAllDisconnected(
    reactor: IReactorTime, protocols: Iterable[_HasTransport]
) -> Deferred[None]:
    """Return a Deferred that fires once none of ``protocols`` has a connected transport.

    Checks now, then every 0.01 s with ``reactor.callLater`` (a `Clock` works too), so a
    test can wait for closes that take a reactor turn or two. A transport without a
    ``connected`` attribute counts as connected; a protocol without a transport counts as
    disconnected. Cancelling the Deferred stops the checks.

    Args:
        reactor: What schedules the checks.
        protocols: The protocols whose connections are closing.

    Returns:
        A Deferred that fires with None.
    """
    waiting = list(protocols)
    pending: list[IDelayedCall] = []

    def cancel(_: Deferred[None]) -> None:
        if pending and pending[0].active():
            pending[0].cancel()

    result: Deferred[None] = Deferred(cancel)

    def check() -> None:
        pending.clear()
        if any(getattr(p.transport, "connected", p.transport is not None) for p in waiting):
            pending.append(reactor.callLater(0.01, check))
        else:
            result.callback(None)

    check()
    return result
