"""Delayed calls and the timer queue that keeps them in due order.

`DelayedCall` is Twisted's class, with its constructor, for clocks of one's own; the calls
torsion's clocks make are its subclass `QueuedCall`, filed on a `TimerQueue`.

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
from collections.abc import Callable, Sequence
from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING, Any, ClassVar

from torsion.internet.error import AlreadyCalled, AlreadyCancelled
from torsion.python.runtime import seconds as runtimeSeconds

__all__ = ["DelayedCall", "QueuedCall", "TimerQueue"]

#: An entry: (time the call is filed under, its creation sequence number).
_Entry = tuple[float, int]

# Rebuilding small structures is cheap, but doing it after every other cancellation is waste.
_COMPACT_MIN_STALE = 64

#: The class-wide debug switch, ``DelayedCall.debug``; a global, so that making a call reads it
#: as fast as it would read a class attribute.
_debug = False


class _DebugSwitch(type):
    """The metaclass of `DelayedCall`: ``DelayedCall.debug`` is the class-wide switch.

    Twisted's ``debug`` is a class attribute that code also sets on single calls. With
    ``__slots__`` (no instance dict, to keep calls small and fast) a plain class attribute
    could not be set on a call, and a descriptor on the class would be replaced by the first
    ``DelayedCall.debug = True``. So the class-wide switch is this property of the metaclass
    (reading and setting it on the class, as ``monkeypatch.setattr`` does, reach the global),
    and each call's own ``debug`` is `_CallDebug`'s.
    """

    @property
    def debug(cls) -> bool:
        """Whether new calls record the stack that created them."""
        return _debug

    @debug.setter
    def debug(cls, on: bool) -> None:
        global _debug
        _debug = bool(on)

    @debug.deleter
    def debug(cls) -> None:
        global _debug
        _debug = False


class _CallDebug:
    """Each call's ``debug`` attribute (see `_DebugSwitch`)."""

    __slots__ = ()

    if not TYPE_CHECKING:  # The type checker sees DelayedCall.debug as a class variable.

        @property
        def debug(self) -> bool:
            """Whether this call recorded the stack that created it (`DelayedCall.creator`).

            It can be set, as in Twisted, but that changes nothing: the stack can only be
            recorded when the call is made.
            """
            return getattr(self, "_creator", None) is not None

        @debug.setter
        def debug(self, on: bool) -> None:
            pass


