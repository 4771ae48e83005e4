"""The pieces every stream check uses: drivers, the recording peers, one connection's scenario."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from torsion.internet.defer import Deferred
from torsion.internet.defer import TimeoutError as DeferTimeoutError
from torsion.internet.protocol import Protocol as BaseProtocol
from torsion.internet.protocol import connectionDone
from torsion.python.failure import Failure
from torsion.testing._running import runUntilFired

if TYPE_CHECKING:
    from torsion.internet.interfaces import IFullReactor, IProtocol

__all__ = [
    "PumpDriver",
    "ReactorDriver",
    "StreamDriver",
    "StreamMaker",
]

MiB = 1024 * 1024


class StreamDriver(Protocol):
    """What a maker returns: runs the I/O of the connection it made, and releases it.

    `ReactorDriver` (a real reactor) and `PumpDriver` (an in-memory pump) are the two
    implementations torsion offers; any object with these two methods will do.
    """

    def runUntil(self, d: Deferred[Any], timeout: float) -> None:
        """Move bytes until ``d`` has fired; raise (any exception) if it cannot within
        ``timeout`` seconds, or if nothing can move any more."""
        ...

    def close(self) -> None:
        """Release what the maker set up besides the connection (a listening port, say).

        Called once per connection, after both protocols' ``connectionLost``."""
        ...


#: ``maker(serverProtocol, clientProtocol) -> StreamDriver``: connect the two protocol
#: instances over the transport under test (each gets ``makeConnection`` once, now or while
#: the driver runs) and return the driver that moves their bytes.
StreamMaker = Callable[["IProtocol", "IProtocol"], StreamDriver]


class ReactorDriver:
    """A `StreamDriver` for a real reactor: `runUntil` is `torsion.testing.runUntilFired`.

    Args:
        reactor: The (not running) reactor the connection lives on.
        cleanup: Called by `close`; if it returns a Deferred (``port.stopListening()``), the
            reactor runs until it fires.
    """

    def __init__(
        self, reactor: IFullReactor, cleanup: Callable[[], Deferred[Any] | None] | None = None
    ) -> None:
        self.reactor = reactor
        self.cleanup = cleanup

    def runUntil(self, d: Deferred[Any], timeout: float) -> None:
        runUntilFired(self.reactor, d, timeout)

    def close(self) -> None:
        cleanup, self.cleanup = self.cleanup, None
        if cleanup is not None:
            d = cleanup()
            if isinstance(d, Deferred):
                runUntilFired(self.reactor, d, 10.0, what="the maker's cleanup")


class _Pump(Protocol):
    def pump(self) -> bool: ...


class PumpDriver:
    """A `StreamDriver` for an in-memory connection: pumps until the Deferred fires.

    Args:
        pump: Anything with a ``pump() -> bool`` that moves bytes once each way and says
            whether anything moved (`torsion.test.iosim.IOPump`).
        maxTurns: A bound on pumps per `runUntil` (the ``timeout`` is not used: nothing
            here takes time).
    """

    def __init__(self, pump: _Pump, maxTurns: int = 100_000) -> None:
        self.pump = pump
        self.maxTurns = maxTurns

    def runUntil(self, d: Deferred[Any], timeout: float) -> None:
        for _ in range(self.maxTurns):
            if d.called:
                break
            if not self.pump.pump():
                if d.called:
                    break
                raise AssertionError("nothing moves any more")
        else:
            raise AssertionError(f"still moving after {self.maxTurns} pumps")

    def close(self) -> None:
        pass


class CheckFailed(AssertionError):
    """One check's failure: the message starts with the check's name."""


class Peer(BaseProtocol):
    """A protocol that records what happens to it, with hooks a check sets.

    ``events`` holds ``made``, ``data`` (once per run of consecutive deliveries),
    ``readLost``, ``writeLost`` and ``lost`` in order; ``calls`` counts every call.
    """

    def __init__(self, name: str, scenario: Scenario) -> None:
        self.name = name
        self.scenario = scenario
        self.events: list[str] = []
        self.calls: dict[str, int] = {}
        self.received = bytearray()
        self.keep = True
        self.count = 0
        self.digest = hashlib.sha256()
        self.reason: Failure | None = None
        self.onMade: Callable[[], None] | None = None
        self.onData: Callable[[bytes], None] | None = None
        self.onReadLost: Callable[[], None] | None = None

    def _event(self, event: str) -> None:
        self.calls[event] = self.calls.get(event, 0) + 1
        if event != "data" or not self.events or self.events[-1] != "data":
            self.events.append(event)

    def connectionMade(self) -> None:
        self._event("made")
        if self.onMade is not None:
            self.onMade()
        self.scenario.poke()

    def dataReceived(self, data: bytes) -> None:
        self._event("data")
        self.count += len(data)
        self.digest.update(data)
        if self.keep:
            self.received += data
        if self.onData is not None:
            self.onData(data)
        self.scenario.poke()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._event("lost")
        if self.reason is None:
            self.reason = reason
        self.scenario.poke()

    def reset(self) -> None:
        """Forget what was received so far."""
        self.received.clear()
        self.count = 0
        self.digest = hashlib.sha256()

    @property
    def lost(self) -> bool:
        return "lost" in self.calls

    def state(self) -> str:
        reason = "" if self.reason is None else f", reason {self.reason.type.__name__}"
        return f"{self.name}: events {self.events}, {self.count:,} bytes received{reason}"


class HalfCloseablePeer(Peer):
    """A `Peer` with ``readConnectionLost`` and ``writeConnectionLost`` (half-closeable)."""

    def readConnectionLost(self) -> None:
        self._event("readLost")
        if self.onReadLost is not None:
            self.onReadLost()
        self.scenario.poke()

    def writeConnectionLost(self) -> None:
        self._event("writeLost")
        self.scenario.poke()


