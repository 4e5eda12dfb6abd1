"""House rules that a linter can hold: style, and rich kept inside the renderers in peermatch/cli/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff is installed with the [test] extra")
def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    folders = [name for name in ("peermatch", "tests", "benchmarks") if (ROOT / name).is_dir()]
    result = subprocess.run([ruff, "check", *folders], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_render_imports_rich() -> None:
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "peermatch").rglob("*.py")
        if not (path.parent.name == "cli" and path.name.startswith("render")) and any(
            line.lstrip().startswith(("import rich", "from rich")) for line in path.read_text().splitlines())
    ]
    assert offenders == []


def test_the_core_never_prints() -> None:
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "peermatch").rglob("*.py")
        if path.parent.name != "cli" and "print(" in path.read_text()
    ]
    assert offenders == []


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci in (ROOT / "README.md").read_text()


@pytest.mark.skipif(shutil.which("mypy") is None and not (Path(sys.executable).parent / "mypy").exists(),
                    reason="mypy is installed with the [test] extra")
def test_mypy_strict_is_clean() -> None:
    mypy = shutil.which("mypy") or str(Path(sys.executable).parent / "mypy")
    result = subprocess.run([mypy], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
