"""Process-wide behaviour, tested in subprocesses: signals and the global reactor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests._subprocess import BOUND as HANG_BOUND

_SIGNAL_SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
from torsion.internet.{module} import {cls}
reactor = {cls}()
reactor.addSystemEventTrigger("after", "shutdown", print, "shutdown complete", flush=True)
reactor.callWhenRunning(print, "ready", flush=True)
reactor.run()
print("handler restored:", signal_restored(), flush=True)
"""

_SIGNAL_PRELUDE = """
import signal
def signal_restored():
    return signal.getsignal(signal.SIGINT) is signal.default_int_handler
"""


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=HANG_BOUND * 3,
    )


@pytest.mark.parametrize(
    ("signum", "module", "cls"),
    [
        (signal.SIGINT, "epollreactor", "EPollReactor"),
        (signal.SIGTERM, "pollreactor", "PollReactor"),
        (signal.SIGINT, "selectreactor", "SelectReactor"),
        (signal.SIGINT, "asyncioreactor", "AsyncioReactor"),
        (signal.SIGTERM, "uvloopreactor", "UVLoopReactor"),
    ],
)
def test_signalStopsCleanly(signum: int, module: str, cls: str) -> None:
    pytest.importorskip(f"torsion.internet.{module}")
    if module == "uvloopreactor":
        pytest.importorskip("uvloop")
    script = _SIGNAL_PRELUDE + _SIGNAL_SCRIPT.format(module=module, cls=cls)
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        os.kill(child.pid, signum)
        out, err = child.communicate(timeout=HANG_BOUND)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    name = signal.Signals(signum).name
    assert child.returncode == 0, err
    assert f"Received {name}, shutting down." in out
    assert "shutdown complete" in out
    assert "handler restored: True" in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_importReactorInstallsDefault() -> None:
    result = _run(
        """
        import sys
        from torsion.internet import reactor
        from torsion.internet._core.loop import ReactorCore
        assert isinstance(reactor, ReactorCore), reactor
        assert sys.modules["torsion.internet.reactor"] is reactor
        import torsion.internet.reactor as again
        assert again is reactor
        if sys.platform.startswith("linux"):
            try:
                import uvloop
                best = "UVLoopReactor"
            except ImportError:
                best = "EPollReactor"
            assert type(reactor).__name__ == best, type(reactor)
        print("ok")
        """
    )
    assert result.stdout == "ok\n", result.stderr


def test_installReactorTwice() -> None:
    result = _run(
        """
        from torsion.internet import selectreactor, pollreactor
        from torsion.internet.error import ReactorAlreadyInstalledError
        first = selectreactor.install()
        from torsion.internet import reactor
        assert reactor is first
        try:
            pollreactor.install()
        except ReactorAlreadyInstalledError:
            print("refused")
        """
    )
    assert result.stdout == "refused\n", result.stderr


def test_installAfterImportRefused() -> None:
    result = _run(
        """
        import torsion.internet.reactor
        from torsion.internet import main, selectreactor
        from torsion.internet.error import ReactorAlreadyInstalledError
        try:
            main.installReactor(selectreactor.SelectReactor())
        except ReactorAlreadyInstalledError:
            print("refused")
        """
    )
    assert result.stdout == "refused\n", result.stderr
