"""Certificates, private keys and trust roots as PEM data, for the stdlib `ssl` module.

Twisted's ``Certificate``, ``PrivateCertificate`` and ``KeyPair`` wrap pyOpenSSL objects and
can inspect them; these keep the PEM text (and the DER bytes of certificates) and hand it to
`ssl.SSLContext`, which is all a TLS connection needs. Parsing certificate fields is left to
the `ssl` module (``getpeercert()`` on a verified connection) or to ``cryptography``.

The stdlib can only load a certificate chain and key from files (``load_cert_chain``), so
`PrivateCertificate` writes them to an anonymous in-memory file (``memfd_create``) when one is
available, or else to a temporary file readable only by this user, removed at once.
"""

from __future__ import annotations

import hashlib
import os
import re
import ssl
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "FILETYPE_ASN1",
    "FILETYPE_PEM",
    "Certificate",
    "KeyPair",
    "OpenSSLDefaultPaths",
    "PrivateCertificate",
    "TrustRoot",
    "certificatesFromPEM",
    "platformTrust",
    "trustRootFromCertificates",
]

FILETYPE_PEM = 1
"""`Certificate.dump` and `KeyPair.load` format: PEM text (pyOpenSSL's constant value)."""
FILETYPE_ASN1 = 2
"""`Certificate.dump` and `Certificate.load` format: DER bytes (pyOpenSSL's constant value)."""

_PEM_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?\r?\n-----END \1-----\r?\n?", re.DOTALL
)


def _asBytes(data: str | bytes) -> bytes:
    return data.encode("ascii") if isinstance(data, str) else bytes(data)


def pemBlocks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Yield (label, whole block) for each PEM block in ``data``."""
    for match in _PEM_BLOCK.finditer(data):
        block = match.group(0)
        yield match.group(1), block if block.endswith(b"\n") else block + b"\n"


def certificatesFromPEM(data: str | bytes) -> list[Certificate]:
    """Every certificate in PEM ``data``, in order."""
    return [
        Certificate(ssl.PEM_cert_to_DER_cert(block.decode("ascii")))
        for label, block in pemBlocks(_asBytes(data))
        if label == b"CERTIFICATE"
    ]


class Certificate:
    """An X.509 certificate.

    Attributes:
        original: The certificate's DER bytes.
    """

    def __init__(self, der: bytes) -> None:
        self.original = bytes(der)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} sha256={self.digest()}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Certificate) and other.original == self.original

    def __hash__(self) -> int:
        return hash(self.original)

    @classmethod
    def loadPEM(cls, data: str | bytes) -> Certificate:
        """Load the first certificate of PEM ``data``.

        Raises:
            ValueError: ``data`` holds no PEM certificate.
        """
        for label, block in pemBlocks(_asBytes(data)):
            if label == b"CERTIFICATE":
                return cls(ssl.PEM_cert_to_DER_cert(block.decode("ascii")))
        raise ValueError("no PEM certificate found")

    @classmethod
    def load(cls, data: bytes, format: int = FILETYPE_ASN1) -> Certificate:
        """Load a certificate from DER bytes (or PEM text with ``format=FILETYPE_PEM``)."""
        if format == FILETYPE_PEM:
            return cls.loadPEM(data)
        return cls(data)

    @classmethod
    def peerFromTransport(cls, transport: Any) -> Certificate | None:
        """The certificate the peer of a TLS ``transport`` presented, or None."""
        peer: Certificate | None = transport.getPeerCertificate()
        return peer

    def dump(self, format: int = FILETYPE_ASN1) -> bytes:
        """Return the certificate as DER bytes (or PEM with ``format=FILETYPE_PEM``)."""
        if format == FILETYPE_PEM:
            return self.dumpPEM()
        return self.original

    def dumpPEM(self) -> bytes:
        """Return the certificate as PEM text."""
        return ssl.DER_cert_to_PEM_cert(self.original).encode("ascii")

    def digest(self, method: str = "sha256") -> str:
        """The certificate's fingerprint: hex byte pairs joined by ``:`` (as OpenSSL prints)."""
        raw = hashlib.new(method, self.original).hexdigest().upper()
        return ":".join(raw[i : i + 2] for i in range(0, len(raw), 2))

    def options(self, *authorities: Certificate) -> Any:
        """A client `CertificateOptions` trusting only this certificate (Twisted's shortcut).

        Prefer `optionsForClientTLS`, which also checks the host name.
        """
        from torsion.internet._tls.contexts import CertificateOptions

        return CertificateOptions(trustRoot=trustRootFromCertificates([self, *authorities]))

    def _addCACertsToContext(self, context: ssl.SSLContext) -> None:
        """Trust this certificate as a CA in ``context`` (a certificate is a trust root)."""
        context.load_verify_locations(cadata=self.original)


