"""Tests for `torsion.internet.defer.DeferredFilesystemLock`: waiting for a lock on a clock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.internet._deferhelpers import failureOf, resultOf
from torsion.internet.defer import (
    AlreadyTryingToLockError,
    CancelledError,
    DeferredFilesystemLock,
    TimeoutError,
)
from torsion.internet.task import Clock


class Fixture:
    """A clock, a lock on it, and a way to hold the same lock as another owner."""

    def __init__(self, tmp_path: Path) -> None:
        self.name = str(tmp_path / "lock")
        self.clock = Clock()
        self.lock = DeferredFilesystemLock(self.name, self.clock)

    def holdElsewhere(self) -> None:
        """Make the lock look held by another live process (PID 1 never dies)."""
        os.symlink("1", self.name)

    def releaseElsewhere(self) -> None:
        os.remove(self.name)


@pytest.fixture
def f(tmp_path: Path) -> Fixture:
    return Fixture(tmp_path)


def test_free_lock_is_taken_at_once(f: Fixture) -> None:
    d = f.lock.deferUntilLocked()
    assert resultOf(d) is None
    assert f.lock.locked
    assert f.clock.getDelayedCalls() == []


def test_held_lock_is_retried_every_interval_until_released(f: Fixture) -> None:
    f.holdElsewhere()
    f.lock._interval = 2
    d = f.lock.deferUntilLocked()
    f.clock.advance(2)
    assert not d.called
    f.releaseElsewhere()
    f.clock.advance(1.9)
    assert not d.called
    f.clock.advance(0.1)
    assert resultOf(d) is None
    assert f.lock.locked
    assert f.clock.getDelayedCalls() == []


def test_timeout_fails_with_timeout_error(f: Fixture) -> None:
    f.holdElsewhere()
    d = f.lock.deferUntilLocked(timeout=5.5)
    f.clock.advance(5)
    assert not d.called
    f.clock.advance(0.5)
    failure = failureOf(d)
    assert failure.check(TimeoutError)
    assert "5.5" in str(failure.value)
    assert not f.lock.locked
    assert f.clock.getDelayedCalls() == []


def test_taken_before_timeout_cancels_the_timeout(f: Fixture) -> None:
    f.holdElsewhere()
    d = f.lock.deferUntilLocked(timeout=10)
    f.releaseElsewhere()
    f.clock.advance(1)
    assert resultOf(d) is None
    assert f.clock.getDelayedCalls() == []


def test_second_wait_while_waiting_fails_at_once(f: Fixture) -> None:
    f.holdElsewhere()
    first = f.lock.deferUntilLocked()
    assert failureOf(f.lock.deferUntilLocked()).check(AlreadyTryingToLockError)
    f.releaseElsewhere()
    f.clock.advance(1)
    assert resultOf(first) is None


def test_lock_can_be_waited_for_again_after_unlocking(f: Fixture) -> None:
    assert resultOf(f.lock.deferUntilLocked()) is None
    f.lock.unlock()
    assert resultOf(f.lock.deferUntilLocked()) is None


def test_cancel_stops_retrying_and_fails_with_cancelled_error(f: Fixture) -> None:
    f.holdElsewhere()
    d = f.lock.deferUntilLocked(timeout=5)
    d.cancel()
    assert failureOf(d).check(CancelledError)
    assert f.clock.getDelayedCalls() == []
    assert not f.lock.locked


def test_cancel_takes_the_lock_if_it_has_just_become_free(f: Fixture) -> None:
    f.holdElsewhere()
    d = f.lock.deferUntilLocked()
    f.releaseElsewhere()
    d.cancel()  # One last try, which succeeds: the caller holds the lock after all.
    assert resultOf(d) is None
    assert f.lock.locked
    assert f.clock.getDelayedCalls() == []


def test_stale_lock_of_a_dead_process_is_broken(f: Fixture) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    os.symlink(child.stdout.strip(), f.name)
    assert resultOf(f.lock.deferUntilLocked()) is None
    assert f.lock.clean is False


def test_default_scheduler_is_global_reactor_looked_up_lazily(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakeReactor = Clock()
    monkeypatch.setitem(sys.modules, "torsion.internet.reactor", fakeReactor)
    lock = DeferredFilesystemLock(str(tmp_path / "lock"))
    assert lock._scheduler is fakeReactor


def test_importing_defer_does_not_import_a_reactor() -> None:
    code = "import sys, torsion.internet.defer; print('torsion.internet.reactor' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
