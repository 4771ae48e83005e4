"""The compatibility runner: the rewrite, a run in a child process, and the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from twistedcompat import overlay, report
from twistedcompat.runner import ModuleRun, runModule


def test_rewrite_renames_imports_and_dotted_names() -> None:
    source = (
        "import twisted\n"
        "from twisted.internet import reactor\n"
        "import twisted.python.log as log\n"
        'name = "twisted.internet.test.test_tcp.Tests"\n'
        "# Twisted is not twisted-ish, and not_twisted.x stays\n"
    )
    assert overlay.rewrite(source) == (
        "import torsion\n"
        "from torsion.internet import reactor\n"
        "import torsion.python.log as log\n"
        'name = "torsion.internet.test.test_tcp.Tests"\n'
        "# Twisted is not twisted-ish, and not_twisted.x stays\n"
    )


_WORDS = st.sampled_from(["twisted", "torsion", "import ", "from ", ".", "_", "x", " ", "\n", '"'])


@given(st.lists(_WORDS, max_size=30).map("".join))
def test_rewrite_only_renames_the_package(text: str) -> None:
    """Whatever the text, the rewrite only ever turns ``twisted`` into ``torsion``."""
    rewritten = overlay.rewrite(text)
    assert len(rewritten) == len(text)
    changed = [i for i, (a, b) in enumerate(zip(text, rewritten, strict=True)) if a != b]
    for i in changed:
        start = text.rfind("twisted", max(0, i - 6), i + len("twisted"))
        assert start != -1 and start <= i < start + len("twisted")
        assert rewritten[start : start + len("torsion")] == "torsion"


_FAKE_TEST = """
from twisted.internet.defer import succeed
from twisted.trial.unittest import SynchronousTestCase
from twisted.internet.test.helper import answer


class FakeTests(SynchronousTestCase):
    def test_passes(self) -> None:
        self.assertEqual(self.successResultOf(succeed(answer())), 42)

    def test_fails(self) -> None:
        self.assertEqual(answer(), 0)

    def test_hangs(self) -> None:
        while True:
            pass
"""


def test_a_rewritten_module_runs_against_torsion(tmp_path: Path) -> None:
    """A fake Twisted tree: its test module and its helper become part of torsion's packages;
    a hanging test is stopped by the per-test timeout and the rest is still reported."""
    fake = tmp_path / "twisted"
    (fake / "internet" / "test").mkdir(parents=True)
    (fake / "internet" / "test" / "__init__.py").touch()
    (fake / "internet" / "test" / "helper.py").write_text("def answer() -> int:\n    return 42\n")
    (fake / "internet" / "test" / "test_fake.py").write_text(_FAKE_TEST)
    tree = tmp_path / "overlay"
    made = overlay.build(fake, tree)
    assert made == [tree / "torsion" / "internet" / "test"]
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    run = runModule(
        "torsion.internet.test.test_fake",
        str(tree / "torsion" / "internet" / "test" / "test_fake.py"),
        overlay=tree,
        testTimeout=2,
        moduleTimeout=120,
        workdir=tmp_path,
    )
    assert run.status == "ok"
    assert run.tests == {
        "FakeTests.test_passes": "passed",
        "FakeTests.test_fails": "failed",
        "FakeTests.test_hangs": "failed",
    }
    assert "Timeout" in run.messages["FakeTests.test_hangs"]


def test_report_rates_and_json() -> None:
    ours = ModuleRun("torsion.test.test_x", {"A.a": "passed", "A.b": "failed", "A.c": "failed"})
    ours.messages["A.b"] = "AssertionError: no"
    theirs = ModuleRun("torsion.test.test_x", {"A.a": "passed", "A.b": "passed", "A.c": "passed"})
    deliberate = {"torsion.test.test_x.A.c": "a safer default"}
    (row,) = report.rows([ours], [theirs], deliberate)
    assert (row.collected, row.passed, row.failed) == (3, 1, 2)
    assert (row.twistedPassed, row.bothPassed, row.deliberate) == (3, 1, 1)
    assert row.rate == 2 / 3
    assert "| `torsion.test.test_x` | ok | 3 | 1 | 2 | 0 | 0 | 3 | 1 | 1 | 67% |" in report.table(
        [row]
    )
    assert report.totals([row]) == "Of the 3 tests that pass on Twisted, 2 (67%) pass on torsion."
    document = json.loads(report.toJSON([ours], [theirs], deliberate))
    assert document["torsion.test.test_x"]["tests"]["A.b"] == {
        "torsion": "failed",
        "twisted": "passed",
        "message": "AssertionError: no",
    }
    assert document["torsion.test.test_x"]["tests"]["A.c"]["deliberate"] == "a safer default"
    broken = ModuleRun("torsion.test.test_y", {"<collection>": "error"})
    assert report.rows([broken], None, {})[0].status == "does not import"


def test_a_child_with_the_overlay_first_on_its_path_gets_the_real_torsion(tmp_path: Path) -> None:
    twistedRoot = tmp_path / "twisted"
    (twistedRoot / "python" / "test").mkdir(parents=True)
    (twistedRoot / "python" / "test" / "__init__.py").touch()
    (twistedRoot / "test").mkdir()
    (twistedRoot / "test" / "__init__.py").touch()
    (twistedRoot / "test" / "helper_child.py").write_text("print('from the overlay')\n")
    overlayRoot = tmp_path / "overlay"
    overlay.build(twistedRoot, overlayRoot)
    script = "import torsion.python.failure, torsion; print(torsion.__file__)\n"
    script += "import torsion.test.helper_child"  # only the overlay has it
    child = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(overlayRoot), *sys.path])},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    real, overlaid = child.stdout.splitlines()
    assert not real.startswith(str(overlayRoot)) and overlaid == "from the overlay"
