"""torsion's interfaces used the zope.interface way: declarations, verification, adaptation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from torsion.internet.interfaces import (
    IListeningPort,
    IProtocol,
    IProtocolFactory,
    IReactorTime,
    ITCPTransport,
    ITransport,
)
from torsion.internet.protocol import Factory, Protocol
from torsion.internet.task import Clock
from torsion.internet.testing import StringTransport
from torsion.python.components import getAdapterFactory, registerAdapter

zope = pytest.importorskip("zope.interface")
from zope.interface import directlyProvides, implementer, provider  # noqa: E402
from zope.interface.interface import adapter_hooks  # noqa: E402
from zope.interface.verify import verifyClass, verifyObject  # noqa: E402


class Nothing:
    """Provides no interface."""


@implementer(IProtocol)
class Declared:
    """Declares IProtocol (and has its methods, as verifyObject checks)."""

    def makeConnection(self, transport: Any) -> None: ...
    def connectionMade(self) -> None: ...
    def dataReceived(self, data: bytes) -> None: ...
    def connectionLost(self, reason: Any) -> None: ...


def test_implementer_and_declared_provision() -> None:
    assert IProtocol.providedBy(Declared())
    assert IProtocol.implementedBy(Declared)
    assert zope.implementedBy(Declared).isOrExtends(next(iter(IProtocol)))
    assert verifyObject(IProtocol, Declared())


def test_structural_answers_for_torsions_classes() -> None:
    """Twisted's answers without declarations: a Clock is an IReactorTime, and so on."""
    assert IReactorTime.providedBy(Clock())
    assert verifyObject(IReactorTime, Clock())
    assert verifyClass(IProtocol, Protocol)
    assert IProtocolFactory.implementedBy(Factory)
    assert ITransport.providedBy(StringTransport())
    assert not IProtocol.providedBy(Nothing())
    assert not IListeningPort.implementedBy(Nothing)


def test_interface_inheritance_reaches_the_twins() -> None:
    tcp, transport = next(iter(ITCPTransport)), next(iter(ITransport))
    assert tcp.extends(transport)
    # zope's interface API, reached through the twin at run time (not part of the static type).
    assert "loseWriteConnection" in ITCPTransport.names()  # type: ignore[attr-defined]
    assert "write" in ITCPTransport.names(all=True)  # type: ignore[attr-defined]


def test_directlyProvides_and_provider() -> None:
    thing = Nothing()
    directlyProvides(thing, IProtocolFactory)
    assert IProtocolFactory.providedBy(thing)

    @provider(IReactorTime)
    class Timely:
        pass

    assert IReactorTime.providedBy(Timely)


@pytest.fixture
def adapter() -> Iterator[None]:
    """An adapter from `Nothing` to IProtocol, registered through zope's adapter hooks."""
    twin = next(iter(IProtocol))

    def hook(interface: Any, obj: object) -> object | None:
        return Declared() if interface is twin and isinstance(obj, Nothing) else None

    adapter_hooks.append(hook)
    yield
    adapter_hooks.remove(hook)


@pytest.mark.usefixtures("adapter")
def test_adaptation() -> None:
    # Calling an interface adapts at run time; to the type checker a Protocol is not callable.
    protocol = Protocol()
    assert IProtocol(protocol) is protocol  # type: ignore[misc, call-arg]
    assert isinstance(IProtocol(Nothing()), Declared)  # type: ignore[misc, call-arg]
    assert IProtocolFactory(Nothing(), None) is None  # type: ignore[misc, call-arg]
    with pytest.raises(TypeError, match="Could not adapt"):
        IProtocolFactory(Nothing())  # type: ignore[misc, call-arg]


def test_registerAdapter_with_torsions_interfaces() -> None:
    """Twisted's registerAdapter to one of torsion's interfaces: IFoo(obj) finds it."""

    class Thing:
        pass

    registerAdapter(lambda thing: Declared(), Thing, IProtocol)
    assert getAdapterFactory(Thing, IProtocol, None) is not None
    assert isinstance(IProtocol(Thing()), Declared)  # type: ignore[misc, call-arg]


def test_concrete_subclasses_stay_ordinary_classes() -> None:
    class Port(IListeningPort):
        def startListening(self) -> None:
            pass

        def stopListening(self) -> Any:
            return None

        def getHost(self) -> Any:
            return None

    port = Port()
    assert isinstance(port, Port)
    with pytest.raises(TypeError):
        iter(Port)  # Only interfaces iterate (to their twin).


def test_without_zope_interface() -> None:
    """Structural answers and adaptation by default still work when zope is not installed."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["zope"] = sys.modules["zope.interface"] = None  # not installed
        from torsion.internet.interfaces import IProtocol, IReactorTime
        from torsion.internet.protocol import Protocol
        from torsion.internet.task import Clock
        assert IReactorTime.providedBy(Clock()) and IProtocol.implementedBy(Protocol)
        assert not IProtocol.providedBy(object())
        assert IProtocol(object(), "default") == "default"
        from torsion.python.components import registerAdapter
        class Thing:
            pass
        registerAdapter(lambda thing: Protocol(), Thing, IProtocol)
        assert isinstance(IProtocol(Thing()), Protocol)
        try:
            IProtocol.names
        except AttributeError:
            print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr
