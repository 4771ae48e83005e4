"""Twisted's old home of the test doubles, kept because its documentation's listings import it.

Everything here is `torsion.internet.testing`'s (Twisted deprecates this module; torsion keeps
it quiet, since pytest here turns warnings into errors). New code should import
`torsion.internet.testing`.
"""

from __future__ import annotations

from torsion.internet.testing import (
    AccumulatingProtocol,
    FakeDatagramTransport,
    LineSendingProtocol,
    MemoryReactor,
    MemoryReactorClock,
    NonStreamingProducer,
    RaisingMemoryReactor,
    StringIOWithoutClosing,
    StringTransport,
    StringTransportWithDisconnection,
    waitUntilAllDisconnected,
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
    "waitUntilAllDisconnected",
]
