"""`beginCommandLineLogging`: every API to one stream, once, as text or JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import logging, sys
from torsion.logger import Logger, LogLevel
from torsion.logger._commandline import beginCommandLineLogging
from torsion.python import log
beginCommandLineLogging(sys.stdout, {fmt!r}, LogLevel.info)
Logger(namespace="app").info("event {{n}}", n=1)
Logger(namespace="app").debug("below the level")
logging.getLogger("torsion.x").info("torsion record %s", 2)
logging.getLogger("thirdparty").info("other record %s", 3)
log.msg("legacy", 4)
"""


def run(fmt: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(fmt=fmt)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stderr == ""
    return result.stdout.splitlines()


def test_text() -> None:
    lines = [line.partition(" ")[2] for line in run("text")]
    assert lines == [
        "[app#info] event 1",
        "[torsion.x#info] torsion record 2",
        "[thirdparty#info] other record 3",
        "[-] legacy 4",
    ]


def test_jsonLines() -> None:
    events = [json.loads(line) for line in run("json")]
    assert [e["log_text"] for e in events] == [
        "event 1",
        "torsion record 2",
        "other record 3",
        "legacy 4",
    ]
    assert events[0]["n"] == 1 and events[0]["log_level"]["name"] == "info"
