"""Outputs other people open: spreadsheet formulas, calendar and email injection, inputs never overwritten,
and a full disk or a failed rename that leaves the old file exactly as it was.

Every case runs the real commands through ``CliRunner`` and reads the files back the way a spreadsheet, a calendar
or a mail program would.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
from collections.abc import Sequence
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

import peermatch.outputs.export
import peermatch.outputs.staging
from peermatch.cli.app import app
from peermatch.history.rounds import RecordedGroup
from peermatch.history.store import History

runner = CliRunner()
HEADINGS = ["id", "name", "email", "organisation", "profession", "grade"]
# OWASP's formula starters, each as a roster cell would carry it; the last two hide a formula behind a tab or a CR.
HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1+2", "\r=3+4"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PARTNERS = ["Nurse", "GP", "Social Worker", "Pharmacist", "Work Coach", "Paramedic"]


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def write_roster(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([HEADINGS, *rows])
    return path


def rows_of(path: Path) -> list[list[str]]:
    """The file as a spreadsheet sees it: UTF-8 with BOM, split by the csv module."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def column(path: Path, heading: str) -> set[str]:
    rows = rows_of(path)
    return {row[rows[0].index(heading)] for row in rows[1:]}


def runnable_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]


# -- 1. every CSV a person opens is formula-safe --------------------------------------------------------------------

@pytest.fixture
def hostile_roster(tmp_path: Path) -> Path:
    """Six people whose id, name, organisation and profession are each a formula, and a partner for each."""
    rows = [[value, value, f"p{k}@x.example", value, value, "Band 5"] for k, value in enumerate(HOSTILE)]
    rows += [[f"N{k}", f"Normal {k}", f"n{k}@x.example", "Org", PARTNERS[k], "Band 5"] for k in range(len(HOSTILE))]
    return write_roster(tmp_path / "roster.csv", rows)


def shown(value: str) -> str:
    """How the roster loader keeps a cell (trimmed), then escaped with the apostrophe spreadsheets hide."""
    return "'" + value.strip()


def test_pair_csv_escapes_every_formula_in_ids_names_organisations_and_professions(
        tmp_path: Path, hostile_roster: Path) -> None:
    out = tmp_path / "pairs.csv"
    code, _, err = run("pair", hostile_roster, "--out", out, "--seed", "1", "-q")
    assert code == 0, err
    rows = rows_of(out)
    assert len(rows) == 1 + 6 and all(len(row) == len(rows[0]) for row in rows)  # no injected rows or cells
    assert runnable_cells(rows) == []
    cells = {cell for row in rows for cell in row}
    assert {shown(value) for value in HOSTILE} <= cells  # every hostile value arrived, escaped
    header = rows[0]
    for column in ("member_1_name", "member_1_organisation", "member_1_profession", "member_1_id"):
        values = [row[header.index(column)] for row in rows[1:]] + [row[header.index(column.replace("1", "2"))]
                                                                   for row in rows[1:]]
        assert {shown(value) for value in HOSTILE} <= set(values), column


def test_schedule_csvs_and_history_export_escape_every_formula(tmp_path: Path, hostile_roster: Path) -> None:
    history = tmp_path / "h.sqlite"
    people, groups, intros = tmp_path / "people.csv", tmp_path / "groups.csv", tmp_path / "intros.csv"
    code, _, err = run("schedule", hostile_roster, "--rounds", "2", "--start", "2027-01-11", "--seed", "3",
                       "--history", history, "--out", people, "--groups-out", groups, "--intros", intros, "-q")
    assert code == 0, err
    exported = tmp_path / "history.csv"
    code, _, err = run("history", "export", "--out", exported, "--history", history, "-q")
    assert code == 0, err
    expected_rows = {people: 1 + 2 * 12, groups: 1 + 2 * 6, intros: 1 + 2 * 6, exported: 1 + 2 * 12}
    for path, count in expected_rows.items():
        rows = rows_of(path)
        assert len(rows) == count and all(len(row) == len(rows[0]) for row in rows), path.name
        assert runnable_cells(rows) == [], path.name
    escaped = {shown(value) for value in HOSTILE}  # every hostile value arrived, escaped, in each column
    assert escaped <= column(people, "id") and escaped <= column(people, "name")
    assert escaped <= column(people, "partner_names") and escaped <= column(people, "partner_organisations")
    assert escaped <= column(groups, "member_1_profession") | column(groups, "member_2_profession")
    assert {name.split(" and ")[0] for name in column(intros, "names")} & escaped
    assert escaped <= column(exported, "person_id")
    assert {value.casefold() for value in escaped} <= column(exported, "profession")  # kept folded


