"""Test doubles for code built on torsion (Twisted's ``twisted.internet.testing``).

* `StringTransport` records what a protocol writes; `StringTransportWithDisconnection` also
  tells the protocol when it is closed.
* `AccumulatingProtocol`, `LineSendingProtocol`, `NonStreamingProducer`: small peers to test
  transports and consumers against.
* `MemoryReactor` records listen and connect calls, `MemoryReactorClock` adds `task.Clock`
  time, `RaisingMemoryReactor` fails them.
* `waitUntilAllDisconnected` waits for closing connections.

For two protocols talking to each other in memory, see `torsion.test.iosim`.
"""

from __future__ import annotations

from torsion.internet._fakes.reactor import (
    FakeConnector,
    FakePort,
    MemoryReactor,
    MemoryReactorClock,
    RaisingMemoryReactor,
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
    "FakeDatagramTransport",
    "LineSendingProtocol",
    "MemoryReactor",
    "MemoryReactorClock",
    "NonStreamingProducer",
    "RaisingMemoryReactor",
    "StringIOWithoutClosing",
    "StringTransport",
    "StringTransportWithDisconnection",
    "_FakeConnector",
    "_FakePort",
    "waitUntilAllDisconnected",
]

# Twisted's names: its tests import these private-looking doubles.
_FakeConnector = FakeConnector
_FakePort = FakePort
