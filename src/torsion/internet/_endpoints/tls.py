"""TLS endpoints: `SSL4ServerEndpoint`, `SSL4ClientEndpoint`, `wrapClientTLS`, `wrapServerTLS`,
and the ``ssl:`` and ``tls:`` description strings (registered with ``_endpoints_parse``).

Unlike Twisted, every client description verifies the server: ``ssl:`` trusts ``caCertsDir``
(or the system's store) and checks ``hostname`` (default: the host connected to), as ``tls:``
does with ``trustRoots``. The ``tls:`` server is Twisted's: a directory of PEM files whose
certificates are chosen by SNI (`torsion.internet._tls.pems`), over `TCP6ServerEndpoint`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torsion.internet._endpoints.hostname import HostnameEndpoint
from torsion.internet._endpoints.parse import (
    DescriptionProblem,
    bindArguments,
    clientFromString,
    integerArgument,
    registerClientParser,
    registerServerParser,
    secondsArgument,
)
from torsion.internet._endpoints.tcp import TCP6ServerEndpoint, WrappingFactory
from torsion.internet._tls.certificates import (
    Certificate,
    KeyPair,
    PrivateCertificate,
    TrustRoot,
    certificatesFromPEM,
    trustRootFromCertificates,
)
from torsion.internet._tls.contexts import CertificateOptions, optionsForClientTLS
from torsion.internet._tls.pems import loadDirectoryOfPEMs
from torsion.internet.defer import Deferred, fail, succeed
from torsion.internet.interfaces import (
    IListeningPort,
    IReactorSSL,
    IReactorTCPAndTime,
    IReactorTCPTimeAndThreads,
    IReactorTime,
)
from torsion.internet.protocol import Factory
from torsion.protocols.tls import TLSMemoryBIOFactory

__all__ = ["SSL4ClientEndpoint", "SSL4ServerEndpoint", "wrapClientTLS", "wrapServerTLS"]


class SSL4ServerEndpoint:
    """Listens for TLS connections over IPv4 (``reactor.listenSSL``).

    Args:
        reactor: A reactor with ``listenSSL``.
        port: The port number (0: any free one).
        sslContextFactory: The server's TLS settings.
        backlog: The ``listen`` backlog.
        interface: The address to listen on ('' for all IPv4 interfaces).
    """

    def __init__(
        self,
        reactor: IReactorSSL,
        port: int,
        sslContextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> None:
        self._reactor = reactor
        self._port = port
        self._contextFactory = sslContextFactory
        self._backlog = backlog
        self._interface = interface

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._interface or '*'}:{self._port}>"

    def listen(self, protocolFactory: Factory) -> Deferred[IListeningPort]:
        """Listen; a Deferred of the port, or of the `CannotListenError`."""
        try:
            port = self._reactor.listenSSL(
                self._port, protocolFactory, self._contextFactory, self._backlog, self._interface
            )
        except BaseException:
            return fail()
        return succeed(port)


class SSL4ClientEndpoint:
    """Connects over TLS to a host name or IPv4 address (``reactor.connectSSL``).

    Args:
        reactor: A reactor with ``connectSSL``.
        host: The host name or IPv4 address.
        port: The port number.
        sslContextFactory: The client's TLS settings (`optionsForClientTLS(...)`).
        timeout: Seconds for the TCP connection before `TimeoutError`.
        bindAddress: The local ``(host, port)`` to bind first, or None.
    """

    def __init__(
        self,
        reactor: IReactorSSL,
        host: str,
        port: int,
        sslContextFactory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._contextFactory = sslContextFactory
        self._timeout = timeout
        self._bindAddress = bindAddress

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._host}:{self._port}>"

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Connect; a Deferred of the built protocol, fired after its ``connectionMade``
        (the handshake then runs; its failure reaches the protocol's ``connectionLost``)."""
        try:
            wrapper = WrappingFactory(protocolFactory)
            self._reactor.connectSSL(
                self._host,
                self._port,
                wrapper,
                self._contextFactory,
                timeout=self._timeout,
                bindAddress=self._bindAddress,
            )
        except BaseException:
            return fail()
        return wrapper.onConnection


