"""The TLS layer without sockets: two TLSMemoryBIOProtocols joined by an in-memory pump.

The stream behaviour over such a pump (data, closing, half-close, producers) is checked by
`torsion.testing.checkStreamTransport` in tests/testing/test_streamcheck.py.
"""

from __future__ import annotations

import logging
import ssl
import warnings
from typing import Any

import pytest

from tests.internet._tcphelpers import Recorder
from tests.internet._tlshelpers import certs
from torsion.internet import error
from torsion.internet.address import IPv4Address
from torsion.internet.protocol import Factory
from torsion.internet.ssl import (
    CertificateOptions,
    ClientContextFactory,
    TLSVersion,
    optionsForClientTLS,
)
from torsion.internet.task import Clock
from torsion.protocols.tls import TLSMemoryBIOFactory, TLSMemoryBIOProtocol, startTLS
from torsion.test.iosim import FakeTransport, IOPump, connect

ADDRESS = IPv4Address("TCP", "127.0.0.1", 4433)


class Pair:
    """A TLS client and server over a pump; ``client``/``server`` are the application protocols."""

    def __init__(
        self,
        serverOptions: Any = None,
        clientOptions: Any = None,
        serverProtocol: type = Recorder,
        clientProtocol: type = Recorder,
        greet: bool = True,
        **factoryArgs: Any,
    ) -> None:
        self.clock = Clock()
        serverFactory = Factory.forProtocol(serverProtocol)
        clientFactory = Factory.forProtocol(clientProtocol)
        serverOptions = certs().serverOptions() if serverOptions is None else serverOptions
        clientOptions = certs().clientOptions() if clientOptions is None else clientOptions
        self.serverTLS: TLSMemoryBIOProtocol = TLSMemoryBIOFactory(
            serverOptions, False, serverFactory, self.clock, **factoryArgs
        ).buildProtocol(ADDRESS)
        self.clientTLS: TLSMemoryBIOProtocol = TLSMemoryBIOFactory(
            clientOptions, True, clientFactory, self.clock, **factoryArgs
        ).buildProtocol(ADDRESS)
        self.serverIO = FakeTransport(self.serverTLS, isServer=True)
        self.clientIO = FakeTransport(self.clientTLS, isServer=False)
        self.pump: IOPump = connect(
            self.serverTLS,
            self.serverIO,
            self.clientTLS,
            self.clientIO,
            greet=greet,
            clock=self.clock,
        )
        self.server: Any = self.serverTLS.wrappedProtocol
        self.client: Any = self.clientTLS.wrappedProtocol


def test_round_trip_certificate_and_version() -> None:
    """Data flows both ways; each side sees the peer's certificate; TLS 1.2+ was negotiated."""
    pair = Pair()
    pair.client.transport.write(b"ping")
    pair.pump.flush()
    assert bytes(pair.server.received) == b"ping"
    pair.server.transport.writeSequence([b"po", bytearray(b"ng")])
    pair.pump.flush()
    assert bytes(pair.client.received) == b"pong"
    peer = pair.client.transport.getPeerCertificate()
    assert peer == certs().server
    assert pair.server.transport.getPeerCertificate() is None  # no client certificate asked
    assert pair.clientTLS.getHandle().version() in ("TLSv1.2", "TLSv1.3")
    assert pair.client.transport.negotiatedProtocol is None


def test_bytes_split_anywhere_give_the_same_plaintext() -> None:
    """Ciphertext delivered one byte at a time decrypts to the same stream."""
    pair = Pair()
    payload = bytes(range(256)) * 300
    pair.server.transport.write(payload)
    ciphertext = pair.serverIO.getOutBuffer()
    assert ciphertext is not None and payload not in ciphertext
    for i in range(len(ciphertext)):
        pair.clientTLS.dataReceived(ciphertext[i : i + 1])
    assert bytes(pair.client.received) == payload


def test_close_notify_both_ways() -> None:
    """loseConnection sends close_notify; the peer answers; both see ConnectionDone."""
    pair = Pair()
    pair.server.transport.write(b"bye")
    pair.server.transport.loseConnection()
    assert not pair.serverIO.disconnecting  # waits for the client's close_notify
    pair.pump.flush()
    assert bytes(pair.client.received) == b"bye"
    assert pair.server.reason.check(error.ConnectionDone)
    assert pair.client.reason.check(error.ConnectionDone)
    assert not pair.clock.getDelayedCalls()


def test_tcp_close_without_close_notify_is_connection_lost() -> None:
    """A peer that closes TCP without close_notify: ConnectionLost (possible truncation)."""
    pair = Pair()
    pair.clientIO.loseConnection()  # below TLS: no close_notify
    pair.pump.flush()
    assert pair.server.reason.check(error.ConnectionLost)
    assert "close_notify" in str(pair.server.reason.value)


def test_trailing_data_after_close_notify_is_dropped() -> None:
    """Application data after the peer's close_notify is not delivered."""
    pair = Pair()
    tls = pair.clientTLS._tls
    try:
        tls.unwrap()
    except ssl.SSLWantReadError:
        pass
    closeNotify = pair.clientTLS._outgoing.read()
    pair.serverTLS.dataReceived(closeNotify + b"\x17\x03\x03\x00\x05hello")
    assert pair.server.received == b""
    pair.pump.flush()
    assert pair.server.reason.check(error.ConnectionDone)


