"""Tests for `torsion.python.procutils.which`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from torsion.python.procutils import which


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_every_match_in_PATH_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, empty = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for directory in (first, second, empty):
        directory.mkdir()
    _executable(first / "tool")
    _executable(second / "tool")
    (empty / "tool").write_text("not executable")
    (empty / "tool").chmod(0o644)
    monkeypatch.setenv("PATH", os.pathsep.join(map(str, [second, empty, first])))
    monkeypatch.delenv("PATHEXT", raising=False)
    assert which("tool") == [str(second / "tool"), str(first / "tool")]
    assert which("tool", os.F_OK) == [str(p / "tool") for p in (second, empty, first)]
    assert which("absent") == []


def test_PATHEXT_extensions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _executable(tmp_path / "tool.EXE")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PATHEXT", os.pathsep.join([".COM", ".EXE", ""]))
    assert which("tool") == [str(tmp_path / "tool.EXE")]


def test_no_PATH(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATH", raising=False)
    assert which("sh") == []
