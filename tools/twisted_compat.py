"""Run Twisted's own unit tests against torsion, imports renamed (``make compat``).

Twisted's test packages are copied from the Twisted installed by the ``test`` extra into a
temporary directory and rewritten (``twisted`` becomes ``torsion`` in imports and dotted
names; `twistedcompat.overlay`). Each test module then runs in its own pytest process against
torsion, with a per-test timeout and a bound for the module (`twistedcompat.runner`);
trial-style TestCases run as `torsion.trial.unittest`'s. ``--compare`` runs the same modules
on Twisted itself, so the
report shows, per module, how many of the tests that pass on Twisted also pass on torsion
(`twistedcompat.report`). Tests torsion fails on purpose are listed, with the reason, in
``tools/twistedcompat/deliberate.toml``.

Usage::

    python tools/twisted_compat.py [--compare] [--update-docs] [--json PATH] [MODULE ...]

MODULE is a Twisted test module (``twisted.test.test_defer``); the default is the list of the
modules of the areas torsion implements.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
from pathlib import Path

import twisted

from twistedcompat import overlay, report
from twistedcompat.runner import ModuleRun, runModule

ROOT = Path(__file__).resolve().parent.parent
DELIBERATE = Path(__file__).resolve().parent / "twistedcompat" / "deliberate.toml"
DOCS = ROOT / "docs" / "compatibility.md"

#: The Twisted test modules of the areas torsion implements.
MODULES = [
    # Deferreds, task, failure
    "twisted.test.test_defer",
    "twisted.internet.test.test_inlinecb",
    "twisted.internet.test.test_defer_await",
    "twisted.internet.test.test_defer_yieldfrom",
    "twisted.test.test_task",
    "twisted.test.test_cooperator",
    "twisted.test.test_failure",
    # protocols and factories, test doubles
    "twisted.internet.test.test_protocol",
    "twisted.test.test_factories",
    "twisted.test.test_protocols",
    "twisted.protocols.test.test_basic",
    "twisted.test.test_policies",
    "twisted.test.test_loopback",
    "twisted.internet.test.test_testing",
    "twisted.test.test_iosim",
    # TCP, endpoints, UNIX, UDP, processes, threads
    "twisted.test.test_tcp",
    "twisted.internet.test.test_tcp",
    "twisted.internet.test.test_endpoints",
    "twisted.test.test_unix",
    "twisted.internet.test.test_unix",
    "twisted.test.test_udp",
    "twisted.test.test_process",
    "twisted.test.test_threadpool",
    # the python utilities
    "twisted.test.test_reflect",
    "twisted.test.test_compat",
    "twisted.python.test.test_util",
    "twisted.test.test_paths",
    "twisted.python.test.test_components",
    "twisted.python.test.test_deprecate",
    "twisted.test.test_lockfile",
    "twisted.test.test_monkey",
    "twisted.test.test_context",
    "twisted.test.test_randbytes",
    "twisted.python.test.test_runtime",
    "twisted.python.test.test_tzhelper",
    # logging
    "twisted.logger.test.test_buffer",
    "twisted.logger.test.test_capture",
    "twisted.logger.test.test_file",
    "twisted.logger.test.test_filter",
    "twisted.logger.test.test_flatten",
    "twisted.logger.test.test_format",
    "twisted.logger.test.test_global",
    "twisted.logger.test.test_io",
    "twisted.logger.test.test_json",
    "twisted.logger.test.test_legacy",
    "twisted.logger.test.test_levels",
    "twisted.logger.test.test_logger",
    "twisted.logger.test.test_observer",
    "twisted.logger.test.test_stdlib",
    "twisted.logger.test.test_util",
    "twisted.test.test_log",
    "twisted.test.test_logfile",
    # the reactor
    "twisted.internet.test.test_base",
    "twisted.internet.test.test_main",
    "twisted.internet.test.test_default",
    "twisted.internet.test.test_address",
    "twisted.test.test_error",
]


def parseArgs(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=MODULES, metavar="MODULE")
    parser.add_argument("--compare", action="store_true", help="also run them on Twisted")
    parser.add_argument("--json", type=Path, help="write every test's outcome here")
    parser.add_argument(
        "--update-docs", action="store_true", help=f"write the table into {DOCS.name}"
    )
    parser.add_argument("--test-timeout", type=float, default=60.0, help="seconds per test")
    # A Twisted reactor test that fails inside a callback leaves its reactor running until the
    # per-test timeout: a module with a few dozen of those (test_tcp's) needs a long bound.
    parser.add_argument("--module-timeout", type=float, default=1800.0, help="seconds per module")
    return parser.parse_args(argv)


def _torsionName(module: str) -> str:
    return "torsion" + module.removeprefix("twisted")


def main(argv: list[str]) -> int:
    args = parseArgs(argv)
    unknown = [m for m in args.modules if not m.startswith("twisted.")]
    if unknown:
        sys.exit(f"not Twisted test modules: {unknown}")
    twistedRoot = Path(twisted.__file__).resolve().parent
    deliberate = report.loadDeliberate(DELIBERATE)
    ours: list[ModuleRun] = []
    theirs: list[ModuleRun] = []
    with tempfile.TemporaryDirectory(prefix="torsion-compat-") as scratch:
        workdir = Path(scratch)
        (workdir / "pytest.ini").write_text("[pytest]\n")
        tree = workdir / "overlay"
        overlay.build(twistedRoot, tree)
        for module in args.modules:
            name = _torsionName(module)
            path = tree / (name.replace(".", "/") + ".py")
            common = {
                "testTimeout": args.test_timeout,
                "moduleTimeout": args.module_timeout,
                "workdir": workdir,
            }
            run = runModule(name, str(path), overlay=tree, **common)
            ours.append(run)
            line = f"{name}: {run.status}, {len(run.tests)} tests in {run.seconds:.0f} s"
            if args.compare:
                reference = runModule(name, module, overlay=None, **common)
                theirs.append(reference)
                line += f" (Twisted: {len(reference.tests)} in {reference.seconds:.0f} s)"
            print(line, file=sys.stderr, flush=True)
    allRows = report.rows(ours, theirs if args.compare else None, deliberate)
    markdown = report.table(allRows)
    print(markdown)
    caption = f"Measured {datetime.date.today()} against Twisted {twisted.__version__}."
    if args.compare:
        caption += " " + report.totals(allRows)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(report.toJSON(ours, theirs if args.compare else None, deliberate))
    if args.update_docs:
        report.updateDocs(DOCS, f"{caption}\n\n{markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