class _TLSOver:
    """An endpoint that talks TLS (with ``connectionCreator``'s settings) over another one."""

    def __init__(self, connectionCreator: Any, wrappedEndpoint: Any, clock: Any) -> None:
        self._contextFactory = connectionCreator
        self._wrappedEndpoint = wrappedEndpoint
        self._clock = clock

    def __repr__(self) -> str:
        return f"<TLS over {self._wrappedEndpoint!r}>"


class _TLSWrapperEndpoint(_TLSOver):
    """A client endpoint that talks TLS over another client endpoint."""

    def connect(self, protocolFactory: Factory) -> Deferred[Any]:
        """Connect the wrapped endpoint with a TLS layer; fires with the application protocol."""
        tls = TLSMemoryBIOFactory(self._contextFactory, True, protocolFactory, self._clock)
        connecting: Deferred[Any] = self._wrappedEndpoint.connect(tls)
        return connecting.addCallback(lambda tlsProtocol: tlsProtocol.wrappedProtocol)


def wrapClientTLS(
    connectionCreator: Any, wrappedEndpoint: Any, clock: IReactorTime | None = None
) -> _TLSWrapperEndpoint:
    """A client endpoint talking TLS (``connectionCreator``'s settings) over ``wrappedEndpoint``.

    Args:
        connectionCreator: The client's TLS settings, usually `optionsForClientTLS(...)`.
        wrappedEndpoint: Any client endpoint (TCP, UNIX, ...).
        clock: The clock for the TLS timeouts (default: the global reactor).
    """
    return _TLSWrapperEndpoint(connectionCreator, wrappedEndpoint, clock)


class _TLSServerWrapperEndpoint(_TLSOver):
    """A server endpoint that talks TLS over another server endpoint."""

    def listen(self, protocolFactory: Factory) -> Deferred[IListeningPort]:
        """Listen on the wrapped endpoint; each connection is a TLS server."""
        tls = TLSMemoryBIOFactory(self._contextFactory, False, protocolFactory, self._clock)
        listening: Deferred[IListeningPort] = self._wrappedEndpoint.listen(tls)
        return listening


def wrapServerTLS(
    connectionCreator: Any, wrappedEndpoint: Any, clock: IReactorTime | None = None
) -> _TLSServerWrapperEndpoint:
    """A server endpoint talking TLS (``connectionCreator``'s settings) over ``wrappedEndpoint``.

    Args:
        connectionCreator: The server's TLS settings (`CertificateOptions`, ...).
        wrappedEndpoint: Any server endpoint (TCP, UNIX, ...).
        clock: The clock for the TLS timeouts (default: the global reactor).
    """
    return _TLSServerWrapperEndpoint(connectionCreator, wrappedEndpoint, clock)


# -- description strings --------------------------------------------------------------------------


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise DescriptionProblem(f"cannot read {path!r}: {e.strerror or e}") from None


def _privateCertificate(certPath: str | None, keyPath: str | None) -> PrivateCertificate | None:
    """The certificate in ``certPath`` with the key in ``keyPath`` (or in ``certPath`` too)."""
    if certPath is None:
        if keyPath is not None:
            raise DescriptionProblem("a private key needs its certificate")
        return None
    data = _read(certPath)
    try:
        if keyPath is None:
            return PrivateCertificate.loadPEM(data)
        return PrivateCertificate.fromCertificateAndKeyPair(
            Certificate.loadPEM(data), KeyPair.load(_read(keyPath))
        )
    except ValueError as e:
        raise DescriptionProblem(f"{e} in {certPath!r}") from None


def _trustRoot(directory: str | None) -> TrustRoot | None:
    """The certificates of the ``*.pem`` files in ``directory`` (None: the system's store)."""
    if directory is None:
        return None
    found = []
    for path in sorted(Path(directory).glob("*.pem")):
        try:
            found.append(Certificate.loadPEM(path.read_bytes()))
        except (OSError, ValueError):
            continue  # Unreadable or not a certificate: skipped, as Twisted does.
    if not found:
        raise DescriptionProblem(f"no PEM certificates in {directory!r}")
    return trustRootFromCertificates(found)


_SSL_SERVER_NAMES = ("port", "privateKey", "certKey", "extraCertChain", "interface", "backlog")
_SSL_CLIENT_NAMES = (
    "host",
    "port",
    "hostname",
    "certKey",
    "privateKey",
    "caCertsDir",
    "timeout",
    "bindAddress",
)
_TLS_SERVER_NAMES = ("path", "port", "backlog", "interface")
_TLS_CLIENT_NAMES = (
    "host",
    "port",
    "timeout",
    "bindAddress",
    "certificate",
    "privateKey",
    "trustRoots",
    "endpoint",
)