SEVEN = [*HOSTILE, "=SUM(A1:A9)"]


@pytest.fixture
def hostile_trio_roster(tmp_path: Path) -> Path:
    """Seven people whose id, name, organisation and profession are each a formula: an odd count, so every round
    has a group of three, and whoever is listed first in a cell of two partners is a formula too."""
    return write_roster(tmp_path / "roster.csv",
                        [[value, value, f"p{k}@x.example", value, value, "Band 5"] for k, value in enumerate(SEVEN)])


def test_a_group_of_three_is_formula_safe_in_every_csv(tmp_path: Path, hostile_trio_roster: Path) -> None:
    pairs, history = tmp_path / "pairs.csv", tmp_path / "h.sqlite"
    people, groups, intros = tmp_path / "people.csv", tmp_path / "groups.csv", tmp_path / "intros.csv"
    exported = tmp_path / "history.csv"
    for args in (("pair", hostile_trio_roster, "--out", pairs, "--seed", "1", "--history", history),
                 ("schedule", hostile_trio_roster, "--rounds", "2", "--start", "2027-01-11", "--seed", "3",
                  "--history", history, "--out", people, "--groups-out", groups, "--intros", intros),
                 ("history", "export", "--out", exported, "--history", history)):
        code, _, err = run(*args, "-q")
        assert code == 0, err
    # Each round: two pairs and a group of three, seven people.  The history holds the pairing and two rounds.
    expected_rows = {pairs: 1 + 3, people: 1 + 2 * 7, groups: 1 + 2 * 3, intros: 1 + 2 * 3, exported: 1 + 3 * 7}
    for path, count in expected_rows.items():
        rows = rows_of(path)
        assert len(rows) == count and all(len(row) == len(rows[0]) for row in rows), path.name
        assert runnable_cells(rows) == [], path.name
    escaped = {shown(value) for value in SEVEN}
    for path, heading in ((pairs, "member_3_name"), (groups, "member_3_profession")):
        third = column(path, heading) - {""}
        assert third and third <= escaped, path.name  # the group of three formed, and its third member is escaped
    rows = rows_of(people)
    trios = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if "; " in row[rows[0].index("partner_names")]]
    assert len(trios) == 2 * 3  # each member of each round's group of three has two partners in one cell
    for heading in ("partner_names", "partner_organisations", "partner_professions"):
        for row in trios:
            first, second = row[heading].split("; ")
            assert first in escaped and "'" + second in escaped, heading
    rows = rows_of(intros)
    to, names = rows[0].index("to"), rows[0].index("names")
    trio_names = [row[names] for row in rows[1:] if row[to].count("; ") == 2]  # three addresses
    assert len(trio_names) == 2 and all(cell.startswith("'") for cell in trio_names)  # every name is a formula


# -- 2. names and emails cannot add lines to calendars or emails -----------------------------------------------------

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")
ICS_PROPERTIES = {"BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "TZID", "COMMENT", "DTSTART", "TZNAME",
                  "TZOFFSETFROM", "TZOFFSETTO", "SUMMARY", "DTEND", "DTSTAMP", "UID", "ATTENDEE", "DESCRIPTION",
                  "LOCATION", "ORGANIZER", "SEQUENCE", "STATUS", "TRANSP", "X-WR-CALNAME"}
EML_HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "X-Unsent", "Content-Type", "Content-Transfer-Encoding",
               "MIME-Version"}
INJECTING_CONFIG = ('[schedule]\norganiser_email = "org@x.example"\n'
                    'location = "Room 1\\r\\nATTENDEE:mailto:evil@x.example"\n'
                    'coordinator = "Coord\\r\\nBcc: evil@x.example"\n')


@pytest.fixture
def injecting_roster(tmp_path: Path) -> Path:
    """Names, organisations and professions with CR/LF, escape codes, Unicode line breaks and bidi overrides."""
    return write_roster(tmp_path / "roster.csv", [
        ["A1", "Jo\r\nATTENDEE:mailto:evil@x.example", "jo@x.example", "Org\r\nLOCATION:evil", "Nurse", "Band 5"],
        ["A2", "Esc\x1b[31mRed\u202eevil\u2028Line\x85Nel", "esc@x.example", "Org2", "GP\nBcc: evil@x.example",
         "Band 5"],
        ["A3", "Tab\tName\x07", "tab@x.example", "Org3\u2029X", "Work Coach", "Band 5"],
        ["A4", "Vertical\x0bFeed\x0c", "b@x.example", "Org4", "Pharmacist\x1b]0;title\x07", "Band 5"],
    ])


