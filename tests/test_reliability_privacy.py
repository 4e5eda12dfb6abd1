"""Personal data stays in the outputs the user asked for: never in warnings, errors or tracebacks, and the history
keeps ids only, and forgets them for good.

Names and emails here are made to be found: any of them in stderr, or in the bytes of the history file (or a
journal beside it), fails the test.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
HEADINGS = ["id", "name", "email", "organisation", "profession", "grade"]
PROFESSIONS = ["Nurse", "GP", "Social Worker", "Pharmacist", "Work Coach", "Paramedic"]


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def secret_person(k: int, prefix: str = "S", grade: str = "Band 5") -> list[str]:
    return [f"{prefix}{k:03d}", f"Siân Secretname{k:03d}", f"zoe.hidden{k:03d}@private.example",
            f"Org {k % 3}", PROFESSIONS[k % len(PROFESSIONS)], grade]


def write_roster(path: Path, rows: Sequence[Sequence[str]], headings: Sequence[str] = HEADINGS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([list(headings), *rows])
    return path


def leaks(text: str) -> list[str]:
    """Every fragment of a name or an email address of the rosters above found in ``text``."""
    fragments = ("Secretname", "Siân", "zoe.hidden", "private.example", "ghost.person")
    return [fragment for fragment in fragments if fragment.casefold() in text.casefold()]


# -- tracebacks ------------------------------------------------------------------------------------------------------

BREAK_THE_SOLVER = """
import peermatch.matching.pairing

def broken(*args, **kwargs):
    raise RuntimeError("an unexpected internal failure")

