"""Child processes (Twisted's ``process`` module): the transport behind ``reactor.spawnProcess``.

A `Process` connects a `torsion.internet.protocol.ProcessProtocol` to a child: one pipe per
``childFDs`` entry (`PipeReader` for what the child writes, `PipeWriter` for what it reads), or
a pty, plus a watch on the child's exit (`torsion.internet._process.pidwatch`). How the child
starts is `torsion.internet._process.spawn`'s business.

The order of events, as in Twisted: ``makeConnection``/``connectionMade`` right after the
start; ``childDataReceived`` and ``childConnectionLost`` as the pipes deliver and close;
``processExited`` when the child has been reaped (``pid`` is None from then on); and
``processEnded``, exactly once and last, when the child has been reaped *and* every pipe has
closed, so all its output has been delivered. Both get a `Failure` of `ProcessDone` (exit code 0)
or `ProcessTerminated` (``exitCode``, ``signal``, ``status``). An exception raised by a protocol
method is logged; from ``childDataReceived`` it also closes that pipe (as in Twisted).
"""

from __future__ import annotations

from torsion.internet._process.process import Process, spawnProcess

__all__ = ["Process", "reapAllProcesses", "reapProcessHandlers", "spawnProcess"]

#: Twisted's table of the children its SIGCHLD handler still has to reap, by pid. torsion
#: watches each child itself (`torsion.internet._process.pidwatch`) and reaps it as soon as it
#: exits, so no child ever waits here: the table stays empty, for code that checks it.
reapProcessHandlers: dict[int, Process] = {}


def reapAllProcesses() -> None:
    """Reap the children waiting in `reapProcessHandlers`: there are none (see there)."""
