"""Tests for `torsion.python.randbytes`."""

from __future__ import annotations

import os

import pytest

from torsion.python import randbytes
from torsion.python.randbytes import SecureRandomNotAvailable, insecureRandom, secureRandom


@pytest.mark.parametrize("source", [secureRandom, insecureRandom])
@pytest.mark.parametrize("nbytes", [0, 1, 17, 1000])
def test_length_and_type(source: object, nbytes: int) -> None:
    assert callable(source)
    data = source(nbytes)
    assert isinstance(data, bytes) and len(data) == nbytes


@pytest.mark.parametrize("source", [secureRandom, insecureRandom])
def test_bytes_differ_between_calls(source: object) -> None:
    assert callable(source)
    assert len({source(16) for _ in range(5)}) == 5


def _noUrandom(nbytes: int) -> bytes:
    raise NotImplementedError("no system source")


def test_without_a_system_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "urandom", _noUrandom)
    with pytest.raises(SecureRandomNotAvailable):
        secureRandom(8)
    with pytest.warns(RuntimeWarning, match="urandom unavailable"):
        assert len(secureRandom(8, fallback=True)) == 8


def _unavailable(nbytes: int) -> bytes:
    raise randbytes.SourceNotAvailable()


def test_the_module_functions_are_a_factorys_methods() -> None:
    assert isinstance(secureRandom.__self__, randbytes.RandomFactory)  # type: ignore[attr-defined]
    assert insecureRandom.__self__ is secureRandom.__self__  # type: ignore[attr-defined]


def test_a_factory_without_its_secure_source_falls_back_only_if_asked() -> None:
    factory = randbytes.RandomFactory()
    factory._osUrandom = _unavailable  # type: ignore[method-assign]
    with pytest.raises(SecureRandomNotAvailable):
        factory.secureRandom(4)
    with pytest.warns(RuntimeWarning, match="urandom unavailable") as caught:
        assert len(factory.secureRandom(4, fallback=True)) == 4
    assert caught[0].filename == __file__  # Blames the caller.


@pytest.mark.parametrize("nbytes", [0, 1, 7, 64])
def test_insecure_bytes_without_getrandbits(nbytes: int) -> None:
    factory = randbytes.RandomFactory()
    factory.getrandbits = None
    with pytest.raises(randbytes.SourceNotAvailable):
        factory._randBits(nbytes)
    assert len(factory.insecureRandom(nbytes)) == nbytes


def test_insecure_bytes_come_from_getrandbits() -> None:
    factory = randbytes.RandomFactory()
    factory.getrandbits = lambda bits: (1 << bits) - 2  # all ones but the last bit
    assert factory.insecureRandom(3) == b"\xff\xff\xfe"
