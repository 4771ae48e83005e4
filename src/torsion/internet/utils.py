"""Run a program and get its output or exit code as a Deferred (Twisted's ``utils`` module).

Each function spawns ``executable`` with argv ``(executable, *args)`` and, as in Twisted, an
empty environment unless ``env`` says otherwise (``env=None`` inherits this one).
"""

from __future__ import annotations

from torsion.internet._process.output import (
    ProcessKilled,
    getProcessOutput,
    getProcessOutputAndValue,
    getProcessValue,
)

__all__ = ["ProcessKilled", "getProcessOutput", "getProcessOutputAndValue", "getProcessValue"]
