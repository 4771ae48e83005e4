"""Parsing throughput of the framing protocols: torsion next to Twisted, in one process.

Workloads: `LineReceiver` and `LineOnlyReceiver` on short (~20 B) and long (~1 KiB) lines
delivered in 4 KiB and 64 KiB chunks (lines/s), and `Int32StringReceiver` on 100 B strings in
64 KiB chunks (frames/s). One run feeds a fixed 1 MiB stream, pre-split into chunks, to a fresh
protocol over a minimal fake transport (no sockets); its ``lineReceived``/``stringReceived``,
the same code for both libraries, counts and keeps the last frame. Every batch checks that the
last run delivered every frame, and the right last one.

A "ceiling" row puts a bare split-and-call loop (`BareLineLoop`) in torsion's column against
Twisted's `LineOnlyReceiver`: the most any implementation could gain, since the per-line cost
is the C split and the ``lineReceived`` call themselves.

Measuring reuses `bench_defer.py`'s machinery (calibrated batches, alternating rounds, median,
spread, CPU share): ``python benchmarks/bench_lines.py [--quick] [--cpu-time] [--only TEXT]``.
"""

from __future__ import annotations

import argparse
import importlib
import struct
import sys
import time
from collections.abc import Callable
from importlib import metadata
from types import ModuleType
from typing import Any

import bench_defer
from bench_defer import BrokenBenchmark, Case, Library, measure, report

GOAL = 2.0
STREAM = 1024 * 1024


class FakeTransport:
    """Just enough transport for a receiver: never disconnecting, writes dropped."""

    disconnecting = False

    def write(self, data: bytes) -> None:
        pass


def _basic(lib: Library) -> ModuleType:
    return importlib.import_module(f"{lib.defer.__name__.split('.')[0]}.protocols.basic")


def _chunks(frames: list[bytes], chunkSize: int) -> list[bytes]:
    data = b"".join(frames)
    return [data[i : i + chunkSize] for i in range(0, len(data), chunkSize)]


def _lineStream(lineSize: int) -> tuple[list[bytes], bytes]:
    count = STREAM // (lineSize + 2)
    lines = [b"%0*d" % (lineSize, i) for i in range(count)]
    return [line + b"\r\n" for line in lines], lines[-1]


class BareLineLoop:
    """The least any line receiver can do: split, check for a close, call ``lineReceived``.

    Measured in torsion's column by the "ceiling" rows, next to Twisted's `LineOnlyReceiver`,
    to show the most any library could gain over it (no limits, no partial-line bookkeeping).
    """

    _buffer = b""

    def makeConnection(self, transport: FakeTransport) -> None:
        self.transport = transport

    def dataReceived(self, data: bytes) -> None:
        lines = (self._buffer + data).split(b"\r\n")
        self._buffer = lines.pop()
        transport = self.transport
        lineReceived = self.lineReceived  # type: ignore[attr-defined]
        for line in lines:
            if transport.disconnecting:
                return
            lineReceived(line)


def buildLines(
    className: str, lineSize: int, chunkSize: int, ceiling: bool = False
) -> Callable[[Library], Any]:
    def build(lib: Library) -> Any:
        torsion = lib.defer.__name__.startswith("torsion.")
        base = BareLineLoop if ceiling and torsion else getattr(_basic(lib), className)

        class Counting(base):  # type: ignore[misc,valid-type]
            count = 0
            last = b""

            def lineReceived(self, line: bytes) -> None:
                self.count += 1
                self.last = line

        frames, _ = _lineStream(lineSize)
        chunks = _chunks(frames, chunkSize)

        def bench(n: int) -> Any:
            for _ in range(n):
                proto = Counting()
                proto.makeConnection(FakeTransport())
                for chunk in chunks:
                    proto.dataReceived(chunk)
            return proto.count, proto.last

        return bench

    return build


