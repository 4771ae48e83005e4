"""Tests for `torsion.python.lockfile`: the symlink-to-PID lock, its races, and Twisted's view."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import pytest

from torsion.python import lockfile
from torsion.python.lockfile import FilesystemLock, isLocked

DEAD_PID = 2**22 + 12345  # Above Linux's default pid_max, so no process has it.


@pytest.fixture
def name(tmp_path: Path) -> str:
    return str(tmp_path / "lock")


def test_acquire_cleanly_writes_the_pid_as_a_symlink(name: str) -> None:
    lock = FilesystemLock(name)
    assert lock.clean is None
    assert lock.lock()
    assert lock.locked and lock.clean is True
    assert os.readlink(name) == str(os.getpid())


def test_cannot_lock_a_lock_held_by_a_live_process(name: str) -> None:
    assert FilesystemLock(name).lock()
    other = FilesystemLock(name)
    assert not other.lock()
    assert not other.locked


def test_release_then_reacquire_is_clean(name: str) -> None:
    lock = FilesystemLock(name)
    assert lock.lock()
    lock.unlock()
    assert not lock.locked and not os.path.lexists(name)
    assert lock.lock() and lock.clean is True


def test_a_stale_lock_is_broken_and_acquisition_reported_unclean(name: str) -> None:
    os.symlink(str(DEAD_PID), name)
    lock = FilesystemLock(name)
    assert lock.lock()
    assert lock.clean is False
    assert os.readlink(name) == str(os.getpid())


def test_bytes_names_work(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path / "lock")
    lock = FilesystemLock(name)
    assert lock.lock()
    assert isLocked(name)
    lock.unlock()
    assert not isLocked(name)


def test_unlock_of_a_lock_held_by_another_process_raises(name: str) -> None:
    os.symlink(str(os.getpid() + 1), name)
    with pytest.raises(ValueError, match="not owned by this process"):
        FilesystemLock(name).unlock()
    assert os.path.lexists(name)


def test_unlock_of_a_missing_lock_raises_oserror(name: str) -> None:
    with pytest.raises(FileNotFoundError):
        FilesystemLock(name).unlock()


def test_symlink_errors_other_than_eexist_propagate(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fakeSymlink(source: str, dest: str | bytes) -> NoReturn:
        raise OSError(errno.EACCES, "denied")

    monkeypatch.setattr(lockfile, "symlink", fakeSymlink)
    with pytest.raises(PermissionError):
        FilesystemLock(name).lock()


def test_lock_released_between_symlink_and_readlink_is_retried(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.symlink(str(os.getpid()), name)
    realReadlink = os.readlink

    def vanishingReadlink(path: bytes) -> bytes:
        os.remove(name)  # The owner releases it just before we look.
        monkeypatch.setattr(lockfile, "readlink", realReadlink)
        raise FileNotFoundError(errno.ENOENT, "gone")

    monkeypatch.setattr(lockfile, "readlink", vanishingReadlink)
    lock = FilesystemLock(name)
    assert lock.lock()
    assert lock.clean is True


def test_stale_lock_broken_concurrently_by_another_process(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.symlink(str(DEAD_PID), name)
    realRmlink = os.remove

    def racingRmlink(path: str | bytes) -> None:
        realRmlink(path)  # Another process broke it first...
        monkeypatch.setattr(lockfile, "rmlink", realRmlink)
        raise FileNotFoundError(errno.ENOENT, "gone")  # ...so our removal finds nothing.

    monkeypatch.setattr(lockfile, "rmlink", racingRmlink)
    lock = FilesystemLock(name)
    assert lock.lock()
    assert lock.clean is True  # We did not break it: whoever did saw it unclean.


def test_rmlink_errors_propagate(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    os.symlink(str(DEAD_PID), name)

    def failingRmlink(path: str | bytes) -> NoReturn:
        raise OSError(errno.EIO, "disk")

    monkeypatch.setattr(lockfile, "rmlink", failingRmlink)
    with pytest.raises(OSError) as info:
        FilesystemLock(name).lock()
    assert info.value.errno == errno.EIO


def test_owner_of_another_user_counts_as_alive(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    os.symlink("1", name)

    def deniedKill(pid: int, signal: int) -> NoReturn:
        raise PermissionError(errno.EPERM, "not yours")

    monkeypatch.setattr(lockfile, "kill", deniedKill)
    assert not FilesystemLock(name).lock()
    assert isLocked(name)
    assert os.readlink(name) == "1"


def test_a_target_that_is_not_a_pid_is_never_broken(name: str) -> None:
    os.symlink("not-a-pid", name)
    assert not FilesystemLock(name).lock()
    assert isLocked(name)


def test_a_regular_file_in_the_way_is_an_error_and_counts_as_held(name: str) -> None:
    Path(name).write_text("x")
    with pytest.raises(OSError) as info:
        FilesystemLock(name).lock()
    assert info.value.errno == errno.EINVAL
    assert isLocked(name)


def test_a_fight_that_never_ends_gives_up(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def alwaysExists(source: str, dest: str | bytes) -> NoReturn:
        raise FileExistsError(errno.EEXIST, "exists")

    monkeypatch.setattr(lockfile, "symlink", alwaysExists)  # ...and readlink finds nothing.
    assert not FilesystemLock(name).lock()


def test_isLocked_does_not_touch_a_stale_lock(name: str) -> None:
    assert not isLocked(name)
    os.symlink(str(DEAD_PID), name)
    assert not isLocked(name)
    assert os.readlink(name) == str(DEAD_PID)


def test_isLocked_tracks_lock_and_unlock(name: str) -> None:
    lock = FilesystemLock(name)
    assert lock.lock()
    assert isLocked(name)
    lock.unlock()
    assert not isLocked(name)


def test_torsion_and_twisted_respect_each_others_locks(name: str) -> None:
    twistedLockfile = pytest.importorskip("twisted.python.lockfile")
    held = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from twisted.python.lockfile import FilesystemLock as L;"
            f"assert L({name!r}).lock(); print('locked', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert held.stdout is not None and held.stdout.readline() == "locked\n"
        assert isLocked(name)
        assert not FilesystemLock(name).lock()
    finally:
        held.communicate("")
    # Twisted's process exited without unlocking: torsion breaks the stale lock.
    lock = FilesystemLock(name)
    assert lock.lock() and lock.clean is False
    assert twistedLockfile.isLocked(name)
    assert not twistedLockfile.FilesystemLock(name).lock()
    lock.unlock()


def test_without_kill_every_owner_counts_as_alive(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.symlink(str(DEAD_PID), name)
    monkeypatch.setattr(lockfile, "kill", None)
    assert not FilesystemLock(name).lock()
    assert isLocked(name)
    assert os.readlink(name) == str(DEAD_PID)
