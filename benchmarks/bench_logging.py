"""Logging throughput: torsion next to Twisted, in one process, and stdlib logging's overhead.

Workloads, each the same user-level code for both libraries:

- ``Logger.info`` with a format string and two fields, filtered out by level: the only
  observer is a `FilteringLogObserver` admitting warnings and up (goal: 3x Twisted);
- the same event written by ``textFileLogObserver`` (goal: 2x Twisted);
- legacy ``log.msg`` to a ``log.FileLogObserver`` (goal: 2x Twisted);
- stdlib ``logging.getLogger("torsion.bench").info(...)`` with a torsion text observer
  attached, against the same call with a plain ``logging.StreamHandler`` writing the same
  layout (torsion only; goal: at most 1.2x the StreamHandler's cost).

Every observer writes to a `CountingFile`, which keeps the last line; each batch checks that
the last line is the one expected, so a benchmark that stopped logging cannot report a number.
Both libraries' global publishers are begun (``beginLoggingTo``) once with no observers, as an
application that configured its logging would be, and each batch adds its observer for the
batch only.

Measuring reuses `bench_defer.py`'s machinery (calibrated batches, alternating rounds, median,
spread): ``python benchmarks/bench_logging.py [--quick] [--cpu-time] [--only TEXT]``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

from bench_defer import BrokenBenchmark, Case, Library, Result, formatRate, measure

STDLIB_LOGGER = "torsion.bench"
TEXT_LAYOUT = "%(asctime)s [%(name)s#%(levelname)s] %(message)s"


class CountingFile:
    """A write-only text file that keeps only its last line: the sink of every workload."""

    def __init__(self) -> None:
        self.last = ""

    def write(self, text: str) -> int:
        self.last = text
        return len(text)

    def flush(self) -> None:
        pass


def _afterTimestamp(line: str) -> str:
    """A text log line without its leading timestamp (the part that changes per event)."""
    return "[" + line.partition(" [")[2].rstrip("\n")


def _logger(lib: Library) -> Any:
    return lib.defer  # this benchmark's Library carries the logger package in that slot


def _legacy(lib: Library) -> Any:
    return lib.task  # ... and python.log in this one


def buildFiltered(lib: Library) -> Callable[[int], Any]:
    logger = _logger(lib)
    log = logger.Logger(namespace="bench")
    sink = CountingFile()
    warnOnly = logger.LogLevelFilterPredicate(defaultLogLevel=logger.LogLevel.warn)

    def bench(n: int) -> str:
        observer = logger.FilteringLogObserver(logger.textFileLogObserver(sink), [warnOnly])
        logger.globalLogPublisher.addObserver(observer)
        sink.last = ""
        try:
            for _ in range(n):
                log.info("{a} {b}", a=1, b=2)
            log.warn("{a} {b}", a="last", b="event")
        finally:
            logger.globalLogPublisher.removeObserver(observer)
        return sink.last

    return bench


def buildText(lib: Library) -> Callable[[int], Any]:
    logger = _logger(lib)
    log = logger.Logger(namespace="bench")
    sink = CountingFile()

    def bench(n: int) -> str:
        observer = logger.textFileLogObserver(sink)
        logger.globalLogPublisher.addObserver(observer)
        try:
            for _ in range(n):
                log.info("{a} {b}", a=1, b=2)
        finally:
            logger.globalLogPublisher.removeObserver(observer)
        return sink.last

    return bench


def buildLegacy(lib: Library) -> Callable[[int], Any]:
    log = _legacy(lib)
    sink = CountingFile()

    def bench(n: int) -> str:
        observer = log.FileLogObserver(sink)
        log.addObserver(observer.emit)
        try:
            for _ in range(n):
                log.msg("hello", "world")
        finally:
            log.removeObserver(observer.emit)
        return sink.last

    return bench


def buildStdlib(viaTorsion: bool) -> Callable[[Library], Callable[[int], Any]]:
    def build(lib: Library) -> Callable[[int], Any]:
        logger = _logger(lib)
        stdlog = logging.getLogger(STDLIB_LOGGER)
        stdlog.setLevel(logging.INFO)
        sink = CountingFile()

        def bench(n: int) -> str:
            handler = logging.StreamHandler(sink)
            handler.setFormatter(logging.Formatter(TEXT_LAYOUT))
            observer = logger.textFileLogObserver(sink)
            if viaTorsion:
                logger.globalLogPublisher.addObserver(observer)
            else:
                stdlog.addHandler(handler)
            try:
                for _ in range(n):
                    stdlog.info("%s %s", 1, 2)
            finally:
                logger.globalLogPublisher.removeObserver(observer)
                stdlog.removeHandler(handler)
            return sink.last

        return bench

    return build


def _expectLine(text: str) -> Callable[[Any], object]:
    return lambda last: _afterTimestamp(last) == text or last


ONLY_TORSION = {"Twisted": "stdlib logging into observers is torsion's"}
STDLIB_VIA_OBSERVER = "stdlib info() -> torsion textFileLogObserver"
STDLIB_VIA_HANDLER = "stdlib info() -> plain logging.StreamHandler"


def allCases() -> list[tuple[Case, float]]:
    """Every workload with its goal (the ratio torsion/Twisted it should reach)."""
    return [
        (
            Case(
                "Logger.info, 2 fields, filtered out by level",
                1,
                buildFiltered,
                _expectLine("[bench#warn] last event"),
                True,
            ),
            3.0,
        ),
        (
            Case(
                "Logger.info, 2 fields, textFileLogObserver",
                1,
                buildText,
                _expectLine("[bench#info] 1 2"),
                True,
            ),
            2.0,
        ),
        (
            Case(
                "log.msg to log.FileLogObserver",
                1,
                buildLegacy,
                _expectLine("[-] hello world"),
                True,
            ),
            2.0,
        ),
        (
            Case(
                STDLIB_VIA_OBSERVER,
                1,
                buildStdlib(viaTorsion=True),
                _expectLine(f"[{STDLIB_LOGGER}#info] 1 2"),
                True,
                ONLY_TORSION,
            ),
            0.0,
        ),
        (
            Case(
                STDLIB_VIA_HANDLER,
                1,
                buildStdlib(viaTorsion=False),
                _expectLine(f"[{STDLIB_LOGGER}#INFO] 1 2"),
                True,
                ONLY_TORSION,
            ),
            0.0,
        ),
    ]


def _load(name: str, package: str) -> Library | str:
    try:
        logger = importlib.import_module(f"{package}.logger")
        log = importlib.import_module(f"{package}.python.log")
    except ImportError as e:
        return f"not installed ({e})"
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        version = "unknown"
    logger.globalLogBeginner.beginLoggingTo([], redirectStandardIO=False)
    return Library(name, version, logger, log)


def _report(
    cases: list[tuple[Case, float]],
    libs: list[Library],
    results: dict[tuple[str, str], Result],
) -> list[str]:
    torsion = libs[0].name
    twisted = libs[1].name if len(libs) > 1 else None
    lines = [
        "| workload | torsion events/s | Twisted events/s | ratio | goal | spread |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    missed = False
    for case, goal in cases:
        mine = results[(case.label, torsion)]
        theirs = results.get((case.label, twisted)) if twisted else None
        ratio, goalText = "n/a", "-"
        if theirs is not None and theirs.skipped is None:
            value = round(mine.median() / theirs.median(), 2)
            ratio, goalText = f"{value:.2f}x", f"{goal:g}x"
            if value < goal:
                ratio += " *"
                missed = True
        theirsText = "-" if theirs is None or theirs.skipped else formatRate(theirs.median())
        lines.append(
            f"| {case.label} | {formatRate(mine.median())} | {theirsText} | {ratio}"
            f" | {goalText} | {mine.spread():.0%} |"
        )
    viaObserver = results.get((STDLIB_VIA_OBSERVER, torsion))
    viaHandler = results.get((STDLIB_VIA_HANDLER, torsion))
    if viaObserver and viaHandler:
        cost = round(viaHandler.median() / viaObserver.median(), 2)
        flag = " *" if cost > 1.2 else ""
        lines += [
            "",
            f"stdlib logging into a torsion observer costs {cost:.2f}x the same call into a"
            f" plain StreamHandler (goal: at most 1.2x){flag}.",
        ]
    if missed:
        lines.append("* below its goal.")
    if twisted is None:
        lines.append("Twisted is missing: torsion's figures only.")
    return lines


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
    cases = [
        (case, goal)
        for case, goal in allCases()
        if not args.only or args.only.lower() in case.label.lower()
    ]
    started = time.perf_counter()
    try:
        results = measure([c for c, _ in cases], libs, repeat, batchTime, args.cpu_time, args.quiet)
    except BrokenBenchmark as e:
        print(f"error: a benchmark did not do its work, so no figures: {e}", file=sys.stderr)
        return 1
    print(f"torsion {torsion.version}; Twisted {getattr(libs[-1], 'version', '-')}")
    clock = "process CPU time" if args.cpu_time else "wall time"
    print(f"Method: median of {repeat} rounds of ~{batchTime:g} s batches; rates from {clock}.")
    print()
    for line in _report(cases, libs, results):
        print(line)
    print(f"Total time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
