"""Echo benchmark: torsion on each reactor against Twisted (epoll, asyncio), asyncio and uvloop.

Usage: ``python benchmarks/echo/run.py [--quick] [--repeats N] [--duration S] [--servers ...]
[--cells ...]`` (``make bench-echo ARGS="..."``). Needs gcc (the load client is C, compiled at run
time) and, for the Twisted rows, Twisted (the ``bench`` extra); the uvloop rows need uvloop.

Each server (``server.py``) runs in its own process pinned to one core; the load client
(``loadclient.c``, epoll) is pinned to the other. Cells: ping-pong of M-byte messages over
N = 10 connections (M = 100 B, 1 KiB, 10 KiB, 100 KiB), and connect/close: 10 slots that each
connect, echo 100 B and close with a reset (SO_LINGER 0, so TIME_WAIT does not cap the rate).
The client samples the server's user+sys CPU time (``/proc/PID/stat``) at the start and end of
the measured window. Servers are interleaved within each cell (A B C A B C) and the median of
the repeats is reported, as round trips (or connections) per second and server CPU microseconds
per round trip, each with its ratio to Twisted. The goals are checked at the end: torsion on
epoll against Twisted, and torsion on asyncio (uvloop) against a plain asyncio (uvloop) server.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import select
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent.parent / "build" / "bench-echo"
SERVERS = [
    "torsion-select",
    "torsion-poll",
    "torsion-epoll",
    "torsion-asyncio",
    "torsion-uvloop",
    "twisted-epoll",
    "twisted-asyncio",
    "asyncio",
    "uvloop",
]
BASELINE = "twisted-epoll"
GOALS = [  # (server, reference, most CPU per op allowed, as a multiple of the reference's)
    ("torsion-epoll", "twisted-epoll", 0.66),
    ("torsion-asyncio", "asyncio", 1.15),
    ("torsion-uvloop", "uvloop", 1.15),
]
CELLS = [  # (label, client mode, message size)
    ("100 B", "pingpong", 100),
    ("1 KiB", "pingpong", 1024),
    ("10 KiB", "pingpong", 10 * 1024),
    ("100 KiB", "pingpong", 100 * 1024),
    ("connect/close", "connect", 100),
]
CONNECTIONS = 10
START_BOUND = 15.0  # seconds a server may take to print its port (a bound for failure only)


@dataclass
class Server:
    kind: str
    proc: subprocess.Popen[str]
    port: int


@dataclass
class Sample:
    rate: float  # operations per second
    cpuMicros: float  # server CPU per operation


@dataclass
class Results:
    samples: dict[tuple[str, str], list[Sample]] = field(default_factory=dict)

    def median(self, cell: str, kind: str) -> Sample | None:
        got = self.samples.get((cell, kind))
        if not got:
            return None
        return Sample(
            statistics.median(s.rate for s in got), statistics.median(s.cpuMicros for s in got)
        )


def compileClient() -> Path:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        sys.exit("benchmarks/echo needs gcc (or cc) to build its load client")
    BUILD.mkdir(parents=True, exist_ok=True)
    binary = BUILD / "loadclient"
    source = HERE / "loadclient.c"
    if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
        subprocess.run([gcc, "-O2", "-Wall", "-o", str(binary), str(source)], check=True)
    return binary


def pickCpus() -> tuple[int | None, int | None]:
    """(client CPU, server CPU): two different cores when there are two, else no pinning."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        print("warning: one CPU only; client and server share it", file=sys.stderr)
        return None, None
    return cpus[0], cpus[1]


def startServer(kind: str, cpu: int | None) -> Server:
    args = [sys.executable, str(HERE / "server.py"), kind]
    if cpu is not None:
        args.append(str(cpu))
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], START_BOUND)
    line = proc.stdout.readline() if ready else ""
    if not line.strip().isdigit():
        proc.kill()
        sys.exit(f"server {kind} did not start (printed {line!r})")
    return Server(kind, proc, int(line))


def measure(
    client: Path, server: Server, mode: str, size: int, warmup: float, duration: float
) -> Sample:
    cmd = [str(client), mode, str(server.port), str(CONNECTIONS), str(size)]
    cmd += [str(warmup), str(duration), str(server.proc.pid)]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, timeout=warmup + duration + 30
    ).stdout
    fields = dict(item.split("=") for item in out.split())
    ops, seconds, cpu = int(fields["ops"]), float(fields["seconds"]), float(fields["cpu_seconds"])
    if ops == 0:
        sys.exit(f"{server.kind}: no operations completed in {mode} {size}")
    return Sample(ops / seconds, cpu / ops * 1e6)


