"""Tests for `torsion.python.logfile`: rotation by size and by day, reopening, signals, threads."""

from __future__ import annotations

import os
import pickle
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torsion.internet.task import Clock
from torsion.python.logfile import BaseLogFile, DailyLogFile, LogFile, LogReader

DAY = 86400.0
# Noon local time, so that a few seconds either way stay on the same day.
START = time.mktime((2024, 3, 9, 12, 0, 0, 0, 0, -1))


@pytest.fixture
def logPath(tmp_path: Path) -> Path:
    return tmp_path / "app.log"


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.advance(START)
    return clock


def dailyLog(path: Path, clock: Clock) -> DailyLogFile:
    """A `DailyLogFile` at ``path`` whose file was last changed at the clock's time."""
    path.touch()
    os.utime(path, (clock.seconds(), clock.seconds()))
    return DailyLogFile(path.name, str(path.parent), clock=clock)


# Size-based rotation


def test_text_is_written_as_utf8_and_size_counts_bytes(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent))
    log.write("h\u00e9")
    log.write(b"\xff\x00")
    assert log.size == 5
    log.close()
    assert log.closed
    assert logPath.read_bytes() == b"h\xc3\xa9\xff\x00"


def test_an_existing_file_is_appended_to(logPath: Path) -> None:
    logPath.write_bytes(b"old\n")
    log = LogFile(logPath.name, str(logPath.parent))
    assert log.size == 4
    log.write("new\n")
    log.close()
    assert logPath.read_bytes() == b"old\nnew\n"


def test_rotation_numbers_the_older_files_upwards(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent), rotateLength=4)
    for chunk in ("aaaa", "bbbb", "cccc", "dd"):
        log.write(chunk)
    log.close()
    assert log.listLogs() == [1, 2, 3]
    assert [Path(f"{logPath}.{n}").read_text() for n in (3, 2, 1)] == ["aaaa", "bbbb", "cccc"]
    assert logPath.read_text() == "dd"


def test_no_rotate_length_never_rotates(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent), rotateLength=None)
    for _ in range(10):
        log.write("x" * 100)
    log.close()
    assert log.listLogs() == []


def test_max_rotated_files_deletes_the_oldest(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent), rotateLength=1, maxRotatedFiles=2)
    for chunk in "abcde":
        log.write(chunk)
    log.close()
    assert log.listLogs() == [1, 2]
    assert Path(f"{logPath}.2").read_text() == "c"
    assert Path(f"{logPath}.1").read_text() == "d"


def test_readers_of_the_current_and_rotated_files(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent))
    log.write("one\ntwo\n")
    log.rotate()
    log.write("three\n")
    with closing(log.getLog(1)) as old:
        assert old.readLines(1) == ["one\n"]
        assert old.readLines() == ["two\n"]
        assert old.readLines() == []
    with closing(log.getCurrentLog()) as current:
        assert current.readLines() == ["three\n"]
    with pytest.raises(ValueError):
        log.getLog(2)
    with pytest.raises(TypeError):
        log.getLog("1")  # type: ignore[arg-type]
    log.close()


def test_a_reader_escapes_bytes_that_are_not_utf8(logPath: Path) -> None:
    logPath.write_bytes(b"caf\xe9\n")
    with closing(LogReader(str(logPath))) as reader:
        assert reader.readLines() == ["caf\\xe9\n"]


