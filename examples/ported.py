"""A Twisted program that runs on torsion after its imports were renamed.

It uses what most real Twisted programs do besides the reactor: zope.interface declarations
(``@implementer``, ``verifyObject``), adapters (``registerAdapter``, ``IFoo(obj)``), paths
(``FilePath``) and names (``reflect.namedAny``). Each line is as it was on Twisted, with
``twisted`` replaced by ``torsion``.

Run: ``python examples/ported.py [DIRECTORY]``: it writes ``greetings.txt`` there (default: a
new temporary directory), reads it back and prints it.
"""

import sys
import tempfile
from typing import Any

from zope.interface import Interface, implementer
from zope.interface.verify import verifyObject

from torsion.internet import task
from torsion.internet.defer import Deferred
from torsion.internet.interfaces import IProtocolFactory, IReactorTime
from torsion.internet.protocol import Protocol
from torsion.python import components, filepath, reflect


class IGreeter(Interface):  # type: ignore[misc]  # zope.interface has no type information
    """Greets people."""

    def greet(name: str) -> str:  # type: ignore[empty-body]  # zope's style: no self, no body
        """Return a greeting for ``name``."""


@implementer(IGreeter)
class Polite:
    """The greeter a guest is adapted to."""

    def greet(self, name: str) -> str:
        return f"Good day, {name}."


class Guest:
    """Someone to greet."""

    def __init__(self, name: str) -> None:
        self.name = name


components.registerAdapter(lambda guest: Polite(), Guest, IGreeter)


def main(reactor: IReactorTime, directory: str) -> Deferred[None]:
    guest = Guest("Ada")
    greeter: Any = IGreeter(guest)  # whatever adapter is registered: known at run time
    verifyObject(IGreeter, greeter)

    # torsion's own interfaces work the zope way too.
    factoryClass = reflect.namedAny("torsion.internet.protocol.Factory")
    factory = factoryClass.forProtocol(Protocol)
    verifyObject(IProtocolFactory, factory)
    verifyObject(IReactorTime, reactor)

    greetings = filepath.FilePath(directory).child("greetings.txt")
    greetings.setContent(greeter.greet(guest.name).encode())
    print(greetings.getContent().decode())
    return task.deferLater(reactor, 0, lambda: None)


if __name__ == "__main__":
    task.react(main, [sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()])
