"""load_roster against rosters as Excel and HR systems really write them.

The fixtures in tests/data/rosters are exact bytes (BOMs, cp1252, CRLF, NULs): keep git and editors from "fixing"
them.  Every error message is checked in full, because coordinators act on it and cron logs keep it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from peermatch.errors import ColumnProblems, RosterError, RosterUnreadable, UnknownGrade
from peermatch.models import LeftOut, Level, Roster
from peermatch.roster.levels import LevelScheme
from peermatch.roster.normalising import each_unique
from peermatch.roster.reading import load_roster
from peermatch.text import fold, tidy

DATA = Path(__file__).parent / "data" / "rosters"
BAND_5, BAND_6, BAND_7 = Level("band", 5, "Band 5"), Level("band", 6, "Band 6"), Level("band", 7, "Band 7")


def load(name: str, **options: Any) -> Roster:
    return load_roster(DATA / name, **options)


def roster_error(path: Path | str, **options: Any) -> str:
    """The message of the RosterError that loading raises, after the file path it must start with."""
    path = DATA / path if isinstance(path, str) else path
    with pytest.raises(RosterError) as caught:
        load_roster(path, **options)
    message = str(caught.value)
    assert caught.value.exit_code == 65
    assert message.startswith(str(path))
    assert "\n" not in message and "@" not in message
    return message[len(str(path)):]


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Reading the bytes -------------------------------------------------------------------------------------------------


def test_utf8_with_bom_as_excel_csv_utf8_writes_it() -> None:
    assert (DATA / "utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbfStaff ID,")
    roster = load("utf8_bom.csv")
    assert roster.encoding == "utf-8-sig"
    assert roster.columns["id"] == "Staff ID"
    assert [p.name for p in roster.people] == ["Siân Evans", "Zoë Adams", "Ciarán O’Brien"]
    assert [p.id for p in roster.people] == ["E001", "E002", "E003"]


def test_cp1252_as_excel_plain_csv_writes_it() -> None:
    raw = (DATA / "cp1252.csv").read_bytes()
    assert b"Si\xe2n" in raw and b"Zo\xeb" in raw and b"O\x92Brien" in raw and b"\r\n" in raw
    roster = load("cp1252.csv")
    assert roster.encoding == "cp1252"
    assert [p.name for p in roster.people] == ["Siân Evans", "Zoë Adams", "Ciarán O’Brien"]
    assert [p.level for p in roster.people] == [BAND_6, BAND_6, Level("civil-service", 4, "HEO")]
    assert roster.people[2].email == "ciaran.obrien@dwp.example"


def test_utf16_unicode_text_as_excel_writes_it() -> None:
    """Excel's "Unicode text": UTF-16 little-endian with a byte-order mark, tab-separated, CRLF."""
    assert (DATA / "utf16.csv").read_bytes().startswith(b"\xff\xfeS\x00t\x00")
    roster = load("utf16.csv")
    assert (roster.encoding, roster.delimiter) == ("utf-16", "\t")
    assert [(p.id, p.level, p.profession, p.row) for p in roster.people] == [("E1", BAND_5, "Nurse", 2)]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_either_byte_order_with_its_mark(tmp_path: Path, codec: str) -> None:
    text = "Staff ID\tName\tGrade\tProfession\r\n007\tSiân Evans\tBand 5\tNurse\r\n008\tZoë Adams\tBand 5\tGP\r\n"
    path = tmp_path / "unicode.txt"
    path.write_bytes("\ufeff".encode(codec) + text.encode(codec))
    roster = load_roster(path)
    assert [(p.id, p.name) for p in roster.people] == [("007", "Siân Evans"), ("008", "Zoë Adams")]


def test_damaged_utf16_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    path.write_bytes("\ufeffStaff ID\tGrade".encode("utf-16-le") + b"\x00\xdc")  # half a surrogate pair
    with pytest.raises(RosterUnreadable) as caught:
        load_roster(path)
    assert str(caught.value) == f"{path}: damaged UTF-16 text (it does not decode); save it from Excel again"


