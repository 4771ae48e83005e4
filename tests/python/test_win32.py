"""Windows argument quoting and error numbers, as Twisted's ``python.win32`` has them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from torsion.python import win32

twistedWin32 = __import__("twisted.python.win32", fromlist=["cmdLineQuote"])


@given(st.text(alphabet=st.sampled_from('ab \t"\\')))
def test_quoting_is_twisteds(argument: str) -> None:
    assert win32.cmdLineQuote(argument) == twistedWin32.cmdLineQuote(argument)


def test_quote_examples() -> None:
    assert win32.cmdLineQuote("plain") == "plain"
    assert win32.cmdLineQuote("") == '""'
    assert win32.cmdLineQuote('say "hi"') == '"say \\"hi\\""'
    assert win32.quoteArguments(["a b", "c"]) == '"a b" c'


def test_error_numbers_and_stand_ins() -> None:
    assert (win32.ERROR_FILE_NOT_FOUND, win32.ERROR_DIRECTORY) == (2, 267)
    assert issubclass(win32.WindowsError, OSError)
    assert win32.O_BINARY == 0
