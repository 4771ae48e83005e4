"""`Deferred[T]` under ``mypy --strict``: good chains pass, wrong ones are rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

GOOD = """\
from torsion.internet.defer import Deferred, succeed
from torsion.python.failure import Failure


def double(x: int) -> int:
    return x * 2


def later(x: int) -> Deferred[str]:
    return succeed(str(x))


def recover(f: Failure) -> int:
    return 0


d: Deferred[int] = Deferred()
s: Deferred[str] = d.addCallback(double).addCallback(later).addCallback(lambda t: t.upper())
r: Deferred[int] = Deferred[int]().addCallback(double).addErrback(recover)
d.callback(1)
"""

BAD = """\
from torsion.internet.defer import Deferred

Deferred[int]().addCallback(lambda s: s.upper())
wrong: Deferred[int] = Deferred[int]().addCallback(str)
Deferred[int]().callback("not an int")
"""


def test_mypyStrict(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
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
    assert not [line for line in errors if "good.py" in line], stdout + stderr
    badLines = {int(line.split(":")[1]) for line in errors if "bad.py" in line}
    assert badLines == {3, 4, 5}, stdout + stderr
