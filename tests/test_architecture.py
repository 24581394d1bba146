"""Imports run one way: the import-linter layers contract of pyproject.toml, and its exceptions.

The contract (``[tool.importlinter]``) fails on an upward import or a circle between layers;
imports inside functions count. Its ``ignore_imports`` lists the importer -> imported pairs of the
allowed upward calls, and :func:`test_ignored_imports_are_lazy_delegates` checks that each such
import sits inside a result object's lazy delegate method (``to_*``, ``_repr_*``, ``validate``,
``explore``, ``plot``, ``show``; and in ``flightplan`` the reader ``read`` and the module
``__getattr__`` that re-exports the names moved to ``legality``), so the exception cannot grow
into a back door.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "openskies"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
CONFIG = PYPROJECT["tool"]["importlinter"]
(LAYERS,) = [c for c in CONFIG["contracts"] if c["id"] == "layers"]

#: Names of the lazy delegate methods that may import from a layer above.
DELEGATE = re.compile(r"^(to_\w+|_repr_\w+|validate|explore|plot|show)$")
#: Module functions allowed the same exception, by importer (documented in docs/architecture.md).
EXTRA = {"openskies.flightplan": {"read", "__getattr__"}}


def _module_file(name: str) -> Path:
    rel = Path(*name.split(".")[1:])
    pkg = PACKAGE / rel / "__init__.py"
    return pkg if pkg.exists() else PACKAGE / rel.with_suffix(".py")


def _imports(importer: str) -> list[tuple[str, list[str]]]:
    """Every import of ``importer`` as (absolute module imported, enclosing function names)."""
    path = _module_file(importer)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST, stack: list[str]) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return  # annotations only: the contract excludes them too
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack = [*stack, node.name]
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            found.append((mod, stack))
            found.extend((f"{mod}.{a.name}", stack) for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, stack) for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, stack)

    visit(ast.parse(path.read_text(encoding="utf-8")), [])
    return found


def test_layers_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_ignored_imports_are_lazy_delegates() -> None:
    assert LAYERS["ignore_imports"], "the contract names its exceptions"
    for rule in LAYERS["ignore_imports"]:
        importer, _, imported = (s.strip() for s in rule.partition("->"))
        hits = [stack for mod, stack in _imports(importer) if mod == imported]
        assert hits, f"{rule}: no such import left; drop it from ignore_imports"
        allowed = EXTRA.get(importer, set())
        for stack in hits:
            assert stack, f"{rule}: imported at module level"
            assert DELEGATE.match(stack[-1]) or stack[-1] in allowed, (
                f"{rule}: imported inside {'.'.join(stack)}(), not a lazy delegate method"
            )


def test_every_module_has_a_layer() -> None:
    named = {
        m.strip("() ") for layer in LAYERS["layers"] for m in re.split(r"[|:]", layer) if m.strip()
    }
    tops = {
        f"openskies.{p.stem if p.is_file() else p.name}"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    assert tops - named == set(), "give every module a layer in pyproject.toml"


def test_type_checkers_see_every_lazy_module() -> None:
    # the TYPE_CHECKING block of openskies/__init__.py declares each module that
    # __getattr__ loads lazily, so editors and mypy resolve openskies.<module>
    import openskies

    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    declared = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for stmt in node.body
        if isinstance(stmt, ast.ImportFrom)
        for alias in stmt.names
    }
    assert declared == set(openskies._PUBLIC_MODULES)
    for name in openskies._PUBLIC_MODULES:
        assert (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()