@pytest.mark.parametrize(("name", "problem"), [
    ("empty.csv", "the file is empty"),
    ("whitespace_only.csv", "the file is empty"),
    ("nul.csv", "not a text file (it contains NUL bytes)"),
    ("binary.csv", "not a text file (neither UTF-8 nor Windows-1252 text)"),
    ("bom_then_cp1252.csv", "not a text file (neither UTF-8 nor Windows-1252 text)"),
    ("workbook.xlsx", "cannot read the workbook, it may be damaged (File is not a zip file); open it in Excel and "
                      "save it again, or save it as 'CSV UTF-8'"),
    ("missing.csv", "cannot read the file (No such file or directory)"),
    ("", "cannot read the file (Is a directory)"),
])
def test_unreadable_files_raise_exit_66_naming_the_file(name: str, problem: str) -> None:
    path = DATA / name
    with pytest.raises(RosterUnreadable) as caught:
        load_roster(path, skip_invalid=True)
    assert caught.value.exit_code == 66
    assert str(caught.value) == f"{path}: {problem}"


# Delimiters, quoting and row numbers -------------------------------------------------------------------------------


def test_semicolons_with_excels_trailing_delimiters_and_empty_rows() -> None:
    roster = load("semicolon_trailing.csv")
    assert roster.delimiter == ";"
    assert [(p.id, p.row) for p in roster.people] == [("001", 2), ("002", 3), ("003", 5)]
    assert roster.left_out == [] and roster.warnings == []


def test_tabs_with_synonym_headings_and_the_most_common_spelling() -> None:
    roster = load("tab.csv")
    assert roster.delimiter == "\t"
    assert roster.columns == {"id": "Employee Number", "name": "Full Name", "level": "Band",
                              "profession": "Staff Group", "organisation": "Employer", "site": "Base"}
    assert [p.level for p in roster.people] == [BAND_5, BAND_6, BAND_6]
    # "Nursing" and "nursing" are one profession, shown as first written when they tie.
    assert [(p.profession, p.profession_key) for p in roster.people] == [
        ("Nursing", "nursing"), ("Social Work", "social work"), ("Nursing", "nursing")]
    assert [p.site for p in roster.people] == ["Riverside", "Town Hall", "Riverside"]


def test_pipes() -> None:
    roster = load("pipe.csv")
    assert roster.delimiter == "|"
    assert [p.profession for p in roster.people] == ["Work Coach", "Probation Officer", "Work Coach"]
    assert [str(p.level) for p in roster.people] == ["EO", "HEO", "EO"]
    assert roster.columns["organisation"] == "Org"


def test_delimiter_is_judged_on_many_rows_not_the_first() -> None:
    # Row 1 and row 2 both split into five cells on commas; from row 3 on only semicolons make sense.
    roster = load("late_delimiter.csv")
    assert roster.delimiter == ";"
    assert [p.id for p in roster.people] == ["E1", "E2", "E3", "E4", "E5"]
    assert roster.people[0].profession == "Nurse, adult"


def test_line_breaks_inside_quoted_cells_do_not_add_rows() -> None:
    assert roster_error("multiline.csv") == ", column 'Grade': the level is blank in row 4"
    roster = load("multiline.csv", skip_invalid=True)
    assert [(p.id, p.row) for p in roster.people] == [("E1", 2), ("E2", 3), ("E4", 5)]
    assert roster.people[1].profession == "Social Worker"
    assert roster.people[2].organisation == "NHS North" and roster.people[2].organisation_key == "nhs north"
    assert roster.left_out == [LeftOut("E3", 4, "the level is blank (column 'Grade')")]
    assert roster.warnings == ["skipped 1 row: 1 with a blank level (row 4)"]


def test_blank_lines_count_as_rows_as_in_excel() -> None:
    assert roster_error("blank_lines.csv") == ", column 'Grade': the level is blank in row 6"
    roster = load("blank_lines.csv", skip_invalid=True)
    assert [(p.id, p.row) for p in roster.people] == [("E1", 4), ("E3", 8)]


def test_unclosed_quote_names_the_row_it_opens_in() -> None:
    assert roster_error("unclosed_quote.csv") == ', row 3: a quoted cell is never closed (a " is missing)'


