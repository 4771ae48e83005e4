"""Micro-benchmarks of Deferreds and ``task.Clock``: torsion next to Twisted, in one process.

Each operation is written once, against a library's ``defer`` and ``task`` modules, and run with
torsion's and with Twisted's, so both do exactly the same user-level work. Before it is timed,
and again after every timed batch, the outcome of the last operation is checked (the final
result of the Deferred, the order in which the Clock ran its calls), so a benchmark that stopped
doing its work cannot report a number.

Method: every (operation, library) pair is first calibrated, timeit-style, to a batch size that
takes about ``--batch-time`` seconds. Then ``--repeat`` rounds follow; each round times one batch
of every operation in every library, torsion first in even rounds and Twisted first in odd ones,
so drift and noise bursts hit both alike. ``gc.collect()`` runs before every batch; the collector
stays enabled during batches, since collecting what an operation allocates is part of its cost.
The figure reported is the median of the rounds; "spread" is (max - min) / median.

Run ``python benchmarks/bench_defer.py`` (about 40 s), ``--quick`` (about 10 s), or see ``--help``.
Twisted is optional: without it only torsion's figures are printed.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

GOAL = 1.5  # the ratio torsion/Twisted every operation should reach
BUSY_SHARE = 0.97  # below this share of CPU time over wall time, other work was competing
CHAIN_DEPTH = 10
AWAITS = 10
CLOCK_SMALL = 1_000
CLOCK_LARGE = 100_000
LEAF_VALUE = 42

# Runs an operation ``n`` times and returns what the last one left behind, for checking.
Bench = Callable[[int], Any]


class Skip(Exception):
    """This operation cannot run on this library; the message says why."""


@dataclass
class Library:
    """One implementation under test: its ``defer`` module and, if it imports, ``task``."""

    name: str
    version: str
    defer: ModuleType
    task: ModuleType | None
    taskError: str | None = None

    def requireTask(self) -> ModuleType:
        if self.task is None:
            raise Skip(f"{self.name}: cannot import task ({self.taskError})")
        return self.task


@dataclass
class Case:
    """One operation: how to build its benchmark, and what its last run must leave behind."""

    label: str
    opsPerRun: int  # the ops counted per run: 1, or the number of calls a Clock run makes
    build: Callable[[Library], Bench]
    outcome: Callable[[Any], object]
    expected: object
    skipIn: dict[str, str] = field(default_factory=dict)  # library name -> why it is not run


@dataclass
class Result:
    """The timings of one operation in one library, or why it was skipped."""

    opsPerSecond: list[float] = field(default_factory=list)
    batchSize: int = 0
    wallSeconds: float = 0.0  # over all timed batches
    cpuSeconds: float = 0.0  # this process's CPU time over the same batches
    skipped: str | None = None

    def median(self) -> float:
        return statistics.median(self.opsPerSecond)

    def spread(self) -> float:
        return (max(self.opsPerSecond) - min(self.opsPerSecond)) / self.median()


# -- the operations --------------------------------------------------------------------------


def _deferredResult(d: Any) -> object:
    return d.result if d.called else "<Deferred not fired>"


def buildFire3(lib: Library) -> Bench:
    """Create a Deferred, add 3 callbacks, fire it."""
    Deferred = lib.defer.Deferred

    def inc(x: int) -> int:
        return x + 1

    def bench(n: int) -> Any:
        for _ in range(n):
            d = Deferred()
            d.addCallback(inc)
            d.addCallback(inc)
            d.addCallback(inc)
            d.callback(0)
        return d

    return bench


def _linkedChain(Deferred: Any) -> list[Any]:
    """CHAIN_DEPTH unfired Deferreds; each one's callback returns the next one."""
    ds = [Deferred() for _ in range(CHAIN_DEPTH)]
    for d, nxt in itertools.pairwise(ds):
        d.addCallback(lambda _, nxt=nxt: nxt)
    return ds


def buildNestedFiredLater(lib: Library) -> Bench:
    """Nested chain fired root first: each callback returns a Deferred that has no result yet.

    Firing d0 makes it wait on d1, firing d1 makes it wait on d2, and so on; when the leaf fires
    at last, its result travels back up through all ten.
    """
    Deferred = lib.defer.Deferred

    def bench(n: int) -> Any:
        for _ in range(n):
            ds = _linkedChain(Deferred)
            for d in ds[:-1]:
                d.callback(None)
            ds[-1].callback(LEAF_VALUE)
        return ds[0]

    return bench


