"""torsion's TLS against other implementations: ``openssl s_client``/``s_server`` and the stdlib's
``ssl`` sockets, each way, on every reactor."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.internet._tcphelpers import Client, Collecting, Recorder, runUntil
from tests.internet._tlshelpers import certs
from torsion.internet import error
from torsion.internet.defer import Deferred

needsOpenSSL = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
BOUND = 10.0  # seconds a peer may take before the test fails (a bound for failure only)


class Shouter(Recorder):
    """Answers the first line upper-cased, then closes (close_notify)."""

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if self.received.endswith(b"\n"):
            assert self.transport is not None
            self.transport.write(bytes(self.received).upper())
            self.transport.loseConnection()


def listen(reactor: Any) -> tuple[Any, Collecting]:
    factory = Collecting(Shouter)
    port = reactor.listenSSL(0, factory, certs().serverOptions(), interface="127.0.0.1")
    return port, factory


def inThread(reactor: Any, work: Callable[[], bytes]) -> tuple[threading.Thread, Deferred[bytes]]:
    """Run blocking ``work`` in a thread; the Deferred fires (in the reactor) with its result."""
    result: Deferred[bytes] = Deferred()

    def run() -> None:
        try:
            value = work()
        except BaseException as e:
            reactor.callFromThread(result.errback, e)
        else:
            reactor.callFromThread(result.callback, value)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


@needsOpenSSL
def test_openssl_s_client_to_torsion(reactor: Any) -> None:
    port, factory = listen(reactor)
    d = certs().directory
    command = ["openssl", "s_client", "-connect", f"127.0.0.1:{port.getHost().port}"]
    command += ["-CAfile", str(d / "ca.pem"), "-servername", "localhost", "-verify_return_error"]
    command += ["-quiet"]
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        server = runUntil(reactor, factory.first)
        assert proc.stdin is not None
        proc.stdin.write(b"hello\n")
        proc.stdin.flush()
        reason = runUntil(reactor, server.lost)
        out, err = proc.communicate(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out == b"HELLO\n", err
    assert server.received == b"hello\n"
    assert reason.check(error.ConnectionDone)
    runUntil(reactor, port.stopListening())


@needsOpenSSL
def test_torsion_to_openssl_s_server(reactor: Any) -> None:
    d = certs().directory
    command = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-rev"]
    command += ["-cert", str(d / "cert.pem"), "-key", str(d / "key.pem")]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        portNumber = None
        # Plain blocking reads (select() on a buffered pipe misses lines read ahead), with a
        # watchdog that kills a silent s_server so readline() returns b"".
        watchdog = threading.Timer(BOUND, proc.kill)
        watchdog.start()
        try:
            for _ in range(20):
                line = proc.stdout.readline()
                if line.startswith(b"ACCEPT"):
                    portNumber = int(line.rsplit(b":", 1)[1])
                    break
        finally:
            watchdog.cancel()
        assert portNumber is not None, "openssl s_server did not start"
        client = Client(Recorder)
        reactor.connectSSL("localhost", portNumber, client, certs().clientOptions())
        proto = runUntil(reactor, client.first)
        proto.expect = 6
        proto.transport.write(b"hello\n")
        assert runUntil(reactor, proto.enough) == b"olleh\n"
        assert proto.transport.getPeerCertificate() == certs().server
        proto.transport.loseConnection()
        reason = runUntil(reactor, proto.lost)
        assert reason.check(error.ConnectionDone)
        proc.wait(timeout=BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_python_ssl_client_to_torsion(reactor: Any) -> None:
    port, factory = listen(reactor)
    context = ssl.create_default_context(cadata=certs().ca.dumpPEM().decode())

    def talk() -> bytes:
        address = ("127.0.0.1", port.getHost().port)
        with (
            socket.create_connection(address, timeout=BOUND) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"ping\n")
            received = b""
            while True:
                chunk = tls.recv(100)
                if not chunk:  # the server's close_notify
                    break
                received += chunk
            tls.unwrap()
            return received

    thread, result = inThread(reactor, talk)
    try:
        assert runUntil(reactor, result) == b"PING\n"
        server = runUntil(reactor, factory.first)
        assert runUntil(reactor, server.lost).check(error.ConnectionDone)
    finally:
        thread.join(BOUND)
    runUntil(reactor, port.stopListening())


def test_torsion_to_python_ssl_server(reactor: Any) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(BOUND)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certs().directory / "server.pem"))

    def serve() -> bytes:
        conn, _ = listener.accept()
        conn.settimeout(BOUND)
        with context.wrap_socket(conn, server_side=True) as tls:
            data = b""
            while not data.endswith(b"\n"):
                data += tls.recv(100)
            tls.sendall(data.upper())
            tls.unwrap()  # close_notify, then wait for the client's
        return data

    thread, result = inThread(reactor, serve)
    try:
        client = Client(Recorder)
        reactor.connectSSL("localhost", listener.getsockname()[1], client, certs().clientOptions())
        proto = runUntil(reactor, client.first)
        proto.transport.write(b"pong\n")
        assert runUntil(reactor, result) == b"pong\n"
        assert runUntil(reactor, proto.lost).check(error.ConnectionDone)
        assert proto.received == b"PONG\n"
    finally:
        thread.join(BOUND)
        listener.close()
