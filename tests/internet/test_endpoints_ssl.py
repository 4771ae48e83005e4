"""TLS endpoints: ``ssl:``/``tls:`` descriptions and the endpoint classes, on every reactor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.internet._tcphelpers import Collecting, Echo, Recorder, runUntil
from tests.internet._tlshelpers import certs
from torsion.internet import error
from torsion.internet.endpoints import (
    SSL4ClientEndpoint,
    SSL4ServerEndpoint,
    TCP4ClientEndpoint,
    TCP6ServerEndpoint,
    clientFromString,
    connectProtocol,
    serverFromString,
    wrapClientTLS,
    wrapServerTLS,
)
from torsion.internet.testing import MemoryReactor


def serve(reactor: Any, description: str) -> tuple[Any, Collecting]:
    factory = Collecting(Echo)
    port = runUntil(reactor, serverFromString(reactor, description).listen(factory))
    return port, factory


def roundTrip(reactor: Any, endpoint: Any, factory: Collecting) -> Any:
    """Echo b"ping" through ``endpoint``; a connection lost first fails with its reason."""
    client = runUntil(reactor, connectProtocol(endpoint, Recorder()))

    def lostFirst(why: Any) -> Any:
        if not client.enough.called:
            client.enough.errback(why.failure)
        return why

    client.lost.addCallback(lostFirst)
    client.expect = 4
    client.transport.write(b"ping")
    assert runUntil(reactor, client.enough) == b"ping"
    client.transport.loseConnection()
    assert runUntil(reactor, client.lost).check(error.ConnectionDone)
    runUntil(reactor, factory.built[-1].lost)
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


def test_tls_server_string_picks_the_certificate_by_sni(reactor: Any) -> None:
    """``tls:DIRECTORY``: each client gets the certificate for the name it sent, with its
    chain (beta's intermediate comes from another file); no name gets the first (alpha's)."""
    port, factory = serve(reactor, f"tls:{certs().sni}:port=0:interface=127.0.0.1")
    number = port.getHost().port
    served = {}
    for hostname in ["alpha.example", "beta.example", "www.beta.example", "a.wild.example"]:
        tcp = TCP4ClientEndpoint(reactor, "127.0.0.1", number)
        endpoint = wrapClientTLS(certs().clientOptions(hostname), tcp, reactor)
        served[hostname] = roundTrip(reactor, endpoint, factory).transport.getPeerCertificate()
    assert served["beta.example"] == served["www.beta.example"] != served["alpha.example"]
    assert len(set(served.values())) == 3
    noName = clientFromString(reactor, f"tls:127.0.0.1:{number}:trustRoots={certs().sni}")
    proto = roundTrip(reactor, noName, factory)
    assert proto.transport.getPeerCertificate() == served["alpha.example"]
    runUntil(reactor, port.stopListening())


def test_tls_server_unknown_name_gets_the_default_certificate(reactor: Any) -> None:
    port, factory = serve(reactor, f"tls:{certs().sni}:port=0:interface=127.0.0.1")
    tcp = TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port)
    endpoint = wrapClientTLS(certs().clientOptions("b.a.wild.example"), tcp, reactor)
    proto = runUntil(reactor, connectProtocol(endpoint, Recorder()))
    assert "Hostname mismatch" in str(runUntil(reactor, proto.lost).value)
    runUntil(reactor, factory.built[0].lost)
    runUntil(reactor, port.stopListening())


def test_tls_server_parsed_arguments() -> None:
    """Twisted's defaults (port 443, backlog 50, interface ``::``) and positional order."""
    reactor = MemoryReactor()
    server = serverFromString(reactor, f"tls:{certs().sni}")
    inner = server._wrappedEndpoint
    assert isinstance(inner, TCP6ServerEndpoint)
    assert (inner._port, inner._backlog, inner._interface) == (443, 50, "::")
    server = serverFromString(reactor, f"tls:{certs().sni}:8443:7:127.0.0.1")
    inner = server._wrappedEndpoint
    assert (inner._port, inner._backlog, inner._interface) == (8443, 7, "127.0.0.1")
    assert server._contextFactory.getContext().sni_callback is not None
    assert isinstance(wrapServerTLS(certs().serverOptions(), inner), type(server))


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
        ("server", "tls", "missing path"),
        ("server", "tls:/nonexistent", "'/nonexistent' is not a directory"),
        ("server", "tls:{sni}:port=https", "port must be an integer, not 'https'"),
        ("server", "tls:{sni}:colour=red", "unexpected argument 'colour'"),
        ("server", "tls:{empty}", "no private key with its certificate"),
        ("server", "tls:{notBase64}", "bad PEM data in '.*x.pem': Incorrect padding"),
        ("server", "tls:{notCertificate}", "bad PEM data in '.*x.pem': truncated DER element"),
    ],
)
def test_bad_descriptions(tmp_path: Path, kind: str, description: str, message: str) -> None:
    parse = serverFromString if kind == "server" else clientFromString
    directories = {"sni": certs().sni, "empty": tmp_path / "empty"}
    for name, body in [("notBase64", "AAA"), ("notCertificate", "AAAA")]:
        directories[name] = tmp_path / name
        directories[name].mkdir()
        pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
        (directories[name] / "x.pem").write_text(pem)
    directories["empty"].mkdir()
    (directories["empty"] / "ca.pem").write_bytes(certs().ca.dumpPEM())  # no key
    description = description.format(**directories)
    with pytest.raises(ValueError, match=message) as info:
        parse(MemoryReactor(), description)
    assert description in str(info.value)
