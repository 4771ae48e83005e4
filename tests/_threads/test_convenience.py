"""`Quit`: the flag behind every worker's `AlreadyQuit`."""

from __future__ import annotations

import pytest

from torsion._threads import AlreadyQuit
from torsion._threads._convenience import Quit


def test_a_new_flag_is_not_set_and_checks_clean() -> None:
    flag = Quit()
    assert flag.isSet is False
    flag.check()


def test_set_makes_check_and_set_raise() -> None:
    flag = Quit()
    flag.set()
    assert flag.isSet is True
    with pytest.raises(AlreadyQuit):
        flag.check()
    with pytest.raises(AlreadyQuit):
        flag.set()
