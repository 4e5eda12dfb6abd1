"""The README's commands keep working: every runnable example is run here.

A command is runnable when every file it reads exists in a copy of the
repository's examples (commands about "roster.csv" are illustrations).
Commands run in README order, sharing one history, as a coordinator would.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli import app

ROOT = Path(__file__).resolve().parent.parent
INPUTS = re.compile(r"\.(csv|toml)$")
OUTPUT_FLAGS = {"--out", "-o", "--groups-out", "--ics", "--ics-dir", "--intros", "--eml-dir", "--history"}


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line.startswith("peermatch "):
                commands.append(shlex.split(line)[1:])
    return commands


def reads_missing_file(args: list[str], folder: Path) -> bool:
    for before, arg in zip(["", *args], args, strict=False):
        if INPUTS.search(arg) and before not in OUTPUT_FLAGS and not (folder / arg).exists():
            return True
    return False


def test_readme_has_runnable_examples() -> None:
    assert sum(1 for c in readme_commands() if c[0] in ("pair", "schedule", "history")) >= 10


def test_every_runnable_readme_command_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEERMATCH_HISTORY")  # the README relies on the default history file
    runner = CliRunner()
    ran = 0
    for args in readme_commands():
        if reads_missing_file(args, tmp_path):
            continue
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"peermatch {shlex.join(args)}: {result.stderr or result.stdout}"
        ran += 1
    assert ran >= 6
    assert (tmp_path / "peermatch-history.sqlite").exists()
