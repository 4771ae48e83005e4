"""``examples/runprocesses.py`` runs its child processes concurrently and prints each output."""

from __future__ import annotations

from pathlib import Path

from tests._subprocess import Program


def test_runProcesses(tmp_path: Path) -> None:
    (tmp_path / "alpha").write_text("a")
    (tmp_path / "beta").write_text("b")
    program = Program(["examples/runprocesses.py", str(tmp_path)])
    try:
        status, out, err = program.finish()
    finally:
        program.kill()
    assert status == 0, err
    lines = out.splitlines()
    assert lines[:3] == [f"$ ls -1 {tmp_path}  (exit 0)", "alpha", "beta"]
    assert lines[3] == f"$ du -s -k {tmp_path}  (exit 0)"
    assert lines[4].endswith(str(tmp_path))
    assert lines[5:10] == [f"$ ls -1 -a {tmp_path}  (exit 0)", ".", "..", "alpha", "beta"]
    assert lines[10] == "$ ls /nonexistent-directory  (exit 2)"
    assert "nonexistent-directory" in lines[11]
    assert len(lines) == 12
