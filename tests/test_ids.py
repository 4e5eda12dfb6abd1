"""Ids the history can keep: an email before a row number, and a warning when only a row number is left."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.roster.reading import load_roster

runner = CliRunner()
WARNING = "so the row number is the id the history keeps"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_email_is_the_id_before_a_row_number(tmp_path: Path) -> None:
    path = write(tmp_path, "Grade,Staff Group,Primary Email\nBand 5,Nursing,A@X.example\nBand 5,AHP,\n")
    roster = load_roster(path)
    assert [p.id for p in roster.people] == ["a@x.example", "3"]


def test_pair_warns_when_it_records_row_numbers_as_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "Grade,Profession\nBand 5,Nurse\nBand 5,GP\nBand 5,Nurse\nBand 5,GP\n")
    history = str(tmp_path / "history.sqlite")
    first = runner.invoke(app, ["pair", str(path), "--dry-run", "--history", history, "--seed", "1"])
    assert first.exit_code == 0 and WARNING not in first.stderr  # nothing recorded, nothing to go wrong
    recorded = runner.invoke(app, ["pair", str(path), "--history", history, "--seed", "1"])
    assert recorded.exit_code == 0
    assert "rows 2, 3, 4 and 5: there is no id column and no email, so the row number is the id the history keeps" in (
        " ".join(recorded.stderr.split()))
    assert "--id-column" in recorded.stderr
    again = runner.invoke(app, ["pair", str(path), "--dry-run", "--history", history, "--seed", "1"])
    assert WARNING in " ".join(again.stderr.split())  # the history now holds row numbers
    schedule = runner.invoke(app, ["schedule", str(path), "--start", "2027-01-11", "--rounds", "1", "--dry-run",
                                   "--history", history, "--seed", "1"])
    assert schedule.exit_code == 0 and WARNING in " ".join(schedule.stderr.split())


def test_no_warning_when_everyone_has_an_id_or_an_email(tmp_path: Path) -> None:
    path = write(tmp_path, "Assignment Number,Grade,Profession,Email\n123-1,Band 5,Nurse,\n,Band 5,GP,b@x.example\n")
    result = runner.invoke(app, ["pair", str(path), "--history", str(tmp_path / "h.sqlite"), "--seed", "1"])
    assert result.exit_code == 0 and WARNING not in " ".join(result.stderr.split())