@dataclass(frozen=True)
class Options:
    """What the transport under test supports, and the sizes and bounds the checks use."""

    halfClose: bool
    abort: bool
    producers: bool
    backPressure: bool
    writesAfterLoseConnection: bool | None
    transferSize: int
    bufferLimit: int
    timeout: float


class Scenario:
    """One connection made by the maker, with a `Peer` on each side.

    Set the peers' hooks, then `start`; `waitFor` drives the I/O until a condition holds;
    `finish` waits for both ``connectionLost`` calls and checks each side's lifecycle.
    """

    def __init__(
        self,
        check: str,
        maker: StreamMaker,
        options: Options,
        server: type[Peer] = Peer,
        client: type[Peer] = Peer,
    ) -> None:
        self.check = check
        self.maker = maker
        self.options = options
        self.server = server("server", self)
        self.client = client("client", self)
        self.driver: StreamDriver | None = None
        self._waiters: list[tuple[Callable[[], bool], Deferred[None]]] = []
        self._closed = False

    # -- driving ------------------------------------------------------------------------------

    def poke(self) -> None:
        """Something happened: fire the waiters whose condition now holds."""
        for waiter in list(self._waiters):
            if waiter[0]():
                self._waiters.remove(waiter)
                waiter[1].callback(None)

    def fail(self, message: str) -> CheckFailed:
        return CheckFailed(f"{message}\n  {self.server.state()}\n  {self.client.state()}")

    def waitFor(
        self, what: str, condition: Callable[[], bool], timeout: float | None = None
    ) -> None:
        """Drive the connection until ``condition()`` holds (checked after every event)."""
        __tracebackhide__ = True
        if condition():
            return
        assert self.driver is not None
        seconds = self.options.timeout if timeout is None else timeout
        d: Deferred[None] = Deferred()
        self._waiters.append((condition, d))
        try:
            self.driver.runUntil(d, seconds)
        except DeferTimeoutError:
            raise self.fail(f"still waiting for {what} after {seconds:g} s") from None
        except CheckFailed:
            raise
        except Exception as e:
            raise self.fail(f"while waiting for {what}: {type(e).__name__}: {e}") from e
        finally:
            if (condition, d) in self._waiters:
                self._waiters.remove((condition, d))
        if not condition():  # pragma: no cover - a driver that returned early
            raise self.fail(f"the driver returned before {what}")

    def start(self) -> None:
        """Connect the peers through the maker and wait for both ``connectionMade``."""
        self.driver = self.maker(self.server, self.client)
        self.waitFor(
            "connectionMade on both sides",
            lambda: "made" in self.server.calls and "made" in self.client.calls,
        )

    def settle(self) -> None:
        """A byte each way, then forget it: whatever the transport sets up once connected (a
        TLS handshake) is done, so a check can stop one side reading without stalling it."""
        for peer in (self.client, self.server):
            peer.transport.write(b"~")  # type: ignore[union-attr]
        self.waitFor("a byte each way", lambda: self.server.count > 0 and self.client.count > 0)
        for peer in (self.server, self.client):
            peer.reset()

    def waitForLost(self, timeout: float | None = None) -> None:
        self.waitFor(
            "connectionLost on both sides",
            lambda: self.server.lost and self.client.lost,
            timeout,
        )

    def finish(self) -> None:
        """Wait for both ``connectionLost``, release the driver, check both lifecycles."""
        self.waitForLost()
        self.close()
        for peer in (self.server, self.client):
            self.checkLifecycle(peer)

    def close(self) -> None:
        if not self._closed and self.driver is not None:
            self._closed = True
            self.driver.close()

    def checkLifecycle(self, peer: Peer) -> None:
        if not peer.events or peer.events[0] != "made":
            raise self.fail(f"{peer.name}: the first event was not connectionMade")
        if peer.calls.get("made") != 1:
            raise self.fail(f"{peer.name}: connectionMade called {peer.calls.get('made')} times")
        if peer.calls.get("lost") != 1:
            raise self.fail(f"{peer.name}: connectionLost called {peer.calls.get('lost')} times")
        if peer.events[-1] != "lost":
            raise self.fail(f"{peer.name}: events after connectionLost")

    def abandon(self) -> None:
        """After a failure: drop the connection as well as it can, without raising."""
        for peer in (self.server, self.client):
            transport: Any = peer.transport
            if transport is None or peer.lost:
                continue
            try:
                if hasattr(transport, "abortConnection"):
                    transport.abortConnection()
                else:
                    transport.loseConnection()
            except Exception:
                pass
        try:
            if self.driver is not None:
                self.waitForLost(min(self.options.timeout, 5.0))
        except Exception:
            pass
        try:
            self.close()
        except Exception:
            pass

    # -- assertions ---------------------------------------------------------------------------

    def expect(self, condition: bool, message: str) -> None:
        __tracebackhide__ = True
        if not condition:
            raise self.fail(message)

    def expectReason(
        self, peer: Peer, *types: type[BaseException], exclude: tuple[type, ...] = ()
    ) -> None:
        __tracebackhide__ = True
        reason = peer.reason
        names = " or ".join(t.__name__ for t in types)
        if reason is None or not reason.check(*types) or (exclude and reason.check(*exclude)):
            got = "nothing" if reason is None else f"{reason.type.__name__}: {reason.value}"
            raise self.fail(f"{peer.name}: connectionLost with {names} expected, got {got}")


def pattern(size: int, seed: int = 0) -> bytes:
    """``size`` bytes that show where a reordering, loss or duplication happened."""
    block = bytes((i * 7 + seed) % 251 for i in range(251))
    return (block * (size // 251 + 1))[:size]
