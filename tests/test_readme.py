"""The README's commands keep working: every runnable example is run here.

A command is runnable when every file it reads exists in a copy of the
repository's examples (commands about "roster.csv" are illustrations).
Commands run in README order, sharing one history, as a coordinator would.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
INPUTS = re.compile(r"\.(csv|toml|xlsx)$")
OUTPUT_FLAGS = {"--out", "-o", "--groups-out", "--ics", "--ics-dir", "--intros", "--eml-dir", "--history"}


def _peermatch_commands(block: str) -> list[list[str]]:
    """The peermatch commands of a bash block: whole lines, and the last step of a set-up line (`... && peermatch`)."""
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.split(" #")[0].strip().split(" && ")[-1]
        if line.startswith("peermatch "):
            commands.append(shlex.split(line)[1:])
    return commands


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [command for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)
            for command in _peermatch_commands(block)]


def setup_command() -> list[str]:
    """The peermatch command the set-up line ends with, which a new user runs before the walk-through."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    commands = _peermatch_commands(re.findall(r"```bash\n(.*?)```", section, flags=re.S)[0])
    assert len(commands) == 1
    return commands[0]


def reads_missing_file(args: list[str], folder: Path) -> bool:
    for before, arg in zip(["", *args], args, strict=False):
        if INPUTS.search(arg) and before not in OUTPUT_FLAGS and not (folder / arg).exists():
            return True
    return False


def test_readme_has_runnable_examples() -> None:
    assert sum(1 for c in readme_commands() if c[0] in ("pair", "schedule", "history")) >= 10


def test_every_runnable_readme_command_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "tests" / "data" / "exports", tmp_path / "tests" / "data" / "exports")  # HR exports
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


def walkthrough_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your first programme, step by step", 1)[1].split("\n## ", 1)[0]
    return [shlex.split(line)[1:] for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)
            for line in block.splitlines() if line.startswith("peermatch ")]


def test_the_walkthrough_runs_a_whole_programme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set-up, then check, pair, schedule with a calendar, record who met, report, in one folder, as a new user
    would: each step does what the README says."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEERMATCH_HISTORY")
    commands = walkthrough_commands()
    assert [c[0] for c in commands] == ["check", "pair", "explain", "schedule", "history", "history", "report"]
    assert setup_command()[0] == "pair"
    runner = CliRunner()
    outputs = {}
    for args in [setup_command(), *commands]:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"peermatch {shlex.join(args)}: {result.stderr or result.stdout}"
        outputs[" ".join(args[:2])] = result.stdout
    assert "Fit to pair" in outputs["check examples/integrated-care-roster.csv"]
    calendar = (tmp_path / "programme.ics").read_text(encoding="utf-8")
    # 63 people: one group of three in the first round; three later, when the small levels run out of new partners
    assert calendar.count("BEGIN:VEVENT") == 31 + 30 + 30
    with (tmp_path / "programme.csv").open(encoding="utf-8-sig") as sheet:
        assert sum(1 for _ in sheet) == 1 + 3 * 63
    report = runner.invoke(app, ["report", "--format", "json"])
    summary = json.loads(report.stdout)
    feedback = (tmp_path / "examples" / "feedback.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert summary["totals"]["met"] == sum(row.endswith(",yes") for row in feedback) == 28
    assert summary["totals"]["not_met"] == sum(row.endswith(",no") for row in feedback) == 2
    assert summary["totals"]["rounds_held"] >= 1  # held by feedback, even before its date
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html
    with (tmp_path / "examples" / "integrated-care-roster.csv").open(encoding="utf-8-sig", newline="") as roster:
        for person in csv.DictReader(roster):
            for personal in (person["Staff ID"], person["Full Name"], person["Work Email"]):
                assert personal not in html  # counts and professions only
