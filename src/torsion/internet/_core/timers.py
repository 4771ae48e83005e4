"""Delayed calls and the timer queue that keeps them in due order.

`TimerQueue` is shared by `torsion.internet.task.Clock` and the reactor. It files each pending
call as an *entry*, a ``(time, sequence)`` tuple: tuples compare in C, so ordering entries never
calls Python code, and the sequence number (the order calls were created in) makes calls due at
the same time come out first-scheduled first. A dict maps sequence numbers to pending calls.

Entries are kept in two sorted structures, and the earliest entry is the smaller of their heads:

* the *run*, a deque that an entry is appended to when it is not earlier than the run's last
  entry. Calls often arrive in due order (``callLater(0)`` after ``callLater(0)``, timeouts of
  one length), and then filing and taking them costs O(1) instead of the heap's O(log n), which
  on a heap of a million entries means dozens of tuple comparisons each way;
* a binary heap for the other entries.

Nothing is ever searched for or removed from the middle (that would cost O(n)):

* Cancelling only forgets the call; its entry stays, *stale*, and is thrown away when it
  comes first. When stale entries outnumber live ones, both structures are rebuilt without
  them (O(n), but only after n/2 cancellations, so O(1) per cancellation), which bounds memory
  when most calls are cancelled, as timeouts usually are.
* Moving a call earlier files a new entry and makes the old one stale.
* Moving a call later only changes its ``time``: its entry now sits too early and is re-filed
  at the right place when it comes first. Re-arming a timeout on every packet received
  therefore costs an attribute store, not a heap operation.

A call's entry is live exactly while ``call._entry is entry``. Entries hold no reference to
their call, on purpose: a tuple of a float and an int is soon untracked by the cyclic garbage
collector, whose full collections would otherwise walk a second object per pending call (with
a million calls pending, that cost about an eighth of the time spent scheduling them).
"""

from __future__ import annotations

import math
import traceback
from collections import deque
from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import Any, ClassVar

from torsion.internet.error import AlreadyCalled, AlreadyCancelled

__all__ = ["DelayedCall", "TimerQueue"]

#: An entry: (time the call is filed under, its creation sequence number).
_Entry = tuple[float, int]

# Rebuilding small structures is cheap, but doing it after every other cancellation is waste.
_COMPACT_MIN_STALE = 64


