"""TLS settings and certificates (Twisted's ``twisted.internet.ssl``), on the stdlib `ssl`.

* Clients: `optionsForClientTLS(hostname)` verifies the server against the system's trust
  store (or ``trustRoot``) and checks its name; `platformTrust`, `trustRootFromCertificates`.
* Servers: `PrivateCertificate.loadPEM(...).options()`, `CertificateOptions`,
  `DefaultOpenSSLContextFactory`.
* Legacy: `ClientContextFactory` (no verification; logs a warning).
* `Certificate`, `PrivateCertificate`, `KeyPair`: PEM loading.

Pass these (or a plain `ssl.SSLContext`) to ``reactor.listenSSL``/``connectSSL``,
``transport.startTLS``, `torsion.protocols.tls.TLSMemoryBIOFactory` or the TLS endpoints.
See ``docs/tls.md``.
"""

from __future__ import annotations

from torsion.internet._tls.certificates import (
    FILETYPE_ASN1,
    FILETYPE_PEM,
    Certificate,
    KeyPair,
    OpenSSLDefaultPaths,
    PrivateCertificate,
    TrustRoot,
    platformTrust,
    trustRootFromCertificates,
)
from torsion.internet._tls.contexts import (
    CertificateOptions,
    ClientContextFactory,
    ClientTLSOptions,
    DefaultOpenSSLContextFactory,
    TLSVersion,
    optionsForClientTLS,
)

__all__ = [
    "FILETYPE_ASN1",
    "FILETYPE_PEM",
    "Certificate",
    "CertificateOptions",
    "ClientContextFactory",
    "ClientTLSOptions",
    "DefaultOpenSSLContextFactory",
    "KeyPair",
    "OpenSSLDefaultPaths",
    "PrivateCertificate",
    "TLSVersion",
    "TrustRoot",
    "optionsForClientTLS",
    "platformTrust",
    "trustRootFromCertificates",
]
