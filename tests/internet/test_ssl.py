"""TLS over real TCP on every reactor: listenSSL/connectSSL, startTLS, verification, failures.

Data, closing, aborting, half-close and producers are checked by
`torsion.testing.checkStreamTransport` in tests/testing/test_streamcheck.py.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Echo, Recorder, connectPair, runUntil
from tests.internet._tlshelpers import certs
from torsion.internet import error
from torsion.internet._transports.stream import StreamTransport
from torsion.internet.defer import Deferred, gatherResults
from torsion.internet.interfaces import IFullReactor, IReactorSSL, ISSLTransport, ITLSTransport
from torsion.internet.protocol import ClientCreator, Factory
from torsion.internet.task import Clock
from torsion.protocols.tls import TLSMemoryBIOFactory, TLSMemoryBIOProtocol

MB = 1000 * 1000


def tlsPair(
    reactor: Any,
    serverProtocol: Any = Recorder,
    clientProtocol: Any = Recorder,
    serverOptions: Any = None,
    clientOptions: Any = None,
) -> tuple[Any, Any, Any]:
    """listenSSL on 127.0.0.1 and connectSSL to it: (port, server protocol, client protocol)."""
    server = Collecting(serverProtocol)
    options = certs().serverOptions() if serverOptions is None else serverOptions
    port = reactor.listenSSL(0, server, options, interface="127.0.0.1")
    client = Client(clientProtocol)
    clientOptions = certs().clientOptions() if clientOptions is None else clientOptions
    reactor.connectSSL("127.0.0.1", port.getHost().port, client, clientOptions)
    serverProto = runUntil(reactor, server.first)
    clientProto = runUntil(reactor, client.first)
    runUntil(reactor, gatherResults([serverProto.made, clientProto.made]))
    return port, serverProto, clientProto


def closeAll(reactor: Any, port: Any, *protocols: Any) -> list[Any]:
    for p in protocols:
        if p.transport is not None and p.reason is None:
            p.transport.loseConnection()
    reasons = runUntil(reactor, gatherResults([p.lost for p in protocols]))
    runUntil(reactor, port.stopListening())
    return list(reasons)


def test_client_creator_connect_ssl(reactor: IFullReactor) -> None:
    """ClientCreator.connectSSL; the reactor is an IReactorSSL, the transport an ISSLTransport.
    (Data, closing, aborting, half-close, producers: tests/testing/test_streamcheck.py.)"""
    assert isinstance(reactor, IReactorSSL)
    server = Collecting(Echo)
    port = reactor.listenSSL(0, server, certs().serverOptions(), interface="127.0.0.1")
    creator = ClientCreator(reactor, Recorder)
    d = creator.connectSSL("127.0.0.1", port.getHost().port, certs().clientOptions("127.0.0.1"))
    client = runUntil(reactor, d)
    assert isinstance(client.transport, ISSLTransport)
    client.expect = 3
    client.transport.write(b"abc")
    assert runUntil(reactor, client.enough) == b"abc"
    reasons = closeAll(reactor, port, client, runUntil(reactor, server.first))
    assert all(r.check(error.ConnectionDone) for r in reasons)


def test_connect_ssl_checks_the_host_it_connects_to(reactor: Any) -> None:
    """A plain default context: connectSSL's host is the name checked (here, an IP SAN)."""
    context = ssl.create_default_context(cadata=certs().ca.original)
    port, server, client = tlsPair(reactor, clientOptions=context)
    client.transport.write(b"ok")
    server.expect = 2
    runUntil(reactor, server.enough)
    closeAll(reactor, port, client, server)


@pytest.mark.parametrize(
    ("name", "hostname", "expected"),
    [
        ("expired", "localhost", "certificate has expired"),
        ("untrusted", "localhost", "unable to get local issuer certificate"),
        ("server", "wrong.example", "Hostname mismatch"),
    ],
)
def test_verification_failure(reactor: Any, name: str, hostname: str, expected: str) -> None:
    cert = getattr(certs(), name)
    options = certs().serverOptions() if name == "server" else cert.options()
    port, server, client = tlsPair(
        reactor, serverOptions=options, clientOptions=certs().clientOptions(hostname)
    )
    reasons = runUntil(reactor, gatherResults([client.lost, server.lost]))
    assert reasons[0].check(ssl.SSLCertVerificationError) and expected in str(reasons[0].value)
    assert reasons[1].check(ssl.SSLError, error.ConnectionLost)
    runUntil(reactor, port.stopListening())