@given(suffixes=st.lists(st.text(alphabet="0123456789-abc.", min_size=1, max_size=4)))
def test_list_logs_keeps_only_positive_numbers(suffixes: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for suffix in set(suffixes):
            Path(directory, f"app.log.{suffix}").write_text("")
        expected = []
        for suffix in set(suffixes):
            try:
                number = int(suffix.rsplit(".", 1)[-1])
            except ValueError:
                continue
            if number > 0:
                expected.append(number)  # "1" and "01" are both number 1, as in Twisted.
        log = LogFile("app.log", directory, rotateLength=None)
        try:
            assert log.listLogs() == sorted(expected)
        finally:
            log.close()


@settings(max_examples=50, deadline=None)
@given(
    writes=st.lists(st.binary(max_size=40), max_size=30),
    rotateLength=st.integers(min_value=1, max_value=64),
)
def test_rotation_loses_and_splits_nothing(writes: list[bytes], rotateLength: int) -> None:
    """Read back oldest first, the files hold exactly what was written, each write whole."""
    with tempfile.TemporaryDirectory() as directory:
        log = LogFile("app.log", directory, rotateLength=rotateLength)
        for data in writes:
            log.write(data)
        log.close()
        numbers = log.listLogs()
        paths = [Path(directory, f"app.log.{n}") for n in reversed(numbers)]
        contents = [path.read_bytes() for path in paths]
        assert b"".join([*contents, Path(directory, "app.log").read_bytes()]) == b"".join(writes)
        for content in contents:  # A file is rotated only once it is full.
            assert len(content) >= rotateLength


def test_rotation_is_skipped_when_the_directory_is_not_writable(
    logPath: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = LogFile(logPath.name, str(logPath.parent), rotateLength=2)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    log.write("abc")
    log.write("def")
    log.close()
    assert logPath.read_text() == "abcdef"
    assert log.listLogs() == []


# Permissions


def test_default_mode_is_given_to_a_new_file(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent), defaultMode=0o640)
    log.close()
    assert stat.S_IMODE(logPath.stat().st_mode) == 0o640


def test_an_existing_files_mode_is_kept_across_rotation(logPath: Path) -> None:
    logPath.touch()
    logPath.chmod(0o604)
    log = LogFile(logPath.name, str(logPath.parent))
    assert log.defaultMode == 0o604
    log.write("x")
    log.rotate()
    log.close()
    assert stat.S_IMODE(logPath.stat().st_mode) == 0o604


def test_a_device_or_pipe_keeps_its_own_mode(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    log = LogFile("pipe", str(tmp_path), defaultMode=0o600)
    log.close()
    assert stat.S_IMODE(fifo.stat().st_mode) == 0o644


def test_a_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        LogFile("app.log", str(tmp_path / "missing"))


def test_from_full_path(logPath: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(logPath.parent)
    log = LogFile.fromFullPath("app.log", 10, maxRotatedFiles=3)
    log.close()
    assert (log.name, log.directory) == ("app.log", str(logPath.parent))
    assert (log.rotateLength, log.maxRotatedFiles) == (10, 3)


def test_the_base_class_leaves_rotation_to_subclasses(logPath: Path) -> None:
    log = BaseLogFile(logPath.name, str(logPath.parent))
    with pytest.raises(NotImplementedError):
        log.shouldRotate()
    with pytest.raises(NotImplementedError):
        log.rotate()
    log.close()


# Daily rotation, on a fake clock


def test_daily_rotation_follows_the_clock(logPath: Path, clock: Clock) -> None:
    log = dailyLog(logPath, clock)
    log.write("first day\n")
    clock.advance(DAY / 4)
    log.write("still the first day\n")
    firstDay = log.suffix(START)
    assert firstDay == "2024_3_9"
    assert not Path(f"{logPath}.{firstDay}").exists()
    clock.advance(DAY)
    log.write("second day\n")
    assert Path(f"{logPath}.{firstDay}").read_text() == "first day\nstill the first day\n"
    assert log.lastDate == (2024, 3, 10)
    with closing(log.getLog(START)) as reader:
        assert reader.readLines() == ["first day\n", "still the first day\n"]
    with closing(log.getLog(clock.seconds())) as reader:
        assert reader.readLines() == ["second day\n"]
    with pytest.raises(ValueError):
        log.getLog(START - DAY)
    log.close()


def test_a_clock_set_back_does_not_make_the_file_older(logPath: Path, clock: Clock) -> None:
    log = dailyLog(logPath, clock)
    clock.advance(DAY)
    log.write("a")  # Rotates: the file was from the day before.
    log.clock = Clock()  # Clock only goes forward: a new one stands in for a clock set back.
    log.clock.advance(START)
    log.write("b")
    assert log.lastDate == (2024, 3, 10)
    log.close()
    assert logPath.read_text() == "ab"


def test_daily_rotation_keeps_a_file_already_there(logPath: Path, clock: Clock) -> None:
    log = dailyLog(logPath, clock)
    taken = Path(f"{logPath}.{log.suffix(log.lastDate)}")
    taken.write_text("someone else's")
    log.write("a")
    clock.advance(DAY)
    log.write("b")
    log.close()
    assert taken.read_text() == "someone else's"
    assert logPath.read_text() == "ab"


def test_a_gigabyte_across_simulated_days(tmp_path: Path, clock: Clock) -> None:
    """1 GiB in large blocks, a new day every 64 MiB; old days deleted to bound the disk."""
    block = b"x" * (8 << 20)
    blocksPerDay, days = 8, 16
    path = tmp_path / "big.log"
    log = dailyLog(path, clock)
    rotated: list[str] = []
    for day in range(days):
        for _ in range(blocksPerDay):
            log.write(block)
        clock.advance(DAY)
        previous = log.suffix(log.lastDate)
        log.write(b"")  # The first write of the new day rotates.
        rotatedPath = tmp_path / f"big.log.{previous}"
        assert rotatedPath.stat().st_size == blocksPerDay * len(block), day
        rotatedPath.unlink()
        rotated.append(previous)
    log.close()
    assert len(set(rotated)) == days
    assert path.stat().st_size == 0
    assert [p.name for p in tmp_path.iterdir()] == ["big.log"]


def test_to_date_without_a_clock_is_the_local_date_now(logPath: Path) -> None:
    log = DailyLogFile(logPath.name, str(logPath.parent))
    assert log.toDate(START) == (2024, 3, 9)
    before = time.localtime()[:3]
    assert log.toDate() in (before, time.localtime()[:3])
    assert log.suffix((2024, 12, 31)) == "2024_12_31"
    log.close()


# Reopening, external rotation, signals


def test_reopen_after_the_file_was_moved_away(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent))
    log.write("before\n")
    moved = logPath.with_name("app.log.moved")
    logPath.rename(moved)
    log.write("still into the moved file\n")
    log.reopen()
    log.write("after\n")
    log.close()
    assert moved.read_text() == "before\nstill into the moved file\n"
    assert logPath.read_text() == "after\n"
    assert log.size == len("after\n")


@pytest.fixture
def usr1Restored() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGUSR1)
    yield
    signal.signal(signal.SIGUSR1, previous)


@pytest.mark.usefixtures("usr1Restored")
def test_sigusr1_reopens_at_the_next_write(logPath: Path) -> None:
    calls: list[int] = []

    def earlier(number: int, frame: FrameType | None) -> None:
        calls.append(number)

    signal.signal(signal.SIGUSR1, earlier)
    log = DailyLogFile(logPath.name, str(logPath.parent))
    restore = log.reopenOnSignal(signal.SIGUSR1)
    log.write("before\n")
    moved = logPath.with_name("app.log.1")
    logPath.rename(moved)  # What logrotate does, before it sends the signal.
    os.kill(os.getpid(), signal.SIGUSR1)
    assert calls == [signal.SIGUSR1]  # The handler that was there is still called.
    assert not logPath.exists()  # Nothing happens until the next write.
    log.write("after\n")
    assert moved.read_text() == "before\n"
    assert logPath.read_text() == "after\n"
    restore()
    assert signal.getsignal(signal.SIGUSR1) is earlier
    log.close()


def test_importing_installs_no_signal_handler() -> None:
    program = (
        "import signal; before = signal.getsignal(signal.SIGUSR1); "
        "import torsion.python.logfile; print(signal.getsignal(signal.SIGUSR1) is before)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout == "True\n"


def test_a_signal_handler_needs_the_main_thread(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent))
    errors: list[BaseException] = []

    def install() -> None:
        try:
            log.reopenOnSignal(signal.SIGUSR1)
        except ValueError as e:
            errors.append(e)

    thread = threading.Thread(target=install)
    thread.start()
    thread.join()
    log.close()
    assert len(errors) == 1


# Threads and pickling


def test_writes_from_many_threads_stay_whole(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent), rotateLength=4096)
    threads, lines = 8, 500
    barrier = threading.Barrier(threads)

    def writer(number: int) -> None:
        barrier.wait()
        for line in range(lines):
            log.write(f"thread {number} line {line}\n")

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    log.close()
    paths = [Path(f"{logPath}.{n}") for n in log.listLogs()] + [logPath]
    text = [path.read_text() for path in paths]
    assert all(chunk.endswith("\n") for chunk in text[:-1])
    written = sorted("".join(text).splitlines())
    assert written == sorted(f"thread {n} line {i}" for n in range(threads) for i in range(lines))
    assert all(len(chunk) >= 4096 for chunk in text[:-1])


def test_pickling_keeps_the_settings_and_reopens(logPath: Path) -> None:
    log = LogFile(logPath.name, str(logPath.parent), rotateLength=50, maxRotatedFiles=4)
    log.write("before\n")
    state = log.__getstate__()
    assert "_file" not in state and "size" not in state
    copy = pickle.loads(pickle.dumps(log))
    log.close()
    assert (copy.rotateLength, copy.maxRotatedFiles, copy.size) == (50, 4, 7)
    copy.write("after\n")
    copy.close()
    assert logPath.read_text() == "before\nafter\n"


def test_pickling_a_daily_log_file_takes_its_date_from_the_file(
    logPath: Path, clock: Clock
) -> None:
    log = dailyLog(logPath, clock)
    assert "lastDate" not in log.__getstate__()
    copy = pickle.loads(pickle.dumps(log))
    log.close()
    assert copy.lastDate == (2024, 3, 9)
    copy.close()
