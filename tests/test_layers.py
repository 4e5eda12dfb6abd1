"""The package map holds: data flows roster → matching → history → outputs → cli, and imports only point down.

matching and history are siblings: the solvers are told who has met, and the store records plain values, so
neither imports the other.

Read from the source with an AST walk (imports inside functions count too), so a lazy import cannot sneak a
cycle past it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "peermatch"
BASE = "base"  # the top-level modules: models, errors, text, collector
PACKAGES = ("roster", "matching", "history", "outputs", "cli")
ALLOWED: dict[str, set[str]] = {
    BASE: {BASE},
    "roster": {BASE, "roster"},
    "matching": {BASE, "roster", "matching"},
    "history": {BASE, "roster", "history"},
    "outputs": {BASE, "roster", "matching", "history", "outputs"},
    "cli": {BASE, *PACKAGES},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in PACKAGES else BASE


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "peermatch":
                found += [(node.lineno, f"peermatch.{alias.name}") for alias in node.names]
            elif node.module.startswith("peermatch."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("peermatch.")]
    return found


def _modules() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py") if path.name != "__main__.py")


def test_every_import_points_down_the_pipeline() -> None:
    offenders = []
    for path in _modules():
        relative = path.relative_to(ROOT.parent).with_suffix("")
        own = _layer(".".join(relative.parts))
        for line, target in _imports(path):
            if _layer(target) not in ALLOWED[own]:
                offenders.append(f"{relative}.py:{line} ({own}) imports {target} ({_layer(target)})")
    assert offenders == []


def test_no_relative_imports() -> None:
    # Relative imports would hide from the walk above.
    relative = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in _modules()
                for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom) and node.level]
    assert relative == []


def test_at_most_eight_modules_at_the_top() -> None:
    assert len([path for path in ROOT.glob("*.py") if path.name != "__init__.py"]) <= 8


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_it_owns(package: str) -> None:
    docstring = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
    assert docstring and "May import" in docstring


def test_the_walk_sees_a_wrong_way_import(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("def f():\n    from peermatch.cli.render import show\n")
    assert _imports(planted) == [(2, "peermatch.cli.render")]
    assert _layer("peermatch.cli.render") not in ALLOWED["roster"]
