"""Adapters between protocols and consumers, registered on import (as Twisted's are).

``IConsumer(protocol)`` is a `ProtocolToConsumerAdapter`: what is written to it is delivered to
the protocol's ``dataReceived``. ``IProtocol(consumer)`` is a `ConsumerToProtocolAdapter`: the
data it receives is written to the consumer. Either lets a producer feed a protocol, or a
connection feed a consumer, without glue code.
"""

from __future__ import annotations

from typing import Any

from torsion.internet._protocol.base import Protocol
from torsion.internet.interfaces import IConsumer, IProducer, IProtocol, ITransport
from torsion.python import components
from torsion.python.failure import Failure

__all__ = ["ConsumerToProtocolAdapter", "ProtocolToConsumerAdapter"]


class ProtocolToConsumerAdapter(components.Adapter):
    """An `IConsumer` that hands what is written to it to a protocol's ``dataReceived``.

    Args:
        original: The protocol.
    """

    original: Any

    def write(self, data: bytes) -> None:
        """Deliver ``data`` to the protocol."""
        self.original.dataReceived(data)

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        """Accept the producer; a protocol has no way to push back, so it is not kept."""

    def unregisterProducer(self) -> None:
        """Nothing to forget (see `registerProducer`)."""


class ConsumerToProtocolAdapter(components.Adapter):
    """An `IProtocol` that writes the data it receives to a consumer.

    The connection events mean nothing to a consumer and are ignored.

    Args:
        original: The consumer.
    """

    original: Any

    def dataReceived(self, data: bytes) -> None:
        """Write ``data`` to the consumer."""
        self.original.write(data)

    def makeConnection(self, transport: ITransport) -> None:
        """Ignored: the consumer has nothing to do with a transport."""

    def connectionMade(self) -> None:
        """Ignored."""

    def connectionLost(self, reason: Failure) -> None:
        """Ignored."""


# From the interfaces, as Twisted registers them: for objects that declare them (zope's
# ``@implementer``). torsion's protocols provide IProtocol by structure, without declaring it,
# so their base class is registered too.
components.registerAdapter(ProtocolToConsumerAdapter, IProtocol, IConsumer)
components.registerAdapter(ProtocolToConsumerAdapter, Protocol, IConsumer)
components.registerAdapter(ConsumerToProtocolAdapter, IConsumer, IProtocol)
