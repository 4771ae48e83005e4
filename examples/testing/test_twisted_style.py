"""A Twisted-style test module: trial test cases, ``StringTransport`` and ``Clock``.

It runs unchanged under pytest, and under Twisted after replacing ``torsion`` with
``twisted`` (the project's tests do exactly that). Everything it needs is defined here.
"""

from torsion.internet import protocol, reactor, task
from torsion.internet.defer import Deferred
from torsion.internet.testing import StringTransport
from torsion.trial import unittest


class Pinger(protocol.Protocol):
    """Sends ``PING`` every ``interval`` seconds; ``pongs`` fires when ``PONG`` comes back."""

    interval = 5.0

    def __init__(self, clock):
        self.clock = clock
        self.pongs = Deferred()

    def connectionMade(self):
        self.loop = task.LoopingCall(self.transport.write, b"PING\r\n")
        self.loop.clock = self.clock
        self.loop.start(self.interval)

    def dataReceived(self, data):
        if data == b"PONG\r\n" and not self.pongs.called:
            self.pongs.callback(self.clock.seconds())

    def connectionLost(self, reason=None):
        if self.loop.running:
            self.loop.stop()


class PingerTests(unittest.SynchronousTestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.transport = StringTransport()
        self.proto = Pinger(self.clock)
        self.proto.makeConnection(self.transport)

    def tearDown(self):
        self.proto.connectionLost()

    def test_pingsAtOnceAndThenEveryInterval(self):
        self.assertEqual(self.transport.value(), b"PING\r\n")
        self.clock.advance(5)
        self.clock.advance(5)
        self.assertEqual(self.transport.value(), b"PING\r\n" * 3)

    def test_pong(self):
        self.assertNoResult(self.proto.pongs)
        self.clock.advance(2)
        self.proto.dataReceived(b"PONG\r\n")
        self.assertEqual(self.successResultOf(self.proto.pongs), 2)


class ReactorTests(unittest.TestCase):
    """Tests that return a Deferred run on the global reactor until it fires."""

    def test_deferLaterOnTheReactor(self):
        d = task.deferLater(reactor, 0.01, lambda: "later")
        d.addCallback(self.assertEqual, "later")
        return d

    def test_expectedFailure(self):
        d = task.deferLater(reactor, 0, lambda: 1 / 0)
        return self.assertFailure(d, ZeroDivisionError)
