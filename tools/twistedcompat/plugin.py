"""The pytest plugin of the compatibility runner's child processes (``-p twistedcompat.plugin``).

* With ``TORSION_COMPAT_OVERLAY`` set, it makes the rewritten Twisted tests part of torsion's
  packages before anything is collected: each overlay directory is appended to the
  ``__path__`` of the real torsion package at the same place.
* It appends one JSON line per test to ``TORSION_COMPAT_RESULTS`` as soon as the test is done,
  so what ran is kept even if the process later hangs or crashes; a module that fails to
  import is a line too.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import IO, Any

import pytest

OVERLAY_VARIABLE = "TORSION_COMPAT_OVERLAY"
RESULTS_VARIABLE = "TORSION_COMPAT_RESULTS"

_results: IO[str] | None = None


def _joinOverlay(overlay: Path) -> None:
    """Append each overlay directory to the ``__path__`` of the torsion package it mirrors."""
    directories = sorted(
        (d for d in (overlay / "torsion").rglob("*") if d.is_dir() and d.name != "__pycache__"),
        key=lambda d: len(d.parts),
    )
    for directory in [overlay / "torsion", *directories]:
        name = ".".join(directory.relative_to(overlay).parts)
        try:
            package = importlib.import_module(name)
        except Exception:
            continue  # Not a real torsion package: found through its parent's extended path.
        path = getattr(package, "__path__", None)
        if path is not None and str(directory) not in path:
            path.append(str(directory))


def pytest_configure(config: pytest.Config) -> None:
    global _results
    overlay = os.environ.get(OVERLAY_VARIABLE)
    if overlay:
        _joinOverlay(Path(overlay))
    results = os.environ.get(RESULTS_VARIABLE)
    if results:
        _results = open(results, "a", encoding="utf-8")  # noqa: SIM115  # closed at unconfigure


def pytest_unconfigure(config: pytest.Config) -> None:
    if _results is not None:
        _results.close()


def _write(record: dict[str, Any]) -> None:
    if _results is not None:
        _results.write(json.dumps(record) + "\n")
        _results.flush()


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _write(
            {
                "test": report.nodeid,
                "outcome": "error",
                "phase": "collect",
                "message": _summary(report),
            }
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        outcome: str = report.outcome
        if hasattr(report, "wasxfail"):
            outcome = "skipped"
        elif report.failed and report.when != "call":
            outcome = "error"
        _write(
            {
                "test": report.nodeid,
                "outcome": outcome,
                "phase": report.when,
                "message": _summary(report) if outcome != "passed" else "",
            }
        )


def _summary(report: pytest.CollectReport | pytest.TestReport) -> str:
    """The exception and its message, from a failure's text (its last ``E`` line)."""
    lines = str(report.longrepr or "").strip().splitlines()
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    return (errors[-1] if errors else lines[-1] if lines else "")[:300]