class DelayedCall(_CallDebug, metaclass=_DebugSwitch):
    """A call scheduled to run later, as ``callLater`` returns it (Twisted's ``IDelayedCall``).

    It runs at most once, and can be cancelled or moved (`delay`, `reset`) until it runs. The
    calls torsion's clocks make are `QueuedCall` objects, filed on a `TimerQueue`. Made with
    this constructor (Twisted's signature), a call belongs to no queue: it is for a clock of
    one's own, which keeps its calls in order and runs them, and hears of changes through the
    two callbacks. As in Twisted, such a call moved later only records the move
    (`delayed_time`; `getTime` includes it) and calls nothing: the clock sees the new time when
    it next looks, and can fold the move into `time` with `activate_delay`.

    Args:
        time: When the call is due, on the scale of ``seconds``.
        func: What to call.
        args: Positional arguments for ``func``.
        kw: Keyword arguments for ``func``.
        cancel: Called with the call when it is cancelled.
        reset: Called with the call when it moved earlier (its `time` changed).
        seconds: The clock's current time (for `reset` and ``repr``).

    Attributes:
        time: When the call is due (for a `QueuedCall`, always its current due time).
        func: What will be called (deleted on cancellation, as in Twisted, to free it early).
        args: Positional arguments for ``func`` (deleted on cancellation).
        kw: Keyword arguments for ``func`` (deleted on cancellation).
        called: True once the call has been taken from its clock to be run.
        cancelled: True once `cancel` succeeded.
        debug: On the class, the switch: when True, each new call records the stack that
            created it (`creator`), shown by ``repr``. Slow; for tracking down a stray call.
            On a call, whether it recorded it.
    """

    __slots__ = ("_creator", "_owner", "args", "called", "cancelled", "func", "kw", "time")

    if TYPE_CHECKING:  # What `_DebugSwitch` and `_CallDebug` make of it at run time.
        debug: ClassVar[bool]

    time: float
    func: Callable[..., object]
    args: tuple[Any, ...]
    kw: dict[str, Any]
    called: bool
    cancelled: bool
    _creator: list[str]
    _owner: _Owner

    def __init__(
        self,
        time: float,
        func: Callable[..., object],
        args: Sequence[Any],
        kw: dict[str, Any],
        cancel: Callable[[DelayedCall], object],
        reset: Callable[[DelayedCall], object],
        seconds: Callable[[], float] = runtimeSeconds,
    ) -> None:
        self.time = time
        self.func = func
        self.args = tuple(args)
        self.kw = kw
        self.called = False
        self.cancelled = False
        self._owner = _Owner(cancel, reset, seconds)
        if _debug:
            self._creator = traceback.format_stack()[:-2]

    @property
    def creator(self) -> list[str] | None:
        """The formatted stack that created this call, if `debug` was on; else None."""
        return getattr(self, "_creator", None)

    @property
    def seconds(self) -> Callable[[], float]:
        """The clock's current time function."""
        return self._owner.seconds

    @property
    def delayed_time(self) -> float:
        """How much later than `time` the call is due, after moves not yet folded into it."""
        return self._owner.delayedTime

    def getTime(self) -> float:
        """Return the time at which this call is due."""
        return self.time + self._owner.delayedTime

    def active(self) -> bool:
        """Return True until this call has run or been cancelled."""
        return not (self.called or self.cancelled)

    def cancel(self) -> None:
        """Unschedule this call so it never runs.

        Raises:
            AlreadyCancelled: It was already cancelled.
            AlreadyCalled: It has already run.
        """
        self._checkActive()
        self._owner.cancel(self)
        self.cancelled = True
        del self.func, self.args, self.kw

    def delay(self, secondsLater: float) -> None:
        """Make this call due ``secondsLater`` seconds after its current due time.

        Raises:
            AlreadyCancelled: It was cancelled.
            AlreadyCalled: It has already run.
        """
        self._checkActive()
        owner = self._owner
        owner.delayedTime += secondsLater
        if owner.delayedTime < 0.0:
            self.activate_delay()
            owner.reset(self)

    def reset(self, secondsFromNow: float) -> None:
        """Make this call due ``secondsFromNow`` seconds after the clock's current time.

        Raises:
            AlreadyCancelled: It was cancelled.
            AlreadyCalled: It has already run.
        """
        self._checkActive()
        owner = self._owner
        when = owner.seconds() + secondsFromNow
        if when < self.time:
            owner.delayedTime = 0.0
            self.time = when
            owner.reset(self)
        else:
            owner.delayedTime = when - self.time

    def activate_delay(self) -> None:
        """Fold the moves recorded in `delayed_time` into `time` (Twisted's name)."""
        owner = self._owner
        self.time += owner.delayedTime
        owner.delayedTime = 0.0

    def _checkActive(self) -> None:
        if self.cancelled:
            raise AlreadyCancelled()
        if self.called:
            raise AlreadyCalled()

    def __lt__(self, other: DelayedCall) -> bool:
        """Order by `time`, so a list of calls can be sorted (as in Twisted)."""
        return self.time < other.time

    def __le__(self, other: DelayedCall) -> bool:
        """Order by `time`, so a list of calls can be sorted (as in Twisted)."""
        return self.time <= other.time

    def __repr__(self) -> str:
        """Show the due time relative to now, the state, (unless cancelled) the call, and,
        in debug mode, the stack that made it; as Twisted, ``called`` and ``cancelled``
        show as 0 or 1."""
        parts = [
            f"<DelayedCall 0x{id(self):x} [{self.time - self.seconds()}s]"
            f" called={self.called:d} cancelled={self.cancelled:d}"
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


class _Owner:
    """What a `DelayedCall` made with Twisted's constructor knows of its clock."""

    __slots__ = ("cancel", "delayedTime", "reset", "seconds")

    def __init__(
        self,
        cancel: Callable[[DelayedCall], object],
        reset: Callable[[DelayedCall], object],
        seconds: Callable[[], float],
    ) -> None:
        self.cancel = cancel
        self.reset = reset
        self.seconds = seconds
        self.delayedTime = 0.0


class QueuedCall(DelayedCall):
    """A `DelayedCall` filed on a `TimerQueue`: what the reactor's and `Clock`'s
    ``callLater`` return.

    Creating one schedules it. Its `time` is always its current due time: moves are filed at
    once (earlier) or when the call comes first (later; see the module docstring), so
    `delayed_time` is always 0.

    Args:
        time: When the call is due, on the queue's ``seconds()`` scale.
        func: What to call.
        args: Positional arguments for ``func``.
        kw: Keyword arguments for ``func``.
        queue: The queue that will run it.
    """

    __slots__ = ("_entry", "_queue")

    _entry: _Entry | None
    _queue: TimerQueue

    def __init__(  # The hot path of every callLater: keep it lean.
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
        # queue._file(entry), inlined.
        run = queue._run
        if not run or entry >= run[-1]:
            run.append(entry)
        else:
            heappush(queue._heap, entry)
        if _debug:
            self._creator = traceback.format_stack()[:-2]

    @property
    def seconds(self) -> Callable[[], float]:
        """The queue's current time function."""
        return self._queue.seconds

    @property
    def delayed_time(self) -> float:
        """Always 0: moves change `time` at once."""
        return 0.0

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

    def activate_delay(self) -> None:
        """Nothing to fold: `time` is always current."""

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
    """The pending `QueuedCall` objects of one clock, in due order.

    Scheduling (creating a `QueuedCall` with this queue) and moving a call earlier cost
    O(log n), or O(1) for a call due no earlier than the last one filed in order; cancelling and
    moving a call later cost O(1) amortized; taking the next due call costs O(log n) amortized,
    or O(1) for one filed in order. See the module docstring for how.

    A clock runs its due calls with::

        while (call := queue.popDue(now)) is not None:
            call.func(*call.args, **call.kw)

    Calls scheduled while that loop runs are taken by it if they are due. A reactor that must
    leave them for its next iteration passes ``before=queue.sequence`` read before the loop.

    Args:
        seconds: The clock's current time, used by `QueuedCall.reset` and ``repr``.
    """

    __slots__ = ("_calls", "_heap", "_run", "_seq", "_stale", "seconds")

    def __init__(self, seconds: Callable[[], float]) -> None:
        self.seconds = seconds
        # Entries in due order are appended to _run, the others pushed on _heap.
        self._heap: list[_Entry] = []
        self._run: deque[_Entry] = deque()
        # The pending calls by sequence number.
        self._calls: dict[int, QueuedCall] = {}
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

    def popDue(self, now: float, before: float = math.inf) -> QueuedCall | None:
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

    def _dropHead(self, entry: _Entry, call: QueuedCall | None) -> None:
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
        return [call for _, call in sorted(self._calls.items(), key=_dueOrder)]

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


def _isLive(call: QueuedCall | None, entry: _Entry) -> bool:
    return call is not None and call._entry is entry


def _dueOrder(item: tuple[int, QueuedCall]) -> tuple[float, int]:
    """A pending call's place in the run order: its due time, then its sequence number."""
    seq, call = item
    return (call.time, seq)
