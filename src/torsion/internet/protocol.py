"""Protocols and factories (Twisted's ``protocol`` module).

A *protocol* handles one connection: the transport calls `BaseProtocol.makeConnection`, then
`Protocol.dataReceived` for each chunk of bytes, then `Protocol.connectionLost` exactly once. A
*factory* builds one protocol per connection and is told when the first port or connector starts
using it and when the last one stops (`Factory.startFactory`, `Factory.stopFactory`).

Importing this module also registers the adapters between protocols and consumers
(`ProtocolToConsumerAdapter`, `ConsumerToProtocolAdapter`). `FileWrapper` is a transport that
writes into a file, for trying a protocol out.
"""

from __future__ import annotations

from torsion.internet._protocol.adapters import (
    ConsumerToProtocolAdapter,
    ProtocolToConsumerAdapter,
)
from torsion.internet._protocol.base import (
    AbstractDatagramProtocol,
    BaseProtocol,
    ClientFactory,
    ConnectedDatagramProtocol,
    DatagramProtocol,
    Factory,
    ProcessProtocol,
    Protocol,
    ReconnectingClientFactory,
    ServerFactory,
    connectionDone,
)
from torsion.internet._protocol.creator import ClientCreator
from torsion.internet._protocol.filewrapper import FileWrapper

__all__ = [
    "AbstractDatagramProtocol",
    "BaseProtocol",
    "ClientCreator",
    "ClientFactory",
    "ConnectedDatagramProtocol",
    "ConsumerToProtocolAdapter",
    "DatagramProtocol",
    "Factory",
    "FileWrapper",
    "ProcessProtocol",
    "Protocol",
    "ProtocolToConsumerAdapter",
    "ReconnectingClientFactory",
    "ServerFactory",
    "connectionDone",
]
