"""A Twisted-style test module: trial test cases, ``StringTransport`` and ``Clock``.

It runs unchanged under pytest, and under Twisted after replacing ``torsion`` with
``twisted`` (the project's tests do exactly that). Everything it needs is defined here.
"""

from __future__ import annotations

from typing import Any

from torsion.internet import protocol, reactor, task
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IReactorTime
from torsion.internet.testing import StringTransport
from torsion.python.failure import Failure
from torsion.trial import unittest


class Pinger(protocol.Protocol):
    """Sends ``PING`` every ``interval`` seconds; ``pongs`` fires when ``PONG`` comes back."""

    interval = 5.0

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self.pongs: Deferred[float] = Deferred()

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.loop = task.LoopingCall(self.transport.write, b"PING\r\n")
        self.loop.clock = self.clock
        self.loop.start(self.interval)

    def dataReceived(self, data: bytes) -> None:
        if data == b"PONG\r\n" and not self.pongs.called:
            self.pongs.callback(self.clock.seconds())

    def connectionLost(self, reason: Failure | None = None) -> None:
        if self.loop.running:
            self.loop.stop()


class PingerTests(unittest.SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = task.Clock()
        self.transport = StringTransport()
        self.proto = Pinger(self.clock)
        self.proto.makeConnection(self.transport)

    def tearDown(self) -> None:
        self.proto.connectionLost()

    def test_pingsAtOnceAndThenEveryInterval(self) -> None:
        self.assertEqual(self.transport.value(), b"PING\r\n")
        self.clock.advance(5)
        self.clock.advance(5)
        self.assertEqual(self.transport.value(), b"PING\r\n" * 3)

    def test_pong(self) -> None:
        self.assertNoResult(self.proto.pongs)
        self.clock.advance(2)
        self.proto.dataReceived(b"PONG\r\n")
        self.assertEqual(self.successResultOf(self.proto.pongs), 2)


class ReactorTests(unittest.TestCase):
    """Tests that return a Deferred run on the global reactor until it fires."""

    def test_deferLaterOnTheReactor(self) -> Deferred[Any]:
        d = task.deferLater(reactor, 0.01, lambda: "later")
        d.addCallback(self.assertEqual, "later")
        return d

    def test_expectedFailure(self) -> Deferred[Any]:
        d = task.deferLater(reactor, 0, lambda: 1 / 0)
        return self.assertFailure(d, ZeroDivisionError)
