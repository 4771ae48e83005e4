"""Certificates for the TLS tests, made once per session with trustme, and TLS test pieces."""

from __future__ import annotations

import atexit
import datetime
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme

from torsion.internet.ssl import (
    Certificate,
    CertificateOptions,
    ClientTLSOptions,
    PrivateCertificate,
    optionsForClientTLS,
)


@dataclass
class Certs:
    """Everything the tests need: a trusted CA, certificates it issued, and an untrusted CA."""

    directory: Path  # PEM files: ca.pem, server.pem (key + chain), key.pem, cert.pem, ...
    sni: Path  # A tls: server directory: alpha.pem, beta/{privkey,cert,chain}.pem, wild.pem
    ca: Certificate
    server: PrivateCertificate  # localhost, 127.0.0.1
    expired: PrivateCertificate  # localhost, expired yesterday
    untrusted: PrivateCertificate  # localhost, from another CA
    client: PrivateCertificate  # client.example (for mutual TLS)
    alpha: PrivateCertificate  # alpha.example (SNI)
    beta: PrivateCertificate  # beta.example (SNI)

    def serverOptions(self, **kwargs: Any) -> CertificateOptions:
        return CertificateOptions(self.server.privateKey, self.server, **kwargs)

    def clientOptions(self, hostname: str = "localhost", **kwargs: Any) -> ClientTLSOptions:
        return optionsForClientTLS(hostname, trustRoot=self.ca, **kwargs)


def _private(leaf: trustme.LeafCert) -> PrivateCertificate:
    return PrivateCertificate.loadPEM(leaf.private_key_and_cert_chain_pem.bytes())


def _sniDirectory(ca: trustme.CA, directory: Path) -> Path:
    """Certificates as a ``tls:`` server finds them: one file with key and chain (alpha, also
    127.0.0.1), certbot's split files with an intermediate CA (beta), a wildcard, the CA."""
    (directory / "beta").mkdir(parents=True)
    ca.issue_cert("alpha.example", "127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(directory / "alpha.pem")
    )
    beta = ca.create_child_ca().issue_cert("beta.example", "www.beta.example")
    beta.private_key_pem.write_to_path(str(directory / "beta" / "privkey.pem"))
    beta.cert_chain_pems[0].write_to_path(str(directory / "beta" / "cert.pem"))
    beta.cert_chain_pems[1].write_to_path(str(directory / "beta" / "chain.pem"))
    wild = ca.issue_cert("*.wild.example")
    wild.private_key_and_cert_chain_pem.write_to_path(str(directory / "wild.pem"))
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    return directory


@functools.cache
def certs() -> Certs:
    """The session's certificates (trustme makes ECDSA ones quickly; still, only once)."""
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("localhost", "127.0.0.1")
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    expired = ca.issue_cert(
        "localhost", not_before=past - datetime.timedelta(days=30), not_after=past
    )
    directory = Path(tempfile.mkdtemp(prefix="torsion-tls-"))
    atexit.register(shutil.rmtree, directory, True)
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    server.private_key_and_cert_chain_pem.write_to_path(str(directory / "server.pem"))
    server.private_key_pem.write_to_path(str(directory / "key.pem"))
    server.cert_chain_pems[0].write_to_path(str(directory / "cert.pem"))
    (directory / "cas").mkdir()
    ca.cert_pem.write_to_path(str(directory / "cas" / "ca.pem"))
    client = ca.issue_cert("client.example")
    client.private_key_and_cert_chain_pem.write_to_path(str(directory / "client.pem"))
    return Certs(
        directory=directory,
        sni=_sniDirectory(ca, directory / "sni"),
        ca=Certificate.loadPEM(ca.cert_pem.bytes()),
        server=_private(server),
        expired=_private(expired),
        untrusted=_private(other.issue_cert("localhost", "127.0.0.1")),
        client=_private(client),
        alpha=_private(ca.issue_cert("alpha.example")),
        beta=_private(ca.issue_cert("beta.example")),
    )
