"""Test doubles for code built on torsion (Twisted's ``twisted.internet.testing``).

* `StringTransport` records what a protocol writes; `StringTransportWithDisconnection` also
  tells the protocol when it is closed.
* `AccumulatingProtocol`, `LineSendingProtocol`, `NonStreamingProducer`: small peers to test
  transports and consumers against.
* `MemoryReactor` records listen and connect calls, `MemoryReactorClock` adds `task.Clock`
  time, `RaisingMemoryReactor` fails them.
* `waitUntilAllDisconnected` waits for closing connections.
* `EventLoggingObserver` keeps the log events it observes.

For two protocols talking to each other in memory, see `torsion.test.iosim`.
"""

from __future__ import annotations

from torsion.internet._fakes.observer import EventLoggingObserver
from torsion.internet._fakes.reactor import (
    MemoryReactor,
    MemoryReactorClock,
    RaisingMemoryReactor,
    _FakeConnector,
    _FakePort,
    waitUntilAllDisconnected,
)
from torsion.internet._fakes.transport import (
    AccumulatingProtocol,
    FakeDatagramTransport,
    LineSendingProtocol,
    NonStreamingProducer,
    StringIOWithoutClosing,
    StringTransport,
    StringTransportWithDisconnection,
)

__all__ = [
    "AccumulatingProtocol",
    "EventLoggingObserver",
    "FakeDatagramTransport",
    "LineSendingProtocol",
    "MemoryReactor",
    "MemoryReactorClock",
    "NonStreamingProducer",
    "RaisingMemoryReactor",
    "StringIOWithoutClosing",
    "StringTransport",
    "StringTransportWithDisconnection",
    # Twisted's names of these two, whose tests import them.
    "_FakeConnector",
    "_FakePort",
    "waitUntilAllDisconnected",
]
