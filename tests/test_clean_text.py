"""No value read from a roster carries an escape sequence, a control character or a bidi override anywhere.

They are removed once, where spreadsheets are decoded (roster/cells.py), so every output downstream is clean:
the terminal table, warnings, the pairs CSV, the mail-merge and groups CSVs of a schedule.  An email address that
is not one plain address is flagged with its row, and no CSV cell ever holds a line break taken from a roster.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.roster.reading import load_roster
from peermatch.text import BIDI_CONTROLS, address_problem, strip_unsafe

runner = CliRunner()
UNSAFE_CHARACTER = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]")

ROSTER = (
    "Staff ID,Name,Email,Grade,Profession,Organisation\r\n"
    'E1,"Zoë \x1b[31mRed\x1b[0m",zoe@example.org,Band 5,Nurse,North Trust\r\n'
    'E2,"Ann \u202eeci\u202c Lee",ann@example.org,Band 5,Social Worker \u2066x\u2069,Council\r\n'
    'E3,Bob\x07 Kay\x9b2J,"bob@example.org\r\nBcc: everyone@example.org",Band 5,GP,Practice\r\n'
    'E4,"\x1b]0;owned\x07Cat Roe",cat@example.org,Band 5,Paramedic\u200f,Ambulance\r\n'
)


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8", newline="")
    return path


def test_escape_sequences_and_controls_are_removed_whole() -> None:
    assert strip_unsafe("Zoë \x1b[31mRed\x1b[0m") == "Zoë Red"
    assert strip_unsafe("\x1b]8;;https://evil.example\x07Click\x1b]8;;\x07") == "Click"  # a terminal hyperlink
    assert strip_unsafe("\x1b]0;window title\x1b\\Ann") == "Ann"
    assert strip_unsafe("Ann \u202eeci\u202c Lee") == "Ann eci Lee"
    assert strip_unsafe("a\x00b\x7fc\x85d\u200ee\u2066f") == "abcdef"
    assert strip_unsafe("keeps\ttab\r\nand lines") == "keeps\ttab\r\nand lines"  # they split cells and rows
    assert strip_unsafe("Siân O’Brien-Łukasz 李 👩‍⚕️") == "Siân O’Brien-Łukasz 李 👩‍⚕️"  # ZWJ stays in emoji


@given(st.text())
def test_nothing_unsafe_survives_and_cleaning_twice_changes_nothing(text: str) -> None:
    clean = strip_unsafe(text)
    assert not UNSAFE_CHARACTER.search(clean)
    assert strip_unsafe(clean) == clean


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cf"))))
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert strip_unsafe(text) == text


def test_the_roster_holds_only_clean_values(tmp_path: Path) -> None:
    roster = load_roster(_roster(tmp_path))
    people = {p.id: p for p in roster.people}
    assert people["E1"].name == "Zoë Red"
    assert people["E2"].name == "Ann eci Lee" and people["E2"].profession == "Social Worker x"
    assert people["E3"].name == "Bob Kay"
    assert people["E3"].email == "bob@example.org Bcc: everyone@example.org"  # the line break became a space
    assert people["E4"].name == "Cat Roe" and people["E4"].profession == "Paramedic"


def test_an_email_that_is_not_one_plain_address_is_flagged_with_its_row(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(_roster(tmp_path)), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    flagged = [w["message"] for w in json.loads(result.stdout)["warnings"] if "email" in w["message"]]
    assert flagged == ["column 'Email': in row 4 the email address contains a space, so no invitation or "
                       "introduction can be sent to it; correct it in the roster (one plain address such as "
                       "name@example.org)"]
    assert "everyone@" not in result.stdout + result.stderr


def test_address_problems() -> None:
    assert address_problem("ann.lee+peer@nhs.example") is None
    assert address_problem("a@b.c\r\nBcc: x@y") == "contains a line break"
    assert address_problem("Ann Lee <a@b.c>") == "contains a space"
    assert address_problem("a@b.c,d@e.f") == "contains a comma"
    assert address_problem("ann@@b.c") == "does not contain exactly one @"
    assert address_problem("zoë@b.c") == "contains a character outside plain ASCII"


def _no_unsafe_bytes(data: bytes) -> None:
    text = data.decode("utf-8-sig")
    assert not UNSAFE_CHARACTER.search(text), repr(text)
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert "\r" not in cell and "\n" not in cell


def test_no_escape_reaches_the_table_or_any_csv(tmp_path: Path) -> None:
    roster = _roster(tmp_path)
    pairs, people, groups = tmp_path / "pairs.csv", tmp_path / "people.csv", tmp_path / "groups.csv"
    result = runner.invoke(app, ["pair", str(roster), "--out", str(pairs), "--seed", "1", "--dry-run",
                                 "--history", str(tmp_path / "h.sqlite")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    assert "Zoë Red" in result.stdout
    assert not UNSAFE_CHARACTER.search(result.stdout + result.stderr)
    _no_unsafe_bytes(pairs.read_bytes())
    result = runner.invoke(app, ["schedule", str(roster), "--rounds", "2", "--start", "2027-01-11", "--seed", "1",
                                 "--out", str(people), "--groups-out", str(groups), "--dry-run",
                                 "--history", str(tmp_path / "h.sqlite")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    assert not UNSAFE_CHARACTER.search(result.stdout + result.stderr)
    for written in (people, groups):
        _no_unsafe_bytes(written.read_bytes())
        assert "Zoë Red" in written.read_text(encoding="utf-8-sig")