class DelayedCall:
    """A call scheduled on a `TimerQueue`, as returned by ``callLater``.

    Creating one schedules it: a clock's ``callLater`` builds it with its queue. It runs at most
    once, and can be cancelled or moved (`delay`, `reset`) until it runs.

    Twisted's constructor takes cancel and reset callbacks and a time function; this one takes
    the queue, which provides all three, to keep scheduling cheap.

    Args:
        time: When the call is due, on the queue's ``seconds()`` scale.
        func: What to call.
        args: Positional arguments for ``func``.
        kw: Keyword arguments for ``func``.
        queue: The queue that will run it.

    Attributes:
        time: When the call is due (always the current due time, including any delay).
        func: What will be called (deleted on cancellation, as in Twisted, to free it early).
        args: Positional arguments for ``func`` (deleted on cancellation).
        kw: Keyword arguments for ``func`` (deleted on cancellation).
        called: True once the call has been taken from the queue to be run.
        cancelled: True once `cancel` succeeded.
        debug: Class-wide switch: when True, each new call records the stack that created it
            (`creator`), shown by ``repr``. Slow; for tracking down a stray call.
    """

    __slots__ = (
        "_creator",
        "_entry",
        "_queue",
        "args",
        "called",
        "cancelled",
        "func",
        "kw",
        "time",
    )

    debug: ClassVar[bool] = False

    time: float
    func: Callable[..., object]
    args: tuple[Any, ...]
    kw: dict[str, Any]
    called: bool
    cancelled: bool
    _entry: _Entry | None
    _queue: TimerQueue
    _creator: list[str]

    def __init__(
        self,
        time: float,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
        queue: TimerQueue,
    ) -> None:
        self.time = time
        self.func = func
        self.args = args
        self.kw = kw
        self.called = False
        self.cancelled = False
        self._queue = queue
        queue._seq = seq = queue._seq + 1
        self._entry = entry = (time, seq)
        queue._calls[seq] = self
        # queue._file(entry), inlined: this is the hot path of every callLater.
        run = queue._run
        if not run or entry >= run[-1]:
            run.append(entry)
        else:
            heappush(queue._heap, entry)
        if self.debug:
            self._creator = traceback.format_stack()[:-2]

    @property
    def creator(self) -> list[str] | None:
        """The formatted stack that created this call, if `debug` was on; else None."""
        return getattr(self, "_creator", None)

    def getTime(self) -> float:
        """Return the time at which this call is due."""
        return self.time

    def active(self) -> bool:
        """Return True until this call has run or been cancelled."""
        return self._entry is not None

    def cancel(self) -> None:
        """Unschedule this call so it never runs.

        Raises:
            AlreadyCancelled: It was already cancelled.
            AlreadyCalled: It has already run.
        """
        entry = self._entry
        if entry is None:
            raise self._inactiveError()
        self._entry = None
        self.cancelled = True
        del self.func, self.args, self.kw
        queue = self._queue
        del queue._calls[entry[1]]
        queue._addStale()

    def delay(self, secondsLater: float) -> None:
        """Make this call due ``secondsLater`` seconds after its current due time.

        Raises:
            AlreadyCancelled: It was cancelled.
            AlreadyCalled: It has already run.
        """
        entry = self._entry
        if entry is None:
            raise self._inactiveError()
        self._moveTo(entry, self.time + secondsLater)

    def reset(self, secondsFromNow: float) -> None:
        """Make this call due ``secondsFromNow`` seconds after the queue's current time.

        Raises:
            AlreadyCancelled: It was cancelled.
            AlreadyCalled: It has already run.
        """
        entry = self._entry
        if entry is None:
            raise self._inactiveError()
        self._moveTo(entry, self._queue.seconds() + secondsFromNow)

    def _moveTo(self, entry: _Entry, when: float) -> None:
        self.time = when
        if when < entry[0]:
            # Earlier than the entry's place in the heap: file a new one. Later moves are
            # handled lazily when the entry reaches the top (see the module docstring).
            queue = self._queue
            self._entry = entry = (when, entry[1])
            queue._file(entry)
            queue._addStale()

    def _inactiveError(self) -> AlreadyCalled | AlreadyCancelled:
        return AlreadyCancelled() if self.cancelled else AlreadyCalled()

    def __lt__(self, other: DelayedCall) -> bool:
        """Order by due time, so a list of calls can be sorted (as in Twisted)."""
        return self.time < other.time

    def __le__(self, other: DelayedCall) -> bool:
        """Order by due time, so a list of calls can be sorted (as in Twisted)."""
        return self.time <= other.time

    def __repr__(self) -> str:
        """Show the due time relative to now, the state, and (unless cancelled) the call."""
        parts = [
            f"<DelayedCall 0x{id(self):x} [{self.time - self._queue.seconds()}s]"
            f" called={self.called} cancelled={self.cancelled}"
        ]
        if not self.cancelled:
            arguments = [_safeRepr(arg) for arg in self.args]
            arguments += [f"{name}={_safeRepr(value)}" for name, value in self.kw.items()]
            parts.append(f" {_callableName(self.func)}({', '.join(arguments)})")
        creator = self.creator
        if creator is not None:
            parts.append("\n\ntraceback at creation: \n\n" + "    ".join(creator))
        parts.append(">")
        return "".join(parts)


def _safeRepr(value: object) -> str:
    """``repr(value)``, or a placeholder when that raises: a repr must never fail."""
    try:
        return repr(value)
    except Exception as e:
        return f"<{type(value).__qualname__} instance at 0x{id(value):x} with broken repr: {e!r}>"


def _callableName(func: object) -> str:
    name = getattr(func, "__qualname__", None)
    return name if isinstance(name, str) else _safeRepr(func)