def buildNestedAlreadyFired(lib: Library) -> Bench:
    """The same nested chain fired leaf first: each callback returns an already-fired Deferred."""
    Deferred = lib.defer.Deferred

    def bench(n: int) -> Any:
        for _ in range(n):
            ds = _linkedChain(Deferred)
            ds[-1].callback(LEAF_VALUE)
            for d in ds[-2::-1]:
                d.callback(None)
        return ds[0]

    return bench


def buildSequentialFiredLater(lib: Library) -> Bench:
    """One Deferred whose 10 callbacks each return an unfired Deferred, then fired one by one."""
    Deferred = lib.defer.Deferred

    def bench(n: int) -> Any:
        for _ in range(n):
            outer = Deferred()
            inners = [Deferred() for _ in range(CHAIN_DEPTH)]
            for inner in inners:
                outer.addCallback(lambda _, inner=inner: inner)
            outer.callback(None)
            for i, inner in enumerate(inners):
                inner.callback(i)
        return outer

    return bench


def buildAwaitFired(lib: Library) -> Bench:
    """``ensureDeferred`` of an ``async def`` awaiting 10 already-fired Deferreds."""
    succeed, ensureDeferred = lib.defer.succeed, lib.defer.ensureDeferred

    async def awaitTen() -> int:
        total = 0
        for i in range(AWAITS):
            total += await succeed(i)
        return total

    def bench(n: int) -> Any:
        for _ in range(n):
            d = ensureDeferred(awaitTen())
        return d

    return bench


def buildInlineCallbacks(lib: Library) -> Bench:
    """An ``inlineCallbacks`` generator yielding 10 already-fired Deferreds."""
    succeed = lib.defer.succeed

    @lib.defer.inlineCallbacks
    def yieldTen() -> Generator[Any, Any, int]:
        total = 0
        for i in range(AWAITS):
            total += yield succeed(i)
        return total

    def bench(n: int) -> Any:
        for _ in range(n):
            d = yieldTen()
        return d

    return bench


def _clockDelays(count: int) -> list[float]:
    """``count`` distinct delays in [0, 1), in a fixed shuffled order."""
    delays = [i / count for i in range(count)]
    random.Random(count).shuffle(delays)
    return delays


def buildClock(count: int) -> Callable[[Library], Bench]:
    """``count`` callLater calls at shuffled delays on a fresh Clock, then one advance."""
    delays = _clockDelays(count)

    def build(lib: Library) -> Bench:
        Clock = lib.requireTask().Clock

        def bench(n: int) -> Any:
            for _ in range(n):
                clock = Clock()
                ran: list[float] = []
                callLater, record = clock.callLater, ran.append
                for delay in delays:
                    callLater(delay, record, delay)
                clock.advance(1.0)
            return clock, ran

        return bench

    return build


def _clockOutcome(expectedOrder: list[float]) -> Callable[[Any], object]:
    def outcome(last: Any) -> object:
        clock, ran = last
        return (len(ran), ran == expectedOrder, len(clock.getDelayedCalls()))

    return outcome


_TWISTED_CLOCK = (
    "Twisted's Clock re-sorts its whole list of pending calls on every callLater and after every"
    " call it runs, so its cost grows with the square of the number of calls: 100,000 would take"
    " many minutes. Compare the 1,000-call row."
)


def allCases() -> list[Case]:
    d = CHAIN_DEPTH
    return [
        Case("Deferred + 3 callbacks + callback()", 1, buildFire3, _deferredResult, 3),
        Case(
            f"{d}-deep nested chain, fired later (root first; leaf fires last)",
            1,
            buildNestedFiredLater,
            _deferredResult,
            LEAF_VALUE,
        ),
        Case(
            f"{d}-deep nested chain, already fired (leaf first)",
            1,
            buildNestedAlreadyFired,
            _deferredResult,
            LEAF_VALUE,
        ),
        Case(
            f"{d} callbacks returning unfired Deferreds, fired in turn",
            1,
            buildSequentialFiredLater,
            _deferredResult,
            d - 1,
        ),
        Case(
            f"ensureDeferred(async def: {AWAITS} x await succeed(i))",
            1,
            buildAwaitFired,
            _deferredResult,
            sum(range(AWAITS)),
        ),
        Case(
            f"inlineCallbacks: {AWAITS} x yield succeed(i)",
            1,
            buildInlineCallbacks,
            _deferredResult,
            sum(range(AWAITS)),
        ),
        Case(
            f"Clock: {CLOCK_SMALL:,} callLater + 1 advance (calls/s)",
            CLOCK_SMALL,
            buildClock(CLOCK_SMALL),
            _clockOutcome(sorted(_clockDelays(CLOCK_SMALL))),
            (CLOCK_SMALL, True, 0),
        ),
        Case(
            f"Clock: {CLOCK_LARGE:,} callLater + 1 advance (calls/s)",
            CLOCK_LARGE,
            buildClock(CLOCK_LARGE),
            _clockOutcome(sorted(_clockDelays(CLOCK_LARGE))),
            (CLOCK_LARGE, True, 0),
            skipIn={"Twisted": _TWISTED_CLOCK},
        ),
    ]


