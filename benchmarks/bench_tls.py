"""TLS echo benchmark: torsion's TLS layer against Twisted's, in the same run.

Usage: ``python benchmarks/bench_tls.py [--quick] [--repeats N] [--duration S]``. Needs Twisted
with its TLS extra (``twisted[tls]``) and trustme (certificates made at start).

Each server (``--serve torsion|twisted``: the same echo program on each library's epoll
reactor with ``listenSSL``, TCP_NODELAY on, TLS 1.3, the same certificate) runs in its own
process pinned to one core. The load client, pinned to the other core, keeps N connections
(stdlib ``ssl`` sockets, one thread each) ping-ponging M-byte messages (10 KiB and 100 KiB),
and samples the server's user+sys CPU time from ``/proc/PID/stat`` at the start and end of
each measured window, as ``benchmarks/echo`` does. The client, not the server, usually limits
the rate, so the figure that compares the servers is **round trips per server CPU-second**.
Servers alternate within each cell; the median of the repeats is reported, with the ratio
torsion/Twisted (goal: at least 1.5x).
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SIZES = [("10 KiB", 10 * 1024), ("100 KiB", 100 * 1024)]
SERVERS = ["torsion", "twisted"]
GOAL = 1.5


def serve(kind: str, certDir: str, cpu: int | None) -> None:
    """Run one echo server: the same code for both libraries."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    __import__(f"{kind}.internet.epollreactor", fromlist=["install"]).install()
    reactor: Any = __import__(f"{kind}.internet.reactor", fromlist=["reactor"])
    protocol: Any = __import__(f"{kind}.internet.protocol", fromlist=["Protocol"])
    sslModule: Any = __import__(f"{kind}.internet.ssl", fromlist=["PrivateCertificate"])

    class Echo(protocol.Protocol):  # type: ignore[misc]
        def connectionMade(self) -> None:
            self.transport.setTcpNoDelay(True)  # Twisted's default is off; torsion's is on.

        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    pem = Path(certDir, "server.pem").read_bytes()
    options = sslModule.PrivateCertificate.loadPEM(pem).options()
    factory = protocol.Factory.forProtocol(Echo)
    factory.noisy = False
    port = reactor.listenSSL(0, factory, options, backlog=1024, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run(installSignalHandlers=False)


def serverCpu(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Load:
    """N blocking TLS connections, each in a thread, echoing ``size``-byte messages."""

    def __init__(self, port: int, size: int, connections: int, context: ssl.SSLContext) -> None:
        self.count = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.message = os.urandom(size)
        self.sockets = []
        for _ in range(connections):
            raw = socket.create_connection(("127.0.0.1", port), timeout=30)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sockets.append(context.wrap_socket(raw, server_hostname="localhost"))
        self.threads = [threading.Thread(target=self.run, args=(s,)) for s in self.sockets]
        for thread in self.threads:
            thread.start()

    def run(self, tls: ssl.SSLSocket) -> None:
        buffer = bytearray(len(self.message))
        view = memoryview(buffer)
        while not self.stop.is_set():
            tls.sendall(self.message)
            got = 0
            while got < len(buffer):
                n = tls.recv_into(view[got:])
                if not n:
                    raise ConnectionError("server closed")
                got += n
            assert buffer[:16] == self.message[:16]
            with self.lock:
                self.count += 1

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        for s in self.sockets:
            s.close()


def measure(
    pid: int, port: int, size: int, args: argparse.Namespace, context: ssl.SSLContext
) -> tuple[float, float]:
    """(round trips per second, round trips per server CPU-second) over one window."""
    load = Load(port, size, args.connections, context)
    try:
        time.sleep(args.warmup)
        count0, cpu0, t0 = load.count, serverCpu(pid), time.monotonic()
        time.sleep(args.duration)
        count1, cpu1, t1 = load.count, serverCpu(pid), time.monotonic()
    finally:
        load.close()
    trips = count1 - count0
    return trips / (t1 - t0), trips / max(cpu1 - cpu0, 1e-9)


def startServer(kind: str, certDir: str, cpu: int | None) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, __file__, "--serve", kind, certDir]
    command += [] if cpu is None else [str(cpu)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    line = proc.stdout.readline() if ready else ""
    if not line.strip().isdigit():
        proc.kill()
        sys.exit(f"{kind} server did not start (printed {line!r})")
    return proc, int(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, certDir, *cpu = args.serve
        serve(kind, certDir, int(cpu[0]) if cpu else None)
        return
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.duration = args.duration or (1.0 if args.quick else 2.0)
    import trustme

    ca = trustme.CA()
    certDir = tempfile.mkdtemp(prefix="bench-tls-")
    ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(f"{certDir}/server.pem")
    context = ssl.create_default_context()
    ca.configure_trust(context)
    cpus = sorted(os.sched_getaffinity(0))
    clientCpu, serverCpuId = (cpus[0], cpus[1]) if len(cpus) > 1 else (None, None)
    if clientCpu is not None:
        os.sched_setaffinity(0, {clientCpu})
    servers = {kind: startServer(kind, certDir, serverCpuId) for kind in SERVERS}
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        for proc, port in servers.values():  # prime each server
            measure(proc.pid, port, 10 * 1024, args, context)
        for label, size in SIZES:
            for repeat in range(args.repeats):
                order = SERVERS if repeat % 2 == 0 else SERVERS[::-1]
                for kind in order:
                    proc, port = servers[kind]
                    rate, perCpu = measure(proc.pid, port, size, args, context)
                    results.setdefault((label, kind), []).append((rate, perCpu))
                    print(
                        f"{label:>8} {kind:>8} run {repeat + 1}: {rate:9,.0f} round trips/s "
                        f"{perCpu:9,.0f} per server CPU-s ({1e6 / perCpu:6.1f} us)",
                        flush=True,
                    )
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait()
    report(results, args)


def report(results: dict[tuple[str, str], list[tuple[float, float]]], args: Any) -> None:
    print(
        f"\n{args.connections} connections, {args.repeats} runs of {args.duration} s per server "
        f"per size, median; Python {sys.version.split()[0]}, {ssl.OPENSSL_VERSION}\n"
    )
    print("| message | server | round trips/s | round trips per server CPU-s | server CPU us/rt |")
    print("|---|---|---:|---:|---:|")
    verdicts = []
    for label, _ in SIZES:
        medians = {}
        for kind in SERVERS:
            samples = results[(label, kind)]
            rate = statistics.median(s[0] for s in samples)
            perCpu = statistics.median(s[1] for s in samples)
            medians[kind] = perCpu
            print(f"| {label} | {kind} | {rate:,.0f} | {perCpu:,.0f} | {1e6 / perCpu:.1f} |")
        ratio = medians["torsion"] / medians["twisted"]
        verdicts.append(f"{label}: {ratio:.2f}x")
    print(f"\ntorsion/Twisted round trips per server CPU-second: {', '.join(verdicts)}")
    print(f"(goal: >= {GOAL}x)")


if __name__ == "__main__":
    main()
