"""A protocol over this program's own stdin and stdout (Twisted's ``stdio`` module).

`StandardIO` makes the two descriptors non-blocking and watches them with the reactor: what
arrives on stdin goes to ``dataReceived``, ``transport.write`` is buffered and written as stdout
accepts it. At the end of stdin a protocol with ``readConnectionLost`` (half-closeable) is told
and may keep writing; any other is disconnected once its output is written. The descriptors are
not closed (``print`` may still want them); their blocking mode is put back at the end.
"""

from __future__ import annotations

from torsion.internet._process.stdio import StandardIO

__all__ = ["StandardIO"]