# -- libraries -------------------------------------------------------------------------------


def _loadLibrary(name: str, package: str, distribution: str) -> Library | str:
    """Import ``package``'s defer (required) and task (optional); an error message if absent."""
    try:
        defer = importlib.import_module(f"{package}.internet.defer")
    except ImportError as e:
        return f"not installed ({e})"
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        task: ModuleType | None = importlib.import_module(f"{package}.internet.task")
        taskError = None
    except ImportError as e:
        task, taskError = None, str(e)
    return Library(name, version, defer, task, taskError)


# -- measuring -------------------------------------------------------------------------------


class BrokenBenchmark(AssertionError):
    """An operation left behind something other than what it should have."""


def _timeBatch(bench: Bench, n: int, case: Case, lib: Library) -> tuple[float, float]:
    """Run ``n`` operations and check the last one's outcome; return (wall, CPU) seconds."""
    gc.collect()
    cpuStart = time.process_time()
    start = time.perf_counter()
    last = bench(n)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpuStart
    got = case.outcome(last)
    if got != case.expected:
        raise BrokenBenchmark(
            f"{case.label!r} on {lib.name}: got {got!r}, expected {case.expected!r}"
        )
    return elapsed, cpu


def _calibrate(bench: Bench, case: Case, lib: Library, batchTime: float) -> int:
    """The number of operations that takes about ``batchTime`` (this also warms up)."""
    n = 1
    while True:
        elapsed, _ = _timeBatch(bench, n, case, lib)
        if elapsed >= batchTime / 4:
            return max(1, round(n * batchTime / elapsed))
        n *= 2


def measure(
    cases: list[Case],
    libs: list[Library],
    repeat: int,
    batchTime: float,
    useCpu: bool,
    quiet: bool,
) -> dict[tuple[str, str], Result]:
    results: dict[tuple[str, str], Result] = {}
    benches: dict[tuple[str, str], Bench] = {}

    def progress(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    for case in cases:
        for lib in libs:
            key = (case.label, lib.name)
            result = results[key] = Result()
            if lib.name in case.skipIn:
                result.skipped = case.skipIn[lib.name]
                continue
            try:
                bench = case.build(lib)
            except Skip as e:
                result.skipped = str(e)
                continue
            # The first check: a single operation, before any timing.
            _timeBatch(bench, 1, case, lib)
            result.batchSize = _calibrate(bench, case, lib, batchTime)
            benches[key] = bench
        progress(f"calibrated: {case.label}")

    for round_ in range(repeat):
        order = libs if round_ % 2 == 0 else libs[::-1]
        for case in cases:
            for lib in order:
                key = (case.label, lib.name)
                if key not in benches:
                    continue
                result = results[key]
                wall, cpu = _timeBatch(benches[key], result.batchSize, case, lib)
                result.wallSeconds += wall
                result.cpuSeconds += cpu
                seconds = cpu if useCpu else wall
                result.opsPerSecond.append(result.batchSize * case.opsPerRun / seconds)
        progress(f"round {round_ + 1}/{repeat} done")
    return results


# -- reporting -------------------------------------------------------------------------------


def _cpuModel() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux), or the architecture."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def formatRate(rate: float) -> str:
    for threshold, suffix in ((1e6, "M"), (1e3, "k")):
        if rate >= threshold:
            return f"{rate / threshold:.3g}{suffix}"
    return f"{rate:.3g}"


def _cell(result: Result | None) -> str:
    if result is None:
        return "n/a"
    if result.skipped is not None:
        return "skipped"
    return formatRate(result.median())


