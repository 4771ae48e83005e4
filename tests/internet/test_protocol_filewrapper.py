"""`FileWrapper`: a protocol writing into a file, as a transport."""

from __future__ import annotations

import io
from typing import Any

import pytest

from torsion.internet.protocol import FileWrapper, Protocol


class Broken(io.BytesIO):
    def close(self) -> None:
        raise OSError("cannot close")


def test_a_protocol_writes_into_the_file() -> None:
    class Greeter(Protocol):
        def connectionMade(self) -> None:
            assert self.transport is not None
            self.transport.write(b"hello ")
            self.transport.writeSequence([b"wor", b"ld"])

    wrapper = FileWrapper(io.BytesIO())
    Greeter().makeConnection(wrapper)
    assert wrapper.file.getvalue() == b"hello world"  # type: ignore[attr-defined]


def test_an_error_writing_goes_to_handle_exception() -> None:
    handled: list[type[BaseException] | None] = []

    class Recording(FileWrapper):
        def handleException(self) -> None:
            import sys

            handled.append(sys.exc_info()[0])

    wrapper = Recording(io.BytesIO())
    wrapper.write("text")  # type: ignore[arg-type]
    assert handled == [TypeError]
    FileWrapper(io.BytesIO()).write("ignored by default")  # type: ignore[arg-type]


def test_write_sequence_of_text_raises() -> None:
    with pytest.raises(TypeError):
        FileWrapper(io.BytesIO()).writeSequence(["a", "b"])  # type: ignore[list-item]


def test_lose_connection_closes_the_file_and_survives_a_close_error() -> None:
    wrapper = FileWrapper(io.BytesIO())
    wrapper.loseConnection()
    assert wrapper.closed and wrapper.file.closed
    broken = FileWrapper(Broken())
    broken.loseConnection()  # handleException swallows it
    assert broken.closed


def test_addresses_are_twisteds_strings() -> None:
    wrapper = FileWrapper(io.BytesIO())
    assert wrapper.getPeer() == ("file", "file") and wrapper.getHost() == "file"


def test_producers() -> None:
    class Producer:
        def __init__(self) -> None:
            self.resumed = 0
            self.stopped = False

        def resumeProducing(self) -> None:
            self.resumed += 1

        def stopProducing(self) -> None:
            self.stopped = True

    wrapper = FileWrapper(io.BytesIO())
    pull: Any = Producer()
    wrapper.registerProducer(pull, False)
    assert pull.resumed == 1 and wrapper.producer is pull and not wrapper.streamingProducer
    push: Any = Producer()
    wrapper.registerProducer(push, True)
    assert push.resumed == 0 and wrapper.streamingProducer
    wrapper.pauseProducing()
    wrapper.resumeProducing()
    wrapper.unregisterProducer()
    assert wrapper.producer is None
    wrapper.registerProducer(push, True)
    wrapper.stopConsuming()
    assert wrapper.producer is None and wrapper.closed


def test_stop_producing_closes() -> None:
    wrapper = FileWrapper(io.BytesIO())
    wrapper.stopProducing()
    assert wrapper.closed
