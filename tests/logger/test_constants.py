"""Tests for `torsion.logger._constants.NamedConstant`."""

from __future__ import annotations

import copy
import pickle
from typing import ClassVar

import pytest

from torsion.logger._constants import NamedConstant


class Colour(NamedConstant):
    __slots__ = ()

    red: ClassVar[Colour]
    green: ClassVar[Colour]
    blue: ClassVar[Colour]


Colour._define("red", "green", "blue")


class Other(NamedConstant):
    __slots__ = ()

    red: ClassVar[Other]


Other._define("red")


def test_constantsAreInstancesWithNames() -> None:
    assert isinstance(Colour.green, Colour)
    assert Colour.green.name == "green"
    assert repr(Colour.blue) == "<Colour=blue>"


def test_lookupByName() -> None:
    assert Colour.lookupByName("blue") is Colour.blue
    with pytest.raises(ValueError):
        Colour.lookupByName("purple")
    with pytest.raises(ValueError):
        Colour.lookupByName("lookupByName")  # a method is not a constant


def test_iterconstantsInDefinitionOrder() -> None:
    assert list(Colour.iterconstants()) == [Colour.red, Colour.green, Colour.blue]


def test_orderingFollowsDefinition() -> None:
    assert Colour.red < Colour.green <= Colour.green < Colour.blue
    assert Colour.blue > Colour.red >= Colour.red
    assert sorted([Colour.blue, Colour.red, Colour.green]) == list(Colour.iterconstants())


def equal(a: object, b: object) -> bool:
    return a == b


def test_noOrderingAcrossContainers() -> None:
    with pytest.raises(TypeError):
        _ = Colour.red < Other.red
    with pytest.raises(TypeError):
        _ = Colour.red < 1
    assert not equal(Colour.red, Other.red)


def test_cannotMakeMore() -> None:
    with pytest.raises(TypeError):
        Colour()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_picklingKeepsIdentity(protocol: int) -> None:
    assert pickle.loads(pickle.dumps(Colour.green, protocol)) is Colour.green


def test_copyingKeepsIdentity() -> None:
    assert copy.copy(Colour.red) is Colour.red
    assert copy.deepcopy([Colour.red])[0] is Colour.red


def test_hashable() -> None:
    assert {Colour.red: 1}[Colour.red] == 1