def _parseSSLServer(reactor: IReactorSSL, *args: str, **kwargs: str) -> SSL4ServerEndpoint:
    bound = bindArguments(args, kwargs, _SSL_SERVER_NAMES, _SSL_SERVER_NAMES[:3], ("port",))
    port = integerArgument("port", bound["port"], 0, 65535)
    backlog = integerArgument("backlog", bound.get("backlog", "50"), 0, 2**31 - 1)
    keyPath = bound.get("privateKey", "server.pem")
    identity = _privateCertificate(bound.get("certKey", keyPath), keyPath)
    assert identity is not None
    chain = []
    if "extraCertChain" in bound:
        chain = certificatesFromPEM(_read(bound["extraCertChain"]))
    options = CertificateOptions(identity.privateKey, identity, extraCertChain=chain)
    return SSL4ServerEndpoint(reactor, port, options, backlog, bound.get("interface", ""))


def _parseTLSServer(
    reactor: IReactorTCPAndTime, *args: str, **kwargs: str
) -> _TLSServerWrapperEndpoint:
    """Twisted's ``tls:PATH[:port=443][:backlog=50][:interface=::]``: SNI over a directory."""
    bound = bindArguments(args, kwargs, _TLS_SERVER_NAMES, _TLS_SERVER_NAMES, ("path",))
    port = integerArgument("port", bound.get("port", "443"), 0, 65535)
    backlog = integerArgument("backlog", bound.get("backlog", "50"), 0, 2**31 - 1)
    try:
        found = loadDirectoryOfPEMs(bound["path"])
    except ValueError as e:
        raise DescriptionProblem(str(e)) from None
    options = CertificateOptions(
        found.default.privateKey, found.default, serverNameCertificates=found.byName
    )
    inner = TCP6ServerEndpoint(reactor, port, backlog, bound.get("interface", "::"))
    return wrapServerTLS(options, inner, reactor)


def _parseSSLClient(reactor: IReactorSSL, *args: str, **kwargs: str) -> SSL4ClientEndpoint:
    positional = ("port",) if "host" in kwargs else ("host", "port")
    bound = bindArguments(args, kwargs, _SSL_CLIENT_NAMES, positional, ("host", "port"))
    port = integerArgument("port", bound["port"], 1, 65535)
    timeout = secondsArgument("timeout", bound.get("timeout", "30"))
    options = optionsForClientTLS(
        bound.get("hostname", bound["host"]),
        trustRoot=_trustRoot(bound.get("caCertsDir")),
        clientCertificate=_privateCertificate(bound.get("certKey"), bound.get("privateKey")),
    )
    bindAddress = bound.get("bindAddress")
    local = None if bindAddress is None else (bindAddress, 0)
    return SSL4ClientEndpoint(reactor, bound["host"], port, options, timeout, local)


def _parseTLSClient(
    reactor: IReactorTCPTimeAndThreads, *args: str, **kwargs: str
) -> _TLSWrapperEndpoint:
    positional = ("port",) if "host" in kwargs else ("host", "port")
    bound = bindArguments(args, kwargs, _TLS_CLIENT_NAMES, positional, ("host", "port"))
    host = bound["host"]
    port = integerArgument("port", bound["port"], 1, 65535)
    timeout = secondsArgument("timeout", bound.get("timeout", "30"))
    options = optionsForClientTLS(
        host,
        trustRoot=_trustRoot(bound.get("trustRoots")),
        clientCertificate=_privateCertificate(bound.get("certificate"), bound.get("privateKey")),
    )
    if "endpoint" in bound:
        inner = clientFromString(reactor, bound["endpoint"])
    else:
        bindAddress = bound.get("bindAddress")
        local = None if bindAddress is None else (bindAddress, 0)
        inner = HostnameEndpoint(reactor, host, port, timeout, local)
    return wrapClientTLS(options, inner, reactor)


registerServerParser("ssl", _parseSSLServer)
registerClientParser("ssl", _parseSSLClient)
registerServerParser("tls", _parseTLSServer)
registerClientParser("tls", _parseTLSClient)
