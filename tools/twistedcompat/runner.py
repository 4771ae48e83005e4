"""Running one test module in a pytest child process that may hang or crash.

Each module gets its own process, a per-test timeout (pytest-timeout) and a bound for the whole
module. What the child reported test by test (`twistedcompat.plugin`) is kept, whatever happens
to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ModuleRun", "runModule"]

TOOLS = Path(__file__).resolve().parent.parent


@dataclass
class ModuleRun:
    """What one run of a test module gave.

    Attributes:
        module: The module's dotted name, as run (``torsion.test.test_defer``).
        tests: Each test's outcome (``passed``, ``failed``, ``error``, ``skipped``) by its id
            (``Class.test_name``, or ``<collection>`` for a module that did not import).
        messages: For the tests that did not pass: the last line of the failure.
        status: ``ok``, ``timeout`` (the module bound was hit) or ``crashed`` (exit code).
        seconds: Wall time of the run.
    """

    module: str
    tests: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    status: str = "ok"
    seconds: float = 0.0


_WORST = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def runModule(
    module: str,
    target: str,
    *,
    overlay: Path | None,
    testTimeout: float,
    moduleTimeout: float,
    workdir: Path,
) -> ModuleRun:
    """Run ``target`` (a file path, or a dotted name with ``--pyargs``) as ``module``.

    Args:
        module: The name the results are filed under.
        target: What pytest is given.
        overlay: The rewritten tests' root (torsion runs), or None (Twisted runs).
        testTimeout: Seconds one test may take.
        moduleTimeout: Seconds the whole module may take before the child is killed.
        workdir: A directory for the child's working files.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", dir=workdir, delete=False) as out:
        resultsPath = Path(out.name)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TOOLS), env.get("PYTHONPATH")]))
    env["TORSION_COMPAT_RESULTS"] = str(resultsPath)
    env.pop("TORSION_COMPAT_OVERLAY", None)
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "twistedcompat.plugin",
        "-p",
        "no:cacheprovider",
    ]
    args += ["-c", str(workdir / "pytest.ini"), "--rootdir", str(overlay or workdir)]
    args += [f"--timeout={testTimeout:g}", "-o", "console_output_style=classic"]
    if overlay is None:
        args += ["--pyargs", target]
    else:
        env["TORSION_COMPAT_OVERLAY"] = str(overlay)
        args.append(target)
    run = ModuleRun(module)
    started = time.monotonic()
    try:
        done = subprocess.run(
            args,
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=moduleTimeout,
            check=False,
        )
        # pytest: 0 all passed, 1 some failed, 2 interrupted, 5 no tests; anything else crashed.
        if done.returncode not in (0, 1, 2, 5):
            run.status = f"crashed ({done.returncode})"
    except subprocess.TimeoutExpired:
        run.status = "timeout"
    run.seconds = time.monotonic() - started
    _collect(run, resultsPath)
    resultsPath.unlink()
    return run


def _collect(run: ModuleRun, resultsPath: Path) -> None:
    for line in resultsPath.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        test = _testId(record["test"])
        outcome = record["outcome"]
        if _WORST[outcome] >= _WORST.get(run.tests.get(test, "passed"), 0):
            run.tests[test] = outcome
            if record["message"]:
                run.messages[test] = record["message"]


def _testId(nodeid: str) -> str:
    """``Class.test`` from a pytest node id; ``<collection>`` for the module itself."""
    parts = nodeid.split("::")[1:]
    return ".".join(parts) if parts else "<collection>"