def test_cells_stay_text_exactly_as_written() -> None:
    roster = load("leading_zeros.csv")
    assert [p.id for p in roster.people] == ["00123", "0456", "7"]
    assert [p.site for p in roster.people] == ["NA", "null", "N/A"]
    assert [p.grade for p in roster.people] == ["Band 5", "Band 5", "5"]
    assert [p.level for p in roster.people] == [BAND_5] * 3


def test_short_rows_are_blank_padded_and_empty_extra_cells_ignored() -> None:
    roster = load("ragged.csv")
    assert [(p.id, p.organisation) for p in roster.people] == [("E1", ""), ("E2", "Council"), ("E3", "NHS North")]


def test_extra_cells_with_content_name_the_rows_and_not_the_content() -> None:
    message = roster_error("ragged_extra.csv", skip_invalid=True)
    assert message == (": rows 3 and 5 have more cells than there are headings (5); delete the extra cells or give "
                       "their column a heading")


def test_a_wide_row_after_the_sniffed_sample(tmp_path: Path) -> None:
    lines = ["Staff ID,Grade,Profession"] + [f"E{n},Band 5,Nurse" for n in range(150)]
    lines[140] += ",,"
    assert len(load_roster(write(tmp_path, "\n".join(lines))).people) == 150
    lines[141] += ",,late note"
    assert roster_error(write(tmp_path, "\n".join(lines))) == (
        ": row 142 has more cells than there are headings (3); delete the extra cells or give their column a heading")


# Headings ----------------------------------------------------------------------------------------------------------


def test_headings_ignore_case_spacing_and_punctuation() -> None:
    roster = load("odd_headers.csv")
    assert roster.columns == {"id": "STAFF_id", "email": "E-Mail", "level": "pay-band", "profession": "Staff.Group",
                              "organisation": "ORGANIZATION", "site": "base"}
    assert [(p.id, p.email, p.site) for p in roster.people] == [
        ("H1", "ann.lee@nhs.example", "Riverside"), ("H2", "bob.kay@council.example", "")]


def test_first_name_and_surname_make_the_name() -> None:
    roster = load("first_last.csv")
    assert [p.name for p in roster.people] == ["Ann Lee", "Kay", "Cat Roe Smith"]
    assert roster.columns["first_name"] == "Forename" and roster.columns["last_name"] == "Surname"
    assert "name" not in roster.columns


def test_duplicate_heading_of_a_used_column() -> None:
    assert roster_error("duplicate_headers.csv") == (
        ": the heading 'Grade' is in columns 2 and 4; rename all but the level column")


def test_duplicate_headings_of_unused_columns_are_ignored() -> None:
    assert [p.id for p in load("duplicate_unrelated_headers.csv").people] == ["E1", "E2"]


def test_missing_level_column_message() -> None:
    assert roster_error("missing_level.csv", skip_invalid=True) == (
        ": no level column found (accepted: level, grade, band, pay band, afc band; found: Name, Email, Role); "
        'name it with --level-column or [columns] level = "..." in the config')


def test_one_column_file_without_any_delimiter() -> None:
    assert roster_error("one_column.csv") == (
        ": no level column found (accepted: level, grade, band, pay band, afc band; found: Name); "
        'name it with --level-column or [columns] level = "..." in the config (and 1 more problem)')
    with pytest.raises(ColumnProblems) as raised:
        load("one_column.csv")
    assert [problem.message.split(": ", 1)[1][:28] for problem in raised.value.problems] == [
        "no level column found (accep", "no profession column found ("]


def test_file_without_heading_row_is_not_quoted_in_the_message() -> None:
    message = roster_error("no_header.csv")
    assert message == ": row 1 holds an email address, not headings: add a heading row above the people"