def unfolded_lines(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")  # only CRLF line ends
    return text.replace("\r\n ", "").split("\r\n")


def check_calendar(data: bytes, addresses: set[str]) -> None:
    lines = [line for line in unfolded_lines(data) if line]
    assert not CONTROL.search(data.decode("utf-8"))
    assert {re.split("[;:]", line, maxsplit=1)[0] for line in lines} <= ICS_PROPERTIES
    calendar = Calendar.from_ical(data)
    for event in calendar.walk("VEVENT"):
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert {str(a).removeprefix("mailto:") for a in attendees} <= addresses and len(attendees) == 2
        assert str(event["LOCATION"]) == "Room 1 ATTENDEE:mailto:evil@x.example"  # one harmless value
    assert not any(line.startswith(("ATTENDEE:mailto:evil", "LOCATION:evil")) for line in lines)


def check_email(data: bytes, addresses: set[str]) -> None:
    head, _, _ = data.partition(b"\r\n\r\n")
    assert not CONTROL.search(head.decode("ascii"))
    assert all(line[:1] in (b" ", b"\t") or line.split(b":")[0].decode() in EML_HEADERS
               for line in head.split(b"\r\n"))
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert set(message.keys()) == EML_HEADERS and message["Bcc"] is None
    assert {a.addr_spec for a in message["To"].addresses} <= addresses and len(message["To"].addresses) == 2
    assert message["From"].addresses[0].addr_spec == "org@x.example"


def test_control_characters_in_names_become_spaces_in_every_calendar_and_email(
        tmp_path: Path, injecting_roster: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(INJECTING_CONFIG, encoding="utf-8")
    code, _, err = run("schedule", injecting_roster, "-c", config, "--rounds", "2", "--start", "2027-01-11",
                       "--history", tmp_path / "h.sqlite", "--ics", tmp_path / "all.ics", "--ics-dir",
                       tmp_path / "invites", "--eml-dir", tmp_path / "emails", "--intros", tmp_path / "intros.csv",
                       "-q")
    assert code == 0, err
    addresses = {"jo@x.example", "esc@x.example", "tab@x.example", "b@x.example"}
    check_calendar((tmp_path / "all.ics").read_bytes(), addresses)
    invites = sorted((tmp_path / "invites").iterdir())
    emails = sorted((tmp_path / "emails").iterdir())
    assert len(invites) == len(emails) == 4  # two rounds of two conversations
    for invite in invites:
        check_calendar(invite.read_bytes(), addresses)
    for email in emails:
        check_email(email.read_bytes(), addresses)
    intros = rows_of(tmp_path / "intros.csv")
    assert len(intros) == 5 and all(len(row) == 7 for row in intros)
    assert not any(CONTROL.search(cell) for row in intros for cell in row)


# A lone control character (say "esc@x.example\x1b") is removed when the roster is read, leaving a plain address:
# tests/test_clean_text.py.  What is left of these after that is still not one address.
BAD_EMAILS = ["esc@x.example\r\nBcc: evil@x.example", "esc@x.example\nTo: evil@x.example",
              "esc@x.example\tBcc: evil@x.example",
              "esc@x.example\x85Bcc: evil@x.example", "esc@x.example>, evil@x.example",
              "esc@x.example\u2028Bcc: evil@x.example"]
OUTPUTS = [("--ics", "all.ics"), ("--ics-dir", "invites"), ("--eml-dir", "emails"), ("--intros", "intros.csv")]


@pytest.mark.parametrize(("email", "option", "name"), [(email, *OUTPUTS[k % len(OUTPUTS)])
                                                       for k, email in enumerate(BAD_EMAILS)])
def test_an_email_with_a_line_break_or_control_character_is_refused_and_nothing_is_written(
        tmp_path: Path, option: str, name: str, email: str) -> None:
    roster = write_roster(tmp_path / "roster.csv", [
        ["A1", "Ann", "ann@x.example", "", "Nurse", "Band 5"], ["A2", "Bo", email, "", "GP", "Band 5"]])
    history, config = tmp_path / "h.sqlite", tmp_path / "c.toml"
    config.write_text('[schedule]\norganiser_email = "org@x.example"\n', encoding="utf-8")
    code, _, err = run("schedule", roster, "-c", config, "--start", "2027-01-11", "--history", history, option,
                       tmp_path / name, "--out", tmp_path / "people.csv")
    assert code == 65
    assert err.startswith("error: ") and err.count("\n") == 1 and "row 3 (id A2)" in err
    assert "evil" not in err and "esc@" not in err  # the address itself is never repeated
    assert not (tmp_path / name).exists() and not (tmp_path / "people.csv").exists()
    with History.open(history, write=False) as store:
        assert store.rounds() == []


def test_an_organiser_address_with_a_line_break_is_a_config_error(tmp_path: Path, injecting_roster: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[schedule]\norganiser_email = "org@x.example\\r\\nBcc: evil@x.example"\n', encoding="utf-8")
    code, _, err = run("schedule", injecting_roster, "-c", config, "--start", "2027-01-11", "--history",
                       tmp_path / "h.sqlite", "--eml-dir", tmp_path / "emails")
    assert code == 78 and err.count("\n") == 1 and "organiser" in err and "evil" not in err
    assert not (tmp_path / "emails").exists()


# -- 3. inputs are never overwritten; a failed write leaves the old file ----------------------------------------------

FOUR = [["1", "Ann", "ann@x.example", "NHS", "Nurse", "Band 5"], ["2", "Bo", "bo@x.example", "DWP", "GP", "Band 5"],
        ["3", "Cy", "cy@x.example", "NHS", "Work Coach", "Band 5"],
        ["4", "Di", "di@x.example", "DWP", "Pharmacist", "Band 5"]]
SCHEDULE_FILES = ["--out", "--groups-out", "--ics", "--intros"]
INPUTS = ["roster", "config", "exclusions", "history"]


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    roster = write_roster(tmp_path / "roster.csv", FOUR)
    config = tmp_path / "peermatch.toml"
    config.write_text('[schedule]\norganiser_email = "org@x.example"\n', encoding="utf-8")
    exclusions = tmp_path / "exclusions.csv"
    exclusions.write_text("id_a,id_b\n1,2\n", encoding="utf-8")
    history = tmp_path / "h.sqlite"
    with History.open(history, write=True) as store:
        store.record_round("earlier", kind="pair", starts=None, groups=[RecordedGroup(("1", "3"), None, "", None)],
                           unmatched=[], profiles={})
        store.commit()
    return {"roster": roster, "config": config, "exclusions": exclusions, "history": history}


def command_line(command: str, inputs: dict[str, Path], option: str, target: Path) -> list[str | Path]:
    common: list[str | Path] = [inputs["roster"], "-c", inputs["config"], "--exclude", inputs["exclusions"],
                                "--history", inputs["history"], option, target]
    if command == "pair":
        return ["pair", *common, "--seed", "1"]
    return ["schedule", *common, "--start", "2027-01-11", "--seed", "1"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.mark.parametrize(("command", "option", "kind"), [("pair", "--out", kind) for kind in INPUTS] + [
    ("schedule", option, kind) for option, kind in zip(SCHEDULE_FILES, INPUTS, strict=True)])
def test_no_output_may_overwrite_an_input(tmp_path: Path, inputs: dict[str, Path], command: str, option: str,
                                          kind: str) -> None:
    before = snapshot(tmp_path)
    code, _, err = run(*command_line(command, inputs, option, inputs[kind]))
    assert code == 73 and err.count("\n") == 1 and "refusing to overwrite an input file" in err
    assert snapshot(tmp_path) == before


def test_other_spellings_of_the_roster_are_refused_too(tmp_path: Path, inputs: dict[str, Path]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(inputs["roster"])
    os.link(inputs["roster"], tmp_path / "hard.csv")
    before = snapshot(tmp_path)
    for target in (tmp_path / "sub" / ".." / "roster.csv", tmp_path / "link.csv", tmp_path / "hard.csv"):
        code, _, err = run(*command_line("pair", inputs, "--out", target))
        assert code == 73 and "refusing to overwrite an input file" in err, target
    for option in ("--ics-dir", "--eml-dir"):  # a folder option pointed at the roster file
        code, _, err = run(*command_line("schedule", inputs, option, inputs["roster"]))
        assert code == 73 and err.count("\n") == 1
    code, _, err = run("history", "export", "--out", inputs["history"], "--history", inputs["history"])
    assert code == 73 and "refusing to overwrite an input file" in err
    assert snapshot(tmp_path) == before


class FailingOs:
    """What peermatch.outputs.export and .staging see as ``os``: the real module, except for one fault.

    ``full-disk``: every file write stores half its bytes, then fails with ENOSPC (as a disk that fills up
    mid-write does).  ``rename``: the final ``os.replace`` (or a new folder's ``os.rename``) fails with EIO.
    """

    def __init__(self, fault: str) -> None:
        self.fault = fault
        self.partial_sizes: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def fdopen(self, fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.fault != "full-disk":
            return os.fdopen(fd, mode, *args, **kwargs)
        sizes = self.partial_sizes

        class FullDisk(io.BufferedWriter):
            def write(self, data: Any) -> int:
                data = bytes(data)
                super().write(data[: max(1, len(data) // 2)])
                super().flush()
                sizes.append(os.fstat(self.fileno()).st_size)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return FullDisk(io.FileIO(fd, "wb"))

    def write(self, fd: int, data: Any) -> int:
        if self.fault != "full-disk":
            return os.write(fd, data)
        data = bytes(data)
        os.write(fd, data[: max(1, len(data) // 2)])
        self.partial_sizes.append(os.fstat(fd).st_size)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def replace(self, source: Any, target: Any) -> None:
        if self.fault == "rename":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        os.replace(source, target)

    def rename(self, source: Any, target: Any) -> None:
        if self.fault == "rename":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        os.rename(source, target)


OUTPUT_CASES = [("pair", "--out", "pairs.csv"), ("schedule", "--out", "people.csv"),
                ("schedule", "--groups-out", "groups.csv"), ("schedule", "--ics", "all.ics"),
                ("schedule", "--intros", "intros.csv"), ("schedule", "--ics-dir", "invites"),
                ("schedule", "--eml-dir", "emails"), ("history export", "--out", "history.csv"),
                ("schedule", "--ics-dir", "new-invites"), ("schedule", "--eml-dir", "new-emails")]


@pytest.mark.parametrize("fault", ["full-disk", "rename"])
@pytest.mark.parametrize(("command", "option", "name"), OUTPUT_CASES)
def test_a_failed_write_leaves_the_old_file_byte_for_byte_and_no_temporary_file(
        tmp_path: Path, inputs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, command: str, option: str,
        name: str, fault: str) -> None:
    target = tmp_path / name
    if name.startswith("new-"):  # a folder the run would create: afterwards it must not exist, even in part
        old = tmp_path / "unrelated.txt"
    elif option in ("--ics-dir", "--eml-dir"):
        target.mkdir()
        old = target / ("round-01-group-001.eml" if option == "--eml-dir" else "round-01-group-001.ics")
    else:
        old = target
    old.write_bytes(b"the old file, which must survive\r\n" * 1000)
    history_before = inputs["history"].read_bytes()
    before, inside = snapshot(tmp_path), snapshot(target) if target.is_dir() else {}
    listing = sorted(path.name for path in tmp_path.iterdir())
    failing = FailingOs(fault)
    monkeypatch.setattr(peermatch.outputs.export, "os", failing)
    monkeypatch.setattr(peermatch.outputs.staging, "os", failing)
    if command == "history export":
        code, _, err = run("history", "export", "--history", inputs["history"], option, target)
    else:
        code, _, err = run(*command_line(command, inputs, option, target))
    monkeypatch.undo()
    assert code == 73
    reason = "No space left on device" if fault == "full-disk" else "Input/output error"
    assert err.startswith("error: ") and err.count("\n") == 1 and f"cannot write ({reason})" in err
    assert snapshot(tmp_path) == before  # the old file intact, no temporary file left in the folder
    assert sorted(path.name for path in tmp_path.iterdir()) == listing  # nor a temporary or half-made folder
    if target.is_dir():
        assert snapshot(target) == inside
        assert sorted(path.name for path in target.iterdir()) == sorted(inside)
    assert inputs["history"].read_bytes() == history_before  # and nothing was recorded
    if fault == "full-disk":
        assert failing.partial_sizes and failing.partial_sizes[0] > 0  # the failure really came mid-write
