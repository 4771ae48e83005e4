"""The base class of torsion's reactors on POSIX (Twisted's ``posixbase`` module).

`PosixReactorBase` is `torsion.internet.base.ReactorBase` plus every transport: ``listenTCP``,
``connectTCP``, the UNIX, UDP, multicast and UNIX datagram ports, ``spawnProcess``,
``listenSSL``/``connectSSL`` and ``resolve``. Subclassing it with a poller makes a reactor (see
``torsion.internet.epollreactor``).
"""

from __future__ import annotations

from torsion.internet._reactors.posixbase import PosixReactorBase

__all__ = ["PosixReactorBase"]