def test_column_overrides() -> None:
    # "Job Title" is a profession when no plainer heading is there; "Grade" beats "Pay Grade" for the level.
    assert roster_error("override.csv").startswith(", row 2, column 'Grade': grade 'old 1' is not a known grade")
    roster = load("override.csv", columns={"level": "pay grade", "profession": "Job Title"})
    assert roster.columns["level"] == "Pay Grade" and roster.columns["profession"] == "Job Title"
    assert [p.level for p in roster.people] == [BAND_5, BAND_6]
    assert [p.email for p in roster.people] == ["a@x.example", "b@x.example"]
    assert roster.warnings == ["columns 'Email' and 'Work Email' could each be the email; used 'Email' "
                               "(choose with --email-column)"]
    roster = load("override.csv", columns={"level": "Pay Grade", "profession": "Job Title", "email": "Work Email"})
    assert [p.email for p in roster.people] == ["a@y.example", "b@y.example"] and roster.warnings == []


def test_override_heading_not_in_the_file() -> None:
    assert roster_error("override.csv", columns={"level": "Salary Band"}) == (
        ": there is no column 'Salary Band' for the level "
        "(found: Staff ID, Pay Grade, Job Title, Grade, Email, Work Email)")
    with pytest.raises(ValueError, match="unknown roster field 'grade'"):
        load("override.csv", columns={"grade": "Pay Grade"})


# Who takes part ----------------------------------------------------------------------------------------------------


def test_active_column() -> None:
    # "maybe" is neither yes nor no: never counted as taking part, for pairing someone who said no cannot be undone.
    assert roster_error("active.csv") == (
        ", row 9, column 'Active': cannot tell whether they take part (no = left out; a blank is taking part); "
        "write yes or no, so that nobody who said no is paired")
    roster = load("active.csv", skip_invalid=True)
    assert [p.id for p in roster.people] == ["A1", "A3", "A9"]
    reason = "not taking part (column 'Active')"
    assert roster.left_out == [
        *(LeftOut(f"A{n}", n + 1, reason) for n in (2, 4, 5, 6, 7)),
        LeftOut("A8", 9, "cannot tell whether they take part (column 'Active')"),
        LeftOut("A10", 11, reason)]
    assert roster.warnings == ["skipped 1 row: 1 with an unreadable opt-out answer (row 9)"]


def test_opt_out_column_means_the_opposite() -> None:
    roster = load("opt_out.csv")
    assert [p.id for p in roster.people] == ["O2", "O3", "O7"]
    assert roster.left_out == [LeftOut(f"O{n}", n + 1, "opted out (column 'Opt-Out')") for n in (1, 4, 5, 6)]
    assert roster.warnings == []


def test_participating_column() -> None:
    roster = load("participating.csv")
    assert [p.id for p in roster.people] == ["Q2", "Q3"]
    assert [(left.id, left.row) for left in roster.left_out] == [("Q1", 2), ("Q4", 5)]


def test_people_who_opted_out_are_not_checked_and_nobody_left_is_an_error() -> None:
    assert roster_error("everyone_opted_out.csv", skip_invalid=True) == ": no people to pair (every row is left out)"


def test_header_only() -> None:
    assert roster_error("header_only.csv") == ": no people to pair (it has headings but no rows)"


# Levels ------------------------------------------------------------------------------------------------------------


def test_council_grades_mapped_onto_nhs_bands() -> None:
    scheme = LevelScheme(mappings={"Northshire Council": {"Grade 9": "Band 6", "Grade 10": "Band 7"}})
    roster = load("council.csv", levels=scheme)
    assert [(p.id, p.grade, p.level) for p in roster.people] == [
        ("C1", "Grade 9", BAND_6), ("C2", "Grade 10", BAND_7), ("N1", "Band 6", BAND_6), ("N2", "Band 7", BAND_7),
        ("C3", "grade 9", BAND_6)]
    assert {p.organisation for p in roster.people if p.id.startswith("C")} == {"Northshire Council"}
    assert load("council.csv").people[0].level == Level("number", 9, "9")


def test_council_grade_missing_from_the_mapping() -> None:
    scheme = LevelScheme(mappings={"Northshire Council": {"Grade 9": "Band 6"}})
    with pytest.raises(UnknownGrade) as expected:
        scheme.resolve("Grade 10", "northshire council")
    assert roster_error("council.csv", levels=scheme) == f", row 3, column 'Grade': {expected.value}"