peermatch.matching.pairing.solve = broken
"""


def test_an_internal_error_shows_a_traceback_without_local_variables(tmp_path: Path) -> None:
    """A real ``python -m peermatch`` whose solver fails unexpectedly (CliRunner would catch the exception itself).

    A second run with typer's ``pretty_exceptions_show_locals`` switched back on shows that the check would see
    the names if a traceback ever printed them.
    """
    roster = write_roster(tmp_path / "roster.csv", [secret_person(k) for k in range(6)])
    runs = {}
    locals_on = "import peermatch.cli.app\npeermatch.cli.app.app.pretty_exceptions_show_locals = True\n"
    for name, extra in (("as shipped", ""), ("locals on", locals_on)):
        site = tmp_path / name.replace(" ", "-")
        site.mkdir()
        (site / "sitecustomize.py").write_text(BREAK_THE_SOLVER + extra, encoding="utf-8")
        runs[name] = subprocess.Popen(
            [sys.executable, "-m", "peermatch", "pair", str(roster), "--seed", "1", "--history",
             str(tmp_path / "h.sqlite")], cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{site}:{ROOT}",
                                                             "COLUMNS": "100"},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {name: (*child.communicate(timeout=120), child.returncode) for name, child in runs.items()}
    _, err, code = results["as shipped"]
    assert code == 1 and "RuntimeError: an unexpected internal failure" in err and "pairing.py" in err
    assert leaks(err) == []
    assert leaks(results["locals on"][1])  # the same failure with locals shown would have exposed them
    assert not (tmp_path / "h.sqlite").exists() or b"Secretname" not in (tmp_path / "h.sqlite").read_bytes()


# -- every warning and error names rows, never people -------------------------------------------------------------

def roster_with(tmp_path: Path, change: str) -> Path:
    """Six people at Band 5 and, per ``change``, one row that triggers a warning or an error."""
    rows = [secret_person(k) for k in range(6)]
    headings = list(HEADINGS)
    if change == "duplicate id":
        rows.append(["S001", *secret_person(6)[1:]])
    elif change == "duplicate email":
        rows.append([*secret_person(6)[:2], rows[1][2], *secret_person(6)[3:]])
    elif change == "blank grade":
        rows.append(secret_person(6, grade=""))
    elif change == "unknown grade":
        rows.append(secret_person(6, grade="Band 99x"))
    elif change == "blank id":
        rows.append(["", *secret_person(6)[1:]])
    elif change == "no id column":
        rows, headings = [row[1:] for row in rows] + [rows[1][1:]], HEADINGS[1:]
    elif change == "extra cells":
        rows.append([*secret_person(6), "Secretname extra cell"])
    elif change == "unclear opt-out":
        headings.append("Opt out")
        rows = [[*row, "yes" if k == 0 else "maybe Secretname" if k == 1 else ""] for k, row in enumerate(rows)]
    elif change == "levels apart":  # two people with nobody at their level but each other
        rows += [secret_person(6, grade="Band 8a"), secret_person(7, grade="Band 8a")]
    elif change == "line manager":  # another person's name in every row, and taken for the grade
        headings.append("Line manager")
        rows = [[*row, rows[(k + 1) % len(rows)][1]] for k, row in enumerate(rows)]
    elif change == "bad email":
        rows.append([*secret_person(6)[:2], "zoe.hidden006@private.example Bcc: ghost.person@x.example",
                     *secret_person(6)[3:]])
    return write_roster(tmp_path / "roster.csv", rows, headings)


def exclusions(tmp_path: Path) -> Path:
    path = tmp_path / "exclusions.csv"
    path.write_text("id_a,id_b\nS000,S001\nghost.person@private.example,S002\nS003,Zoe Secretname\n", encoding="utf-8")
    return path


CASES = [
    ("duplicate id", (), 65, "have the same id"),
    ("duplicate id", ("--skip-invalid",), 0, "skipped 1 row: 1 duplicate id"),
    ("duplicate email", (), 65, "have the same email"),
    ("duplicate email", ("--skip-invalid",), 0, "duplicate email"),
    ("blank grade", (), 65, "the level is blank in row 8"),
    ("blank grade", ("--skip-invalid",), 0, "skipped 1 row: 1 with a blank level"),
    ("unknown grade", (), 65, "'Band 99x'"),
    ("unknown grade", ("--skip-invalid",), 0, "1 with an unknown grade"),
    ("blank id", (), 0, "is blank in row 8; their email"),
    ("no id column", (), 65, "rows 3 and 8 have the same email"),
    ("extra cells", (), 65, "row 8 has more cells than there are headings"),
    ("unclear opt-out", (), 65, "cannot tell whether they take part"),
    ("none", ("--level-column", "name"), 65, "names or email addresses, not grades"),
    ("none", ("--level-column", "email"), 65, "names or email addresses, not grades"),
    ("line manager", ("--level-column", "Line manager"), 65, "names or email addresses, not grades"),
    ("none", ("--verbose",), 0, "name: column 'name'"),
    ("exclusions", (), 0, "rows 3 and 4 name an id that is not in the roster"),
]


@pytest.mark.parametrize(("change", "options", "code", "said"), CASES)
def test_pair_warnings_and_errors_name_rows_not_people(tmp_path: Path, change: str, options: tuple[str, ...],
                                                       code: int, said: str) -> None:
    extra = ("--exclude", exclusions(tmp_path)) if change == "exclusions" else ()
    exit_code, _, err = run("pair", roster_with(tmp_path, change), *options, *extra, "--seed", "1", "--dry-run")
    assert exit_code == code and said in err, err
    assert leaks(err) == [], err


@pytest.mark.parametrize(("change", "options", "code", "said"), [
    ("levels apart", ("--rounds", "2", "--strict"), 1,
     "row 8 (id S006, Band 8a, 1 possible); row 9 (id S007, Band 8a, 1"),
    ("levels apart", ("--rounds", "2"), 0, "row 8 (id S006, Band 8a, 1 possible); row 9 (id S007, Band 8a, 1"),
    ("no id column", ("--rounds", "6", "--skip-invalid"), 0, "row 2 (Band 5, 5 possible)"),  # ids are emails here
    ("bad email", ("--ics", "all.ics"), 65, "row 8 (id S006): the email address contains a space"),
    ("exclusions", ("--rounds", "2"), 0, "rows 3 and 4 name an id"),
])
def test_schedule_warnings_and_errors_name_rows_not_people(tmp_path: Path, change: str, options: tuple[str, ...],
                                                           code: int, said: str) -> None:
    extra = ("--exclude", exclusions(tmp_path)) if change == "exclusions" else ()
    options = tuple(str(tmp_path / o) if o.endswith(".ics") else o for o in options)
    exit_code, _, err = run("schedule", roster_with(tmp_path, change), "--start", "2027-01-11", *options, *extra,
                            "--seed", "1", "--dry-run")
    assert exit_code == code and said in err, err
    assert leaks(err) == [], err


# -- the history keeps ids, and forgets them for good ---------------------------------------------------------------

DOCUMENTED_SCHEMA = {
    "rounds": ["id", "label", "kind", "starts", "recorded_at"],
    "groups": ["id", "round_id", "number", "table_number", "uid", "met", "sequence", "stamp", "version"],
    "members": ["group_id", "position", "person_id", "profession", "organisation", "odd"],
    "unmatched": ["round_id", "person_id"],
    "cancelled": ["id", "round_id", "uid", "sequence", "stamp", "starts", "minutes"],
    "cancelled_members": ["cancelled_id", "position", "person_id"],
    "uninvited": ["round_id", "uid", "person_id", "sequence", "stamp", "starts", "minutes"],
}


def history_bytes(path: Path) -> bytes:
    """The history file and anything beside it that SQLite may keep (a -journal, -wal or -shm)."""
    siblings = sorted(path.parent.glob(path.name + "*"))
    assert [p.name for p in siblings] == [path.name]  # one file: no journal left behind, no WAL
    return b"".join(p.read_bytes() for p in siblings)


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    """A history written by the real commands: an old programme (2024) and a new one (2027), 200 people each."""
    history = tmp_path / "h.sqlite"
    old = write_roster(tmp_path / "old.csv", [secret_person(k, "OLDID", f"Band {5 + k % 2}") for k in range(200)])
    new = write_roster(tmp_path / "new.csv", [secret_person(k, "NEWID", f"Band {5 + k % 2}") for k in range(200)])
    for roster, start in ((old, "2024-01-08"), (new, "2027-01-11")):
        code, _, err = run("schedule", roster, "--start", start, "--rounds", "2", "--history", history, "--seed", "4",
                           "--quiet")
        assert code == 0, err
    code, _, err = run("pair", new, "--history", history, "--round", "extra", "--quiet", "--seed", "5")
    assert code == 0, err
    return history


def test_the_history_holds_ids_and_the_documented_columns_only(programme: Path) -> None:
    with sqlite3.connect(f"{programme.as_uri()}?mode=ro", uri=True) as raw:
        tables = [name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        schema = {table: [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
                  for table in tables if table != "sqlite_sequence"}
    raw.close()
    assert schema == DOCUMENTED_SCHEMA
    stored = history_bytes(programme)
    assert b"OLDID000" in stored and b"NEWID199" in stored
    for text in ("Secretname", "Siân", "zoe.hidden", "private.example"):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert text.encode(encoding) not in stored, (text, encoding)


def test_prune_erases_old_rounds_from_the_file_for_good(programme: Path) -> None:
    assert run("history", "prune", "--before", "2025-01-01", "--history", programme, "-q") == (0, "", "")
    stored = history_bytes(programme)
    assert all(f"OLDID{k:03d}".encode() not in stored for k in range(200))
    assert b"2024-01-08" not in stored and b"2024-01-22" not in stored
    assert all(f"NEWID{k:03d}".encode() in stored for k in range(200))  # the rest is still there


def test_forget_person_erases_their_id_from_the_file_for_good(programme: Path) -> None:
    code, out, err = run("history", "forget-person", "NEWID042", "--history", programme)
    assert code == 0 and "removed them from 3 rounds" in out and "NEWID042" not in out + err
    stored = history_bytes(programme)
    assert b"NEWID042" not in stored and "NEWID042".encode("utf-16-le") not in stored
    assert b"NEWID041" in stored and b"NEWID043" in stored and b"OLDID042" in stored
    code, out, _ = run("history", "export", "--history", programme, "--out", programme.with_name("all.csv"))
    exported = list(csv.reader(io.StringIO(programme.with_name("all.csv").read_text(encoding="utf-8-sig"))))
    assert code == 0 and not any("NEWID042" in cell for row in exported for cell in row)
