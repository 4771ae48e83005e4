"""Tests for the `torsion.logger` package: Twisted's names, and a cheap import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import torsion.logger

#: What torsion adds to Twisted's names: the stream's stdlib handler and context fields.
TORSION_ONLY = {"PublishingHandler", "bindContextVar", "logContext", "unbindContextVar"}


def test_namesAreTwisteds() -> None:
    twistedLogger = pytest.importorskip("twisted.logger")
    assert sorted(set(torsion.logger.__all__) - TORSION_ONLY) == sorted(twistedLogger.__all__)


def test_everyNameIsTorsions() -> None:
    for name in set(torsion.logger.__all__) - {"LogEvent"}:  # LogEvent is dict[str, Any]
        value = getattr(torsion.logger, name)
        if isinstance(value, type) or callable(value):
            assert value.__module__.startswith("torsion.logger"), name


def test_importLoadsNoNetworkingNorReactor() -> None:
    """Importing the logger loads the standard library's basics and torsion's foundation
    only: no reactor, no sockets, no asyncio, no zope.interface, no inspect."""
    script = """
import json, sys
before = set(sys.modules)
import torsion.logger
print(json.dumps(sorted(set(sys.modules) - before)))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=30
    )
    loaded = set(json.loads(result.stdout))
    heavy = {"asyncio", "socket", "selectors", "ssl", "inspect", "zope", "zope.interface"}
    assert not loaded & heavy
    torsionModules = {m for m in loaded if m.startswith("torsion.")}
    assert all(
        m.startswith(("torsion.logger", "torsion.python", "torsion.internet._interfacemeta"))
        or m == "torsion.internet"
        for m in torsionModules
    ), torsionModules