def table(results: Results, kinds: list[str], cells: list[str], what: str) -> str:
    head = "| server | " + " | ".join(cells) + " |"
    lines = [head, "|---" * (len(cells) + 1) + "|"]
    for kind in kinds:
        row = [kind]
        for cell in cells:
            sample, base = results.median(cell, kind), results.median(cell, BASELINE)
            if sample is None:
                row.append("-")
                continue
            value = sample.cpuMicros if what == "cpu" else sample.rate
            text = f"{value:.1f}" if what == "cpu" else f"{value:,.0f}"
            if base is not None:
                ratio = value / (base.cpuMicros if what == "cpu" else base.rate)
                text += f" ({ratio:.2f}x)"
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def report(results: Results, kinds: list[str], cells: list[str]) -> None:
    print("\nServer CPU microseconds per round trip (connect/close: per connection), median;")
    print(f"(ratio to {BASELINE}; lower is better)\n")
    print(table(results, kinds, cells, "cpu"))
    print("\nRound trips (connect/close: connections) per second, median; (ratio to Twisted)\n")
    print(table(results, kinds, cells, "rate"))
    print()
    for server, reference, limit in GOALS:
        if server not in kinds or reference not in kinds:
            continue
        ratios = []
        for cell in cells:
            goal, base = results.median(cell, server), results.median(cell, reference)
            assert goal is not None and base is not None
            ratios.append((cell, goal.cpuMicros / base.cpuMicros))
        misses = [f"{cell} ({ratio:.2f}x)" for cell, ratio in ratios if ratio > limit]
        verdict = "met" if not misses else "missed at " + ", ".join(misses)
        shown = ", ".join(f"{cell} {ratio:.2f}x" for cell, ratio in ratios)
        print(f"Goal ({server} CPU per op <= {limit}x {reference}): {verdict} [{shown}]")


def parseArgs() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 30 s instead of about 3 min")
    parser.add_argument("--repeats", type=int, help="runs per server per cell (default 3)")
    parser.add_argument("--duration", type=float, help="measured seconds per run (default 1.5)")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (default 0.5)")
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=SERVERS)
    parser.add_argument(
        "--cells",
        nargs="+",
        choices=[label for label, _, _ in CELLS],
        default=[label for label, _, _ in CELLS],
        help="which cells to measure (default: all)",
    )
    args = parser.parse_args()
    quick = (2, 0.5, 0.2) if args.quick else (3, 1.5, 0.5)
    args.prime = 1.0 if args.quick else 2.0
    args.repeats = args.repeats or quick[0]
    args.duration = args.duration or quick[1]
    args.warmup = args.warmup or quick[2]
    return args


def main() -> None:
    args = parseArgs()
    kinds = list(args.servers)
    for package in ("twisted", "uvloop"):
        if importlib.util.find_spec(package) is None:
            print(f"{package} is not installed: skipping its servers", file=sys.stderr)
            kinds = [kind for kind in kinds if package not in kind]
    client = compileClient()
    clientCpu, serverCpu = pickCpus()
    if clientCpu is not None:
        os.sched_setaffinity(0, {clientCpu})  # the client inherits this
    servers = [startServer(kind, serverCpu) for kind in kinds]
    results = Results()
    try:
        # A freshly started server measures several times slower for its first second or two
        # on this machine (the scheduler is still placing it and its neighbours): prime each.
        for server in servers:
            measure(client, server, "pingpong", 1024, args.warmup, args.prime)
        for label, mode, size in CELLS:
            if label not in args.cells:
                continue
            for repeat in range(args.repeats):
                order = servers[repeat % len(servers) :] + servers[: repeat % len(servers)]
                for server in order:
                    sample = measure(client, server, mode, size, args.warmup, args.duration)
                    results.samples.setdefault((label, server.kind), []).append(sample)
                    print(
                        f"{label:>13} {server.kind:>14} run {repeat + 1}: "
                        f"{sample.rate:10,.0f}/s {sample.cpuMicros:7.2f} us/op",
                        flush=True,
                    )
    finally:
        for server in servers:
            server.proc.kill()
            server.proc.wait()
    print(
        f"\n{CONNECTIONS} connections; {args.repeats} runs of {args.duration} s "
        f"(after {args.warmup} s warm-up) per server per cell; Python {sys.version.split()[0]}"
    )
    report(results, kinds, args.cells)


if __name__ == "__main__":
    main()
