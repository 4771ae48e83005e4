"""`which`: find an executable on ``PATH``."""

from __future__ import annotations

import os

__all__ = ["which"]


def which(name: str, flags: int = os.X_OK) -> list[str]:
    """Return every path, in ``PATH`` order, where `name` is a file `os.access` allows.

    Unlike `shutil.which`, this lists all matches, not the first. Where ``PATHEXT`` is set
    (Windows), `name` with each of its extensions is tried too.

    Args:
        name: The file name to look for.
        flags: What `os.access` must allow (on Windows only `os.F_OK` means anything).
    """
    path = os.environ.get("PATH")
    if path is None:
        return []
    extensions = [e for e in os.environ.get("PATHEXT", "").split(os.pathsep) if e]
    found = []
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory, name)
        found += [
            p for p in (candidate, *(candidate + e for e in extensions)) if os.access(p, flags)
        ]
    return found