def test_unknown_grade_groups_the_rows_that_share_it() -> None:
    assert roster_error("unknown_grade.csv") == (
        ", rows 9 and 14, column 'Grade': grade 'Band 10' is not an Agenda for Change band (1-9)")
    roster = load("unknown_grade.csv", skip_invalid=True)
    assert len(roster.people) == 11
    assert roster.warnings == ["skipped 2 rows: 2 with an unknown grade (rows 9, 14)"]
    assert [(left.id, left.row) for left in roster.left_out] == [("E008", 9), ("E013", 14)]


# Bad rows ----------------------------------------------------------------------------------------------------------


def test_blank_levels_listed_in_one_line() -> None:
    message = roster_error("blank_level.csv")
    assert message == ", column 'Grade': the level is blank in rows 4, 9 and 12"
    assert "Cat Roe" not in message


def test_long_lists_of_rows_are_cut_short(tmp_path: Path) -> None:
    path = write(tmp_path, "Staff ID,Grade,Profession\n" + "".join(f"E{n},,Nurse\n" for n in range(15)))
    assert roster_error(path) == (
        ", column 'Grade': the level is blank in rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 5 more")


def test_blank_profession(tmp_path: Path) -> None:
    path = write(tmp_path, "Staff ID,Grade,Staff Group\nE1,Band 5,\nE2,Band 5,GP\nE3,Band 6,  \n")
    assert roster_error(path) == ", column 'Staff Group': the profession is blank in rows 2 and 4"


def test_duplicate_ids() -> None:
    assert roster_error("duplicate_ids.csv") == ": rows 4 and 17 have the same id (column 'Staff ID')"
    roster = load("duplicate_ids.csv", skip_invalid=True)
    assert len(roster.people) == 15
    assert roster.left_out == [LeftOut("E003", 17, "same id as row 4 (column 'Staff ID')")]


def test_several_sets_of_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, "Staff ID,Grade,Profession\nA,5,GP\nB,5,GP\nA,5,GP\nB,5,GP\nB,5,GP\nC,5,GP\n")
    assert roster_error(path) == ": rows 2 and 4 have the same id (column 'Staff ID'); so do rows 3, 5 and 6"


def test_duplicate_emails_compare_folded_and_stay_unquoted() -> None:
    message = roster_error("duplicate_emails.csv")
    assert message == ": rows 3 and 5 have the same email (column 'Email')"
    assert "kay" not in message.lower()


def test_skip_invalid_leaves_out_and_warns() -> None:
    assert roster_error("skippable.csv") == ", column 'Grade': the level is blank in rows 4 and 9 (and 1 more problem)"
    roster = load("skippable.csv", skip_invalid=True)
    assert len(roster.people) == 8
    assert roster.warnings == ["skipped 3 rows: 2 with a blank level, 1 duplicate id (rows 4, 9, 12)"]
    assert roster.left_out == [
        LeftOut("E003", 4, "the level is blank (column 'Grade')"),
        LeftOut("E008", 9, "the level is blank (column 'Grade')"),
        LeftOut("E002", 12, "same id as row 3 (column 'Staff ID')"),
    ]


def test_ids_fall_back_to_the_email_then_the_row(tmp_path: Path) -> None:
    roster = load_roster(write(tmp_path, "Email,Grade,Profession\nAnn.Lee@X.example,Band 5,GP\n,Band 5,GP\n"))
    assert [p.id for p in roster.people] == ["ann.lee@x.example", "3"]
    roster = load_roster(write(tmp_path, "ID,Email,Grade,Profession\nE1,,Band 5,GP\n,,Band 5,GP\n"))
    assert [p.id for p in roster.people] == ["E1", "3"]
    assert roster.warnings == ["column 'ID' is blank in row 3; their email, or else their row number, is used as "
                               "their id"]


def test_the_spelling_most_people_used_wins(tmp_path: Path) -> None:
    path = write(tmp_path, "ID,Grade,Profession\n1,5,social  worker\n2,5,Social Worker\n3,5,SOCIAL WORKER\n"
                           "4,5,Social Worker\n")
    assert {(p.profession, p.profession_key) for p in load_roster(path).people} == {("Social Worker", "social worker")}


# Properties --------------------------------------------------------------------------------------------------------


