"""``peermatch check``: hand-worked rosters whose counts and warnings can be checked on paper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.errors import RosterError, RosterUnreadable
from peermatch.matching.check_levels import level_counts
from peermatch.matching.check_people import without_partner
from peermatch.matching.checking import check_dict, check_roster
from peermatch.matching.graph import Problem
from peermatch.matching.solve import ideal_pairs_possible
from peermatch.roster.config import Config, Rules, load_config
from peermatch.roster.reading import load_roster
from peermatch.text import rows_text, shown_id
from tests.factories import person
from tests.golden import Golden

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "integrated-care-roster.csv"
CONFIG = ROOT / "examples" / "peermatch.toml"
HEADINGS = "Staff ID,Name,Email,Organisation,Profession,Grade,Site\n"

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, body: str, name: str = "roster.csv", headings: str = HEADINGS) -> Path:
    path = tmp_path / name
    path.write_text(headings + body, encoding="utf-8")
    return path


# Band 6: three nurses and a social worker, so one ideal pair at most (min(4 // 2, 4 - 3)) and two nurses without a
# same-level partner from another profession (2 * 3 - 4).  Band 8a is two steps above Band 6: with the default
# max_level_gap of 1, Eve (row 6) has nobody to meet.
FOUR_NURSES = """1,Ann,ann@nhs.example,NHS,Nurse,Band 6,North
2,Bea,bea@council.example,Council,Social Worker,Band 6,North
3,Cal,cal@nhs.example,NHS,Nurse,Band 6,South
4,Dee,dee@nhs.example,NHS,nurse,band 6,South
5,Eve,eve@dwp.example,DWP,Work Coach,Band 8a,East
"""


def test_counts_per_level_and_profession_by_hand(tmp_path: Path) -> None:
    result = check_roster(write(tmp_path, FOUR_NURSES), Config())
    assert result.fit and result.refusal is None and result.errors == []
    assert (result.encoding, result.delimiter, result.people) == ("utf-8", ",", 5)
    assert result.columns == {"id": "Staff ID", "name": "Name", "email": "Email", "level": "Grade",
                              "profession": "Profession", "organisation": "Organisation", "site": "Site"}
    assert result.professions == {"Nurse": 3, "Social Worker": 1, "Work Coach": 1}
    band6, band8a = result.levels
    assert (band6.level, band6.people, band6.professions) == ("Band 6", 4, {"Nurse": 3, "Social Worker": 1})
    assert (band6.ideal_pairs_possible, band6.without_cross_partner) == (1, 2)
    assert (band8a.level, band8a.people, band8a.ideal_pairs_possible) == ("Band 8a", 1, 0)
    assert result.ideal_pairs_possible == 1


def test_warnings_say_how_many_who_and_what_to_do(tmp_path: Path) -> None:
    result = check_roster(write(tmp_path, FOUR_NURSES), Config())
    kinds = [w.kind for w in result.warnings]
    assert kinds == ["one-profession-majority", "no-eligible-partner"]
    majority, alone = result.warnings
    assert "level Band 6: 3 of the 4 people are of one profession (Nurse), so 2 of them cannot" in majority.message
    assert alone.ids == ("5",) and alone.rows == (6,)
    assert alone.message.startswith("1 person has no eligible partner at level Band 8a: id 5 (row 6). Nobody else "
                                    "is within 1 level of it on the same ladder: allow levels further apart with "
                                    "`--max-level-gap 2` (or max_level_gap in [rules])")
    assert "Eve" not in alone.message and "eve@" not in alone.message


def test_same_level_only_suggests_adjacent_levels(tmp_path: Path) -> None:
    body = "1,A,,,Nurse,SCS2,\n2,B,,,Economist,SCS2,\n3,C,,,Lawyer,SCS2,\n4,D,,,Nurse,SCS1,\n5,E,,,Nurse,G6,\n"
    result = check_roster(write(tmp_path, body), Config(rules=Rules(max_level_gap=0)))
    alone = [w for w in result.warnings if w.kind == "no-eligible-partner"]
    assert [w.ids for w in alone] == [("5",), ("4",)]  # G6 is junior to SCS1 on the civil-service ladder
    assert "Nobody else is at that level: allow adjacent levels with `--max-level-gap 1`" in alone[1].message


def test_everyone_within_reach_excluded_has_no_partner(tmp_path: Path) -> None:
    roster = write(tmp_path, "1,A,,,Nurse,Band 6,\n2,B,,,GP,Band 6,\n3,C,,,GP,Band 8a,\n4,D,,,Nurse,Band 8a,\n")
    exclusions = tmp_path / "exclusions.csv"
    exclusions.write_text("id_a,id_b\n1,2\n", encoding="utf-8")
    result = check_roster(roster, load_config(None), exclude=exclusions)
    [finding] = [w for w in result.warnings if w.kind == "no-eligible-partner"]
    assert finding.ids == ("1", "2") and finding.rows == (2, 3)
    assert "2 people have no eligible partner at level Band 6" in finding.message
    assert "Everyone within reach is excluded or has already met them" in finding.message


@given(st.lists(st.tuples(st.sampled_from(["Band 4", "Band 5", "Band 7", "EO", "HEO", "SCS2"]),
                          st.sampled_from(["Nurse", "GP", "Social Worker"])), max_size=12),
       st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=10),
       st.sampled_from([0, 1, 2]))
def test_no_eligible_partner_agrees_with_the_solvers_rule(people: list[tuple[str, str]],
                                                          exclude: list[tuple[int, int]], gap: int) -> None:
    staff = [person(str(i), grade, profession) for i, (grade, profession) in enumerate(people)]
    pairs = [(str(a), str(b)) for a, b in exclude]
    problem = Problem.from_people(staff, Config().weights, gap, pairs)
    expected = {p.id for i, p in enumerate(staff) if not any(problem.allowed(i, j) for j in range(len(staff)))}
    assert set(without_partner(staff, gap, pairs)) == expected


@given(st.lists(st.tuples(st.sampled_from(["Band 5", "Band 6", "EO"]),
                          st.sampled_from(["Nurse", "GP", "Social Worker", "Pharmacist"])), max_size=20))
def test_level_bounds_add_up_to_the_solvers_bound(people: list[tuple[str, str]]) -> None:
    staff = [person(str(i), grade, profession) for i, (grade, profession) in enumerate(people)]
    counts = level_counts(staff)
    assert sum(level.people for level in counts) == len(staff)
    assert sum(level.ideal_pairs_possible for level in counts) == ideal_pairs_possible(
        Problem.from_people(staff, Config().weights, 1))


def test_likely_duplicates_same_name_or_email_but_for_spaces(tmp_path: Path) -> None:
    body = ("1,Jo Smith,jo.smith@nhs.example,NHS,Nurse,Band 6,\n2,Al Khan,al@nhs.example,NHS,GP,Band 6,\n"
            "3,jo  smith,jsmith@council.example,Council,Social Worker,Band 6,\n"
            "4,Bo Li,bo.li@nhs.example,NHS,GP,Band 6,\n5,Bo Lee,bo. li@nhs.example,NHS,GP,Band 6,\n")
    result = check_roster(write(tmp_path, body), Config())
    duplicates = [w for w in result.warnings if w.kind == "likely-duplicate"]
    assert [(w.rows, w.ids) for w in duplicates] == [((2, 4), ("1", "3")), ((5, 6), ("4", "5"))]
    assert duplicates[0].message.startswith("rows 2 and 4 (id 1, id 3) have the same name (column 'Name') but "
                                            "different emails")
    assert "differ only in spaces (column 'Email')" in duplicates[1].message
    assert not any("Jo" in w.message or "@" in w.message for w in duplicates)


def test_every_row_pair_would_refuse_is_listed_at_once(tmp_path: Path) -> None:
    body = ("1,A,,NHS,Nurse,Band 10,\n2,B,,NHS,GP,Band 6,\n3,C,,NHS,GP,Wizard,\n4,D,,NHS,GP,,\n"
            "5,E,,NHS,Nurse,Band 6,\n2,F,,NHS,Nurse,Band 6,\n7,G,,NHS,GP,Band 10,\n")
    path = write(tmp_path, body)
    result = check_roster(path, Config())
    assert not result.fit
    assert [(e.kind, e.rows) for e in result.errors] == [
        ("unknown-grade", (2, 8)), ("unknown-grade", (4,)), ("blank-level", (5,)), ("duplicate-id", (7,))]
    assert result.errors[0].message.startswith(f"{path}, rows 2 and 8: unknown grade (column 'Grade'): grade "
                                               "'Band 10' is not an Agenda for Change band")
    assert result.errors[3].message == (f"{path}, row 7: same id as row 3 (column 'Staff ID'); give each person "
                                        "their own id, or delete the repeated row")
    with pytest.raises(RosterError) as refused:
        load_roster(path)  # as `pair` reads it
    assert result.refusal == refused.value.message
    assert result.people == 2 and not any(w.message.startswith("skipped") for w in result.warnings)


# No id column: each person's id is their email, or their row number when the email is blank (row 8).  Row 4 (Band 9)
# and row 8 (Band 2) have nobody within a level; rows 2 and 5 share a name; row 6 opted out; row 7's grade is unknown.
NO_ID_COLUMN = """Ann Lee,ann@x.org,Nurse,Band 6,
Bob Roy,bob@x.org,GP,Band 6,
Cat Day,cat@x.org,Nurse,Band 9,
Ann Lee,ann2@x.org,GP,Band 6,
Dan Fox,dan@x.org,GP,Band 6,yes
Eve Orr,eve@x.org,GP,Wizard,
Fay Ng,,Nurse,Band 2,
"""
NO_ID_HEADINGS = "Name,Email,Profession,Grade,Opt out\n"


def test_without_an_id_column_findings_name_rows_not_emails(tmp_path: Path) -> None:
    result = check_roster(write(tmp_path, NO_ID_COLUMN, headings=NO_ID_HEADINGS), Config())
    assert [(e.kind, e.rows, e.ids) for e in result.errors] == [("unknown-grade", (7,), ("",))]
    assert [(e.id, e.row) for e in result.left_out] == [("", 6)]
    findings = {(w.kind, w.rows): w for w in result.warnings}
    alone_band9, alone_band2 = findings["no-eligible-partner", (4,)], findings["no-eligible-partner", (8,)]
    assert alone_band9.ids == alone_band2.ids == ("",)
    assert alone_band9.message.startswith("1 person has no eligible partner at level Band 9: row 4. Nobody else")
    assert alone_band2.message.startswith("1 person has no eligible partner at level Band 2: row 8. Nobody else")
    duplicate = findings["likely-duplicate", (2, 5)]
    assert duplicate.ids == ("", "")
    assert duplicate.message.startswith("rows 2 and 5 have the same name (column 'Name') but different emails")
    messages = [finding.message for finding in [*result.errors, *result.warnings]]
    assert not any("@" in message or "id " in message for message in messages)


def test_without_an_id_column_the_report_and_json_hold_no_email(tmp_path: Path) -> None:
    path = write(tmp_path, NO_ID_COLUMN, headings=NO_ID_HEADINGS)
    code, out, err = run("check", path)
    assert code == 65 and "@" not in out + err
    assert "row 6: opted out (column 'Opt out')" in out and "Band 9: row 4." in " ".join(out.split())
    code, out, err = run("check", path, "--format", "json")
    data = json.loads(out)
    assert code == 65 and "@" not in out + err
    assert data["left_out"] == [{"id": None, "row": 6, "reason": "opted out (column 'Opt out')"}]
    assert [(item["rows"], item["ids"]) for item in data["errors"]] == [([7], [None])]
    assert ([2, 5], [None, None]) in [(item["rows"], item["ids"]) for item in data["warnings"]]


def test_an_id_column_with_a_blank_cell_names_only_the_ids_there_are(tmp_path: Path) -> None:
    body = "1,Jo Smith,jo@nhs.example,NHS,Nurse,Band 6,\n2,Al Khan,al@nhs.example,NHS,GP,Band 6,\n" \
           ",Jo Smith,jsmith@council.example,Council,GP,Band 6,\n"
    result = check_roster(write(tmp_path, body), Config())
    [duplicate] = [w for w in result.warnings if w.kind == "likely-duplicate"]
    assert (duplicate.rows, duplicate.ids) == ((2, 4), ("1", ""))
    assert duplicate.message.startswith("rows 2 and 4 (id 1 in row 2) have the same name")
    assert "@" not in duplicate.message


@pytest.mark.parametrize(("person_id", "row", "email", "shown"), [
    ("NT0311", 2, "ann@x.org", "NT0311"),
    ("ann@x.org", 2, "Ann@X.org", None),  # the email, as the loader folds it
    ("ann@x.org", 2, "", None),  # an email in the id column: still an email
    ("n/a", 3, "N/A", None),  # whatever the email cell held
    ("7", 7, "", None),  # the row number
    ("7", 8, "", "7"),  # a staff number that is not the row
    ("", 2, "", None),
])
def test_shown_id_leaves_out_emails_and_row_numbers(person_id: str, row: int, email: str, shown: str | None) -> None:
    assert shown_id(person_id, row, email) == shown


# Every row is one `pair` would refuse, each for another reason: with --skip-invalid nobody would be left.
ALL_INVALID = """1,A,,NHS,Nurse,,
2,B,,NHS,GP,Wizard,
3,C,,NHS,,Band 6,
4,D,,NHS,GP,Band 99,
"""


def test_every_problem_is_listed_when_no_row_is_fit_to_pair(tmp_path: Path) -> None:
    path = write(tmp_path, ALL_INVALID)
    result = check_roster(path, Config())
    assert not result.fit and result.people == 0 and result.levels == [] and result.ideal_pairs_possible == 0
    assert [(e.kind, e.rows, e.ids) for e in result.errors] == [
        ("blank-level", (2,), ("1",)), ("unknown-grade", (3,), ("2",)), ("blank-profession", (4,), ("3",)),
        ("unknown-grade", (5,), ("4",))]
    assert result.errors[2].message == (f"{path}, row 4: the profession is blank (column 'Profession'); fill in "
                                        "their profession")
    with pytest.raises(RosterError) as refused:
        load_roster(path)
    assert result.refusal == refused.value.message and result.left_out == []


def test_check_reports_a_roster_with_no_row_fit_to_pair_and_exits_65(tmp_path: Path) -> None:
    path = write(tmp_path, ALL_INVALID)
    code, out, err = run("check", path)
    _, _, pair_err = run("pair", path, "--dry-run")
    assert code == 65 and err == pair_err and err.count("\n") == 1
    assert "Errors (4)" in out and "nobody in the roster is fit to pair" in out
    assert "--skip-invalid would leave nobody" in " ".join(out.split())
    code, out, _ = run("check", path, "--format", "json")
    data = json.loads(out)
    assert code == 65 and data["people"] == 0 and data["levels"] == []
    assert [e["kind"] for e in data["errors"]] == ["blank-level", "unknown-grade", "blank-profession", "unknown-grade"]


def test_with_skip_invalid_a_roster_with_no_row_fit_still_lists_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, ALL_INVALID)
    code, out, err = run("check", path, "--skip-invalid", "--format", "json")
    _, _, pair_err = run("pair", path, "--skip-invalid", "--dry-run")
    assert code == 65 and err == pair_err and "no people to pair" in err
    assert len(json.loads(out)["errors"]) == 4


def test_check_after_a_pairing_today_counts_it_as_pair_would_rerun_it(tmp_path: Path) -> None:
    roster = write(tmp_path, "1,A,,,Nurse,Band 6,\n2,B,,,GP,Band 6,\n")
    history = tmp_path / "history.sqlite"
    assert run("pair", roster, "--history", history, "--quiet")[0] == 0
    # Rerunning pair today replaces today's round, so 1 and 2 may meet again: no warning yet.
    code, out, _ = run("check", roster, "--history", history, "--format", "json")
    assert code == 0 and not [w for w in json.loads(out)["warnings"] if w["kind"] == "no-eligible-partner"]
    labelled = tmp_path / "labelled.sqlite"
    assert run("pair", roster, "--history", labelled, "--round", "january", "--quiet")[0] == 0
    code, out, _ = run("check", roster, "--history", labelled, "--format", "json")
    assert [w["rows"] for w in json.loads(out)["warnings"] if w["kind"] == "no-eligible-partner"] == [[2, 3]]


def test_a_roster_where_everyone_opted_out_gives_pairs_error_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "1,Nurse,Band 6,yes\n2,GP,Band 6,yes\n", headings="Staff ID,Profession,Grade,Opt out\n")
    code, out, err = run("check", path)
    _, _, pair_err = run("pair", path, "--dry-run")
    assert code == 65 and out == "" and err == pair_err and "no people to pair" in err


def test_opt_outs_are_left_out_not_errors(tmp_path: Path) -> None:
    headings = "Staff ID,Profession,Grade,Opt out\n"
    path = write(tmp_path, "1,Nurse,Band 6,\n2,GP,Band 6,yes\n3,GP,Band 6,\n4,GP,Band 99,\n", headings=headings)
    result = check_roster(path, Config())
    assert [(e.id, e.row) for e in result.left_out] == [("2", 3)]
    assert [e.kind for e in result.errors] == ["unknown-grade"] and result.errors[0].ids == ("4",)


def test_skip_invalid_turns_errors_into_left_out_rows_and_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "1,A,,,Nurse,Band 6,\n2,B,,,GP,,\n3,C,,,GP,Band 6,\n")
    result = check_roster(path, Config(), skip_invalid=True)
    assert result.fit and result.errors == []
    assert [(e.id, e.row) for e in result.left_out] == [("2", 3)]
    assert any(w.message.startswith("skipped 1 row") for w in result.warnings)


def test_several_ladders_are_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "1,A,,,Nurse,Band 6,\n2,B,,,GP,Band 6,\n3,C,,,Work Coach,HEO,\n4,D,,,Work Coach,HEO,\n")
    kinds = [w.kind for w in check_roster(path, Config()).warnings]
    assert "several-ladders" in kinds


def test_rows_text() -> None:
    assert rows_text([4]) == "row 4"
    assert rows_text([9, 4]) == "rows 4 and 9"
    assert rows_text(list(range(2, 15))) == "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 3 more"


def test_the_example_roster_is_fit_with_the_bound_pair_reports() -> None:
    result = check_roster(ROSTER, load_config(CONFIG))
    assert result.fit and result.people == 63 and result.ideal_pairs_possible == 29
    assert [w.kind for w in result.warnings] == ["one-profession-majority"] * 2
    assert check_dict(result)["roster"]["columns"]["active"] is None


# The command ---------------------------------------------------------------------------------------------------


def test_check_json_matches_golden_copy(monkeypatch: pytest.MonkeyPatch, golden: Golden) -> None:
    monkeypatch.chdir(ROOT)  # the report names the roster as given: keep the path relative
    code, out, err = run("check", "examples/integrated-care-roster.csv", "--config", "examples/peermatch.toml",
                         "--format", "json")
    assert code == 0 and err == "config: examples/peermatch.toml\n"  # notes on stderr: only JSON on stdout
    golden.check("check.json", out.encode("utf-8"))


def test_check_table_says_what_was_read_and_exits_0_with_warnings(tmp_path: Path) -> None:
    code, out, err = run("check", write(tmp_path, FOUR_NURSES))
    assert code == 0 and err.startswith("no config: peermatch's defaults") and err.count("\n") == 1
    assert "UTF-8, comma-separated" in out and "'Staff ID'" in out and "opt-out" in out
    assert "Band 8a" in out and "Warnings (2)" in out and "Fit to pair" in out


def test_check_exits_65_with_pairs_one_line_error_and_lists_everything(tmp_path: Path) -> None:
    path = write(tmp_path, "1,A,,,Nurse,Band 6,\n2,B,,,GP,,\n3,C,,,GP,Band 6,\n1,D,,,GP,Band 6,\n")
    code, out, err = run("check", path)
    pair_code, _, pair_err = run("pair", path, "--dry-run")
    assert code == pair_code == 65
    assert err == pair_err and err.count("\n") == 1 and err.startswith("error: ")
    assert "Errors (2)" in out and "Not fit to pair" in out and "Traceback" not in out + err
    code, out, _ = run("check", path, "--format", "json")
    data = json.loads(out)
    assert code == 65 and data["fit"] is False and data["error"] == pair_err.removeprefix("error: ").strip()
    assert [e["kind"] for e in data["errors"]] == ["blank-level", "duplicate-id"]


def test_an_unreadable_roster_gives_pairs_error_and_no_report(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    checked, out, err = run("check", path, "--format", "json")
    paired, _, pair_err = run("pair", path, "--dry-run")
    assert checked == paired == 66 and out == "" and err == pair_err and err.count("\n") == 1
    with pytest.raises(RosterUnreadable):
        check_roster(path, Config())


def test_every_missing_column_is_listed_at_once_with_where_to_fix_it(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Name,Email,Opt-in status\nA,a@x.example,yes\n", encoding="utf-8")
    checked, out, err = run("check", path, "--format", "json", "--site-column", "Base")
    paired, _, pair_err = run("pair", path, "--dry-run", "--site-column", "Base")
    assert checked == paired == 65 and err == pair_err and err.count("\n") == 1
    assert err.endswith("(and 3 more problems)\n")
    data = json.loads(out)
    assert data["fit"] is False and data["error"] == err.removeprefix("error: ").strip()
    assert [(e["kind"], e["message"].split(": ", 1)[1][:30], e["fix"]) for e in data["errors"]] == [
        ("column", "there is no column 'Base' for ", "roster or config"),
        ("column", "column 'Opt-in status' looks l", "roster or config"),
        ("column", "no level column found (accepte", "roster or config"),
        ("column", "no profession column found (ac", "roster or config")]
    _, table, _ = run("check", path, "--site-column", "Base")
    assert "Errors (4)" in table and "fix them in the roster or the config: no row can be read" in table.lower()
    with pytest.raises(RosterError):
        load_roster(path)


def test_check_json_is_only_json_with_the_documented_keys(tmp_path: Path) -> None:
    code, out, _ = run("check", write(tmp_path, FOUR_NURSES), "-f", "json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"fit", "error", "roster", "config", "people", "left_out", "levels",
                                       "professions", "ideal_pairs_possible", "max_level_gap", "errors", "warnings"}
    assert set(data["warnings"][0]) == {"kind", "message", "rows", "ids", "fix"}
    assert data["levels"][0] == {"level": "Band 6", "scale": "band", "people": 4,
                                 "professions": {"Nurse": 3, "Social Worker": 1}, "ideal_pairs_possible": 1,
                                 "without_cross_profession_partner": 2}


def test_check_help_has_a_worked_example() -> None:
    code, out, _ = run("check", "--help")
    words = " ".join(out.split())  # the help is wrapped to the terminal's width
    assert code == 0 and "peermatch check examples/integrated-care-roster.csv --config examples/peermatch.toml" in words
    assert "Exit 65: pair would refuse it" in words
    assert "Exit 0: `peermatch pair` would accept the roster, even with warnings" in words


def test_check_reads_the_history_as_pair_does(tmp_path: Path) -> None:
    roster = write(tmp_path, "1,A,,,Nurse,Band 6,\n2,B,,,GP,Band 6,\n3,C,,,GP,Band 8a,\n4,D,,,Nurse,Band 8a,\n")
    history = tmp_path / "history.sqlite"
    code, out, _ = run("check", roster, "--history", history, "--format", "json")
    assert code == 0 and not [w for w in json.loads(out)["warnings"] if w["kind"] == "no-eligible-partner"]
    assert not history.exists()  # check only reads
    assert run("pair", roster, "--history", history, "--seed", "1", "--round", "january", "--quiet")[0] == 0
    code, out, _ = run("check", roster, "--history", history, "--format", "json")
    findings = [w for w in json.loads(out)["warnings"] if w["kind"] == "no-eligible-partner"]
    assert code == 0 and sorted(row for f in findings for row in f["rows"]) == [2, 3, 4, 5]
    assert all("already met them" in f["message"] and "avoid_repeats_within" in f["message"] for f in findings)
