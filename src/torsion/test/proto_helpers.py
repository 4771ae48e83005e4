"""Twisted's old home of the test doubles: each name warns, pointing at its new home.

Everything here is `torsion.internet.testing`'s. As in Twisted (since 19.7), reading a name
from this module emits a `DeprecationWarning` saying to import it from
`torsion.internet.testing` instead.
"""

from __future__ import annotations

from torsion.internet.testing import (
    AccumulatingProtocol,
    EventLoggingObserver,
    FakeDatagramTransport,
    LineSendingProtocol,
    MemoryReactor,
    MemoryReactorClock,
    NonStreamingProducer,
    RaisingMemoryReactor,
    StringIOWithoutClosing,
    StringTransport,
    StringTransportWithDisconnection,
    _FakeConnector,
    _FakePort,
    waitUntilAllDisconnected,
)
from torsion.python.deprecate import deprecatedModuleAttribute
from torsion.python.versions import Version

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
    "_FakeConnector",
    "_FakePort",
    "waitUntilAllDisconnected",
]

for _name in __all__:
    deprecatedModuleAttribute(
        Version("Twisted", 19, 7, 0),
        f"Please use torsion.internet.testing.{_name} instead.",
        __name__,
        _name,
    )
