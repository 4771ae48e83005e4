"""`Deferred[T]` under ``mypy --strict``: good chains pass, wrong ones are rejected."""

from __future__ import annotations

from pathlib import Path

from tests._mypy import strictErrors

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
    goodErrors, badLines, output = strictErrors(tmp_path, GOOD, BAD)
    assert not goodErrors, output
    assert badLines == {3, 4, 5}, output
