"""The layer rule of ``docs/design/architecture.md``, checked on the import graph of src/torsion.

The page's layer table names every module; a module-level import (``TYPE_CHECKING`` ones
included) points to the same layer or a lower one, and module-level imports form no cycle. An
import inside a function is an upward edge: only those the page lists are allowed. Logger names
follow the page's rule too.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PAGE = ROOT / "docs" / "design" / "architecture.md"


@dataclass
class Module:
    """One module of src/torsion and the torsion modules it imports."""

    name: str
    path: Path
    eager: set[str] = field(default_factory=set)  # at module level (TYPE_CHECKING included)
    lazy: set[str] = field(default_factory=set)  # inside a function


def _moduleName(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")


def _targets(node: ast.Import | ast.ImportFrom, names: set[str]) -> set[str]:
    """The torsion modules an import statement imports (``from pkg import submodule`` too)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in names}
    if node.module is None or not node.module.startswith("torsion"):
        return set()
    found = set()
    for alias in node.names:
        submodule = f"{node.module}.{alias.name}"
        found.add(submodule if submodule in names else node.module)
    return found & names


def _scan() -> dict[str, Module]:
    modules = {_moduleName(p): Module(_moduleName(p), p) for p in (SRC / "torsion").rglob("*.py")}
    names = set(modules)
    for module in modules.values():
        tree = ast.parse(module.path.read_text())
        inFunctions: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        inFunctions.add(id(inner))
                        module.lazy |= _targets(inner, names)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in inFunctions:
                module.eager |= _targets(node, names)
        module.eager.discard(module.name)
        module.lazy -= module.eager | {module.name}
    return modules


def _layers() -> list[tuple[str, list[str]]]:
    """The page's layer table: (layer, module patterns), from the bottom up."""
    rows = re.findall(r"^\| (\d+) \| (\w+) \| (.+) \|$", PAGE.read_text(), re.MULTILINE)
    assert rows, f"no layer table in {PAGE}"
    assert [int(number) for number, _, _ in rows] == list(range(1, len(rows) + 1))
    return [(layer, re.findall(r"`([\w.*]+)`", patterns)) for _, layer, patterns in rows]


def _allowedLazy() -> set[tuple[str, str]]:
    section = PAGE.read_text().split("### Allowed upward edges", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([\w.]+)` → `([\w.]+)`", section, re.MULTILINE))


def _matches(pattern: str, name: str) -> bool:
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1]) or name == pattern[:-2]
    return name == pattern


MODULES = _scan()
LAYERS = _layers()


def _layerOf(name: str) -> int | None:
    hits = [i for i, (_, patterns) in enumerate(LAYERS) for p in patterns if _matches(p, name)]
    return hits[0] if len(set(hits)) == 1 else None


def test_every_module_has_exactly_one_layer() -> None:
    unplaced = sorted(name for name in MODULES if _layerOf(name) is None)
    assert not unplaced, f"add these modules to the layer table of {PAGE.name}: {unplaced}"


def test_every_pattern_names_a_module() -> None:
    stale = [
        p for _, patterns in LAYERS for p in patterns if not any(_matches(p, n) for n in MODULES)
    ]
    assert not stale, f"the layer table names modules that do not exist: {stale}"


def test_imports_point_down_the_layers() -> None:
    upward = []
    for module in MODULES.values():
        own = _layerOf(module.name)
        for target in module.eager:
            theirs = _layerOf(target)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{module.name} ({LAYERS[own][0]}) -> {target} ({LAYERS[theirs][0]})")
    assert not upward, "imports up the layers:\n" + "\n".join(sorted(upward))


def test_no_import_cycles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(name: str) -> None:  # Tarjan's strongly connected components
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in MODULES[name].eager:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(MODULES):
        if name not in index:
            visit(name)
    assert not cycles, f"module-level import cycles: {cycles}"


def test_only_listed_imports_inside_functions() -> None:
    found = {(m.name, target) for m in MODULES.values() for target in m.lazy}
    upward = {
        (source, target)
        for source, target in found
        if (_layerOf(target) or 0) > (_layerOf(source) or 0) or target in MODULES[source].eager
    }
    allowed = _allowedLazy()
    assert upward <= allowed, f"unlisted imports up the layers: {sorted(upward - allowed)}"
    assert allowed <= found, f"listed upward edges that no longer exist: {sorted(allowed - found)}"


_PUBLIC = {n for n in MODULES if not any(part.startswith("_") for part in n.split("."))}


#: The bridges between torsion's logging and stdlib ``logging``: they alone use stdlib loggers,
#: and they name namespaces after what they carry.
_BRIDGES = ("torsion.logger", "torsion.python.log")


#: Modules whose Logger takes the namespace its caller gives (Twisted's ``_BuffersLogs``, which
#: holds a port's events back while a spare descriptor is released); the callers name it.
_FORWARDS_NAMESPACE = ("torsion.internet._transports.reservation",)


def _isBridge(name: str) -> bool:
    return name in _BRIDGES or name.startswith("torsion.logger.")


def _assertPublicModule(owner: str, node: ast.expr, what: str) -> None:
    assert isinstance(node, ast.Constant) and node.value in _PUBLIC, (
        f"{owner}: {what} {ast.unparse(node)} is not a literal public module or package"
    )
    assert importlib.util.find_spec(node.value) is not None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_logger_names_are_public_modules(name: str) -> None:
    if _isBridge(name):
        return
    for call in ast.walk(ast.parse(MODULES[name].path.read_text())):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        assert callee != "getLogger", (
            f"{name}: logs through a stdlib logger; use torsion.logger.Logger(namespace=...)"
        )
        keywords = {k.arg: k.value for k in call.keywords}
        if callee == "Logger":
            assert "namespace" in keywords and not call.args, (
                f"{name}: a Logger names its public module with namespace=..."
            )
            if name not in _FORWARDS_NAMESPACE:
                _assertPublicModule(name, keywords["namespace"], "namespace")
        if "log_namespace" in keywords:  # a legacy event (python.log.msg)
            _assertPublicModule(name, keywords["log_namespace"], "log_namespace")