@given(st.lists(st.text(st.characters(blacklist_characters="\x00"), max_size=12), max_size=30))
def test_normalising_distinct_values_together_equals_one_at_a_time(values: list[str]) -> None:
    assert each_unique(values, tidy) == [tidy(value) for value in values]
    assert each_unique(values, fold) == [fold(value) for value in values]


GRADES = ["Band 5", "band 6", "AfC 7", "8a", "HEO", "G7", "Grade 11", "12", "SCS1", "Band 8 - Range B", "Band 06"]
HEADINGS = {
    "id": ["ID", "Staff ID", "Employee Number", "payroll number"],
    "name": ["Name", "Full Name"],
    "level": ["Level", "Grade", "Band", "Pay Band", "AfC Band"],
    "profession": ["Profession", "Staff Group", "Role", "Job Family", "Discipline", "Occupation"],
}
TEXT = st.text(st.sampled_from("abcXYZ éÉñßäöü’–€ ,;|\t\"'\nŁğΣ"), max_size=15)


@st.composite
def drifted(draw: st.DrawFn, heading: str) -> str:
    """A heading as people retype it: any case, other separators, stray spaces."""
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in heading)
    joined = cased.replace(" ", draw(st.sampled_from([" ", "  ", "_", "-", ".", ""])))
    return draw(st.sampled_from(["", " "])) + joined + draw(st.sampled_from(["", "  "]))


@st.composite
def rosters(draw: st.DrawFn) -> tuple[list[list[str]], str, str, str]:
    n = draw(st.integers(1, 12))
    ids = draw(st.lists(st.from_regex(r"[A-Z]{0,2}[0-9]{1,6}", fullmatch=True), min_size=n, max_size=n, unique=True))
    names = draw(st.lists(TEXT, min_size=n, max_size=n))
    grades = draw(st.lists(st.sampled_from(GRADES), min_size=n, max_size=n))
    professions = draw(st.lists(st.tuples(TEXT, st.sampled_from("aXéß’Ł"), TEXT).map("".join), min_size=n, max_size=n))
    header = [draw(drifted(draw(st.sampled_from(options)))) for options in HEADINGS.values()]
    table = [header, *map(list, zip(ids, names, grades, professions, strict=True))]
    text = "".join(cell for row in table for cell in row)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"] + ["cp1252"] * _can_encode(text, "cp1252")))
    return table, draw(st.sampled_from([",", ";", "\t", "|"])), encoding, draw(st.sampled_from(["\n", "\r\n"]))


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _can_decode(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated") / "roster.csv"


@given(generated=rosters())
def test_generated_rosters_load_as_written(scratch: Path, generated: tuple[list[list[str]], str, str, str]) -> None:
    table, delimiter, encoding, newline = generated
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(table)
    raw = buffer.getvalue().encode(encoding)
    if encoding == "cp1252" and _can_decode(raw, "utf-8"):
        # Windows-1252 bytes that are valid UTF-8 too are read as UTF-8: right for ASCII, a coin toss otherwise.
        assume(buffer.getvalue().isascii())
        encoding = "utf-8"
    scratch.write_bytes(raw)
    roster = load_roster(scratch)
    people = table[1:]
    assert roster.delimiter == delimiter
    assert roster.encoding == encoding
    assert [p.id for p in roster.people] == [row[0] for row in people]
    assert [p.name for p in roster.people] == [tidy(row[1]) for row in people]
    assert [p.level for p in roster.people] == [LevelScheme().resolve(row[2]) for row in people]
    assert [p.profession_key for p in roster.people] == [fold(row[3]) for row in people]
    assert [p.row for p in roster.people] == list(range(2, len(people) + 2))


def test_an_organisation_whose_grades_fall_on_two_ladders_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "council.csv"
    path.write_text("id,profession,organisation,grade\n1,Social Worker,Council,SEO\n"
                    "2,Social Worker,Council,Grade 10\n3,Nurse,NHS,Band 6\n", encoding="utf-8")
    roster = load_roster(path)
    assert any("Council" in w and "2 ladders" in w and "[levels.map]" in w for w in roster.warnings)
