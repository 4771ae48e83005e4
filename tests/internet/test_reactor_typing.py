"""``from torsion.internet import reactor`` under ``mypy --strict``: the stub is the reactor's."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Protocol

from tests._mypy import strictErrors
from torsion.internet import interfaces
from torsion.internet.interfaces import IFullReactor

STUB = Path(interfaces.__file__).with_name("reactor.pyi")

GOOD = """\
from torsion.internet import reactor
from torsion.internet.interfaces import IReactorTCP
from torsion.internet.protocol import Factory, Protocol

tcp: IReactorTCP = reactor
port = reactor.listenTCP(0, Factory.forProtocol(Protocol), interface="127.0.0.1")
number: int = port.getHost().port
reactor.callLater(1, reactor.stop)
reactor.run()
"""

BAD = """\
from torsion.internet import reactor

reactor.nosuch()
reactor.callLater("soon", reactor.stop)
"""


def _interfaceNames() -> set[str]:
    """The public members of `IFullReactor`, gathered from it and its interface bases."""
    names: set[str] = set()
    for cls in IFullReactor.__mro__:
        if cls in (Protocol, object) or not getattr(cls, "_is_protocol", False):
            continue
        names |= {name for name in vars(cls) if not name.startswith("_")}
    return names


def _stubNames() -> set[str]:
    names: set[str] = set()
    for node in ast.parse(STUB.read_text()).body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def test_stub_names_are_the_interfaces() -> None:
    assert _stubNames() == _interfaceNames()


def test_mypyStrict(tmp_path: Path) -> None:
    goodErrors, badLines, output = strictErrors(tmp_path, GOOD, BAD)
    assert not goodErrors, output
    assert badLines == {3, 4}, output