def test_handshake_timeout() -> None:
    """A peer that never completes the handshake is dropped after handshakeTimeout."""
    clock = Clock()
    factory = TLSMemoryBIOFactory(
        certs().serverOptions(), False, Factory.forProtocol(Recorder), clock, handshakeTimeout=5
    )
    tls = factory.buildProtocol(ADDRESS)
    transport = FakeTransport(tls, isServer=True)
    tls.makeConnection(transport)
    clock.advance(4.9)
    assert not transport.aborted
    clock.advance(0.1)
    assert transport.aborted
    transport.reportDisconnect()
    assert tls.wrappedProtocol.reason.check(error.TLSHandshakeTimeoutError)
    assert not clock.getDelayedCalls()


def test_timeouts_must_be_positive() -> None:
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match="handshakeTimeout"):
            TLSMemoryBIOFactory(None, False, None, handshakeTimeout=bad)
        with pytest.raises(ValueError, match="shutdownTimeout"):
            TLSMemoryBIOFactory(None, False, None, shutdownTimeout=bad)


def test_shutdown_timeout_aborts_a_silent_peer() -> None:
    """If the peer never answers our close_notify, the connection is aborted."""
    pair = Pair(shutdownTimeout=2.0)
    pair.client.transport.loseConnection()
    pair.clientIO.getOutBuffer()  # the close_notify never reaches the server
    pair.clock.advance(2.0)
    assert pair.clientIO.aborted
    pair.clientIO.reportDisconnect()
    assert pair.client.reason.check(error.TLSShutdownTimeoutError)


