"""TLS endpoints: ``ssl:``/``tls:`` descriptions and the endpoint classes, on every reactor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.internet._tcphelpers import Collecting, Echo, Recorder, runUntil
from tests.internet._tlshelpers import certs
from torsion.internet import error
from torsion.internet.endpoints import (
    SSL4ClientEndpoint,
    SSL4ServerEndpoint,
    TCP4ClientEndpoint,
    clientFromString,
    connectProtocol,
    serverFromString,
    wrapClientTLS,
)
from torsion.internet.testing import MemoryReactor


def serve(reactor: Any, description: str) -> tuple[Any, Collecting]:
    factory = Collecting(Echo)
    port = runUntil(reactor, serverFromString(reactor, description).listen(factory))
    return port, factory


def roundTrip(reactor: Any, endpoint: Any, factory: Collecting) -> Any:
    client = runUntil(reactor, connectProtocol(endpoint, Recorder()))
    client.expect = 4
    client.transport.write(b"ping")
    assert runUntil(reactor, client.enough) == b"ping"
    client.transport.loseConnection()
    assert runUntil(reactor, client.lost).check(error.ConnectionDone)
    runUntil(reactor, factory.built[0].lost)
    return client


def test_ssl_server_and_client_strings(reactor: Any) -> None:
    d = certs().directory
    port, factory = serve(
        reactor, f"ssl:0:privateKey={d / 'key.pem'}:certKey={d / 'cert.pem'}:interface=127.0.0.1"
    )
    number = port.getHost().port
    client = clientFromString(reactor, f"ssl:127.0.0.1:{number}:caCertsDir={d / 'cas'}")
    assert isinstance(client, SSL4ClientEndpoint)
    proto = roundTrip(reactor, client, factory)
    assert proto.transport.getPeerCertificate() == certs().server
    runUntil(reactor, port.stopListening())


def test_tls_client_string_with_client_certificate(reactor: Any) -> None:
    d = certs().directory
    endpoint = SSL4ServerEndpoint(
        reactor, 0, certs().serverOptions(trustRoot=certs().ca), interface="127.0.0.1"
    )
    factory = Collecting(Echo)
    port = runUntil(reactor, endpoint.listen(factory))
    description = f"tls:127.0.0.1:{port.getHost().port}:trustRoots={d / 'cas'}"
    description += f":certificate={d / 'client.pem'}"
    roundTrip(reactor, clientFromString(reactor, description), factory)
    assert factory.built[0].transport.getPeerCertificate() == certs().client
    runUntil(reactor, port.stopListening())


def test_clients_verify_by_default(reactor: Any) -> None:
    """``ssl:`` without caCertsDir uses the system's store, which does not know the test CA."""
    port, factory = serve(reactor, f"ssl:0:{certs().directory / 'server.pem'}:interface=127.0.0.1")
    client = clientFromString(reactor, f"ssl:127.0.0.1:{port.getHost().port}")
    proto = runUntil(reactor, connectProtocol(client, Recorder()))
    reason = runUntil(reactor, proto.lost)
    assert "certificate verify failed" in str(reason.value)
    runUntil(reactor, factory.built[0].lost)
    runUntil(reactor, port.stopListening())


def test_wrap_client_tls_over_tcp(reactor: Any) -> None:
    port, factory = serve(reactor, f"ssl:0:{certs().directory / 'server.pem'}:interface=127.0.0.1")
    inner = TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port)
    roundTrip(reactor, wrapClientTLS(certs().clientOptions("127.0.0.1"), inner, reactor), factory)
    runUntil(reactor, port.stopListening())


def test_parsed_arguments() -> None:
    d = certs().directory
    reactor = MemoryReactor()
    server = serverFromString(reactor, f"ssl:443:privateKey={d / 'server.pem'}:backlog=7")
    assert isinstance(server, SSL4ServerEndpoint)
    assert server._port == 443 and server._backlog == 7 and server._interface == ""
    client = clientFromString(
        reactor, "ssl:host=example.com:port=443:timeout=5:hostname=alt.example"
    )
    assert isinstance(client, SSL4ClientEndpoint)
    assert (client._host, client._port, client._timeout) == ("example.com", 443, 5)
    assert client._contextFactory.serverHostname == "alt.example"
    tls = clientFromString(reactor, "tls:example.com:443:bindAddress=127.0.0.1")
    assert tls._contextFactory.serverHostname == "example.com"


@pytest.mark.parametrize(
    ("kind", "description", "message"),
    [
        ("server", "ssl:443:privateKey=/nonexistent.pem", "cannot read '/nonexistent.pem'"),
        ("server", "ssl:http:privateKey=x.pem", "port must be an integer"),
        ("client", "ssl:example.com", "missing port"),
        ("client", "tls:example.com:443:colour=blue", "unexpected argument 'colour'"),
        ("client", "tls:example.com:443:trustRoots=/nonexistent", "no PEM certificates"),
        ("client", "tls:example.com:443:privateKey=k.pem", "needs its certificate"),
    ],
)
def test_bad_descriptions(kind: str, description: str, message: str) -> None:
    parse = serverFromString if kind == "server" else clientFromString
    with pytest.raises(ValueError, match=message) as info:
        parse(MemoryReactor(), description)
    assert description in str(info.value)
