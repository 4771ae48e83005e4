"""The threaded select reactor: torsion inside another program's event loop (a GUI toolkit's).

`ThreadedSelectReactor` waits for I/O with ``select`` in a thread of its own and runs
everything else (descriptor callbacks, timed calls, protocols) in the program's main thread,
through a *waker*: a function, called from the select thread, that makes the main loop call
the function it is given (wxPython's ``wx.CallAfter``, for instance). Install it first::

    from torsion.internet import _threadedselect
    _threadedselect.install()

then, once the program's own loop is set up, interleave the two and stop through the
reactor::

    from torsion.internet import reactor
    reactor.interleave(foreignEventLoopWakerFunction)
    reactor.addSystemEventTrigger("after", "shutdown", foreignEventLoopStop)
    ...
    reactor.stop()  # instead of stopping the foreign loop directly

``reactor.run()`` works too, as with any reactor (the waker is then a queue the main thread
reads). The module's path is Twisted's, private there too.
"""

from __future__ import annotations

from torsion.internet._reactors.threadedselect import ThreadedSelectReactor, Waker
from torsion.internet.main import installReactor

__all__ = ["ThreadedSelectReactor", "Waker", "install"]


def install() -> ThreadedSelectReactor:
    """Install a new `ThreadedSelectReactor` as the global reactor and return it.

    Raises:
        ReactorAlreadyInstalledError: A reactor is installed already.
    """
    reactor = ThreadedSelectReactor()
    installReactor(reactor)
    return reactor
