"""The adapters between protocols and consumers, registered by ``torsion.internet.protocol``."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from torsion.internet.interfaces import IConsumer, IProtocol
from torsion.internet.protocol import (
    ConsumerToProtocolAdapter,
    Protocol,
    ProtocolToConsumerAdapter,
)
from torsion.python.failure import Failure


def test_a_protocol_adapts_to_a_consumer_feeding_data_received() -> None:
    received: list[bytes] = []

    class Collector(Protocol):
        def dataReceived(self, data: bytes) -> None:
            received.append(data)

    consumer = IConsumer(Collector())  # type: ignore[misc, call-arg]
    assert isinstance(consumer, ProtocolToConsumerAdapter)
    consumer.write(b"hello")
    consumer.registerProducer(Collector(), True)  # type: ignore[arg-type]
    consumer.unregisterProducer()
    assert received == [b"hello"]


def test_a_declared_consumer_adapts_to_a_protocol_writing_to_it() -> None:
    zope = pytest.importorskip("zope.interface")
    written: list[bytes] = []

    @zope.implementer(IConsumer)
    class Sink:
        def write(self, data: bytes) -> None:
            written.append(data)

    protocol = IProtocol(Sink())  # type: ignore[misc, call-arg]
    assert isinstance(protocol, ConsumerToProtocolAdapter)
    protocol.makeConnection(object())  # type: ignore[arg-type]
    protocol.connectionMade()
    protocol.dataReceived(b"data")
    protocol.connectionLost(Failure(RuntimeError("gone")))
    assert written == [b"data"]


def test_protocols_adapt_without_zope_interface() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["zope"] = sys.modules["zope.interface"] = None  # not installed
        from torsion.internet.interfaces import IConsumer
        from torsion.internet.protocol import Protocol, ProtocolToConsumerAdapter
        assert isinstance(IConsumer(Protocol()), ProtocolToConsumerAdapter)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout == "ok\n", done.stderr
