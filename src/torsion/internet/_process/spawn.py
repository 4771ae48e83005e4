"""Starting a child process safely, with threads around: `spawn`.

Never ``os.fork()`` in Python: another thread may hold a lock (the allocator's, logging's) that
the forked child would wait for forever. Two C-level ways remain, both thread-safe:

* ``os.posix_spawn`` (glibc uses ``clone(CLONE_VM | CLONE_VFORK)``), the default. Its file
  actions give any ``childFDs`` mapping (child fd 3 = a new pipe, fds swapped, ...); it closes
  every inheritable descriptor the child should not get, resets the signals Python ignores
  (SIGPIPE, SIGXFSZ, and any the program ignores, such as SIGINT) to their defaults and clears
  the signal mask; with a pty it starts a new session and opens the terminal, which makes it the
  child's controlling terminal. It cannot change the directory or the user.
* ``subprocess.Popen`` (``_posixsubprocess``), used when ``path``, ``uid`` or ``gid`` is given:
  ``cwd``, ``user``, ``group``, ``close_fds``, ``pass_fds``. It can only place descriptors at
  0-2 and pass others through under their own number; a mapping it cannot express raises
  `ValueError`. An fd 0-2 left out of ``childFDs`` is ``/dev/null`` there (closed with
  ``posix_spawn``); signals other than SIGPIPE/SIGXFSZ keep the parent's "ignored" state; and a
  pty is the child's stdio but not its controlling terminal.

A failure to start (no such program, not executable, no such directory) raises the `OSError`
from ``spawnProcess`` itself, after closing every pipe it made.

Descriptors: Python opens everything close-on-exec, so only descriptors someone made
inheritable could leak; ``posix_spawn`` gets a close action for each such descriptor found in
``/proc/self/fd`` (or ``/dev/fd``) just before spawning.
"""

from __future__ import annotations

import os
import pty
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Spawned", "spawn"]

DEFAULT_CHILD_FDS: Mapping[int, str | int] = {0: "w", 1: "r", 2: "r"}
"""The child's stdin written by the parent ("w"), its stdout and stderr read ("r")."""


@dataclass
class Spawned:
    """A started child: its pid and the parent's ends of its pipes.

    Attributes:
        pid: The child's process id.
        readers: Child fd -> the parent's descriptor to read what the child writes there.
        writers: Child fd -> the parent's descriptor to write what the child reads there.
    """

    pid: int
    readers: dict[int, int] = field(default_factory=dict)
    writers: dict[int, int] = field(default_factory=dict)


def spawn(
    executable: str | bytes,
    args: Sequence[str | bytes],
    env: Mapping[str, str] | None,
    path: str | None,
    uid: int | None,
    gid: int | None,
    usePTY: bool | tuple[int, int, str],
    childFDs: Mapping[int, str | int] | None,
) -> Spawned:
    """Start ``executable`` with argv ``args``; see the module docstring for how.

    Raises:
        OSError: The child could not be started.
        ValueError: A ``childFDs`` value is not "r", "w" or an int, or the mapping cannot be
            combined with ``path``/``uid``/``gid``.
    """
    result = Spawned(0)
    childEnds: list[int] = []
    fdmap: dict[int, int] = {}  # child fd -> parent fd it becomes
    ttyName: str | None = None
    try:
        if usePTY:
            ttyName = _pty(usePTY, result, childEnds)
        else:
            for childFD, kind in (DEFAULT_CHILD_FDS if childFDs is None else childFDs).items():
                fdmap[childFD] = _pipeFor(childFD, kind, result, childEnds)
        argv = list(args)
        environment = os.environ if env is None else env
        program = _resolve(executable)
        if path is None and uid is None and gid is None:
            result.pid = _posixSpawn(program, argv, environment, fdmap, ttyName)
        else:
            if ttyName is not None:
                fdmap = dict.fromkeys((0, 1, 2), childEnds[0])
            result.pid = _popen(program, argv, env, path, uid, gid, fdmap, ttyName is not None)
    except BaseException:
        for fd in [*result.readers.values(), *result.writers.values()]:
            os.close(fd)
        raise
    finally:
        for fd in childEnds:
            os.close(fd)
    return result


def _pipeFor(childFD: int, kind: str | int, result: Spawned, childEnds: list[int]) -> int:
    """Make the pipe for one ``childFDs`` entry; return the parent fd the child gets."""
    if kind == "r":
        readEnd, writeEnd = os.pipe()
        result.readers[childFD] = readEnd
        childEnds.append(writeEnd)
        return writeEnd
    if kind == "w":
        readEnd, writeEnd = os.pipe()
        result.writers[childFD] = writeEnd
        childEnds.append(readEnd)
        return readEnd
    if isinstance(kind, int) and not isinstance(kind, bool):
        return kind
    raise ValueError(f"childFDs values must be 'r', 'w' or a descriptor, not {kind!r}")