def test_start_tls_mid_stream(reactor: Any) -> None:
    """Clear text, then STARTTLS on both sides, then encrypted; the TCP transport offers it."""
    port, server, client = connectPair(reactor)
    assert isinstance(client.transport, ITLSTransport)
    rawClient, rawServer = client.transport, server.transport
    client.transport.write(b"STARTTLS\n")
    server.expect = 9
    runUntil(reactor, server.enough)
    server.transport.write(b"GO\n")
    server.transport.startTLS(certs().serverOptions())
    client.expect = 3
    runUntil(reactor, client.enough)
    client.transport.startTLS(certs().clientOptions())
    assert isinstance(rawClient, StreamTransport)  # the TCP transport, offering startTLS
    assert (
        isinstance(rawClient.protocol, TLSMemoryBIOProtocol)
        and client.transport is rawClient.protocol
    )
    server.expect, server.enough = 9 + 6, Deferred()
    client.transport.write(b"secret")
    assert runUntil(reactor, server.enough) == b"STARTTLS\nsecret"
    assert client.transport.getPeerCertificate() == certs().server
    assert rawServer.protocol.getHandle().version() in ("TLSv1.2", "TLSv1.3")
    reasons = closeAll(reactor, port, client, server)
    assert all(r.check(error.ConnectionDone) for r in reasons)


def test_garbage_client_hello_and_server_keeps_serving(reactor: Any) -> None:
    """A peer sending garbage gets a clean failure; the next client is served."""
    server = Collecting(Echo)
    port = reactor.listenSSL(0, server, certs().serverOptions(), interface="127.0.0.1")
    raw = socket.create_connection(("127.0.0.1", port.getHost().port))
    try:
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n" * 10)
        bad = runUntil(reactor, server.first)
        reason = runUntil(reactor, bad.lost)
        assert reason.check(ssl.SSLError) and bad.received == b""
    finally:
        raw.close()
    client = Client(Recorder)
    reactor.connectSSL("127.0.0.1", port.getHost().port, client, certs().clientOptions())
    good = runUntil(reactor, client.first)
    good.expect = 5
    runUntil(reactor, good.made).transport.write(b"hello")
    assert runUntil(reactor, good.enough) == b"hello"
    closeAll(reactor, port, good, server.built[1])


def test_handshake_that_never_completes_times_out(reactor: Any) -> None:
    """A silent client is dropped after the handshake timeout (clock injected)."""
    clock = Clock()
    server = Collecting(Recorder)
    factory = TLSMemoryBIOFactory(
        certs().serverOptions(), False, server, clock, handshakeTimeout=10
    )
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    raw = socket.create_connection(("127.0.0.1", port.getHost().port))
    try:
        silent = runUntil(reactor, server.first)
        assert clock.getDelayedCalls()
        clock.advance(10)
        reason = runUntil(reactor, silent.lost)
        assert reason.check(error.TLSHandshakeTimeoutError)
    finally:
        raw.close()
    runUntil(reactor, port.stopListening())


def test_mutual_tls_and_alpn(reactor: Any) -> None:
    serverOptions = certs().serverOptions(trustRoot=certs().ca, acceptableProtocols=[b"h2"])
    clientOptions = certs().clientOptions(
        clientCertificate=certs().client, acceptableProtocols=[b"h2", b"http/1.1"]
    )
    port, server, client = tlsPair(reactor, Echo, Recorder, serverOptions, clientOptions)
    client.expect = 1
    client.transport.write(b"x")
    runUntil(reactor, client.enough)
    assert server.transport.getPeerCertificate() == certs().client
    assert client.transport.negotiatedProtocol == b"h2"
    closeAll(reactor, port, client, server)


def test_tls_factory_over_tcp_endpointless(reactor: Any) -> None:
    """TLSMemoryBIOFactory wraps any factory on plain listenTCP/connectTCP."""
    serverFactory = TLSMemoryBIOFactory(
        certs().serverOptions(), False, Factory.forProtocol(Echo), reactor
    )
    port = reactor.listenTCP(0, serverFactory, interface="127.0.0.1")
    client = Client(Recorder)
    clientFactory = TLSMemoryBIOFactory(certs().clientOptions(), True, client, reactor)
    reactor.connectTCP("127.0.0.1", port.getHost().port, clientFactory)
    proto = runUntil(reactor, client.first)
    proto.expect = 2
    proto.transport.write(b"hi")
    assert runUntil(reactor, proto.enough) == b"hi"
    assert len(serverFactory.protocols) == 1
    proto.transport.loseConnection()
    runUntil(reactor, proto.lost)
    runUntil(reactor, port.stopListening())
