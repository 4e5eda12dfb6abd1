"""Who takes part: every common opt-out and consent heading, read the right way round, and nothing guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.errors import ColumnProblems, RosterError
from peermatch.roster.consent import Answer, read_answer
from peermatch.roster.headings import CONSENTED, OPT_OUT, TAKING_PART, heading_key
from peermatch.roster.reading import load_roster
from peermatch.text import fold

runner = CliRunner()

# (heading, answers for rows 2..5, ids left out)
POLARITY_CASES = [
    ("Opted out", ["Yes", "No", "", "Y"], {"P1", "P4"}),
    ("Opt out?", ["yes", "no", "", "TRUE"], {"P1", "P4"}),
    ("Opt-out (Y/N)", ["Y", "N", "", "x"], {"P1", "P4"}),
    ("OPT_OUT", ["1", "0", "", "no"], {"P1"}),
    ("Participating?", ["Yes", "No", "", "N"], {"P2", "P4"}),
    ("Taking part", ["Y", "N", "", "yes"], {"P2"}),
    ("Active?", ["TRUE", "FALSE", "", "Yes"], {"P2"}),
    ("Active (Y/N)", ["Y", "N", "", "N"], {"P2", "P4"}),
    ("Withdrawn", ["Yes", "", "No", "12/03/2027"], {"P1", "P4"}),
    ("Date withdrawn", ["2027-03-12", "", "", "03-Mar-2027"], {"P1", "P4"}),
    ("Consent", ["Yes", "No", "", "Y"], {"P2", "P3"}),  # no consent recorded is no consent
]


def roster(tmp_path: Path, heading: str, answers: list[str], extra: str = "") -> Path:
    path = tmp_path / "roster.csv"
    lines = [f"Staff ID,Grade,Profession,{heading}{',' + extra if extra else ''}"]
    for n, answer in enumerate(answers, start=1):
        lines.append(f"P{n},Band 5,{'Nurse' if n % 2 else 'GP'},{answer}{',' if extra else ''}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("heading", "answers", "out"), POLARITY_CASES, ids=[case[0] for case in POLARITY_CASES])
def test_each_heading_is_read_the_right_way_round(tmp_path: Path, heading: str, answers: list[str],
                                                  out: set[str]) -> None:
    loaded = load_roster(roster(tmp_path, heading, answers))
    assert {entry.id for entry in loaded.left_out} == out
    assert {p.id for p in loaded.people} == {f"P{n}" for n in range(1, 5)} - out
    assert loaded.columns["active"] == heading


def test_headings_compare_without_punctuation_or_a_yes_no_hint() -> None:
    assert {heading_key(h) for h in ("Opted out", "opted-out?", "OPTED_OUT (Y/N)", "Opted out (yes/no)")} == {
        "optedout"}


def test_an_answer_that_cannot_be_read_is_an_error_naming_row_and_column(tmp_path: Path) -> None:
    path = roster(tmp_path, "Opted out", ["Yes", "not sure", "", "ask HR"])
    with pytest.raises(RosterError) as raised:
        load_roster(path)
    assert raised.value.message == (
        f"{path}, rows 3 and 5, column 'Opted out': cannot tell whether they take part (yes, or a date, = left "
        "out; a blank is taking part); write yes or no, so that nobody who said no is paired")
    skipped = load_roster(path, skip_invalid=True)
    assert [p.id for p in skipped.people] == ["P3"]  # never paired: P2 and P4 may have said no
    assert [(entry.id, entry.reason) for entry in skipped.left_out] == [
        ("P1", "opted out (column 'Opted out')"),
        ("P2", "cannot tell whether they take part (column 'Opted out')"),
        ("P4", "cannot tell whether they take part (column 'Opted out')")]


def test_every_consent_column_counts(tmp_path: Path) -> None:
    path = roster(tmp_path, "Opted out", ["No", "Yes", "", ""], extra="Withdrawn")
    text = path.read_text(encoding="utf-8").replace("P1,Band 5,Nurse,No,", "P1,Band 5,Nurse,No,01/02/2027")
    path.write_text(text, encoding="utf-8")
    loaded = load_roster(path)
    assert [(entry.id, entry.reason) for entry in loaded.left_out] == [
        ("P1", "opted out (column 'Withdrawn')"), ("P2", "opted out (column 'Opted out')")]
    assert loaded.columns["active"] == "Opted out" and loaded.columns["active_2"] == "Withdrawn"


def test_a_column_that_looks_like_consent_but_has_no_polarity_is_refused(tmp_path: Path) -> None:
    path = roster(tmp_path, "Opt-in status", ["Yes", "No", "", ""])
    with pytest.raises(ColumnProblems, match="column 'Opt-in status' looks like an opt-out or consent column"):
        load_roster(path)
    loaded = load_roster(path, columns={"taking_part": "Opt-in status"})
    assert [entry.id for entry in loaded.left_out] == ["P2"]
    loaded = load_roster(path, columns={"opt_out": "opt-in STATUS"})
    assert [entry.id for entry in loaded.left_out] == ["P1"]


def test_a_named_column_takes_its_polarity_from_its_heading_or_says_it_cannot(tmp_path: Path) -> None:
    path = roster(tmp_path, "Status", ["Withdrawn", "Enrolled", "", "yes"])
    assert load_roster(path).left_out == []  # "Status" says nothing of taking part: an ordinary column
    with pytest.raises(ColumnProblems, match="column 'Status' is named as the opt-out flag, but its heading does not"):
        load_roster(path, columns={"active": "Status"})
    loaded = load_roster(path, columns={"opt_out": "Status"})
    assert [entry.id for entry in loaded.left_out] == ["P1", "P4"]
    assert [p.id for p in loaded.people] == ["P2", "P3"]


def test_cli_names_the_polarity(tmp_path: Path) -> None:
    path = roster(tmp_path, "Signed up", ["Yes", "No", "Yes", "Yes"])
    result = runner.invoke(app, ["pair", str(path), "--taking-part-column", "Signed up", "--dry-run", "--seed", "1",
                                 "--format", "json", "--history", str(tmp_path / "h.sqlite")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["left_out"] == ["P2"]
    check = runner.invoke(app, ["check", str(path), "--active-column", "Signed up"])
    assert check.exit_code == 65
    assert "is named as the opt-out flag, but its heading does not say whether yes means out" in check.stderr
    assert "(fix in the config)" in check.stdout


ANSWERS = st.sampled_from(["yes", "no", "", "y", "n", "x", "true", "false", "1", "0", "opted out", "active",
                           "withdrawn", "2027-01-31", "31/01/2027", "maybe", "tbc", "?"])


@settings(max_examples=200)
@given(answer=ANSWERS)
def test_no_answer_is_read_as_in_by_both_polarities_unless_it_says_so(answer: str) -> None:
    """Whatever the answer, the two polarities never both say "in" for a plain yes or no: one of them leaves out."""
    folded = fold(answer)
    readings = {polarity: read_answer(folded, polarity) for polarity in (OPT_OUT, TAKING_PART, CONSENTED)}
    if Answer.UNREADABLE in readings.values():
        assert set(readings.values()) == {Answer.UNREADABLE}  # unreadable is unreadable whichever way round
    elif folded in {"yes", "no", "y", "n", "x", "true", "false", "1", "0"}:
        assert readings[OPT_OUT] != readings[TAKING_PART]


def test_report_takes_the_same_consent_options(tmp_path: Path) -> None:
    path = roster(tmp_path, "Opt-in status", ["Yes", "No", "", ""])
    history = tmp_path / "h.sqlite"
    paired = runner.invoke(app, ["pair", str(path), "--opt-out-column", "Opt-in status", "--history", str(history),
                                 "--seed", "1"])
    assert paired.exit_code == 0, paired.stderr
    refused = runner.invoke(app, ["report", "--roster", str(path), "--history", str(history)])
    assert refused.exit_code == 65 and "looks like an opt-out or consent column" in refused.stderr
    reported = runner.invoke(app, ["report", "--roster", str(path), "--history", str(history), "--opt-out-column",
                                   "Opt-in status", "--format", "json"])
    assert reported.exit_code == 0, reported.stderr
    assert json.loads(reported.stdout)