class KeyPair:
    """A private key, as PEM text (``-----BEGIN ... PRIVATE KEY-----``).

    Attributes:
        original: The PEM block.
    """

    def __init__(self, pem: bytes) -> None:
        self.original = pem

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    @classmethod
    def load(cls, data: str | bytes, format: int = FILETYPE_PEM) -> KeyPair:
        """Load the first private key of PEM ``data`` (only PEM is supported).

        Raises:
            ValueError: ``data`` holds no PEM private key, or ``format`` is not PEM.
        """
        if format != FILETYPE_PEM:
            raise ValueError("torsion loads private keys from PEM only")
        for label, block in pemBlocks(_asBytes(data)):
            if label.endswith(b"PRIVATE KEY"):
                return cls(block)
        raise ValueError("no PEM private key found")

    def dump(self, format: int = FILETYPE_PEM) -> bytes:
        """Return the key as PEM text."""
        return self.original


class PrivateCertificate(Certificate):
    """A certificate with its private key (and any chain certificates after it).

    Attributes:
        privateKey: The `KeyPair`.
        chain: Certificates sent after this one (intermediate CAs), in order.
    """

    def __init__(self, der: bytes, privateKey: KeyPair, chain: Iterable[Certificate] = ()) -> None:
        super().__init__(der)
        self.privateKey = privateKey
        self.chain = list(chain)

    @classmethod
    def loadPEM(cls, data: str | bytes) -> PrivateCertificate:
        """Load a key and its certificate (then any chain certificates) from PEM ``data``.

        The blocks may come in any order; the first certificate is the one for the key.

        Raises:
            ValueError: ``data`` lacks the private key or the certificate.
        """
        raw = _asBytes(data)
        certificates = certificatesFromPEM(raw)
        if not certificates:
            raise ValueError("no PEM certificate found")
        key = KeyPair.load(raw)
        return cls(certificates[0].original, key, certificates[1:])

    @classmethod
    def fromCertificateAndKeyPair(
        cls, certificateInstance: Certificate, privateKey: KeyPair
    ) -> PrivateCertificate:
        """Pair a `Certificate` with its `KeyPair`."""
        return cls(certificateInstance.original, privateKey)

    def dumpPEM(self) -> bytes:
        """Return the certificate, the chain and then the private key as PEM text."""
        certificates = [Certificate(self.original), *self.chain]
        return b"".join(c.dump(FILETYPE_PEM) for c in certificates) + self.privateKey.original

    def options(self, *authorities: Certificate) -> Any:
        """Server `CertificateOptions` with this certificate and key.

        Args:
            authorities: If given, clients must present a certificate signed by one of them.
        """
        from torsion.internet._tls.contexts import CertificateOptions

        if not authorities:
            return CertificateOptions(self.privateKey, self)
        return CertificateOptions(
            self.privateKey, self, trustRoot=trustRootFromCertificates(authorities)
        )

    def _loadInto(self, context: ssl.SSLContext) -> None:
        """Load the certificate, its chain and its key into ``context``."""
        with _pemFile(self.dumpPEM()) as path:
            context.load_cert_chain(path)


@contextmanager
def _pemFile(data: bytes) -> Iterator[str]:
    """A path to a file holding ``data``, readable only by this process (or user)."""
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("torsion-pem", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory() as directory:  # mode 0700
        path = os.path.join(directory, "key.pem")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(data)
        yield path


# -- trust roots ---------------------------------------------------------------------------------


@runtime_checkable
class TrustRoot(Protocol):
    """What ``trustRoot`` arguments accept (Twisted's ``IOpenSSLTrustRoot``)."""

    def _addCACertsToContext(self, context: ssl.SSLContext) -> None:
        """Make ``context`` trust these certificate authorities."""
        ...


class OpenSSLDefaultPaths:
    """The platform's trust store (what `platformTrust` returns)."""

    def _addCACertsToContext(self, context: ssl.SSLContext) -> None:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)


class _CertificateList:
    """Trust exactly these certificates (what `trustRootFromCertificates` returns)."""

    def __init__(self, certificates: Iterable[Certificate]) -> None:
        self._certificates = list(certificates)
        for c in self._certificates:
            if not isinstance(c, Certificate):
                raise TypeError(f"trust roots must be Certificate objects, not {c!r}")

    def _addCACertsToContext(self, context: ssl.SSLContext) -> None:
        for certificate in self._certificates:
            context.load_verify_locations(cadata=certificate.original)


def platformTrust() -> OpenSSLDefaultPaths:
    """The system's trust store: the certificate authorities OpenSSL trusts by default."""
    return OpenSSLDefaultPaths()


def trustRootFromCertificates(certificates: Iterable[Certificate]) -> TrustRoot:
    """A trust root of exactly ``certificates`` (and nothing from the system store).

    Raises:
        TypeError: An element is not a `Certificate`.
    """
    return _CertificateList(certificates)
