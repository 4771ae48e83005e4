"""Type-checking snippets of user code with ``mypy --strict``, for the typing tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def strictErrors(tmp_path: Path, good: str, bad: str) -> tuple[list[str], set[int], str]:
    """Check ``good`` and ``bad`` (module sources) together under ``mypy --strict``.

    Returns:
        The errors reported in ``good`` (there should be none), the line numbers of ``bad``
        that have errors, and mypy's whole output (for assertion messages).
    """
    api = pytest.importorskip("mypy.api")
    (tmp_path / "good.py").write_text(good)
    (tmp_path / "bad.py").write_text(bad)
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--show-error-codes",
            str(tmp_path / "good.py"),
            str(tmp_path / "bad.py"),
        ]
    )
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    goodErrors = [line for line in errors if "good.py" in line]
    badLines = {int(line.split(":")[1]) for line in errors if "bad.py" in line}
    return goodErrors, badLines, stdout + stderr
