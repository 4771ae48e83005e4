"""What platform this is, as Twisted's ``runtime`` module tells it, and `seconds`.

``platform.isLinux()``, ``platformType == "posix"`` and friends let code branch on the
operating system; `Platform` can also be built for another platform, which tests use to check
each branch.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from time import time as seconds

__all__ = ["Platform", "platform", "platformType", "seconds", "shortPythonVersion"]

knownPlatforms = {
    "nt": "win32",
    "ce": "win32",
    "posix": "posix",
    "java": "java",
    "org.python.modules.os": "java",
}
"""`os.name` values mapped to Twisted's platform types."""


def shortPythonVersion() -> str:
    """Return the running Python's version as ``"major.minor.micro"``."""
    return "{}.{}.{}".format(*sys.version_info[:3])


class Platform:
    """Facts about a platform: by default the running one.

    Args:
        name: An `os.name` value to describe instead of the running one's.
        platform: A `sys.platform` value to describe instead of the running one's.
    """

    type: str | None = knownPlatforms.get(os.name)
    seconds = staticmethod(seconds)
    _platform: str = sys.platform

    def __init__(self, name: str | None = None, platform: str | None = None) -> None:
        if name is not None:
            self.type = knownPlatforms.get(name)
        if platform is not None:
            self._platform = platform

    def isKnown(self) -> bool:
        """Whether the platform type is one Twisted knows (``posix``, ``win32``, ``java``)."""
        return self.type is not None

    def getType(self) -> str | None:
        """Return ``"posix"``, ``"win32"``, ``"java"``, or None for an unknown platform."""
        return self.type

    def isMacOSX(self) -> bool:
        """Whether this is macOS."""
        return self._platform == "darwin"

    def isWinNT(self) -> bool:
        """Whether this is Windows (every supported Windows is NT). Deprecated: `isWindows`."""
        warnings.warn(
            "torsion.python.runtime.Platform.isWinNT was deprecated in Twisted 13.0. "
            "Use Platform.isWindows instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.isWindows()

    def isWindows(self) -> bool:
        """Whether this is Windows."""
        return self.getType() == "win32"

    def isVista(self) -> bool:
        """Whether the running system is Windows Vista or Server 2008 (Windows 6.x)."""
        return sys.platform == "win32" and sys.getwindowsversion().major == 6

    def isLinux(self) -> bool:
        """Whether this is Linux."""
        return self._platform.startswith("linux")

    def isDocker(self, _initCGroupLocation: str = "/proc/1/cgroup") -> bool:
        """Whether this is Linux inside a Docker container, judged by init's control groups.

        Args:
            _initCGroupLocation: Where to read the control groups of process 1 (for tests).
        """
        if not self.isLinux():
            return False
        try:
            with open(_initCGroupLocation, "rb") as f:
                lines = f.read().split(b"\n")
        except OSError:
            return False
        # Each line reads "hierarchy:controllers:path"; Docker's paths start with /docker/.
        return any(
            len(fields) == 3 and fields[2].startswith(b"/docker/")
            for fields in (line.split(b":") for line in lines)
        )

    def _supportsSymlinks(self) -> bool:
        """Whether symbolic links can be made (Windows: no, it needs a rare privilege)."""
        return not self.isWindows() and hasattr(os, "symlink")

    def supportsThreads(self) -> bool:
        """Whether threads can be started (always, on the Pythons torsion runs on)."""
        return threading is not None

    def supportsINotify(self) -> bool:
        """Whether inotify can be used: False, torsion has no ``torsion.internet.inotify``."""
        return False


platform = Platform()
"""The running platform."""

platformType = platform.getType()
"""The running platform's type: ``"posix"``, ``"win32"``, ..."""
