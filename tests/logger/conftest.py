"""Shared fixtures of the logger tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture
def frequentSwitches() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can, so races show up."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)