class TimerQueue:
    """The pending `DelayedCall` objects of one clock, in due order.

    Scheduling (creating a `DelayedCall` with this queue) and moving a call earlier cost
    O(log n), or O(1) for a call due no earlier than the last one filed in order; cancelling and
    moving a call later cost O(1) amortized; taking the next due call costs O(log n) amortized,
    or O(1) for one filed in order. See the module docstring for how.

    A clock runs its due calls with::

        while (call := queue.popDue(now)) is not None:
            call.func(*call.args, **call.kw)

    Calls scheduled while that loop runs are taken by it if they are due. A reactor that must
    leave them for its next iteration passes ``before=queue.sequence`` read before the loop.

    Args:
        seconds: The clock's current time, used by `DelayedCall.reset` and ``repr``.
    """

    __slots__ = ("_calls", "_heap", "_run", "_seq", "_stale", "seconds")

    def __init__(self, seconds: Callable[[], float]) -> None:
        self.seconds = seconds
        # Entries in due order are appended to _run, the others pushed on _heap.
        self._heap: list[_Entry] = []
        self._run: deque[_Entry] = deque()
        # The pending calls by sequence number.
        self._calls: dict[int, DelayedCall] = {}
        # Sequence number of the last call created; orders calls due at the same time.
        self._seq = 0
        # How many entries in _heap and _run belong to no pending call.
        self._stale = 0

    def __len__(self) -> int:
        """The number of pending calls."""
        return len(self._calls)

    @property
    def sequence(self) -> int:
        """A number greater than that of every call scheduled so far (see `popDue`)."""
        return self._seq + 1

    def _file(self, entry: _Entry) -> None:
        """Add an entry: to the end of the run if it keeps the run sorted, else to the heap."""
        run = self._run
        if not run or entry >= run[-1]:
            run.append(entry)
        else:
            heappush(self._heap, entry)

    def popDue(self, now: float, before: float = math.inf) -> DelayedCall | None:
        """Take the next pending call due at or before ``now``, marked as called.

        Calls come out by due time, then in the order they were created. The caller must run
        the call it gets (``call.func(*call.args, **call.kw)``).

        Args:
            now: The current time.
            before: Only take calls scheduled before the `sequence` number given, leaving
                calls scheduled since for a later pass. This relies on those being due no
                earlier than ``now`` (true for non-negative delays on a clock that does not go
                back): one due earlier holds back the due calls behind it until a later pass.

        Returns:
            The call, or None when no (eligible) call is due.
        """
        heap, run, calls = self._heap, self._run, self._calls
        while True:
            # The earliest entry is at the head of the run or the top of the heap.
            if run:
                entry = run[0]
                if heap and heap[0] < entry:
                    entry = heap[0]
            elif heap:
                entry = heap[0]
            else:
                return None
            if entry[0] > now:
                return None
            seq = entry[1]
            call = calls.get(seq)
            if call is None or call._entry is not entry or call.time != entry[0]:
                self._dropHead(entry, call)
            elif seq >= before:
                # The earliest due call is newer than the caller's pass, and so are all the
                # due calls behind it (they are due at the same time, created even later).
                return None
            else:
                if run and run[0] is entry:
                    run.popleft()
                else:
                    heappop(heap)
                del calls[seq]
                call._entry = None
                call.called = True
                return call

    def nextTime(self) -> float | None:
        """The time the earliest pending call is due, or None if there is none."""
        # The head selection below repeats popDue's on purpose: both run once per reactor
        # pass or per timer, and a shared helper would add a call to each.
        heap, run, calls = self._heap, self._run, self._calls
        while True:
            if run:
                entry = run[0]
                if heap and heap[0] < entry:
                    entry = heap[0]
            elif heap:
                entry = heap[0]
            else:
                return None
            call = calls.get(entry[1])
            if call is None or call._entry is not entry or call.time != entry[0]:
                self._dropHead(entry, call)
            else:
                return entry[0]

    def _dropHead(self, entry: _Entry, call: DelayedCall | None) -> None:
        """Remove the earliest entry, which is stale or whose call was moved later."""
        run = self._run
        if run and run[0] is entry:
            run.popleft()
        else:
            heappop(self._heap)
        if call is None or call._entry is not entry:
            self._stale -= 1
        else:
            # Moved later since it was filed: file it where it belongs now.
            call._entry = entry = (call.time, entry[1])
            self._file(entry)

    def pending(self) -> list[DelayedCall]:
        """The pending calls, in the order they will run (a new list)."""
        return sorted(self._calls.values(), key=_dueOrder)

    def _addStale(self) -> None:
        """One more entry has become stale; rebuild the heap and run once they are the majority."""
        self._stale = stale = self._stale + 1
        if stale > _COMPACT_MIN_STALE and stale * 2 > len(self._heap) + len(self._run):
            self._compact()

    def _compact(self) -> None:
        heap, run, calls = self._heap, self._run, self._calls
        # In place: a loop in popDue may be holding these.
        heap[:] = [entry for entry in heap if _isLive(calls.get(entry[1]), entry)]
        heapify(heap)
        live = [entry for entry in run if _isLive(calls.get(entry[1]), entry)]
        run.clear()
        run.extend(live)
        self._stale = 0


def _isLive(call: DelayedCall | None, entry: _Entry) -> bool:
    return call is not None and call._entry is entry


def _dueOrder(call: DelayedCall) -> tuple[float, int]:
    entry = call._entry
    assert entry is not None  # Only pending calls are sorted.
    return (call.time, entry[1])
