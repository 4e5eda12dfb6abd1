"""Excel workbooks in and out: a roster kept in an .xlsx is read as Excel shows it, and --out pairs.xlsx is all text.

Reading: cells come as the text a coordinator sees (leading zeros kept, "8a" stays "8a", a 6 is "6" not "6.0"),
from the first sheet or --sheet NAME.  A damaged workbook or a missing sheet is one line naming the file, exit 66.
Writing: every cell taken from a roster is a text cell (so "=HYPERLINK(...)" is shown, never run, with no
apostrophe); peermatch's own numbers are numbers.  Workbooks are read back with openpyxl to check.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.errors import RosterUnreadable
from peermatch.outputs.export import pairs_csv
from peermatch.outputs.schedule_tables import schedule_people_csv
from peermatch.outputs.workbook import csv_to_workbook
from peermatch.roster.cells import read_cells
from peermatch.roster.reading import load_roster
from tests.golden import Golden
from tests.test_export import small_result
from tests.test_ics import sample_schedule

runner = CliRunner()
HEADINGS = ["Staff ID", "Name", "Email", "Grade", "Profession", "Start date", "Active"]


def _workbook(path: Path, rows: list[list[Any]], *, sheets: tuple[str, ...] = ("Staff",), blank_rows: int = 0,
              formats: dict[str, str] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in sheets:
        page = book.create_sheet(name)
        for _ in range(blank_rows):
            page.append([])
        for row in rows:
            page.append(row)
        for line in page.iter_rows():
            for cell in line:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # typed as text ('=...), as a roster holds such a name; not a formula
        for where, number_format in (formats or {}).items():
            page[where].number_format = number_format
    book.save(path)
    return path


def _staff(tmp_path: Path, **options: Any) -> Path:
    rows = [HEADINGS,
            [123, "Siân Evans", "sian@nhs.example", "8a", "Nurse",
             datetime(2026, 3, 1), True],
            ["007", "Zoë \u202eAdams", "zoe@council.example", "8a", "Social Worker", datetime(2026, 3, 2, 9, 30),
             False],
            [8.0, "=HYPERLINK(\"http://x\")", "x@gp.example", 6.0, "GP", time(8, 0), "yes"],
            [9, "Ann Lee", "ann@dwp.example", 6, "Work Coach", None, "yes"]]
    return _workbook(tmp_path / "roster.xlsx", rows, **options)


def test_cells_are_read_as_excel_shows_them(tmp_path: Path) -> None:
    path = _staff(tmp_path, blank_rows=2, formats={"A4": "000000"})
    roster = load_roster(path)
    assert (roster.encoding, roster.delimiter) == ("xlsx", "")
    people = {p.row: p for p in roster.people}
    assert sorted(people) == [4, 6, 7]  # two blank rows above the headings, as Excel numbers rows
    assert [(left.id, left.row) for left in roster.left_out] == [("007", 5)]  # Active: an unticked box (FALSE)
    assert people[4].id == "000123"  # the number 123 shown with its format's leading zeros
    assert people[6].id == "8" and people[6].grade == "6"  # whole numbers without ".0"
    assert people[4].grade == "8a"  # a text grade is never a date
    assert people[6].name == '=HYPERLINK("http://x")'  # a value, not a formula: the text is what was typed
    names = [row[1] for row in read_cells(path).frame.to_numpy().tolist()]
    assert names[2] == "Zoë Adams"  # the bidi override removed


def test_dates_times_and_ticks_become_text(tmp_path: Path) -> None:
    cells = read_cells(_staff(tmp_path)).frame.to_numpy().tolist()
    assert [row[5] for row in cells[1:]] == ["2026-03-01", "2026-03-02 09:30", "08:00", ""]
    assert [row[6] for row in cells[1:]] == ["TRUE", "FALSE", "yes", "yes"]


def test_another_sheet_by_name_in_any_case(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "two.xlsx", [["Notes"], ["nothing to pair here"]], sheets=("Read me",))
    book = openpyxl.load_workbook(path)
    staff = book.create_sheet("Staff")
    for row in [["Staff ID", "Grade", "Profession"], ["E1", "Band 5", "Nurse"], ["E2", "Band 5", "GP"]]:
        staff.append(row)
    book.save(path)
    assert [p.id for p in load_roster(path, sheet="staff").people] == ["E1", "E2"]
    result = runner.invoke(app, ["pair", str(path), "--sheet", "Staff", "--dry-run", "--seed", "1",
                                    "--history", str(tmp_path / "h.sqlite")])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("content", "message"), [
    (b"PK\x03\x04" + b"\x00" * 40, "cannot read the workbook, it may be damaged (File is not a zip file); open it "
                                   "in Excel and save it again, or save it as 'CSV UTF-8'"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40,
     "this is an old-style .xls workbook, or one protected by a password; save it from Excel as 'Excel Workbook "
     "(.xlsx)' without a password, or as 'CSV UTF-8'"),
])
def test_a_damaged_or_old_workbook_is_one_line_exit_66(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(content)
    result = runner.invoke(app, ["pair", str(path), "--history", str(tmp_path / "h.sqlite")])
    assert result.exit_code == 66
    assert result.stderr == f"error: {path}: {message}\n"


def test_a_missing_sheet_names_the_sheets_there(tmp_path: Path) -> None:
    path = _staff(tmp_path, sheets=("Staff", "Leavers"))
    result = runner.invoke(app, ["check", str(path), "--sheet", "Starters"])
    assert result.exit_code == 66
    assert result.stderr == (f"error: {path}: there is no sheet 'Starters' in the workbook (its sheets: 'Staff', "
                             "'Leavers'); name one with --sheet\n")


def test_an_empty_sheet_is_unreadable(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "empty.xlsx", [], blank_rows=3)
    with pytest.raises(RosterUnreadable) as caught:
        load_roster(path)
    assert str(caught.value) == f"{path}: the sheet 'Staff' is empty"


def test_sheet_is_refused_for_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Staff ID,Grade,Profession\nE1,Band 5,Nurse\nE2,Band 5,GP\n", encoding="utf-8")
    result = runner.invoke(app, ["pair", str(path), "--sheet", "Staff", "--history", str(tmp_path / "h.sqlite")])
    assert result.exit_code == 2
    assert "--sheet is for Excel workbooks (.xlsx), and this is a text file" in result.stderr


# Writing --------------------------------------------------------------------------------------------------------


def _cells(data: bytes, tmp_path: Path) -> list[list[tuple[str, Any]]]:
    """Every cell of the first sheet as (openpyxl data type, value)."""
    path = tmp_path / "read-back.xlsx"
    path.write_bytes(data)
    page = openpyxl.load_workbook(path).worksheets[0]
    return [[(cell.data_type, cell.value) for cell in row] for row in page.iter_rows()]


def test_pairs_workbook_matches_golden_copy(golden: Golden, tmp_path: Path) -> None:
    cells = _cells(csv_to_workbook(pairs_csv(small_result()), sheet="Pairs", numeric=("group", "size", "score")),
                   tmp_path)
    # One row a line: [type, value] per cell, "s" for text and "n" for a number.
    text = "[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in cells) + "\n]\n"
    golden.check("pairs.xlsx.json", text.encode())


def test_every_roster_value_is_a_text_cell_without_an_apostrophe(tmp_path: Path) -> None:
    data = pairs_csv(small_result())
    cells = _cells(csv_to_workbook(data, sheet="Pairs", numeric=("group", "size", "score")), tmp_path)
    header = [value for _, value in cells[0]]
    for row in cells[1:]:
        for name, (kind, value) in zip(header, row, strict=True):
            if name in ("group", "size", "score") and value is not None:
                assert kind == "n" and isinstance(value, int)
            elif value is not None:
                assert kind == "s" and isinstance(value, str), (name, value)
    values = {value for row in cells for _, value in row}
    assert '=HYPERLINK("http://x")' in values and "@SUM(1)" in values and "+cmd|' /C calc'!A0" in values
    assert not any(isinstance(v, str) and v.startswith("'") for v in values)
    assert b"'=HYPERLINK" in data  # the CSV keeps its apostrophe


def test_the_same_result_gives_the_same_bytes() -> None:
    first = csv_to_workbook(pairs_csv(small_result()), sheet="Pairs")
    assert csv_to_workbook(pairs_csv(small_result()), sheet="Pairs") == first


def test_a_workbook_carries_no_clock_time() -> None:
    # Two runs a second apart must still match byte for byte: nothing in the file may come from the clock.
    book = openpyxl.load_workbook(io.BytesIO(csv_to_workbook(pairs_csv(small_result()), sheet="Pairs")))
    assert book.properties.created == book.properties.modified == datetime(2000, 1, 1)


def test_schedule_people_workbook_holds_the_csv_rows(tmp_path: Path) -> None:
    schedule = sample_schedule()
    data = schedule_people_csv(schedule)
    cells = _cells(csv_to_workbook(data, sheet="Conversations", numeric=("round", "group", "table")), tmp_path)
    text = data if isinstance(data, bytes) else b"".join(data)
    assert len(cells) == text.count(b"\r\n")
    assert all(kind == "s" for row in cells for kind, value in row[:3] if value is not None)


def test_pair_and_schedule_write_workbooks_from_a_workbook(tmp_path: Path) -> None:
    roster = _staff(tmp_path)
    book = openpyxl.load_workbook(roster)
    book["Staff"]["G3"] = True  # Zoë takes part, so that the 8a has a partner in every round
    book.save(roster)
    pairs, people, groups = tmp_path / "pairs.xlsx", tmp_path / "people.xlsx", tmp_path / "groups.xlsx"
    history = str(tmp_path / "h.sqlite")
    result = runner.invoke(app, ["pair", str(roster), "--out", str(pairs), "--seed", "1", "--dry-run",
                                    "--history", history])
    assert result.exit_code == 0, result.stderr
    written = _cells(pairs.read_bytes(), tmp_path)
    assert written[0][:4] == [("s", "group"), ("s", "size"), ("s", "score"), ("s", "reasons")]
    assert ("s", '=HYPERLINK("http://x")') in {cell for row in written for cell in row}
    assert ("s", "000123") not in {cell for row in written for cell in row}  # 123 unformatted here: "123"
    assert ("s", "123") in {cell for row in written for cell in row}
    result = runner.invoke(app, ["schedule", str(roster), "--rounds", "1", "--start", "2027-01-11", "--seed", "1",
                                    "--out", str(people), "--groups-out", str(groups), "--dry-run",
                                    "--history", history])
    assert result.exit_code == 0, result.stderr
    assert _cells(people.read_bytes(), tmp_path)[1][3] == ("n", 1)  # round 1, a number
    assert _cells(groups.read_bytes(), tmp_path)[0][0] == ("s", "round")
