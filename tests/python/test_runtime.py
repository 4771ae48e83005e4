"""Tests for `torsion.python.runtime`."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from torsion.python import runtime
from torsion.python.runtime import Platform, platform, platformType, seconds, shortPythonVersion


def test_shortPythonVersion() -> None:
    assert shortPythonVersion() == ".".join(map(str, sys.version_info[:3]))


def test_the_running_platform() -> None:
    assert platform.isKnown()
    assert platformType == platform.getType() == {"posix": "posix", "nt": "win32"}[os.name]
    assert platform.isLinux() == sys.platform.startswith("linux")
    assert platform.isMacOSX() == (sys.platform == "darwin")
    assert platform.isWindows() == (os.name == "nt")
    assert not platform.isVista() or sys.platform == "win32"
    assert platform.supportsThreads()
    assert platform._supportsSymlinks() == (os.name != "nt")
    assert not platform.supportsINotify()


def test_seconds_is_the_wall_clock() -> None:
    before = time.time()
    assert before <= seconds() <= time.time()
    assert Platform.seconds is runtime.seconds


@pytest.mark.parametrize(
    ("name", "expected"),
    [("posix", "posix"), ("nt", "win32"), ("ce", "win32"), ("java", "java"), ("x", None)],
)
def test_platform_types(name: str, expected: str | None) -> None:
    described = Platform(name)
    assert described.getType() == expected
    assert described.isKnown() == (expected is not None)
    assert described.isWindows() == (expected == "win32")


def test_other_operating_systems() -> None:
    assert Platform(platform="darwin").isMacOSX()
    assert not Platform(platform="linux").isMacOSX()
    assert Platform(platform="linux2").isLinux()
    assert not Platform(platform="darwin").isLinux()
    assert not Platform("nt", "win32")._supportsSymlinks()


def test_isWinNT_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="isWindows"):
        assert Platform("nt").isWinNT()


def test_isDocker(tmp_path: Path) -> None:
    cgroups = tmp_path / "cgroup"
    linux = Platform("posix", "linux")
    assert not linux.isDocker(str(tmp_path / "missing"))
    cgroups.write_bytes(b"11:devices:/docker/3b2e\n10:cpu:/docker/3b2e\n")
    assert linux.isDocker(str(cgroups))
    assert not Platform("posix", "darwin").isDocker(str(cgroups))
    cgroups.write_bytes(b"11:devices:/user.slice\n0::/init.scope\n")
    assert not linux.isDocker(str(cgroups))
