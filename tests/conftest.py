"""Shared test configuration: one test, every reactor, through the torsion pytest plugin.

The plugin (``torsion.testing.pytest_plugin``) gives the ``reactor`` fixture: a fresh reactor
per test, closed afterwards, and checked clean (a test that leaves timed calls, ports,
connections or busy pool threads behind gets an error listing them). Here every test that
takes it runs once per reactor, ids ``select``, ``poll`` and ``epoll``; a backend the platform
lacks is a skip with the reason.
"""

from __future__ import annotations

import pytest

from torsion.testing.pytest_plugin import parametrizeReactors

# pytester runs small test files, to test the plugin and torsion.trial under pytest.
pytest_plugins = ["pytester"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes ``reactor`` on every reactor."""
    parametrizeReactors(metafunc)
