"""Context factories: the TLS settings of a connection, as `ssl.SSLContext` objects.

Twisted's names and arguments (``CertificateOptions``, ``optionsForClientTLS``,
``ClientContextFactory``, ``DefaultOpenSSLContextFactory``), built on the stdlib `ssl` module.
Everything that takes a context factory also takes a plain `ssl.SSLContext`, or any object
with ``getContext()`` returning one.

Secure defaults (docs/tls.md): TLS 1.2 at least, no compression, no renegotiation, the
server's cipher order; `optionsForClientTLS` verifies the chain against the system's trust
store (or the given ``trustRoot`` only) and checks the host name. The legacy ways to get a
client that verifies nothing (`ClientContextFactory`, a client `CertificateOptions` without
``trustRoot``) keep Twisted's meaning but log a warning naming `optionsForClientTLS`.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from torsion.internet._tls.certificates import (
    Certificate,
    KeyPair,
    PrivateCertificate,
    TrustRoot,
    platformTrust,
    trustRootFromCertificates,
)
from torsion.logger import Logger

__all__ = [
    "CertificateOptions",
    "ClientContextFactory",
    "ClientTLSOptions",
    "ContextFactory",
    "DefaultOpenSSLContextFactory",
    "TLSVersion",
    "connectionForTLS",
    "optionsForClientTLS",
]

_log = Logger(namespace="torsion.internet.ssl")

TLSVersion = ssl.TLSVersion
"""Protocol versions (``TLSVersion.TLSv1_2``, ...), for ``raiseMinimumTo`` and friends."""

_DEFAULT_MINIMUM = TLSVersion.TLSv1_2
_OPTIONS = (
    ssl.OP_NO_COMPRESSION
    | ssl.OP_CIPHER_SERVER_PREFERENCE
    | ssl.OP_NO_RENEGOTIATION
    | ssl.OP_SINGLE_DH_USE
    | ssl.OP_SINGLE_ECDH_USE
)
_NO_VERIFICATION_WARNING = (
    "{what} does not verify the server's certificate or host name, so anyone on the path can "
    "read and change the traffic; use optionsForClientTLS(hostname) instead"
)


def _newContext(
    isClient: bool, minimum: ssl.TLSVersion, maximum: ssl.TLSVersion | None
) -> ssl.SSLContext:
    """A context with torsion's defaults for one side of a connection."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT if isClient else ssl.PROTOCOL_TLS_SERVER)
    context.options |= _OPTIONS
    context.minimum_version = minimum
    if maximum is not None:
        context.maximum_version = maximum
    if minimum < _DEFAULT_MINIMUM:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS < 1.2 otherwise.
    return context


