"""A new coordinator's first hour: a roster with its own headings and job-title levels, paired in three commands.

``peermatch init --roster roster.csv`` drafts the config, one edit puts the levels in order, ``peermatch pair``
pairs: exactly what the README's "Your own roster in three commands" shows.  The draft never guesses an order of
seniority, so without the edit nothing is paired on the drafted levels.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.roster.config import load_config
from peermatch.roster.draft import draft_for

runner = CliRunner()
# As a council's HR system exports it: levels are job titles, seen first in an order that is not seniority.
ROSTER = """\
Employee No,Forenames,Surname,Job Title,Job Level,Notes
1,Ann,Lee,Social Worker,Senior Practitioner,
2,Bo,Kay,Occupational Therapist,Senior Practitioner,
3,Cy,Roe,Social Worker,Practitioner,
4,Di,Poe,Nurse,Practitioner,returning in May
5,Ed,Fox,Nurse,Team Leader,
6,Flo,Gee,Social Worker,Team Leader,
"""
JUNIOR_FIRST = 'order = ["Practitioner", "Senior Practitioner", "Team Leader"]'


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _one_edit(config: Path) -> None:
    """What the coordinator does: put the drafted levels junior first and remove the '# ' before order."""
    text = config.read_text(encoding="utf-8")
    drafted = '# order = ["Senior Practitioner", "Practitioner", "Team Leader"]'
    assert text.count(drafted) == 1
    config.write_text(text.replace(drafted, JUNIOR_FIRST), encoding="utf-8")


def test_three_commands_from_a_new_roster_to_its_first_pairs(folder: Path, private_history: Path) -> None:
    result = runner.invoke(app, ["init", "--roster", "roster.csv"])
    assert result.exit_code == 0, result.stderr
    _one_edit(folder / "peermatch.toml")
    result = runner.invoke(app, ["pair", "roster.csv", "--seed", "1"])
    assert result.exit_code == 0, result.stderr
    assert "config: peermatch.toml (found in this folder)" in result.stderr
    assert "Ideal pairs           3 of 3 possible" in result.stdout
    assert private_history.exists()  # the first round is recorded


def test_the_draft_names_the_level_column_and_lists_the_levels_in_the_order_found(folder: Path) -> None:
    result = runner.invoke(app, ["init", "--roster", "roster.csv"])
    assert result.stderr.splitlines() == [
        "wrote peermatch.toml: edit it; peermatch uses it from this folder",
        "  [columns] level = 'Job Level': check it",
        "  [levels] order: put the 3 levels junior first and remove the '# ' before order",
    ]
    text = (folder / "peermatch.toml").read_text(encoding="utf-8")
    assert '[columns]\nlevel = "Job Level"\n' in text
    assert '# Headings peermatch leaves unused: "Notes"' in text
    assert "returning in May" not in text and "Ann" not in text  # headings and levels only, nothing personal
    config = load_config(folder / "peermatch.toml")
    assert dict(config.columns) == {"level": "Job Level"}  # "Job Title" is known: the profession
    assert not config.levels.has_custom_order  # not until the coordinator orders them


def test_without_the_edit_pair_stops_at_the_levels_it_cannot_order(folder: Path) -> None:
    assert runner.invoke(app, ["init", "--roster", "roster.csv"]).exit_code == 0
    result = runner.invoke(app, ["pair", "roster.csv", "--dry-run"])
    assert result.exit_code == 65
    assert "grade 'Senior Practitioner' is not a known grade" in result.stderr


def test_known_levels_and_headings_draft_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "nhs.csv"
    roster.write_text("Staff ID,Grade,Staff Group\nE1,Band 5,Nurse\nE2,Band 6,AHP\n", encoding="utf-8")
    draft = draft_for(roster)
    assert (draft.columns, draft.missing, draft.unknown_levels, draft.unplaced) == ({}, [], [], [])


def test_a_heading_that_does_not_plainly_hold_the_level_is_left_to_the_coordinator(tmp_path: Path) -> None:
    roster = tmp_path / "odd.csv"
    roster.write_text("Staff ID,Profession,Rank,Step\nE1,Nurse,Senior,2\nE2,GP,Junior,1\n", encoding="utf-8")
    draft = draft_for(roster)
    assert (draft.columns, draft.missing, draft.unplaced) == ({}, ["level"], ["Rank", "Step"])
    path = tmp_path / "draft.toml"
    assert runner.invoke(app, ["init", str(path), "--roster", str(roster)]).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert '# No heading plainly holds the level: name its column here, like  level = "Heading"' in text
    assert tomllib.loads(text)["columns"] == {}  # valid TOML, nothing guessed


def test_a_workbook_roster_is_drafted_from_its_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    page = book.active
    page.title = "Staff"
    for line in ROSTER.splitlines():
        page.append(line.split(","))
    book.save(tmp_path / "roster.xlsx")
    draft = draft_for(tmp_path / "roster.xlsx", "Staff")
    assert draft.columns == {"level": "Job Level"}
    assert draft.unknown_levels == ["Senior Practitioner", "Practitioner", "Team Leader"]


def test_sheet_without_roster_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x.toml"), "--sheet", "Staff"])
    assert result.exit_code == 2
    assert not (tmp_path / "x.toml").exists()
