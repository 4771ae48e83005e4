"""Tests for `torsion.python.randbytes`."""

from __future__ import annotations

import os

import pytest

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