class CertificateOptions:
    """TLS settings for either side of a connection (Twisted's ``CertificateOptions``).

    As a server: present ``certificate`` (with ``privateKey``), and require clients'
    certificates signed by ``trustRoot`` if one is given. As a client: present ``certificate``
    as the client certificate if given, and verify the server's chain against ``trustRoot`` if
    one is given, but never its host name: use `optionsForClientTLS` for a client.

    Args:
        privateKey: The `KeyPair` of ``certificate``.
        certificate: The `Certificate` to present (a `PrivateCertificate` carries its chain).
        verify: Twisted's switch for verifying the peer; needs ``caCerts``.
        caCerts: `Certificate` objects to trust (Twisted's older spelling of ``trustRoot``).
        requireCertificate: As a verifying server, refuse clients without a certificate
            (else a certificate is asked for but optional).
        extraCertChain: Intermediate certificates sent after ``certificate``.
        trustRoot: What to verify the peer against (`platformTrust()`, a `Certificate`,
            `trustRootFromCertificates`); implies verification.
        acceptableProtocols: ALPN protocol names (bytes) in order of preference.
        raiseMinimumTo: A higher minimum version than TLS 1.2.
        insecurelyLowerMinimumTo: A lower minimum version (TLS 1.0, 1.1): insecure.
        lowerMaximumSecurityTo: A maximum version.
        serverNameCertificates: (torsion) Certificates for SNI: a server presents the one
            whose key is the host name the client asked for (or ``*.`` and all but its first
            label: a wildcard), and ``certificate`` otherwise.

    Raises:
        ValueError: ``privateKey`` without ``certificate`` (or the reverse); ``verify``
            without ``caCerts``; both minimum arguments.
        TypeError: Both ``caCerts`` and ``trustRoot``.
    """

    def __init__(
        self,
        privateKey: KeyPair | None = None,
        certificate: Certificate | None = None,
        verify: bool = False,
        caCerts: Sequence[Certificate] | None = None,
        requireCertificate: bool = True,
        *,
        extraCertChain: Iterable[Certificate] | None = None,
        trustRoot: TrustRoot | None = None,
        acceptableProtocols: Sequence[bytes] | None = None,
        raiseMinimumTo: ssl.TLSVersion | None = None,
        insecurelyLowerMinimumTo: ssl.TLSVersion | None = None,
        lowerMaximumSecurityTo: ssl.TLSVersion | None = None,
        serverNameCertificates: Mapping[str, PrivateCertificate] | None = None,
    ) -> None:
        if (privateKey is None) != (certificate is None):
            raise ValueError("Specify neither or both of privateKey and certificate")
        if verify and not caCerts:
            raise ValueError("verify=True needs caCerts (or pass trustRoot instead)")
        if caCerts and trustRoot is not None:
            raise TypeError("pass caCerts or trustRoot, not both")
        if raiseMinimumTo is not None and insecurelyLowerMinimumTo is not None:
            raise ValueError("pass raiseMinimumTo or insecurelyLowerMinimumTo, not both")
        if caCerts:
            trustRoot = trustRootFromCertificates(caCerts)
        self._identity: PrivateCertificate | None = None
        if privateKey is not None and certificate is not None:
            chain = [*getattr(certificate, "chain", ()), *(extraCertChain or ())]
            self._identity = PrivateCertificate(certificate.original, privateKey, chain)
        self._trustRoot = trustRoot
        self._requireCertificate = requireCertificate
        self._protocols = [p.decode("ascii") for p in acceptableProtocols or ()]
        minimum = insecurelyLowerMinimumTo or max(
            raiseMinimumTo or _DEFAULT_MINIMUM, _DEFAULT_MINIMUM
        )
        self._minimum = minimum
        self._maximum = lowerMaximumSecurityTo
        self._serverNames = {k.lower(): v for k, v in (serverNameCertificates or {}).items()}
        self._contexts: dict[bool, ssl.SSLContext] = {}

    def getContext(self) -> ssl.SSLContext:
        """The server-side context (Twisted's method; clients get theirs through the layer)."""
        return self._contextFor(False)

    def _contextFor(self, isClient: bool) -> ssl.SSLContext:
        """The context for one side, built once and then shared by every connection."""
        context = self._contexts.get(isClient)
        if context is None:
            if isClient:
                context = self._clientContext(checkHostname=False)
            else:
                context = self._serverContext()
            self._contexts[isClient] = context
        return context

    def _clientContext(self, checkHostname: bool) -> ssl.SSLContext:
        context = _newContext(True, self._minimum, self._maximum)
        context.check_hostname = checkHostname
        if self._trustRoot is None:
            context.verify_mode = ssl.CERT_NONE
            _log.warn(_NO_VERIFICATION_WARNING, what="CertificateOptions without trustRoot")
        else:
            self._trustRoot._addCACertsToContext(context)
        self._configure(context, self._identity)
        return context

    def _serverContext(self) -> ssl.SSLContext:
        identity = self._identity
        if identity is None and self._serverNames:
            identity = next(iter(self._serverNames.values()))
        context = self._newServerContext(identity)
        if self._serverNames:
            byName = self._serverNameContexts()

            def pick(sslObject: Any, serverName: str | None, current: Any) -> None:
                name = (serverName or "").lower()
                # An exact name first, then the wildcard covering its first label.
                chosen = byName.get(name) or byName.get("*." + name.partition(".")[2])
                if chosen is not None:
                    sslObject.context = chosen

            context.sni_callback = pick
        return context

    def _serverNameContexts(self) -> dict[str, ssl.SSLContext]:
        """A server context for each SNI name; one per certificate, however many names it has."""
        byName: dict[str, ssl.SSLContext] = {}
        byCertificate: dict[int, ssl.SSLContext] = {}
        for name, certificate in self._serverNames.items():
            if id(certificate) not in byCertificate:
                byCertificate[id(certificate)] = self._newServerContext(certificate)
            byName[name] = byCertificate[id(certificate)]
        return byName

    def _newServerContext(self, identity: PrivateCertificate | None) -> ssl.SSLContext:
        context = _newContext(False, self._minimum, self._maximum)
        if self._trustRoot is not None:
            self._trustRoot._addCACertsToContext(context)
            context.verify_mode = (
                ssl.CERT_REQUIRED if self._requireCertificate else ssl.CERT_OPTIONAL
            )
        self._configure(context, identity)
        return context

    def _configure(self, context: ssl.SSLContext, identity: PrivateCertificate | None) -> None:
        if identity is not None:
            identity._loadInto(context)
        if self._protocols:
            context.set_alpn_protocols(self._protocols)


class ClientTLSOptions:
    """A verifying client's settings, as made by `optionsForClientTLS`.

    Attributes:
        serverHostname: The name the server's certificate must match (and the SNI sent).
    """

    def __init__(self, hostname: str, context: ssl.SSLContext) -> None:
        self.serverHostname = hostname
        self._context = context

    def __repr__(self) -> str:
        return f"<{type(self).__name__} for {self.serverHostname!r}>"

    def getContext(self) -> ssl.SSLContext:
        """The client context (shared by every connection made with these options)."""
        return self._context