def buildInt32(size: int, chunkSize: int) -> Callable[[Library], Any]:
    def build(lib: Library) -> Any:
        class Counting(_basic(lib).Int32StringReceiver):  # type: ignore[misc]
            count = 0
            last = b""

            def stringReceived(self, string: bytes) -> None:
                self.count += 1
                self.last = string

        chunks = _chunks(_int32Frames(size), chunkSize)

        def bench(n: int) -> Any:
            for _ in range(n):
                proto = Counting()
                proto.makeConnection(FakeTransport())
                for chunk in chunks:
                    proto.dataReceived(chunk)
            return proto.count, proto.last

        return bench

    return build


def _int32Frames(size: int) -> list[bytes]:
    count = STREAM // (size + 4)
    return [struct.pack("!I", size) + b"%0*d" % (size, i) for i in range(count)]


def allCases() -> list[Case]:
    cases = []
    for cls in ("LineReceiver", "LineOnlyReceiver"):
        for lineSize, label in ((20, "short 20 B"), (1024, "long 1 KiB")):
            frames, last = _lineStream(lineSize)
            for chunkSize, chunkLabel in ((4096, "4 KiB"), (65536, "64 KiB")):
                cases.append(
                    Case(
                        f"{cls} {label} lines, {chunkLabel} chunks",
                        len(frames),
                        buildLines(cls, lineSize, chunkSize),
                        lambda outcome: outcome,
                        (len(frames), last),
                    )
                )
    for cls, lineSize, chunkSize, label in (
        ("LineReceiver", 1024, 4096, "1 KiB lines, 4 KiB chunks"),
        ("LineOnlyReceiver", 20, 65536, "20 B lines, 64 KiB chunks"),
    ):
        frames, last = _lineStream(lineSize)
        cases.append(
            Case(
                f"ceiling: bare split-and-call loop vs Twisted's {cls}, {label}",
                len(frames),
                buildLines(cls, lineSize, chunkSize, ceiling=True),
                lambda outcome: outcome,
                (len(frames), last),
            )
        )
    frames = _int32Frames(100)
    cases.append(
        Case(
            "Int32StringReceiver 100 B strings, 64 KiB chunks",
            len(frames),
            buildInt32(100, 65536),
            lambda outcome: outcome,
            (len(frames), frames[-1][4:]),
        )
    )
    return cases


def _load(name: str, package: str) -> Library | str:
    try:
        defer = importlib.import_module(f"{package}.internet.defer")
        importlib.import_module(f"{package}.protocols.basic")
    except ImportError as e:
        return f"not installed ({e})"
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return Library(name, version, defer, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 0.1 s batches")
    parser.add_argument("--repeat", type=int, help="rounds to take the median of (default 7)")
    parser.add_argument("--batch-time", type=float, help="seconds per batch (default 0.3)")
    parser.add_argument("--only", metavar="TEXT", help="run only workloads whose name has TEXT")
    parser.add_argument("--cpu-time", action="store_true", help="rates from process CPU time")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    batchTime = args.batch_time or (0.1 if args.quick else 0.3)
    torsion = _load("torsion", "torsion")
    if isinstance(torsion, str):
        parser.error(f"torsion: {torsion}")
    twisted = _load("Twisted", "twisted")
    libs = [torsion] if isinstance(twisted, str) else [torsion, twisted]
    cases = [c for c in allCases() if not args.only or args.only.lower() in c.label.lower()]
    started = time.perf_counter()
    try:
        results = measure(cases, libs, repeat, batchTime, args.cpu_time, args.quiet)
    except BrokenBenchmark as e:
        print(f"error: a benchmark did not do its work, so no figures: {e}", file=sys.stderr)
        return 1
    bench_defer.GOAL = GOAL
    twistedLib = None if isinstance(twisted, str) else twisted
    missing = twisted if isinstance(twisted, str) else None
    args_ = (cases, torsion, twistedLib, missing, results, repeat, batchTime, args.cpu_time)
    for line in report(*args_):
        if line.startswith("ops/s:"):
            line = "ops/s: lines (or strings) delivered per second."
        print(
            line.replace(
                "| operation | torsion ops/s | Twisted ops/s",
                "| workload | torsion /s | Twisted /s",
            )
        )
    print(f"Total time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
