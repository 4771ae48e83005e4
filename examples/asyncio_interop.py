"""asyncio and torsion in one program, on one event loop.

Run: ``python examples/asyncio_interop.py [uvloop]``. An asyncio program starts the torsion
reactor inside its own loop (``await reactor.runAsync()``), serves a torsion protocol that calls
an asyncio coroutine, talks to it with an asyncio client, awaits Deferreds, turns coroutines and
Futures into Deferreds, and cancels across both worlds. Each step prints one line.
"""

import asyncio
import sys
from typing import TypeVar

from torsion.internet import asyncioreactor, defer, task
from torsion.internet.protocol import Factory, Protocol

T = TypeVar("T")


async def shout(text: bytes) -> bytes:
    """Stands for any asyncio library call (an HTTP client, a database driver, ...)."""
    await asyncio.sleep(0.01)
    return text.upper()


class Shouter(Protocol):
    """A torsion protocol that hands each chunk to the asyncio library and writes the answer."""

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        defer.ensureDeferred(shout(data)).addCallback(self.transport.write)


async def main() -> None:
    # The reactor runs on this program's loop; runAsync returns once the reactor stops.
    reactor = asyncioreactor.install(asyncio.get_running_loop())
    running = asyncio.ensure_future(reactor.runAsync())

    # A torsion server and an asyncio client (asyncio streams) on the same loop.
    port = reactor.listenTCP(0, Factory.forProtocol(Shouter), interface="127.0.0.1")
    reader, writer = await asyncio.open_connection("127.0.0.1", port.getHost().port)
    writer.write(b"hello from asyncio\n")
    print("torsion server said:", (await reader.readline()).decode().strip())
    writer.close()
    await writer.wait_closed()

    # Await a Deferred in a coroutine; a coroutine and a Future as Deferreds.
    print("awaited a Deferred:", await task.deferLater(reactor, 0.01, lambda: 42))
    print("ensureDeferred:", (await defer.ensureDeferred(shout(b"coroutine"))).decode())
    future = asyncio.ensure_future(shout(b"future"))
    print("Deferred.fromFuture:", (await defer.Deferred.fromFuture(future)).decode())

    # Cancelling an asyncio Task cancels the Deferred it awaits (and the timer behind it).
    slow = task.deferLater(reactor, 3600, lambda: "never")
    waiting = asyncio.ensure_future(awaitIt(slow))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    print("Task cancelled, so was the Deferred:", slow.called, reactor.getDelayedCalls())

    # Cancelling a Deferred made from a Future cancels the Future.
    sleeper = asyncio.ensure_future(asyncio.sleep(3600))
    fromSleeper = defer.Deferred.fromFuture(sleeper)
    fromSleeper.cancel()
    try:
        await fromSleeper
    except asyncio.CancelledError:
        print("Deferred cancelled, so was the Future:", sleeper.cancelled())

    await port.stopListening()
    reactor.stop()
    await running
    reactor.close()  # its own resources; the loop stays the program's
    print("reactor stopped")


async def awaitIt(d: defer.Deferred[T]) -> T:
    return await d


if __name__ == "__main__":
    if sys.argv[1:] == ["uvloop"]:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())
    else:
        asyncio.run(main())