def test_garbage_instead_of_client_hello() -> None:
    """Garbage from a client: the server's connection fails with an SSLError and closes."""
    factory = TLSMemoryBIOFactory(
        certs().serverOptions(), False, Factory.forProtocol(Recorder), Clock()
    )
    tls = factory.buildProtocol(ADDRESS)
    transport = FakeTransport(tls, isServer=True)
    tls.makeConnection(transport)
    tls.dataReceived(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert transport.disconnecting
    transport.reportDisconnect()
    assert tls.wrappedProtocol.reason.check(ssl.SSLError)
    assert tls.wrappedProtocol.received == b""
    assert not factory.protocols


@pytest.mark.parametrize(
    ("name", "hostname", "expected"),
    [
        ("expired", "localhost", "certificate has expired"),
        ("untrusted", "localhost", "unable to get local issuer certificate"),
        ("server", "example.com", "Hostname mismatch"),
        ("server", "127.0.0.2", "IP address mismatch"),
    ],
)
def test_verification_failures_say_what_is_wrong(name: str, hostname: str, expected: str) -> None:
    """Expired, unknown issuer, wrong name: the client's reason says which."""
    cert = getattr(certs(), name)
    pair = Pair(CertificateOptions(cert.privateKey, cert), certs().clientOptions(hostname))
    assert pair.client.reason.check(ssl.SSLCertVerificationError)
    assert expected in str(pair.client.reason.value)
    assert pair.server.reason.check(ssl.SSLError, error.ConnectionLost)
    assert pair.client.received == pair.server.received == b""


def test_ip_hostname_matches_ip_san() -> None:
    pair = Pair(clientOptions=certs().clientOptions("127.0.0.1"))
    assert pair.client.transport.getPeerCertificate() == certs().server


def test_optionsForClientTLS_rejects_bytes() -> None:
    with pytest.raises(TypeError, match="text"):
        optionsForClientTLS(b"localhost")  # type: ignore[arg-type]


def test_mutual_tls() -> None:
    """A server trusting the CA gets the client's certificate; a client without one fails."""
    serverOptions = certs().serverOptions(trustRoot=certs().ca)
    pair = Pair(serverOptions, certs().clientOptions(clientCertificate=certs().client))
    pair.client.transport.write(b"hi")
    pair.pump.flush()
    assert pair.server.received == b"hi"
    assert pair.server.transport.getPeerCertificate() == certs().client
    refused = Pair(serverOptions, certs().clientOptions())
    assert refused.server.reason.check(ssl.SSLError)
    assert refused.server.received == b""


def test_alpn() -> None:
    serverOptions = certs().serverOptions(acceptableProtocols=[b"h2", b"http/1.1"])
    pair = Pair(serverOptions, certs().clientOptions(acceptableProtocols=[b"http/1.1"]))
    assert pair.client.transport.negotiatedProtocol == b"http/1.1"
    assert pair.server.transport.negotiatedProtocol == b"http/1.1"


def test_sni_picks_the_certificate() -> None:
    """The server presents the certificate for the name the client sent."""
    c = certs()
    serverOptions = c.serverOptions(
        serverNameCertificates={"alpha.example": c.alpha, "beta.example": c.beta}
    )
    for name, expected in [
        ("alpha.example", c.alpha),
        ("beta.example", c.beta),
        ("localhost", c.server),
    ]:
        pair = Pair(serverOptions, c.clientOptions(name))
        assert pair.client.transport.getPeerCertificate() == expected, name


def test_handshake_completed_is_called() -> None:
    class Listener(Recorder):
        def handshakeCompleted(self) -> None:
            self.events.append("handshake")

    pair = Pair(clientProtocol=Listener, serverProtocol=Listener)
    assert pair.client.events == pair.server.events == ["made", "handshake"]


def test_abort_during_handshake() -> None:
    """abortConnection in connectionMade: nothing is delivered, one connectionLost each."""

    class Aborter(Recorder):
        def connectionMade(self) -> None:
            super().connectionMade()
            assert isinstance(self.transport, TLSMemoryBIOProtocol)
            self.transport.abortConnection()
            self.transport.write(b"x")

    pair = Pair(clientProtocol=Aborter)
    assert pair.client.reason.check(error.ConnectionAborted)
    assert pair.server.events[-1] == "lost" and pair.client.events == ["made", "lost"]


class Producer:
    """A streaming producer that records pause/resume calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def pauseProducing(self) -> None:
        self.calls.append("pause")

    def resumeProducing(self) -> None:
        self.calls.append("resume")

    def stopProducing(self) -> None:
        self.calls.append("stop")


def test_streaming_producer_paused_until_handshake_and_close_waits() -> None:
    """Writes held for the handshake pause the producer; loseConnection waits for unregister."""
    pair = Pair(greet=False)
    producer = Producer()
    pair.client.transport.registerProducer(producer, True)
    pair.client.transport.write(b"early")
    assert producer.calls == ["pause"]
    pair.pump.flush()
    assert producer.calls == ["pause", "resume"]
    assert pair.server.received == b"early"
    pair.client.transport.loseConnection()
    pair.client.transport.write(b"more")  # allowed while the producer is registered
    pair.pump.flush()
    assert pair.server.reason is None
    pair.client.transport.unregisterProducer()
    pair.pump.flush()
    assert pair.server.received == b"earlymore"
    # mypy keeps the narrowing to None from the assert above across flush().
    assert pair.server.reason.check(error.ConnectionDone)  # type: ignore[attr-defined]


def test_start_tls_over_a_fake_transport() -> None:
    """startTLS: clear bytes first, then TLS; the application's transport is the TLS layer."""
    clock = Clock()
    server, client = Recorder(), Recorder()
    serverIO, clientIO = FakeTransport(server, isServer=True), FakeTransport(client, isServer=False)
    serverIO._tlsClientDefault = False  # type: ignore[attr-defined]
    clientIO._tlsClientDefault = True  # type: ignore[attr-defined]
    pump = connect(server, serverIO, client, clientIO, clock=clock)
    assert client.transport is not None
    client.transport.write(b"STARTTLS\r\n")
    pump.flush()
    assert server.received == b"STARTTLS\r\n"
    startTLS(serverIO, certs().serverOptions(), True, clock)
    startTLS(clientIO, certs().clientOptions(), True, clock)
    assert (
        isinstance(serverIO.protocol, TLSMemoryBIOProtocol)
        and server.transport is serverIO.protocol
    )
    client.transport.write(b"secret")
    wire = clientIO.stream[-1]
    assert b"secret" not in wire
    pump.flush()
    assert server.received == b"STARTTLS\r\nsecret"
    assert isinstance(client.transport, TLSMemoryBIOProtocol)
    assert client.transport.getPeerCertificate() == certs().server


def test_secure_defaults() -> None:
    for context in (certs().serverOptions().getContext(), certs().clientOptions().getContext()):
        assert context.minimum_version >= TLSVersion.TLSv1_2
        assert context.options & ssl.OP_NO_COMPRESSION
    client = certs().clientOptions().getContext()
    assert client.check_hostname and client.verify_mode == ssl.CERT_REQUIRED


def test_legacy_clients_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "torsion.internet.ssl"):
        factory = ClientContextFactory()
        factory.getContext()
        factory.getContext()
    assert len(caplog.records) == 1 and "optionsForClientTLS" in caplog.records[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, "torsion.internet.ssl"):
        pair = Pair(clientOptions=CertificateOptions())
    assert pair.client.transport.getPeerCertificate() == certs().server
    assert len(caplog.records) == 1 and "optionsForClientTLS" in caplog.records[0].getMessage()


def test_old_protocol_versions_refused_unless_asked() -> None:
    """A TLS 1.1-only client fails; insecurelyLowerMinimumTo lets it in.

    (The stdlib warns that TLS 1.1 is deprecated whenever a context allows it.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
        refused = Pair(clientOptions=old)
        assert refused.server.reason.check(ssl.SSLError)
        assert "protocol" in str(refused.server.reason.value).lower()
        lowered = certs().serverOptions(insecurelyLowerMinimumTo=TLSVersion.TLSv1_1)
        pair = Pair(lowered, old)
    if pair.client.reason is not None:
        pytest.skip(f"this OpenSSL refuses TLS 1.1 entirely: {pair.client.reason.value}")
    assert pair.clientTLS.getHandle().version() == "TLSv1.1"
