"""The asyncio and uvloop reactors: one loop shared with asyncio code, runAsync, interop.

The reactor-parametrized suite (TCP, endpoints, protocols, ...) runs on both reactors too; these
tests cover what only they have: asyncio libraries and torsion protocols on one loop, starting
torsion inside a running asyncio program, and cancellation across Deferreds and Futures.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from torsion.internet import task
from torsion.internet.asyncioreactor import AsyncioReactor
from torsion.internet.defer import CancelledError, Deferred, ensureDeferred
from torsion.internet.protocol import ClientCreator, Factory, Protocol
from torsion.testing import defaultReactorName, runUntilFired, unavailableReason

onAsyncio = pytest.mark.reactors("asyncio", "uvloop")
BOUND = 10.0  # seconds; a bound for failure only


async def inLoop(reactor: Any) -> None:
    """Continue on a pass of the running loop: the plugin starts an ``async def`` test before
    ``reactor.run()``, and asyncio APIs need their loop running."""
    await task.deferLater(reactor, 0, lambda: None)


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[union-attr]


@onAsyncio
async def test_asyncio_client_talks_to_torsion_server(reactor: Any) -> None:
    """``asyncio.open_connection`` (an asyncio library) and a torsion protocol, one loop."""
    await inLoop(reactor)
    port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
    reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
    writer.write(b"ping\n")
    assert await reader.readline() == b"ping\n"
    writer.close()
    await writer.wait_closed()
    await port.stopListening()


class Greeter(Protocol):
    """Sends a line, keeps what comes back, fires ``done`` when the server closes."""

    def __init__(self) -> None:
        self.received = b""
        self.done: Deferred[bytes] = Deferred()

    def connectionMade(self) -> None:
        self.transport.write(b"hello\n")  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        self.received += data

    def connectionLost(self, reason: object = None) -> None:
        self.done.callback(self.received)


@onAsyncio
async def test_torsion_client_talks_to_asyncio_server(reactor: Any) -> None:
    """A torsion client and an ``asyncio.start_server`` coroutine server, one loop."""
    await inLoop(reactor)

    async def shout(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write((await reader.readline()).upper())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(shout, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    greeter = await ClientCreator(reactor, Greeter).connectTCP("127.0.0.1", port)
    assert await greeter.done == b"HELLO\n"
    server.close()
    await server.wait_closed()


@onAsyncio
async def test_protocol_awaits_asyncio_library(reactor: Any) -> None:
    """A torsion protocol calls an asyncio coroutine API through ``ensureDeferred``."""
    await inLoop(reactor)
    loop = reactor._asyncioEventloop
    answered: Deferred[bytes] = Deferred()

    async def lookup(key: bytes) -> bytes:
        await asyncio.sleep(0)  # any asyncio API: it runs on the reactor's loop
        return key[::-1]

    class Asking(Protocol):
        def dataReceived(self, data: bytes) -> None:
            ensureDeferred(lookup(data)).addCallback(self.transport.write)  # type: ignore[union-attr]

    port = reactor.listenTCP(0, Factory.forProtocol(Asking), interface="127.0.0.1")
    reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
    writer.write(b"abc")
    answered.callback(await reader.readexactly(3))
    assert await answered == b"cba"
    assert asyncio.get_running_loop() is loop
    writer.close()
    await writer.wait_closed()
    await port.stopListening()


@onAsyncio
async def test_cancelling_the_task_cancels_the_deferred(reactor: Any) -> None:
    """An asyncio Task awaiting a Deferred: cancelling the Task cancels the Deferred."""
    await inLoop(reactor)
    before = set(reactor.getDelayedCalls())
    d = task.deferLater(reactor, BOUND * 10, lambda: "late")
    waiting = asyncio.ensure_future(_await(d))
    await inLoop(reactor)  # the Task now waits on d
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert d.called and set(reactor.getDelayedCalls()) == before  # its timer went with it
    d.addErrback(lambda f: f.trap(CancelledError))


async def _await(d: Deferred[Any]) -> Any:
    return await d


@onAsyncio
async def test_cancelling_the_deferred_cancels_the_future(reactor: Any) -> None:
    """``Deferred.fromFuture``: cancelling the Deferred cancels the Future (and its Task)."""
    await inLoop(reactor)
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(BOUND * 10)

    work = asyncio.ensure_future(forever())
    await started.wait()
    d = Deferred.fromFuture(work)
    d.cancel()
    with pytest.raises(asyncio.CancelledError):
        await d
    assert work.cancelled()


@onAsyncio
async def test_future_of_a_deferred(reactor: Any) -> None:
    """``asFuture``: asyncio code awaits a Deferred's result as a Future."""
    await inLoop(reactor)
    d = task.deferLater(reactor, 0, lambda: 42)
    assert await d.asFuture(reactor._asyncioEventloop) == 42


