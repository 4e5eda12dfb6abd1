"""The ``peermatch`` command as a coordinator and a cron job use it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROSTER = EXAMPLES / "integrated-care-roster.csv"
CONFIG = EXAMPLES / "peermatch.toml"

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """Staff ID,Name,Email,Organisation,Profession,Grade
1,Ann,ann@nhs.example,NHS,Nurse,Band 6
2,Bea,bea@council.example,Council,Social Worker,Band 6
3,Cal,cal@dwp.example,DWP,Work Coach,Band 7
4,Dev,dev@gp.example,GP,GP,Band 7
"""


def test_pair_prints_a_table_and_summary() -> None:
    code, out, _ = run("pair", ROSTER, "--config", CONFIG, "--seed", "1")
    assert code == 0
    assert "Peer-learning groups" in out and "Ideal pairs" in out and "seed 1" in out


def test_json_is_only_json_on_stdout_and_has_the_documented_shape() -> None:
    code, out, _ = run("pair", ROSTER, "--config", CONFIG, "--seed", "1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"groups", "unmatched", "left_out", "summary"}
    ids = [m for g in data["groups"] for m in g["members"]] + data["unmatched"]
    assert len(ids) == len(set(ids)) == data["summary"]["people"]
    assert data["summary"]["ideal_pairs"] == data["summary"]["ideal_pairs_possible"]
    assert all(isinstance(g["score"], int) and g["reasons"] for g in data["groups"])


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.csv", "b.csv"):
        code, out, _ = run("pair", ROSTER, "-c", CONFIG, "--seed", "42", "--format", "json", "--out", tmp_path / name)
        assert code == 0
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_without_seed_the_seed_used_is_shown() -> None:
    code, out, _ = run("pair", ROSTER, "-c", CONFIG, "--format", "json")
    seed = json.loads(out)["summary"]["seed"]
    code, again, _ = run("pair", ROSTER, "-c", CONFIG, "--format", "json", "--seed", str(seed))
    assert code == 0 and json.loads(again) == json.loads(out)


def test_out_writes_an_excel_friendly_csv(tmp_path: Path) -> None:
    target = tmp_path / "pairs.csv"
    code, _, err = run("pair", write(tmp_path, SMALL), "--out", target, "--seed", "3")
    assert code == 0 and "wrote 2 groups" in err
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {(r["member_1_id"], r["member_2_id"]) for r in rows} == {("1", "2"), ("3", "4")}


def test_csv_cells_are_escaped_against_formulas(tmp_path: Path) -> None:
    roster = write(tmp_path, SMALL.replace("Ann,", "=HYPERLINK(\"http://evil\"),").replace("Bea,", "@SUM(1),"))
    target = tmp_path / "pairs.csv"
    assert run("pair", roster, "--out", target)[0] == 0
    text = target.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert ",=HYPERLINK" not in text


def test_odd_count_leave_out(tmp_path: Path) -> None:
    roster = write(tmp_path, SMALL + "5,Eve,eve@nhs.example,NHS,Pharmacist,Band 6\n")
    code, out, _ = run("pair", roster, "--format", "json", "--odd", "leave-out", "--seed", "1")
    data = json.loads(out)
    assert code == 0 and len(data["unmatched"]) == 1 and len(data["groups"]) == 2
    code, out, _ = run("pair", roster, "--format", "json", "--seed", "1")
    assert sorted(len(g["members"]) for g in json.loads(out)["groups"]) == [2, 3]


def test_exclusions_file_is_respected(tmp_path: Path) -> None:
    exclude = write(tmp_path, "id_a,id_b\n1,2\n3,4\n", "exclude.csv")
    code, out, _ = run("pair", write(tmp_path, SMALL), "--exclude", exclude, "--format", "json", "--seed", "1")
    assert code == 0
    groups = {frozenset(g["members"]) for g in json.loads(out)["groups"]}
    assert frozenset({"1", "2"}) not in groups and frozenset({"3", "4"}) not in groups


def test_config_exclusions_are_respected(tmp_path: Path) -> None:
    config = write(tmp_path, '[rules]\nexclude = [["1", "2"]]\n', "peermatch.toml")
    code, out, _ = run("pair", write(tmp_path, SMALL), "-c", config, "--format", "json", "--seed", "1")
    assert code == 0
    assert frozenset({"1", "2"}) not in {frozenset(g["members"]) for g in json.loads(out)["groups"]}


def test_config_exclusions_naming_unknown_ids_are_reported_by_place(tmp_path: Path) -> None:
    config = write(tmp_path, '[rules]\nexclude = [["1", "2"], ["3", "NX9Q"], ["ann@nhs.example", "4"]]\n',
                   "peermatch.toml")
    code, _, err = run("pair", write(tmp_path, SMALL), "-c", config, "--seed", "1", "--dry-run")
    assert code == 0
    assert "[rules] exclude: pairs 2 and 3 (counting from 1) name an id that is not in the roster" in err
    assert "NX9Q" not in err and "ann@" not in err  # ids may be emails: never shown
    code, _, err = run("schedule", write(tmp_path, SMALL), "-c", config, "--rounds", "1", "--start", "2027-01-11",
                       "--seed", "1", "--dry-run")
    assert code == 0 and "pairs 2 and 3 (counting from 1)" in err


def test_column_flag_overrides_detection(tmp_path: Path) -> None:
    roster = write(tmp_path, SMALL.replace("Grade", "Pay Scale"))
    code, _, err = run("pair", roster)
    assert code == 65 and "level" in err
    assert run("pair", roster, "--level-column", "Pay Scale")[0] == 0


@pytest.mark.parametrize(("text", "code", "words"), [
    ("Staff ID,Name,Profession\n1,Ann,Nurse\n", 65, "level"),
    (SMALL.replace("Social Worker,Band 6", "Social Worker,"), 65, "row 3"),
    (SMALL + "1,Ann2,ann2@nhs.example,NHS,Nurse,Band 6\n", 65, "same id"),
    (SMALL.replace("Band 6", "Grade Q", 1), 65, "row 2"),
])
def test_bad_rosters_exit_65_with_one_line_naming_file_and_row(tmp_path: Path, text: str, code: int,
                                                                 words: str) -> None:
    roster = write(tmp_path, text)
    target = tmp_path / "pairs.csv"
    exit_code, out, err = run("pair", roster, "--out", target)
    assert exit_code == code
    assert str(roster) in err and words in err
    assert len(err.strip().splitlines()) == 1 or "error" in err.splitlines()[0]
    assert not target.exists()  # nothing half-written
    assert out == ""


def test_unreadable_roster_exits_66(tmp_path: Path) -> None:
    code, _, err = run("pair", tmp_path / "missing.csv")
    assert code == 66 and "missing.csv" in err
    empty = write(tmp_path, "", "empty.csv")
    assert run("pair", empty)[0] == 66


def test_unwritable_output_exits_73(tmp_path: Path) -> None:
    code, _, err = run("pair", write(tmp_path, SMALL), "--out", tmp_path / "no" / "such" / "pairs.csv")
    assert code == 73 and "pairs.csv" in err


def test_refuses_to_overwrite_the_roster(tmp_path: Path) -> None:
    roster = write(tmp_path, SMALL)
    code, _, err = run("pair", roster, "--out", roster)
    assert code == 73 and "input" in err
    assert roster.read_text(encoding="utf-8") == SMALL


def test_bad_config_exits_78(tmp_path: Path) -> None:
    config = write(tmp_path, "[weights]\nsame_level = 1.5\n", "bad.toml")
    code, _, err = run("pair", write(tmp_path, SMALL), "--config", config)
    assert code == 78 and "weights.same_level" in err


def test_usage_errors_exit_2() -> None:
    assert run("pair")[0] == 2
    assert run("pair", ROSTER, "--odd", "sometimes")[0] == 2
    assert run("pair", ROSTER, "--format", "xml")[0] == 2


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    code, out, err = run("pair", write(tmp_path, SMALL), "--quiet", "--out", tmp_path / "p.csv")
    assert code == 0 and out == "" and err == ""


def test_verbose_says_how_the_roster_was_read(tmp_path: Path) -> None:
    roster = tmp_path / "semi.csv"
    roster.write_bytes(SMALL.replace(",", ";").replace("Ann", "Siân").encode("cp1252"))
    code, _, err = run("pair", roster, "--verbose")
    assert code == 0 and "Windows-1252" in err and "semicolon" in err and "'Grade'" in err


def test_every_command_help_has_an_example() -> None:
    for command in ("pair",):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Example" in out and f"peermatch {command}" in out


def test_errors_never_show_names_or_emails(tmp_path: Path) -> None:
    roster = write(tmp_path, SMALL + "1,Zed Secret,zed.secret@x.example,NHS,Nurse,\n")
    _, _, err = run("pair", roster)
    assert "Zed" not in err and "zed.secret" not in err


def test_a_roster_without_headings_never_shows_row_1_in_the_error(tmp_path: Path) -> None:
    roster = write(tmp_path, "Alice Smith,Nurse,Band 5\nBob Jones,Social Worker,Band 5\n")
    code, _, err = run("pair", roster)
    assert code == 65 and "heading" in err
    assert "Alice" not in err and "Smith" not in err


def test_a_pairing_that_cannot_write_its_output_creates_no_history(tmp_path: Path) -> None:
    history = tmp_path / "new-history.sqlite"
    code, _, err = run("pair", ROSTER, "--config", CONFIG, "--history", history, "--out",
                       tmp_path / "missing-folder" / "pairs.csv")
    assert code == 73 and "missing-folder" in err
    assert list(tmp_path.iterdir()) == []


def test_a_schedule_that_cannot_be_planned_records_nothing(tmp_path: Path) -> None:
    history = tmp_path / "new-history.sqlite"
    # 40 new partners each: more than a roster of 63 holds at any level
    code, _, err = run("schedule", ROSTER, "--config", CONFIG, "--history", history, "--rounds", "40", "--start",
                       "2027-01-11", "--out", tmp_path / "programme.csv", "--strict")
    assert code == 1 and "fewer possible new partners" in err
    assert not (tmp_path / "programme.csv").exists()
    code, out, _ = run("history", "list", "--history", history, "--format", "json")
    assert code == 0 and json.loads(out)["rounds"] == []


def test_max_level_gap_on_the_command_line_overrides_the_config(tmp_path: Path) -> None:
    roster = write(tmp_path, "id,grade,profession\nA,Band 5,Nurse\nB,Band 6,Social Worker\n")
    code, out, _ = run("pair", roster, "--format", "json", "--dry-run")
    assert code == 0 and json.loads(out)["groups"][0]["members"] == ["A", "B"]
    code, out, _ = run("pair", roster, "--format", "json", "--dry-run", "--max-level-gap", "0")
    assert code == 0 and json.loads(out)["groups"] == []
    unmatched = json.loads(out)["unmatched"]
    assert sorted(unmatched) == ["A", "B"]
    code, _, err = run("pair", roster, "--max-level-gap", "-1")
    assert code == 2 and "--max-level-gap" in err


def test_the_garbage_collector_is_back_on_after_a_command_whether_or_not_it_fails(tmp_path: Path) -> None:
    import gc

    assert gc.isenabled()
    assert run("pair", ROSTER, "--config", CONFIG, "--dry-run", "--quiet")[0] == 0
    assert gc.isenabled()
    assert run("pair", ROSTER, "--dry-run", "--quiet", "--out", tmp_path / "missing" / "x.csv")[0] != 0
    assert gc.isenabled()
    assert run("schedule", ROSTER, "--config", CONFIG, "--rounds", "40", "--start", "2027-01-11", "--dry-run",
               "--strict")[0] == 1
    assert gc.isenabled()
