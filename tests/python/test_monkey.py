"""Tests for `torsion.python.monkey.MonkeyPatcher`."""

from __future__ import annotations

import pytest

from torsion.python.monkey import MonkeyPatcher


class Target:
    def __init__(self) -> None:
        self.foo = "foo value"
        self.bar = "bar value"
        self.baz = "baz value"


@pytest.fixture
def target() -> Target:
    return Target()


def test_empty_patcher_changes_nothing(target: Target) -> None:
    patcher = MonkeyPatcher()
    patcher.patch()
    patcher.restore()
    assert vars(target) == vars(Target())


def test_patches_from_the_constructor(target: Target) -> None:
    patcher = MonkeyPatcher((target, "foo", "haha"), (target, "bar", "hehe"))
    patcher.patch()
    assert (target.foo, target.bar, target.baz) == ("haha", "hehe", "baz value")
    patcher.restore()
    assert (target.foo, target.bar) == ("foo value", "bar value")


def test_patching_a_missing_attribute_fails(target: Target) -> None:
    patcher = MonkeyPatcher((target, "nowhere", "blow up please"))
    with pytest.raises(AttributeError):
        patcher.patch()
    assert not hasattr(target, "nowhere")


def test_patching_twice_restores_the_first_original(target: Target) -> None:
    patcher = MonkeyPatcher()
    patcher.addPatch(target, "foo", "blah")
    patcher.addPatch(target, "foo", "BLAH")
    patcher.patch()
    assert target.foo == "BLAH"
    patcher.patch()
    patcher.restore()
    assert target.foo == "foo value"
    target.foo = "changed since"
    patcher.restore()  # a second restore does nothing
    assert target.foo == "changed since"


def test_runWithPatches(target: Target) -> None:
    patcher = MonkeyPatcher((target, "foo", "patched"))
    seen: list[tuple[str, int, int]] = []

    def record(a: int, b: int) -> str:
        seen.append((target.foo, a, b))
        return "result"

    assert patcher.runWithPatches(record, 1, b=2) == "result"
    assert patcher.runWithPatches(record, 3, 4) == "result"
    assert seen == [("patched", 1, 2), ("patched", 3, 4)]
    assert target.foo == "foo value"


def test_runWithPatches_restores_on_exception(target: Target) -> None:
    patcher = MonkeyPatcher((target, "foo", "patched"))

    def fail() -> None:
        assert target.foo == "patched"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        patcher.runWithPatches(fail)
    assert target.foo == "foo value"


def test_context_manager(target: Target) -> None:
    patcher = MonkeyPatcher((target, "foo", "patched"))
    with patcher:
        assert target.foo == "patched"
    assert target.foo == "foo value"
    with pytest.raises(ZeroDivisionError), patcher:
        assert target.foo == "patched"
        1 / 0  # noqa: B018
    assert target.foo == "foo value"
