"""The package's shape is checked, not just described: layers (import-linter), no import cycles,
one-paragraph docstrings for every subpackage, and small modules (docs/DESIGN.md §2)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bdg_workbook"
MAX_MODULE_LINES = 420   # "about 400": a module past this is split, not grown


def test_import_contracts_hold():
    """.importlinter: layered packages, a pure domain, only ``untrusted`` parses returned files."""
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='.importlinter', no_cache=True, no_logo=True))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Every import cycle among ``modules`` (each reported once, from its smallest member)."""
    found: list[list[str]] = []
    for start in sorted(modules):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.find_modules_directly_imported_by(node)):
                if nxt == start:
                    found.append(path)
                elif nxt > start and nxt not in path and nxt in modules and len(path) < 8:
                    stack.append((nxt, path + [nxt]))
    return found


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph("bdg_workbook")
    modules = {m for m in graph.modules if m.startswith("bdg_workbook.") and not m.endswith("__main__")}
    cycles = _cycles(graph, modules)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def _packages() -> list[Path]:
    return sorted(p.parent for p in PACKAGE.rglob("__init__.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("package", _packages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_package_says_what_it_is_for(package: Path):
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 8, f"{package.name}/__init__.py needs a one-paragraph docstring"


def test_modules_stay_small():
    big = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines: {big}"


def test_every_module_has_a_docstring():
    missing = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if p.name != "__init__.py" and not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert not missing, f"modules without a docstring: {missing}"
