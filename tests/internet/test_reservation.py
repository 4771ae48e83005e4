"""The spare descriptor (torsion.internet._transports.reservation) and how stream ports use it
to turn clients away when the process is out of descriptors."""

from __future__ import annotations

import errno
import io
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from torsion.internet import tcp
from torsion.internet._transports import reservation
from torsion.logger import LogLevel, capturedLogs
from torsion.python.failure import Failure
from torsion.testing import reactorName


class Files:
    """A file factory that records what it opened (or raises what it is given)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.opened: list[io.BytesIO] = []
        self.error = error

    def __call__(self) -> io.BytesIO:
        if self.error is not None:
            raise self.error
        f = io.BytesIO()
        self.opened.append(f)
        return f


def test_provides_the_interface() -> None:
    """Both kinds are IFileDescriptorReservations (by structure and for zope)."""
    from zope.interface.verify import verifyObject

    for kind in (tcp._FileDescriptorReservation(Files()), tcp._NullFileDescriptorReservation()):
        assert tcp._IFileDescriptorReservation.providedBy(kind)
        assert verifyObject(tcp._IFileDescriptorReservation, kind)


def test_reserve_opens_once() -> None:
    """Reserving again while reserved opens nothing more."""
    files = Files()
    reserved = tcp._FileDescriptorReservation(files)
    assert not reserved.available()
    for _ in range(3):
        reserved.reserve()
    assert len(files.opened) == 1 and reserved.available()
    assert repr(reserved) == "<FileDescriptorReservation reserved>"


def test_block_releases_and_reserves_again() -> None:
    """Entering closes the reserve; leaving, even by an exception, opens a new one."""
    files = Files()
    reserved = tcp._FileDescriptorReservation(files)
    reserved.reserve()
    with pytest.raises(ZeroDivisionError), reserved:
        assert files.opened[0].closed and not reserved.available()
        raise ZeroDivisionError
    assert reserved.available() and len(files.opened) == 2


def test_entering_without_a_reserve_is_an_error() -> None:
    """Nothing reserved: there is nothing to release."""
    with (
        pytest.raises(RuntimeError, match="No file reserved"),
        tcp._FileDescriptorReservation(Files()),
    ):
        pass


def test_emfile_while_reserving_is_logged() -> None:
    """Out of descriptors: logged with the error, the reservation stays unavailable."""
    reserved = tcp._FileDescriptorReservation(Files(OSError(errno.EMFILE, "Too many files")))
    with capturedLogs() as events:
        reserved.reserve()
    assert not reserved.available()
    [event] = events
    failure = event["log_failure"]
    assert isinstance(failure, Failure) and isinstance(failure.value, OSError)
    assert failure.value.errno == errno.EMFILE
    assert event["log_namespace"] == "torsion.internet.tcp"


@pytest.mark.parametrize(
    "error", [OSError(errno.EACCES, "denied"), ValueError(errno.EMFILE, "not an OSError")]
)
def test_other_errors_while_reserving_are_raised(error: Exception) -> None:
    """Anything but EMFILE is the caller's to see."""
    with pytest.raises(type(error)):
        tcp._FileDescriptorReservation(Files(error)).reserve()


def test_failing_to_reserve_again_is_logged_not_raised() -> None:
    """Leaving the block never raises over what the block raised."""
    files = Files()
    reserved = tcp._FileDescriptorReservation(files)
    reserved.reserve()
    with capturedLogs() as events, pytest.raises(KeyError), reserved:
        files.error = RuntimeError("cannot reopen")
        raise KeyError("the block's")
    assert [e["log_failure"].value.args for e in events] == [("cannot reopen",)]
    assert not reserved.available()


def test_null_reservation() -> None:
    """Never available; the block does nothing."""
    null = tcp._NullFileDescriptorReservation()
    null.reserve()
    with null:
        assert not null.available()
    assert not null.available()


def test_the_process_reservation() -> None:
    """One per process, of the platform's kind, shared by tcp and the ports."""
    assert tcp._reservedFD is reservation.reservedFD
    expected = (
        tcp._NullFileDescriptorReservation
        if sys.platform == "win32"
        else tcp._FileDescriptorReservation
    )
    assert isinstance(tcp._reservedFD, expected)


def test_buffers_logs_until_the_block_ends() -> None:
    """Events of the block's logger wait for its end, then go out in order (also on errors)."""
    seen: list[Any] = []
    with pytest.raises(ZeroDivisionError), tcp._BuffersLogs("name.space", seen.append) as log:
        log.info("one")
        log.warn("two {x}", x=2)
        assert not seen
        raise ZeroDivisionError
    assert [(e["log_format"], e["log_namespace"]) for e in seen] == [
        ("one", "name.space"),
        ("two {x}", "name.space"),
    ]
    assert seen[1]["log_level"] is LogLevel.warn


_TURN_AWAY_SCRIPT = """
import json, os, socket, sys
from torsion.internet import protocol
from torsion.internet._transports import reservation
from torsion.logger import globalLogPublisher
from torsion.testing import makeReactor

reactor = makeReactor(sys.argv[1])
built = []
class Counting(protocol.Protocol):
    def connectionMade(self):
        built.append(self)
        if len(built) == 1:
            reactor.callLater(0, reactor.crash)

def watch(event):
    if event.get("log_format") == "Re-reserving EMFILE recovery file descriptor.":
        reactor.callLater(0, reactor.crash)
globalLogPublisher.addObserver(watch)

port = reactor.listenTCP(0, protocol.Factory.forProtocol(Counting), interface="127.0.0.1")
address = ("127.0.0.1", port.getHost().port)
clients = [socket.create_connection(address) for _ in range(3)]
held = []
def exhaust():
    try:
        while True:
            held.append(os.dup(0))
    except OSError:
        pass
reactor.callWhenRunning(exhaust)
reactor.run(installSignalHandlers=False)
for fd in held:
    os.close(fd)
turnedAway = 0
for c in clients:
    c.settimeout(5)
    try:
        turnedAway += c.recv(1) == b""
    except ConnectionResetError:
        turnedAway += 1
    c.close()
events = {"built": len(built), "turnedAway": turnedAway, "listening": port.connected,
          "reserved": reservation.reservedFD.available()}
late = socket.create_connection(address)
reactor.run(installSignalHandlers=False)
events["builtAfter"] = len(built)
late.close()
print(json.dumps(events))
"""


def test_out_of_descriptors_turns_clients_away(reactor: Any) -> None:
    """At EMFILE the spare descriptor lets the port close each waiting client at once.

    No protocol is built for them, the port goes on listening with the spare reserved again,
    and once descriptors are free a new client is accepted. Runs in a subprocess (the
    reactor of the fixture's kind), which uses up all its descriptors.
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_TURN_AWAY_SCRIPT), str(reactorName(reactor))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout.strip().splitlines()[-1])
    assert events == {
        "built": 0,
        "turnedAway": 3,
        "listening": True,
        "reserved": True,
        "builtAfter": 1,
    }
