"""Twisted's ``twisted.trial.unittest`` test cases, for pytest and ``python -m unittest``.

`SynchronousTestCase` is for code that needs no running reactor: Deferred results are
checked with `successResultOf`, `failureResultOf` and `assertNoResult`, time with a
``task.Clock``. `TestCase` adds tests (and setUp, tearDown, cleanups) that return Deferreds or
are ``async def``: they run on the global reactor with a timeout, and the reactor must be
clean after each test. Both fail a test that logged an error (an unhandled error in a
Deferred, say) that it did not take with `flushLoggedErrors`.

Both subclass `unittest.TestCase`, so no special runner is needed; the torsion pytest plugin
(``--torsion-reactor``) chooses which reactor `TestCase` installs when none is installed.
"""

from __future__ import annotations

from unittest import SkipTest, TestSuite

from torsion.trial._assertions import FailTest
from torsion.trial._asynctest import TestCase
from torsion.trial._synctest import LoggedError, SynchronousTestCase, UnflushedErrors

__all__ = [
    "FailTest",
    "LoggedError",
    "SkipTest",
    "SynchronousTestCase",
    "TestCase",
    "TestSuite",
    "UnflushedErrors",
]
