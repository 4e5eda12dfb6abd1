"""``peermatch history ...`` as a coordinator and a cron job use it: output, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from peermatch.cli.history import history_app
from peermatch.history.rounds import RecordedGroup
from peermatch.history.store import History
from tests.test_history import Holder

app = typer.Typer()
app.add_typer(history_app, name="history")
runner = CliRunner()
COMMANDS = ("list", "show", "export", "import", "met", "forget", "forget-person", "prune")


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["history", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


@pytest.fixture
def seeded(path: Path) -> Path:
    """Two rounds: a schedule round with a group of three and someone unmatched, then a plain pairing."""
    profiles = {"NT0311": ("nurse", "nhs"), "NC1187": ("social worker", "council"), "=1+1": ("gp", "practice")}
    with History.open(path, write=True) as history:
        history.record_round("2024-01-11", kind="schedule", starts="2024-01-11T09:00", groups=[
            RecordedGroup(("NT0311", "NC1187", "=1+1"), 4, "a1@peermatch", "=1+1"),
            RecordedGroup(("W1", "W2"), 5, "a2@peermatch", None)], unmatched=["W3"], profiles=profiles)
        history.record_round("adhoc", kind="pair", starts=None, groups=[
            RecordedGroup(("NT0311", "W1"), None, "", None)], unmatched=[], profiles=profiles)
        history.commit()
    return path


def pairs_in(path: Path) -> set[frozenset[str]]:
    with History.open(path, write=False) as history:
        return history.met_pairs()


def test_list_without_a_history_says_so_and_creates_nothing(path: Path) -> None:
    code, out, _ = run("list", "--history", path)
    assert code == 0 and "No rounds" in out
    assert not path.exists()


def test_list_shows_each_round(seeded: Path) -> None:
    code, out, _ = run("list", "--history", seeded)
    assert code == 0 and "2024-01-11" in out and "adhoc" in out and "2 rounds" in out


def test_list_as_json(seeded: Path) -> None:
    code, out, _ = run("list", "--history", seeded, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["history"] == str(seeded)
    first = data["rounds"][0]
    assert {key: first[key] for key in ("label", "starts", "kind", "groups", "people", "met", "not_met")} == {
        "label": "2024-01-11", "starts": "2024-01-11T09:00", "kind": "schedule", "groups": 2, "people": 6, "met": 0,
        "not_met": 0}


def test_the_history_option_defaults_to_the_environment_variable(seeded: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERMATCH_HISTORY", str(seeded))
    code, out, _ = run("list", "--format", "json")
    assert code == 0 and len(json.loads(out)["rounds"]) == 2


def test_show_a_round(seeded: Path) -> None:
    code, out, _ = run("show", "2024-01-11", "--history", seeded)
    assert code == 0 and "NT0311" in out and "joined as third" in out and "W3" in out
    code, out, _ = run("show", "2024-01-11", "--history", seeded, "-f", "json")
    data = json.loads(out)
    assert data["groups"][0] == {"group": 1, "members": ["NT0311", "NC1187", "=1+1"], "odd_one": "=1+1",
                                 "table": 4, "uid": "a1@peermatch", "met": None}
    assert data["unmatched"] == ["W3"] and data["round"]["label"] == "2024-01-11"


def test_show_an_unknown_round_exits_65_naming_it(seeded: Path) -> None:
    code, out, err = run("show", "2026-12-25", "--history", seeded)
    assert code == 65 and out == ""
    assert "'2026-12-25'" in err and str(seeded) in err and len(err.strip().splitlines()) == 1


def test_export_is_a_formula_safe_excel_csv_and_imports_back(tmp_path: Path, seeded: Path) -> None:
    target = tmp_path / "history.csv"
    code, _, err = run("export", "--out", target, "--history", seeded)
    assert code == 0 and "wrote 8 rows (2 rounds)" in err
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and target.stat().st_mode & 0o777 == 0o600
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["round", "starts", "kind", "group", "table", "uid", "person_id", "profession",
                             "organisation", "met", "odd"]
    assert "'=1+1" in {row["person_id"] for row in rows}  # shown in Excel, never run
    copy = tmp_path / "copy.sqlite"
    code, out, _ = run("import", target, "--history", copy)
    assert code == 0 and "imported 2 rounds" in out
    assert pairs_in(copy) == pairs_in(seeded) and frozenset({"NT0311", "=1+1"}) in pairs_in(copy)
    listed = [json.loads(run("list", "--history", p, "-f", "json")[1])["rounds"] for p in (seeded, copy)]
    for rounds in listed:
        for info in rounds:
            info.pop("recorded_at")
    assert listed[0] == listed[1]


def test_export_never_overwrites_the_history(seeded: Path) -> None:
    before = seeded.read_bytes()
    code, _, _ = run("export", "--out", seeded, "--history", seeded)
    assert code == 73 and seeded.read_bytes() == before


def test_import_takes_a_plain_spreadsheet_and_keeps_no_names(tmp_path: Path, path: Path) -> None:
    sheet = write(tmp_path, "old.csv", "Round;Group;Person ID;Name;Email\n"
                  "Spring 2024;A;S1;Siân Jones;sian@nhs.example\nSpring 2024;A;S2;Bo Li;bo@council.example\n")
    code, out, _ = run("import", sheet, "--history", path)
    assert code == 0 and "imported 1 round from" in out
    assert pairs_in(path) == {frozenset({"S1", "S2"})}
    raw = path.read_bytes()
    assert b"Jones" not in raw and b"sian@" not in raw and "Siân".encode() not in raw


@pytest.mark.parametrize(("text", "where"), [
    ("round,person_id\nr,a\n", "no group column"),
    ("round,group,person_id\nr,1,a\nr,1,b\nr,2,c\n", "row 4, column 'group'"),
    ("round,group,person_id\nr,1,a\nr,1,\n", "row 3, column 'person_id'"),
    ("\nround,group,person_id,met\nr,1,a,yes\nr,1,b,sometimes\n", "row 4, column 'met'"),
])
def test_a_wrong_import_exits_65_naming_row_and_column(tmp_path: Path, path: Path, text: str, where: str) -> None:
    sheet = write(tmp_path, "old.csv", text)
    code, out, err = run("import", sheet, "--history", path)
    assert code == 65 and where in err and "old.csv" in err and out == ""
    assert json.loads(run("list", "--history", path, "-f", "json")[1])["rounds"] == []


def test_met_by_pairs_records_which_conversations_took_place(tmp_path: Path, seeded: Path) -> None:
    feedback = write(tmp_path, "feedback.csv", "round,person_a,person_b,met\n"
                     "2024-01-11,NC1187,NT0311,Yes\n2024-01-11,W2,W1,no\nadhoc,NT0311,W1,\n")
    code, out, _ = run("met", feedback, "--history", seeded)
    assert code == 0 and "1 conversation took place, 1 did not" in out
    assert frozenset({"W1", "W2"}) not in pairs_in(seeded)
    code, out, _ = run("show", "2024-01-11", "--history", seeded, "-f", "json")
    assert [group["met"] for group in json.loads(out)["groups"]] == [True, False]


def test_met_by_group_number(tmp_path: Path, seeded: Path) -> None:
    feedback = write(tmp_path, "feedback.csv", "Round,Group,Met\nadhoc,1,n\n2024-01-11,2,1\n")
    code, out, _ = run("met", feedback, "--history", seeded)
    assert code == 0 and "1 conversation took place, 1 did not" in out
    assert frozenset({"NT0311", "W1"}) not in pairs_in(seeded)


@pytest.mark.parametrize(("text", "where"), [
    ("round,person_a,person_b,met\n2024-01-11,NT0311,NC1187,yes\n2099-01-01,W1,W2,yes\n", "row 3, column 'round'"),
    ("round,person_a,person_b,met\n2024-01-11,NT0311,W1,yes\n", "row 2, column 'person_b'"),
    ("round,group,met\n2024-01-11,9,yes\n", "row 2, column 'group'"),
    ("round,group,met\n2024-01-11,1,maybe\n", "row 2, column 'met'"),
    ("round,met\n2024-01-11,yes\n", "needs the columns"),
])
def test_wrong_feedback_exits_65_naming_the_row_and_changes_nothing(tmp_path: Path, seeded: Path, text: str,
                                                                     where: str) -> None:
    feedback = write(tmp_path, "feedback.csv", text)
    code, _, err = run("met", feedback, "--history", seeded)
    assert code == 65 and where in err and "feedback.csv" in err and len(err.strip().splitlines()) == 1
    listed = json.loads(run("list", "--history", seeded, "-f", "json")[1])["rounds"]
    assert all(info["met"] == info["not_met"] == 0 for info in listed)


def test_forget_a_round(seeded: Path) -> None:
    code, out, _ = run("forget", "2024-01-11", "--history", seeded)
    assert code == 0 and "forgot round '2024-01-11': 2 groups, 6 people" in out
    assert pairs_in(seeded) == {frozenset({"NT0311", "W1"})}
    code, _, err = run("forget", "2024-01-11", "--history", seeded)
    assert code == 65 and "'2024-01-11'" in err


def test_forget_person_erases_the_id_and_does_not_repeat_it(seeded: Path) -> None:
    code, out, _ = run("forget-person", "NT0311", "--history", seeded)
    assert code == 0 and "removed them from 2 rounds" in out and "NT0311" not in out
    assert b"NT0311" not in seeded.read_bytes()
    assert pairs_in(seeded) == {frozenset({"NC1187", "=1+1"}), frozenset({"W1", "W2"})}
    code, out, _ = run("forget-person", "NT0311", "--history", seeded)
    assert code == 0 and "nothing removed" in out


def test_prune_old_rounds(seeded: Path) -> None:
    code, out, _ = run("prune", "--before", "2025-06-01", "--history", seeded)
    assert code == 0 and "removed 1 round that started before 2025-06-01: '2024-01-11'" in out
    code, out, _ = run("prune", "--before", "2025-06-01", "--history", seeded)
    assert code == 0 and "removed 0 rounds" in out
    code, _, err = run("prune", "--before", "next week", "--history", seeded)
    assert code == 65 and "'next week'" in err


def test_a_file_that_is_not_a_history_exits_65(tmp_path: Path) -> None:
    roster = write(tmp_path, "roster.csv", "id,name\n1,Ann\n")
    for args in (("list",), ("forget", "x")):
        code, _, err = run(*args, "--history", roster)
        assert code == 65 and "not a peermatch history" in err and "roster.csv" in err
    assert roster.read_text(encoding="utf-8") == "id,name\n1,Ann\n"


def test_a_history_at_a_schema_no_peermatch_wrote_exits_65_in_one_line(seeded: Path) -> None:
    with sqlite3.connect(seeded) as raw:
        raw.execute("PRAGMA user_version = 0")
    raw.close()
    for args in (("list",), ("forget", "x")):  # reading, and writing
        code, out, err = run(*args, "--history", seeded)
        assert code == 65 and out == "" and len(err.strip().splitlines()) == 1
        assert str(seeded) in err and "schema version 0" in err and "Traceback" not in err


@pytest.fixture
def holder(seeded: Path) -> Iterator[Holder]:
    held = Holder(seeded)
    yield held
    held.finish()


def test_busy_history_exits_75_but_reading_still_works(seeded: Path, holder: Holder) -> None:
    code, out, err = run("forget", "adhoc", "--history", seeded, "--wait", "0.2")
    assert code == 75 and "another peermatch run is using this history" in err and out == ""
    code, out, _ = run("list", "--history", seeded, "-f", "json")
    assert code == 0 and len(json.loads(out)["rounds"]) == 2


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_a_runnable_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Example" in out and f"peermatch history {command} " in out and "--history" in out


def test_the_history_group_lists_every_command() -> None:
    code, out, _ = run("--help")
    assert code == 0 and all(command in out for command in COMMANDS)