def report(
    cases: list[Case],
    torsion: Library,
    twisted: Library | None,
    twistedMissing: str | None,
    results: dict[tuple[str, str], Result],
    repeat: int,
    batchTime: float,
    useCpu: bool,
) -> Iterable[str]:
    yield f"Python {platform.python_implementation()} {platform.python_version()}"
    yield f"torsion {torsion.version}; " + (
        f"Twisted {twisted.version}" if twisted else f"Twisted: {twistedMissing}"
    )
    yield f"Machine: {_cpuModel()}, {os.cpu_count()} CPUs; {platform.platform()}"
    clockName = "process CPU time" if useCpu else "wall time (perf_counter)"
    rounds = f"{repeat} round{'s' if repeat > 1 else ''}"
    yield (
        f"Method: median of {rounds}; one batch of ~{batchTime:g} s per operation and"
        " library per round, order of libraries alternating; gc.collect() before each batch;"
        f" rates from {clockName}."
    )
    timed = [r for r in results.values() if r.skipped is None]
    wall = sum(r.wallSeconds for r in timed)
    cpuShare = sum(r.cpuSeconds for r in timed) / wall if wall else 1.0
    busy = ""
    if cpuShare < BUSY_SHARE:
        busy = ": other work was competing for the CPUs, " + (
            "which CPU-time rates mostly discount."
            if useCpu
            else "so wall-time rates are low and noisy (--cpu-time discounts most of it)."
        )
    yield f"This process had a CPU for {cpuShare:.0%} of the timed wall time{busy or '.'}"
    yield ""
    yield "| operation | torsion ops/s | Twisted ops/s | ratio | spread torsion / Twisted |"
    yield "|---|---:|---:|---:|---:|"
    notes: list[str] = []
    below = False
    for case in cases:
        mine = results[(case.label, torsion.name)]
        theirs = results.get((case.label, twisted.name)) if twisted else None
        ratio = "n/a"
        if mine.skipped is None and theirs is not None and theirs.skipped is None:
            value = round(mine.median() / theirs.median(), 2)  # judged as printed
            ratio = f"{value:.2f}x" + (" *" if value < GOAL else "")
            below = below or value < GOAL
        spreads = [
            f"{r.spread():.0%}" if r is not None and r.skipped is None else "-"
            for r in (mine, theirs)
        ]
        yield (
            f"| {case.label} | {_cell(mine)} | {_cell(theirs)} | {ratio} | {' / '.join(spreads)} |"
        )
        for r in (mine, theirs):
            if r is not None and r.skipped is not None:
                notes.append(f"- {case.label}: skipped. {r.skipped}")
    yield ""
    yield (
        "ops/s: whole operations per second (all its Deferreds created, chained and fired),"
        " except the Clock rows: calls scheduled and run per second."
    )
    if below:
        yield f"* below the goal of {GOAL}x."
    if not twisted:
        yield "Twisted is missing: torsion's figures only (install the bench extra)."
    yield from notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 0.1 s batches (~10 s)")
    parser.add_argument("--repeat", type=int, help="rounds to take the median of (default 7)")
    parser.add_argument("--batch-time", type=float, help="seconds per batch (default 0.3)")
    parser.add_argument("--only", metavar="TEXT", help="run only operations whose name has TEXT")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="rates from this process's CPU time instead of wall time (steadier on a busy machine)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    repeat = args.repeat if args.repeat is not None else 3 if args.quick else 7
    batchTime = args.batch_time if args.batch_time is not None else 0.1 if args.quick else 0.3
    if repeat < 1 or batchTime <= 0:
        parser.error("--repeat and --batch-time must be positive")

    torsion = _loadLibrary("torsion", "torsion", "torsion")
    if isinstance(torsion, str):
        parser.error(f"torsion: {torsion}")
    twisted = _loadLibrary("Twisted", "twisted", "twisted")
    twistedMissing = twisted if isinstance(twisted, str) else None
    libs = [torsion] if isinstance(twisted, str) else [torsion, twisted]

    cases = [c for c in allCases() if not args.only or args.only.lower() in c.label.lower()]
    if not cases:
        parser.error(f"no operation matches {args.only!r}")

    started = time.perf_counter()
    try:
        results = measure(cases, libs, repeat, batchTime, args.cpu_time, args.quiet)
    except BrokenBenchmark as e:
        print(f"error: a benchmark did not do its work, so no figures: {e}", file=sys.stderr)
        return 1
    for line in report(
        cases,
        torsion,
        None if isinstance(twisted, str) else twisted,
        twistedMissing,
        results,
        repeat,
        batchTime,
        args.cpu_time,
    ):
        print(line)
    print(f"Total time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