def optionsForClientTLS(
    hostname: str,
    trustRoot: TrustRoot | None = None,
    clientCertificate: PrivateCertificate | None = None,
    acceptableProtocols: Sequence[bytes] | None = None,
    *,
    extraCertificateOptions: Mapping[str, Any] | None = None,
) -> ClientTLSOptions:
    """Settings for a client that verifies the server: the way to make a TLS client.

    The server's certificate chain must lead to ``trustRoot`` (the system's trust store when
    None; only the given root otherwise) and name ``hostname`` (a DNS name, or an IP address
    checked against the certificate's IP addresses); ``hostname`` is also sent as SNI.

    Args:
        hostname: The server's name, as text.
        trustRoot: What to trust; default `platformTrust()`.
        clientCertificate: A `PrivateCertificate` to present (mutual TLS).
        acceptableProtocols: ALPN protocol names (bytes) in order of preference.
        extraCertificateOptions: More `CertificateOptions` keyword arguments.

    Raises:
        TypeError: ``hostname`` is not a ``str``.
    """
    if not isinstance(hostname, str):
        raise TypeError(f"optionsForClientTLS requires text for host names, not {hostname!r}")
    extra = dict(extraCertificateOptions or {})
    if clientCertificate is not None:
        extra.update(privateKey=clientCertificate.privateKey, certificate=clientCertificate)
    options = CertificateOptions(
        trustRoot=trustRoot if trustRoot is not None else platformTrust(),
        acceptableProtocols=acceptableProtocols,
        **extra,
    )
    return ClientTLSOptions(hostname, options._clientContext(checkHostname=True))


class ClientContextFactory:
    """Twisted's legacy client context factory: encrypts, but verifies nothing.

    Kept so ported programs run; creating one logs a warning naming `optionsForClientTLS`.
    """

    isClient = 1

    def __init__(self) -> None:
        _log.warn(_NO_VERIFICATION_WARNING, what="ClientContextFactory")

    def getContext(self) -> ssl.SSLContext:
        """A new client context with TLS 1.2 at least and no verification."""
        context = _newContext(True, _DEFAULT_MINIMUM, None)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context


class DefaultOpenSSLContextFactory:
    """A server context from a private key file and a certificate file (PEM).

    Args:
        privateKeyFileName: The key's path.
        certificateFileName: The certificate's path (chain certificates may follow it).

    Raises:
        OSError, ssl.SSLError: The files cannot be read or do not match.
    """

    isClient = 0

    def __init__(self, privateKeyFileName: str, certificateFileName: str) -> None:
        self.privateKeyFileName = privateKeyFileName
        self.certificateFileName = certificateFileName
        self._context = _newContext(False, _DEFAULT_MINIMUM, None)
        self._context.load_cert_chain(certificateFileName, privateKeyFileName)

    def getContext(self) -> ssl.SSLContext:
        """The server context, loaded once."""
        return self._context


ContextFactory = Any
"""A context factory: an `ssl.SSLContext`, or any object with ``getContext()`` returning one."""


def connectionForTLS(
    contextFactory: ContextFactory,
    isClient: bool,
    serverHostname: str | None,
    incoming: ssl.MemoryBIO,
    outgoing: ssl.MemoryBIO,
) -> ssl.SSLObject:
    """The TLS state of one connection, reading ``incoming`` and writing ``outgoing``.

    Args:
        contextFactory: The settings (see `ContextFactory`).
        isClient: Whether this side sends the ClientHello.
        serverHostname: A client's default host name (the host ``connectSSL`` connects to),
            used when the context factory names none: sent as SNI and checked if the context
            checks host names.

    Raises:
        TypeError: ``contextFactory`` does not give an `ssl.SSLContext`.
        ValueError: The context is for the other side, or checks host names but none is known.
    """
    contextFor = getattr(contextFactory, "_contextFor", None)
    if isinstance(contextFactory, ssl.SSLContext):
        context = contextFactory
    elif contextFor is not None:
        context = contextFor(isClient)
    elif hasattr(contextFactory, "getContext"):
        context = contextFactory.getContext()
    else:
        raise TypeError(f"{contextFactory!r} is neither an ssl.SSLContext nor a context factory")
    if not isinstance(context, ssl.SSLContext):
        raise TypeError(f"getContext() must return an ssl.SSLContext, not {context!r}")
    side = "client" if isClient else "server"
    wrongSide = ssl.PROTOCOL_TLS_SERVER if isClient else ssl.PROTOCOL_TLS_CLIENT
    if context.protocol == wrongSide:
        raise ValueError(f"{contextFactory!r} gives a context for the other side, not a {side}")
    hostname = None
    if isClient:
        hostname = getattr(contextFactory, "serverHostname", None) or serverHostname
        if context.check_hostname and not hostname:
            raise ValueError(
                "this TLS client context checks the server's host name, but none is known: "
                "use optionsForClientTLS(hostname)"
            )
    return context.wrap_bio(incoming, outgoing, server_side=not isClient, server_hostname=hostname)
