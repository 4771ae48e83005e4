"""The asyncio reactor: torsion on any asyncio event loop, sharing it with asyncio code.

`AsyncioReactor` is `ReactorCore` with asyncio underneath: running the reactor runs the loop
(``run_forever``), ``stop()`` stops it, and an asyncio program whose loop already runs starts
torsion with ``await reactor.runAsync()``. Descriptors (``addReader`` ..., and so UNIX sockets,
UDP and process pipes) go to the loop's ``add_reader``/``add_writer``; TCP connections ride on
asyncio's own transports (`torsion.internet._asyncio.tcp`), so on uvloop their bytes move in C.

Timed calls keep torsion's timer queue (``getDelayedCalls``, ``reset``, cheap cancellation) and
arm one asyncio timer for the earliest of them. ``callFromThread`` uses the loop's
``call_soon_threadsafe``. Restartable, like the other reactors.

Usage::

    from torsion.internet import asyncioreactor
    asyncioreactor.install()               # before anything imports torsion.internet.reactor
    from torsion.internet import reactor
"""

from __future__ import annotations

from torsion.internet._asyncio.reactor import AsyncioReactor, install

__all__ = ["AsyncioReactor", "AsyncioSelectorReactor", "install"]

#: Twisted's name of the class (its asyncio reactor runs on a selector event loop; torsion's
#: runs on whichever loop it is given).
AsyncioSelectorReactor = AsyncioReactor
