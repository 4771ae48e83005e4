"""Timer throughput of the real reactor: torsion's epoll reactor next to Twisted's.

Three workloads, each measured from the first ``callLater`` to the end of ``run()``:

* ``callLater(0)``: N calls with zero delay, scheduled before ``run()``;
* ``callLater staggered``: N calls with delays spread evenly over 0-1 ms;
* ``LoopingCall(f).start(0)``: M ticks of one looping call with a zero interval.

Each call checks in; the last one stops the reactor, and the worker verifies that every call ran
before reporting a number. Twisted's reactor cannot run twice, so every measurement runs in a
fresh subprocess, torsion's too (for fairness). ``--repeat`` rounds alternate which library goes
first; the median is reported. Prints a markdown table of ops/s and the ratio torsion/Twisted
(goal: at least 2x).

Run ``python benchmarks/bench_timers.py`` (N = 1,000,000, M = 200,000) or ``--quick`` (a tenth).
Without Twisted installed, only torsion's figures are printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

GOAL = 2.0
CASES = ("zero", "staggered", "looping")
LABELS = {
    "zero": "callLater(0)",
    "staggered": "callLater staggered 0-1 ms",
    "looping": "LoopingCall(f).start(0) ticks",
}


def _worker(library: str, case: str, n: int) -> None:
    """Run one measurement in this (fresh) process and print its result as JSON."""
    epollreactor = importlib.import_module(f"{library}.internet.epollreactor")
    epollreactor.install()
    reactor: Any = importlib.import_module(f"{library}.internet.reactor")
    task = importlib.import_module(f"{library}.internet.task")
    count = [0]

    def tick() -> None:
        count[0] += 1
        if count[0] == n:
            reactor.stop()

    start = time.perf_counter()
    cpuStart = time.process_time()
    if case == "looping":
        loop = task.LoopingCall(_stopAfter(count, n, lambda: (loop.stop(), reactor.stop())))
        loop.clock = reactor
        loop.start(0)
    else:
        callLater = reactor.callLater
        if case == "zero":
            for _ in range(n):
                callLater(0, tick)
        else:
            for i in range(n):
                callLater((i % 1000) / 1_000_000, tick)
    reactor.run(installSignalHandlers=False)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpuStart
    if count[0] != n:
        raise SystemExit(f"{library} {case}: {count[0]} of {n} calls ran")
    print(json.dumps({"elapsed": elapsed, "cpu": cpu}))


def _stopAfter(count: list[int], n: int, stop: Callable[[], object]) -> Callable[[], None]:
    def f() -> None:
        count[0] += 1
        if count[0] == n:
            stop()

    return f


def _measure(library: str, case: str, n: int, useCpu: bool) -> float:
    """Ops/s of one fresh-process measurement."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", library, case, str(n)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(out)
    return n / (result["cpu"] if useCpu else result["elapsed"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the calls, 1 round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median reported)")
    parser.add_argument("--cpu-time", action="store_true", help="rates from CPU time")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        library, case, n = args.worker
        _worker(library, case, int(n))
        return
    scale = 10 if args.quick else 1
    repeat = 1 if args.quick else args.repeat
    sizes = {
        "zero": 1_000_000 // scale,
        "staggered": 1_000_000 // scale,
        "looping": 200_000 // scale,
    }
    libraries = ["torsion"]
    if importlib.util.find_spec("twisted") is not None:
        libraries.append("twisted")
    print(
        f"Python {sys.version.split()[0]}; epoll reactors; {repeat} round(s), median; "
        f"{'CPU' if args.cpu_time else 'wall'} time\n"
    )
    print(
        "| workload | N | "
        + " | ".join(f"{lib} ops/s" for lib in libraries)
        + (" | torsion/Twisted |" if len(libraries) == 2 else " |")
    )
    print("|---" * (2 + len(libraries) + (len(libraries) == 2)) + "|")
    for case in CASES:
        rates: dict[str, list[float]] = {lib: [] for lib in libraries}
        for round in range(repeat):
            order = libraries if round % 2 == 0 else libraries[::-1]
            for lib in order:
                rates[lib].append(_measure(lib, case, sizes[case], args.cpu_time))
        medians = {lib: statistics.median(values) for lib, values in rates.items()}
        row = f"| {LABELS[case]} | {sizes[case]:,} | " + " | ".join(
            f"{medians[lib]:,.0f}" for lib in libraries
        )
        if len(libraries) == 2:
            ratio = medians["torsion"] / medians["twisted"]
            row += f" | {ratio:.2f}x{'' if ratio >= GOAL else ' (below goal)'}"
        print(row + " |")


if __name__ == "__main__":
    main()
