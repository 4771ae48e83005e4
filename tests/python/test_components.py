"""Tests for `torsion.python.components`, with zope.interface and with it blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any, Protocol, runtime_checkable

import pytest

from tests._subprocess import ROOT
from torsion.python import components
from torsion.python.components import (
    Adapter,
    Componentized,
    ReprableComponentized,
    backwardsCompatImplements,
    getAdapterFactory,
    proxyForInterface,
    registerAdapter,
)

zi = pytest.importorskip("zope.interface")


# -- typing.Protocol interfaces (the registry that needs no zope) ---------------------------------


@runtime_checkable
class IGreeter(Protocol):
    def greet(self) -> str: ...


class IName(Protocol):
    name: str


class Person(Componentized):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Student(Person):
    pass


class Greeter(Adapter):
    def greet(self) -> str:
        return f"hello {self.original.name}"


def test_protocol_adapters_registered_and_found_along_the_mro() -> None:
    class Local(Person):
        pass

    class LocalGreeter(Greeter):
        pass

    registerAdapter(LocalGreeter, Local, IGreeter)
    assert getAdapterFactory(Local, IGreeter, None) is LocalGreeter
    assert getAdapterFactory(type("Sub", (Local,), {}), IGreeter, None) is LocalGreeter
    assert getAdapterFactory(Person, IGreeter, "none") == "none"
    with pytest.raises(ValueError, match="already registered"):
        registerAdapter(Greeter, Local, IGreeter)


def test_duplicates_allowed_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    class Local:
        pass

    registerAdapter(Greeter, Local, IName)
    monkeypatch.setattr(components, "ALLOW_DUPLICATES", 1)
    registerAdapter(Adapter, Local, IName)
    assert getAdapterFactory(Local, IName, None) is Adapter


def test_register_needs_an_interface() -> None:
    with pytest.raises(ValueError):
        registerAdapter(Greeter, Person)


def test_getComponent_makes_caches_and_reuses_protocol_adapters() -> None:
    class Local(Person):
        pass

    registerAdapter(Greeter, Local, IGreeter)
    alice = Local("alice")
    greeter = alice.getComponent(IGreeter)
    assert greeter.greet() == "hello alice"
    assert alice.getComponent(IGreeter) is greeter
    assert Local("bob").getComponent(IGreeter) is not greeter
    assert alice.getComponent(IName, "default") == "default"
    assert alice.removeComponent(greeter) == [IGreeter]
    assert alice.getComponent(IGreeter) is not greeter


def test_temporary_adapters_are_not_kept() -> None:
    class Local(Person):
        pass

    class Temporary(Greeter):
        temporaryAdapter = True

    registerAdapter(Temporary, Local, IGreeter)
    alice = Local("alice")
    assert alice.getComponent(IGreeter) is not alice.getComponent(IGreeter)


def test_set_add_unset_components() -> None:
    alice = Person("alice")
    component = Greeter(alice)
    alice.setComponent(IGreeter, component)
    assert alice.getComponent(IGreeter) is component
    alice.unsetComponent(IGreeter)
    with pytest.raises(KeyError):
        alice.unsetComponent(IGreeter)
    alice.setAdapter(IGreeter, Greeter)
    assert alice.getComponent(IGreeter).original is alice
    other = Person("other")
    added = other.addAdapter(Greeter, ignoreClass=True)
    assert other.getComponent(IGreeter) is added  # It provides IGreeter structurally.


def test_an_object_that_provides_the_protocol_is_its_own_component() -> None:
    class Self(Componentized):
        def greet(self) -> str:
            return "me"

    me = Self()
    assert me.getComponent(IGreeter) is me


def test_reprable_componentized_lists_components() -> None:
    c = ReprableComponentized()
    c.setComponent(IGreeter, "x")
    assert repr(c) == f"{{'{__name__}.IGreeter': 'x'}}"


# -- zope interfaces -------------------------------------------------------------------------------


def _zopeInterface(interfaceName: str, *bases: object, **members: object) -> object:
    """Make a zope interface (built by call, as mypy cannot subclass zope's untyped Interface)."""
    attrs = {k: zi.Attribute(v) if isinstance(v, str) else v for k, v in members.items()}
    return zi.interface.InterfaceClass(
        interfaceName, bases or (zi.Interface,), attrs, __module__=__name__
    )


def _method() -> None:
    """An interface's method (zope lists its name)."""


IAnimal: Any = _zopeInterface("IAnimal", sound="what it says", speak=_method)
IPet: Any = _zopeInterface("IPet", IAnimal, name=_method)


class Dog:
    def __init__(self, sound: str = "woof") -> None:
        self.sound = sound


class DogAnimal(Adapter):
    def speak(self) -> str:
        return f"{self.original.sound}!"

    @property
    def sound(self) -> str:
        return str(self.original.sound)


def test_zope_adaptation_finds_registered_adapters() -> None:
    class LocalDog(Dog):
        pass

    registerAdapter(DogAnimal, LocalDog, IAnimal)
    dog = LocalDog()
    assert IAnimal(dog).speak() == "woof!"
    assert getAdapterFactory(LocalDog, IAnimal, None) is DogAnimal
    assert getAdapterFactory(Dog, IAnimal, None) is None
    with pytest.raises(components.CannotAdapt):
        IAnimal(Dog())
    with pytest.raises(ValueError):
        registerAdapter(DogAnimal, LocalDog, IAnimal)
    assert components.getRegistry().lookup1(zi.implementedBy(LocalDog), IAnimal) is DogAnimal


def test_adapters_between_zope_interfaces() -> None:
    ISource: Any = _zopeInterface("ISource")

    @zi.implementer(ISource)
    class Source:
        sound = "meow"

    registerAdapter(DogAnimal, ISource, IAnimal)
    assert IAnimal(Source()).speak() == "meow!"


def test_componentized_with_zope_interfaces_and_multiComponent() -> None:
    class Kennel(Componentized):
        sound = "yip"

    @zi.implementer(IPet, IAnimal)
    class KennelPet(Adapter):
        def speak(self) -> str:
            return "pet"

        def name(self) -> str:
            return "rex"

    registerAdapter(KennelPet, Kennel, IPet, IAnimal)
    kennel = Kennel()
    pet = kennel.getComponent(IPet)
    assert isinstance(pet, KennelPet)
    # multiComponent: kept for IAnimal too, since KennelPet is also Kennel's IAnimal adapter.
    assert kennel.getComponent(IAnimal) is pet
    assert IPet(kennel) is pet  # zope's adaptation asks __conform__.
    assert sorted(map(repr, kennel.removeComponent(pet))) == sorted(map(repr, [IPet, IAnimal]))


def test_multiComponent_keeps_only_directly_declared_interfaces_as_twisted() -> None:
    class Kennel(Componentized):
        pass

    @zi.implementer(IPet)  # IAnimal only through IPet: zope's providedBy does not list it.
    class KennelPet(Adapter):
        pass

    registerAdapter(KennelPet, Kennel, IPet, IAnimal)
    kennel = Kennel()
    pet = kennel.getComponent(IPet)
    assert kennel.getComponent(IAnimal) is not pet


def test_adapter_forwards_conform_and_isuper() -> None:
    class Original:
        def __conform__(self, interface: object) -> str:
            return "conformed"

        def isuper(self, iface: object, adapter: object) -> tuple[object, object]:
            return iface, adapter

    adapter = Adapter(Original())
    assert adapter.__conform__(IAnimal) == "conformed"
    assert adapter.isuper(1, 2) == (1, 2)
    assert Adapter(object()).__conform__(IAnimal) is None


# -- proxyForInterface -----------------------------------------------------------------------------


def test_proxy_for_zope_interface_forwards_only_its_names() -> None:
    @zi.implementer(IPet)
    class Rex:
        sound = "woof"
        secret = "bone"

        def speak(self) -> str:
            return "woof"

        def name(self) -> str:
            return "rex"

    proxy = proxyForInterface(IPet)(Rex())
    assert proxy.speak() == "woof" and proxy.name() == "rex"  # Inherited names too.
    assert not hasattr(proxy, "secret")
    assert IPet.providedBy(proxy)
    proxy.sound = "grr"
    assert proxy.original.sound == "grr"
    del proxy.sound
    assert proxy.original.sound == "woof"  # The class attribute shows through again.


def test_proxy_subclass_overrides_and_calls_through_the_class() -> None:
    class Loud(proxyForInterface(IGreeter, originalAttribute="wrapped")):  # type: ignore[misc]
        def greet(self) -> str:
            return str(proxyForInterface(IGreeter, "wrapped").greet(self)).upper()

    class Hi:
        def greet(self) -> str:
            return "hi"

    loud = Loud(Hi())
    assert loud.greet() == "HI"
    assert loud.wrapped.greet() == "hi"
    assert isinstance(loud, IGreeter)


def test_proxy_for_protocol_forwards_annotated_attributes() -> None:
    class Named:
        name = "n"
        other = "o"

    proxy = proxyForInterface(IName)(Named())
    assert proxy.name == "n"
    assert not hasattr(proxy, "other")
    assert "IName" in type(proxy).__name__


def test_backwardsCompatImplements_warns_and_does_nothing() -> None:
    with pytest.warns(DeprecationWarning):
        backwardsCompatImplements(Dog)


# -- without zope.interface -----------------------------------------------------------------------

_WITHOUT_ZOPE = textwrap.dedent(
    """
    import sys
    sys.modules["zope"] = None  # Blocks "import zope.interface".
    from typing import Protocol
    from torsion.python import components
    from torsion.python.components import (
        Adapter, Componentized, getAdapterFactory, proxyForInterface, registerAdapter,
    )

    class IGreeter(Protocol):
        def greet(self) -> str: ...

    class Person(Componentized):
        name = "ann"

    class Greeter(Adapter):
        def greet(self):
            return "hi " + self.original.name

    registerAdapter(Greeter, Person, IGreeter)
    assert getAdapterFactory(Person, IGreeter, None) is Greeter
    person = Person()
    assert person.getComponent(IGreeter).greet() == "hi ann"
    assert person.getComponent(IGreeter) is person.getComponent(IGreeter)
    assert components.getRegistry().lookup(Person, IGreeter) is Greeter
    assert proxyForInterface(IGreeter)(Greeter(person)).greet() == "hi ann"
    assert "zope.interface" not in sys.modules
    print("ok")
    """
)


def test_everything_works_without_zope() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_ZOPE],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ok\n"


def test_getComponent_default_is_none() -> None:
    assert Person("x").getComponent(IName) is None


def test_addHook_makes_adaptation_look_in_a_registry() -> None:
    """Twisted's private _addHook/_removeHook: a registry of one's own, for zope's IFoo(obj)."""
    from zope.interface import Interface, implementedBy
    from zope.interface.adapter import AdapterRegistry

    class IGreeter(Interface):  # type: ignore[misc]  # zope.interface has no types
        pass

    class Person:
        pass

    registry = AdapterRegistry()
    registry.register([implementedBy(Person)], IGreeter, "", lambda person: "greeter")
    assert IGreeter(Person(), None) is None
    hook = components._addHook(registry)
    try:
        assert IGreeter(Person()) == "greeter"
    finally:
        components._removeHook(hook)
    assert IGreeter(Person(), None) is None
