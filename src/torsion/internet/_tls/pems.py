"""A directory of PEM files as a TLS server's certificates, chosen by SNI (the ``tls:`` server).

Twisted's ``tls:`` server description (``twisted.protocols._sni``) reads every ``*.pem`` file
under a directory, pairs each private key with the certificate of its public key, completes
each chain with the intermediate certificates found there (by issuer name), and serves each
certificate for the DNS names in its subjectAltName extension (``*.example.com`` matches one
label). So a directory kept by certbot (``privkey.pem`` with ``fullchain.pem``) or one
``<host>.pem`` per host (key and chain together) both work.

Twisted reads the names with ``cryptography`` and pairs keys by their hash with pyOpenSSL; the
stdlib has neither, so this module reads the few DER fields it needs itself (`_fields`) and
pairs a key with a certificate by letting OpenSSL check that they match.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from torsion.internet._tls.certificates import (
    Certificate,
    KeyPair,
    PrivateCertificate,
    certificatesFromPEM,
    pemBlocks,
)

__all__ = ["ServerNameCertificates", "loadDirectoryOfPEMs"]

_SUBJECT_ALT_NAME = b"\x06\x03\x55\x1d\x11"  # OID 2.5.29.17, as a DER element.
_DNS_NAME = 0x82  # GeneralName's [2] IMPLICIT IA5String.
_EXTENSIONS = 0xA3  # TBSCertificate's [3] EXPLICIT Extensions.
_VERSION = 0xA0  # TBSCertificate's [0] EXPLICIT Version.


# -- the DER fields a server needs: subject, issuer, DNS names ------------------------------------


def _element(der: bytes, offset: int) -> tuple[int, int, int]:
    """The DER element at ``offset``: (tag, start of its content, end of its content).

    Raises:
        ValueError: The element is truncated or uses a length form DER forbids.
    """
    if offset + 2 > len(der):
        raise ValueError("truncated DER element")
    tag, length = der[offset], der[offset + 1]
    start = offset + 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4 or start + size > len(der):
            raise ValueError("bad DER length")
        length = int.from_bytes(der[start : start + size], "big")
        start += size
    if start + length > len(der):
        raise ValueError("truncated DER element")
    return tag, start, start + length


def _children(der: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """Yield (tag, element start, content start, content end) for each element in a range."""
    offset = start
    while offset < end:
        tag, contentStart, contentEnd = _element(der, offset)
        yield tag, offset, contentStart, contentEnd
        offset = contentEnd


@dataclass(frozen=True)
class _Fields:
    subject: bytes  # The Name, as DER: compared byte for byte, as chains are built in practice.
    issuer: bytes
    dnsNames: tuple[str, ...]


def _fields(der: bytes) -> _Fields:
    """Read a certificate's subject, issuer and subjectAltName DNS names from its DER.

    Raises:
        ValueError: ``der`` is not a well-formed X.509 certificate.
    """
    _, start, _ = _element(der, 0)
    _, tbsStart, tbsEnd = _element(der, start)
    parts = list(_children(der, tbsStart, tbsEnd))
    if parts and parts[0][0] == _VERSION:
        parts = parts[1:]
    if len(parts) < 6:
        raise ValueError("not an X.509 certificate")
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [extensions]
    issuer = der[parts[2][1] : parts[2][3]]
    subject = der[parts[4][1] : parts[4][3]]
    names: list[str] = []
    for tag, _, contentStart, contentEnd in parts[6:]:
        if tag == _EXTENSIONS:
            names += _dnsNames(der, contentStart, contentEnd)
    return _Fields(subject, issuer, tuple(names))


def _dnsNames(der: bytes, start: int, end: int) -> list[str]:
    """The dNSName entries of the subjectAltName among the Extensions in ``der[start:end]``."""
    _, listStart, listEnd = _element(der, start)
    for _, _, contentStart, contentEnd in _children(der, listStart, listEnd):
        if der[contentStart : contentStart + len(_SUBJECT_ALT_NAME)] != _SUBJECT_ALT_NAME:
            continue
        # extnID, critical (optional), extnValue: an OCTET STRING holding GeneralNames.
        *_, (_, _, valueStart, _) = _children(der, contentStart, contentEnd)
        _, namesStart, namesEnd = _element(der, valueStart)
        return [
            der[s:e].decode("ascii").lower()
            for tag, _, s, e in _children(der, namesStart, namesEnd)
            if tag == _DNS_NAME
        ]
    return []


# -- the directory --------------------------------------------------------------------------------


@dataclass
class ServerNameCertificates:
    """What a directory of PEM files holds for a server.

    Attributes:
        default: The certificate for clients that name no host (or an unknown one): the
            first key's, in file name order.
        byName: The certificate for each DNS name (``*.example.com`` for a wildcard); when
            two certificates name the same host, the first key's.
    """

    default: PrivateCertificate
    byName: dict[str, PrivateCertificate] = field(default_factory=dict)


def _readPEMs(
    directory: Path,
) -> tuple[list[KeyPair], list[Certificate], dict[bytes, _Fields]]:
    """Every private key, every distinct certificate and its fields, under ``directory``."""
    keys: list[KeyPair] = []
    certificates: dict[bytes, Certificate] = {}
    fields: dict[bytes, _Fields] = {}
    for path in sorted(p for p in directory.rglob("*.pem") if p.is_file()):
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ValueError(f"cannot read {str(path)!r}: {e.strerror or e}") from None
        try:
            for certificate in certificatesFromPEM(data):
                certificates.setdefault(certificate.original, certificate)
                fields[certificate.original] = _fields(certificate.original)
            keys += [KeyPair(b) for label, b in pemBlocks(data) if label.endswith(b"PRIVATE KEY")]
        except ValueError as e:
            raise ValueError(f"bad PEM data in {str(path)!r}: {e}") from None
    return keys, list(certificates.values()), fields


def _matches(key: KeyPair, certificate: Certificate) -> bool:
    """Whether ``key`` is the private key of ``certificate`` (OpenSSL compares them)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        PrivateCertificate(certificate.original, key)._loadInto(context)
    except ssl.SSLError:
        return False
    return True


def _chain(
    leaf: _Fields, issuers: dict[bytes, Certificate], fields: dict[bytes, _Fields]
) -> list[Certificate]:
    """The intermediate certificates from ``leaf`` up to (not including) a self-signed root."""
    chain: list[Certificate] = []
    current = leaf
    for _ in range(len(issuers)):  # Each issuer at most once: a loop in the names ends it.
        issuer = issuers.get(current.issuer)
        if issuer is None or issuer in chain:
            break
        current = fields[issuer.original]
        if current.subject == current.issuer:
            break  # A root: the client has it or it would not help.
        chain.append(issuer)
    return chain


def loadDirectoryOfPEMs(path: str) -> ServerNameCertificates:
    """Read the certificates a server presents from the ``*.pem`` files under ``path``.

    Each private key is paired with the certificate of its public key, wherever each is;
    certificates without a key serve as intermediates of the chains. A certificate is served
    for the DNS names of its subjectAltName; keys that match no certificate are ignored.

    Raises:
        ValueError: ``path`` is not a directory, a file cannot be read or holds bad
            PEM data, or no key with its certificate (naming a DNS host) is found.
    """
    directory = Path(path)
    if not directory.is_dir():
        raise ValueError(f"{path!r} is not a directory")
    keys, certificates, fields = _readPEMs(directory)
    unpaired = list(certificates)
    found: ServerNameCertificates | None = None
    for key in keys:
        leaf = next((c for c in unpaired if _matches(key, c)), None)
        if leaf is None or not fields[leaf.original].dnsNames:
            continue
        unpaired.remove(leaf)
        issuers = {fields[c.original].subject: c for c in certificates if c is not leaf}
        chain = _chain(fields[leaf.original], issuers, fields)
        identity = PrivateCertificate(leaf.original, key, chain)
        if found is None:
            found = ServerNameCertificates(identity)
        for name in fields[leaf.original].dnsNames:
            found.byName.setdefault(name, identity)
    if found is None:
        raise ValueError(f"no private key with its certificate (naming a DNS host) under {path!r}")
    return found