@onAsyncio
def test_call_from_thread_wakes_the_loop(reactor: Any) -> None:
    """With no timer due before the bound, only the thread's call can end the wait."""
    result: Deferred[int] = Deferred()
    started = threading.Event()

    def worker() -> None:
        if started.wait(BOUND):
            reactor.callFromThread(result.callback, threading.get_ident())

    thread = threading.Thread(target=worker)
    thread.start()
    reactor.callWhenRunning(started.set)
    try:
        assert runUntilFired(reactor, result, BOUND) == thread.ident
    finally:
        thread.join()


@onAsyncio
def test_timed_call_scheduled_by_timed_call_waits_a_pass(reactor: Any) -> None:
    """Twisted's order a, c, b: asyncio callbacks queued by ``a`` run before ``b``."""
    order: list[str] = []
    done: Deferred[None] = Deferred()

    def a() -> None:
        order.append("a")
        reactor._asyncioEventloop.call_soon(order.append, "loop")
        reactor.callLater(0, b)

    def b() -> None:
        order.append("b")
        done.callback(None)

    reactor.callLater(0, a)
    reactor.callLater(0, order.append, "c")
    runUntilFired(reactor, done, BOUND)
    assert order == ["a", "c", "loop", "b"]


@onAsyncio
def test_reset_earlier_rearms_the_loop_timer(reactor: Any) -> None:
    """A call moved earlier runs at its new time, not at the one first armed."""
    fired: Deferred[str] = Deferred()
    call = reactor.callLater(BOUND * 10, fired.callback, "moved")
    call.reset(0)
    assert runUntilFired(reactor, fired, BOUND) == "moved"


# -- runAsync: torsion inside an asyncio program --------------------------------------------


@pytest.fixture(params=["asyncio", "uvloop"])
def loop(request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh asyncio loop, stock or uvloop, closed afterwards."""
    reason = unavailableReason(request.param)
    if reason is not None:
        pytest.skip(reason)
    if request.param == "uvloop":
        import uvloop

        made: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    else:
        made = asyncio.new_event_loop()
    try:
        yield made
    finally:
        made.close()


def test_run_async_inside_asyncio_program(loop: asyncio.AbstractEventLoop) -> None:
    """``await reactor.runAsync()`` runs torsion in a running loop, twice (restartable)."""
    events: list[str] = []
    torsion = AsyncioReactor(loop)
    torsion.addSystemEventTrigger("after", "startup", events.append, "startup")
    torsion.addSystemEventTrigger("before", "shutdown", events.append, "shutdown")

    async def program() -> None:
        for _ in range(2):
            torsion.callLater(0, torsion.stop)
            await asyncio.wait_for(torsion.runAsync(), BOUND)
            assert not torsion.running
        with pytest.raises(RuntimeError, match="runAsync"):
            torsion.run()

    try:
        loop.run_until_complete(program())
    finally:
        torsion.close()
    assert events == ["startup", "shutdown", "startup", "shutdown"]
    assert not loop.is_closed()  # the program's loop is the program's to close


def test_cancelling_run_async_stops_the_reactor(loop: asyncio.AbstractEventLoop) -> None:
    """Cancelling the task awaiting runAsync runs the shutdown, then raises CancelledError."""
    events: list[str] = []
    torsion = AsyncioReactor(loop)
    torsion.addSystemEventTrigger("before", "shutdown", events.append, "shutdown")

    async def program() -> None:
        running = asyncio.ensure_future(torsion.runAsync())
        await asyncio.sleep(0)
        assert torsion.running
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    try:
        loop.run_until_complete(asyncio.wait_for(program(), BOUND))
    finally:
        torsion.close()
    assert events == ["shutdown"] and not torsion.running


def test_uvloop_is_the_default_where_installed() -> None:
    """On Linux and macOS with uvloop importable, the default reactor is uvloop."""
    import sys

    if not (sys.platform.startswith("linux") or sys.platform == "darwin"):
        pytest.skip("uvloop is the default on Linux and macOS only")
    expected = "uvloop" if unavailableReason("uvloop") is None else "epoll"
    assert defaultReactorName() == expected
