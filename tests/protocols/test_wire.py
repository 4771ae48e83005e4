"""torsion.protocols.wire: each small service against StringTransport."""

from __future__ import annotations

import struct
import time

from torsion.internet.protocol import Protocol
from torsion.internet.testing import StringTransport
from torsion.protocols import wire


def connect(proto: Protocol) -> StringTransport:
    transport = StringTransport()
    proto.makeConnection(transport)
    return transport


def test_echo() -> None:
    proto = wire.Echo()
    transport = connect(proto)
    proto.dataReceived(b"hello")
    assert transport.value() == b"hello" and not transport.disconnecting


def test_discard() -> None:
    proto = wire.Discard()
    transport = connect(proto)
    proto.dataReceived(b"hello")
    assert transport.value() == b""


def test_chargen_is_a_pull_producer() -> None:
    proto = wire.Chargen()
    transport = connect(proto)
    assert transport.producer is proto and transport.streaming is False
    proto.resumeProducing()
    proto.resumeProducing()
    assert transport.value() == wire.Chargen.noise * 2
    proto.pauseProducing()
    proto.stopProducing()


def test_qotd_and_who() -> None:
    transport = connect(wire.QOTD())
    assert transport.value() == b"An apple a day keeps the doctor away.\r\n"
    assert transport.disconnecting
    transport = connect(wire.Who())
    assert transport.value() == b"root\r\n" and transport.disconnecting


def test_daytime() -> None:
    transport = connect(wire.Daytime())
    value = transport.value()
    assert value.endswith(b"\r\n") and transport.disconnecting
    parsed = time.strptime(value[:-2].decode(), "%a %b %d %H:%M:%S %Y")
    assert abs(time.mktime(parsed) - time.mktime(time.gmtime())) < 5


def test_time() -> None:
    transport = connect(wire.Time())
    (value,) = struct.unpack("!i", transport.value())
    assert abs(value - time.time()) < 5 and transport.disconnecting
