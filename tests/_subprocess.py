"""Running programs as subprocesses in tests: read their output line by line, with a bound.

The bound only fails a hung test; no test passes by waiting.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["BOUND", "ROOT", "Program"]

#: Seconds after which a wait fails the test as hung.
BOUND = 10.0
ROOT = Path(__file__).resolve().parent.parent


class Program:
    """A Python program running in a subprocess, its stdout read a line at a time.

    Args:
        args: The arguments after ``python``.
        env: Extra environment variables.
    """

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            cwd=ROOT,
        )
        self._buffer = b""
        self.lines: list[str] = []

    def readLine(self) -> str:
        """Return the next line of stdout ("" at EOF), failing after `BOUND` seconds."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([fd], [], [], BOUND)
            if not ready:
                pytest.fail(f"no output within {BOUND} s; so far: {self.lines}")
            chunk = os.read(fd, 65536)
            if not chunk:
                line, self._buffer = self._buffer, b""
                return line.decode()
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        self.lines.append(line.decode())
        return line.decode() + "\n"

    def waitFor(self, prefix: str) -> str:
        """Read lines until one starts with ``prefix`` and return it (stripped)."""
        while True:
            line = self.readLine()
            if not line:
                pytest.fail(f"exited before printing {prefix!r}: {self.finish()}")
            if line.startswith(prefix):
                return line.strip()

    def finish(self) -> tuple[int, str, str]:
        """Wait for the exit; return (status, the rest of stdout, stderr)."""
        out, err = self.proc.communicate(timeout=BOUND)
        rest = (self._buffer + out).decode()
        self._buffer = b""
        return self.proc.returncode, rest, err.decode()

    def kill(self) -> None:
        """Kill the program if it is still running (test teardown)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=BOUND)
