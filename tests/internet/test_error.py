"""Twisted's error classes and the connection-lost constants, with Twisted's relations."""

from __future__ import annotations

from torsion.internet import error, main


def test_ssl_error_is_a_connect_error() -> None:
    assert issubclass(error.SSLError, error.ConnectError)
    assert str(error.SSLError()) == "An SSL error occurred."


def test_descriptor_overrun_is_a_lost_connection() -> None:
    assert issubclass(error.FileDescriptorOverrun, error.ConnectionLost)
    assert "sendFileDescriptor" in str(error.FileDescriptorOverrun())


def test_connection_constants() -> None:
    assert main.CONNECTION_DONE.check(error.ConnectionDone)
    assert main.CONNECTION_LOST.check(error.ConnectionLost)
    assert not main.CONNECTION_DONE.check(error.ConnectionLost)


def test_fdesc_went_away_is_twisteds() -> None:
    assert issubclass(error.ConnectionFdescWentAway, error.ConnectionLost)
    assert str(error.ConnectionFdescWentAway()) == "Uh."


def test_process_terminated_wording_is_twisteds() -> None:
    assert str(error.ProcessTerminated()).endswith(": process ended.")
    both = error.ProcessTerminated(exitCode=3, signal=9)
    assert str(both).endswith(": process ended with exit code 3 by signal 9.")


def test_getConnectError_of_an_exception_that_is_no_pair() -> None:
    cause = Exception()
    result = error.getConnectError(cause)
    assert type(result) is error.ConnectError
    assert result.osError is None and result.args == (cause,)
