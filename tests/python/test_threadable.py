"""Tests for `torsion.python.threadable`."""

from __future__ import annotations

import pickle
import sys
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from torsion.python import threadable


class Swapper:
    """Swaps two numbers in a way that races unless one thread at a time runs `swap`."""

    synchronized: ClassVar[list[str]] = ["swap"]

    def __init__(self) -> None:
        self.x, self.y = -1, 1
        self.errors: list[str] = []

    def swap(self) -> str:
        """Swap x and y ten times, checking each time they still cancel out."""
        for _ in range(10):
            self.x, self.y = self.y, self.x
            z = self.x + self.y
            if z != 0:
                self.errors.append(f"z == {z}")
        return "swapped"


threadable.synchronize(Swapper)


@pytest.fixture
def fastSwitching() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_synchronized_methods_keep_their_name_and_result() -> None:
    assert Swapper.swap.__name__ == "swap"
    assert Swapper().swap() == "swapped"


@pytest.mark.usefixtures("fastSwitching")
def test_synchronized_methods_run_one_thread_at_a_time() -> None:
    swapper = Swapper()

    def hammer() -> None:
        for _ in range(300):
            swapper.swap()

    threads = [threading.Thread(target=hammer) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert swapper.errors == []
    assert isinstance(swapper.__dict__["_threadable_lock"], threadable.XLock)


def test_isInIOThread() -> None:
    saved = threadable.ioThread
    try:
        threadable.registerAsIOThread()
        assert threadable.ioThread == threading.get_ident() == threadable.getThreadID()
        elsewhere: list[bool] = []
        thread = threading.Thread(target=lambda: elsewhere.append(threadable.isInIOThread()))
        thread.start()
        thread.join()
        assert elsewhere == [False]
        assert threadable.isInIOThread()
    finally:
        threadable.ioThread = saved


def test_XLock_is_reentrant_and_pickles_as_a_new_lock() -> None:
    lock = threadable.XLock()
    with lock, lock:
        copy = pickle.loads(pickle.dumps(lock))
    assert type(copy) is threadable.XLock
    assert copy.acquire(blocking=False)  # unlocked, although the original was held
    copy.release()


def test_unpickling_a_reference_to_unpickle_lock() -> None:
    lock = pickle.loads(b"ctorsion.python.threadable\nunpickle_lock\np0\n(tp1\nRp2\n.")
    assert isinstance(lock, threadable.XLock)


def test_threads_cannot_be_turned_off() -> None:
    assert threadable.threaded
    threadable.init()
    with pytest.raises(RuntimeError):
        threadable.init(False)