def _pty(usePTY: bool | tuple[int, int, str], result: Spawned, childEnds: list[int]) -> str:
    """Open (or take) a pty: the parent reads and writes the master; return the slave's name."""
    if isinstance(usePTY, (tuple, list)):
        master, slave, ttyName = usePTY
    else:
        master, slave = pty.openpty()
        ttyName = os.ttyname(slave)
    childEnds.append(slave)
    result.readers[1] = master
    result.writers[0] = os.dup(master)  # Its own descriptor, so each end closes on its own.
    return ttyName


def _resolve(executable: str | bytes) -> str:
    """The program to run: as given if it has a slash, else searched in this process's PATH
    (as ``posix_spawnp`` and Twisted do)."""
    name = os.fsdecode(executable)
    if os.sep in name:
        return name
    return shutil.which(name) or name


def _posixSpawn(
    program: str,
    argv: list[str | bytes],
    env: Mapping[str, str],
    fdmap: dict[int, int],
    ttyName: str | None,
) -> int:
    actions: list[tuple[Any, ...]] = []
    keep = set(fdmap)
    if ttyName is not None:
        # After setsid, opening the terminal makes it the controlling one.
        actions.append((os.POSIX_SPAWN_OPEN, 0, ttyName, os.O_RDWR, 0))
        actions += [(os.POSIX_SPAWN_DUP2, 0, 1), (os.POSIX_SPAWN_DUP2, 0, 2)]
        keep = {0, 1, 2}
    openFds = _openFds()
    # First move every source out of the way, then into place: any mapping (even a swap, or
    # a descriptor onto its own number, which must lose close-on-exec) comes out right.
    temp = max([*openFds, *fdmap, *fdmap.values(), 2]) + 1
    temps: dict[int, int] = {}
    for source in dict.fromkeys(fdmap.values()):
        temps[source] = temp
        actions.append((os.POSIX_SPAWN_DUP2, source, temp))
        temp += 1
    actions += [(os.POSIX_SPAWN_DUP2, temps[source], target) for target, source in fdmap.items()]
    actions += [(os.POSIX_SPAWN_CLOSE, t) for t in temps.values()]
    actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in openFds if fd not in keep and _inherited(fd)]
    return os.posix_spawn(
        program,
        argv,
        env,
        file_actions=actions,
        setsigmask=(),
        setsigdef=_ignoredSignals(),
        setsid=ttyName is not None,
    )


def _popen(
    program: str,
    argv: list[str | bytes],
    env: Mapping[str, str] | None,
    path: str | None,
    uid: int | None,
    gid: int | None,
    fdmap: dict[int, int],
    newSession: bool,
) -> int:
    passFds = [fd for fd in fdmap if fd > 2]
    if any(fdmap[fd] != fd for fd in passFds):
        raise ValueError(
            "with path, uid or gid, childFDs beyond 0-2 can only pass a descriptor through "
            "under its own number (torsion cannot chdir or change users with posix_spawn)"
        )
    proc = subprocess.Popen(
        argv,
        executable=program,
        stdin=fdmap.get(0, subprocess.DEVNULL),
        stdout=fdmap.get(1, subprocess.DEVNULL),
        stderr=fdmap.get(2, subprocess.DEVNULL),
        pass_fds=passFds,
        cwd=path,
        env=env,
        user=uid,
        group=gid,
        start_new_session=newSession,
        close_fds=True,
        restore_signals=True,
    )
    # The caller reaps the child; a Popen with no returncode would warn when collected and
    # queue itself for subprocess's own reaping.
    proc.returncode = 0
    return proc.pid


def _openFds() -> list[int]:
    for directory in ("/proc/self/fd", "/dev/fd"):
        try:
            return sorted(int(name) for name in os.listdir(directory))
        except OSError:
            continue
    return list(range(min(os.sysconf("SC_OPEN_MAX"), 65536)))


def _inherited(fd: int) -> bool:
    """Whether ``fd`` is open and would survive exec."""
    try:
        return os.get_inheritable(fd)
    except OSError:
        return False


def _ignoredSignals() -> list[int]:
    ignored: list[int] = []
    for signum in signal.valid_signals():
        try:
            if signal.getsignal(signum) is signal.SIG_IGN:
                ignored.append(int(signum))
        except (ValueError, OSError):
            continue
    return ignored
