"""Rosters shaped like the exports coordinators download: NHS ESR (doctors under "Review Body Band"), a council's
iTrent, a five-employer integrated care crosswalk, and a civil service export.

Each is read as it comes: every person on the right ladder at the right level, everyone who opted out left out, ids
that survive a re-sorted export, and bad input refused in one line with nothing written.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.matching.checking import check_dict, check_roster
from peermatch.models import Roster
from peermatch.roster.config import load_config
from peermatch.roster.reading import load_roster

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
runner = CliRunner()


def load(name: str, config: str | None = None, path: Path | None = None) -> Roster:
    levels = load_config(EXPORTS / config).levels if config else None
    return load_roster(path or EXPORTS / name, levels=levels)


def levels_by_id(roster: Roster) -> dict[str, str]:
    return {p.id: f"{p.level.scale}:{p.level.label}" for p in roster.people}


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


# NHS ESR -----------------------------------------------------------------------------------------------------------


def test_esr_places_doctors_by_job_role_and_reads_esr_band_spellings() -> None:
    roster = load("esr.csv", "esr.toml")
    assert roster.columns == {"id": "Employee Number", "name": "Employee Name", "email": "Primary Email",
                              "level": "Pay Band", "profession": "Staff Group", "organisation": "Org L3",
                              "active": "Opt-out (Y/N)"}
    assert levels_by_id(roster) == {
        "21004518": "band:Band 5", "21007733": "band:Band 5",  # "Band 05"
        "21009102": "band:Band 5",  # Review Body Band, Foundation Year 1
        "21011287": "band:Band 6",  # "AfC Band 6"
        "21013309": "band:Band 6",
        "21014475": "band:Band 7",  # Specialty Registrar
        "21015520": "band:Band 7",
        "21016631": "band:Band 8a",  # "Band 8 - Range A"
        "21017742": "band:Band 8a",  # Specialty Doctor
        "21018853": "band:Band 8a",  # "Band 8a (Annex 21)"
        "21019964": "band:Band 8c",  # Consultant
        "21020075": "band:Band 8c",  # "Band 8 - Range C"
        "21021186": "band:Band 9", "21023308": "band:Band 9",  # VSM, by job role
    }
    assert [(left.id, left.reason) for left in roster.left_out] == [
        ("21012640", "opted out (column 'Opt-out (Y/N)')"), ("21022297", "opted out (column 'Opt-out (Y/N)')")]
    assert roster.warnings == []  # "Assignment Number" and "Job Role" are known, not rivals


def test_esr_without_placeholder_tables_says_where_the_doctors_level_is(tmp_path: Path) -> None:
    code, _, err = run("pair", EXPORTS / "esr.csv", "--out", tmp_path / "pairs.csv", "--history",
                         tmp_path / "h.sqlite")
    assert code == 65 and err.count("\n") == 1
    assert err.startswith(f"error: {EXPORTS / 'esr.csv'}, rows 4, 8, 11 and 13, column 'Pay Band': grade 'Review "
                          "Body Band' says nothing about a level: take it from another column with "
                          '[levels.placeholder."Review Body Band"] in the config')
    assert not (tmp_path / "pairs.csv").exists() and not (tmp_path / "h.sqlite").exists()


def test_esr_job_role_missing_from_the_table_names_the_row_and_the_table(tmp_path: Path) -> None:
    config = tmp_path / "esr.toml"
    config.write_text((EXPORTS / "esr.toml").read_text(encoding="utf-8").replace('"Specialty Doctor" = "Band 8a"\n',
                                                                                  ""), encoding="utf-8")
    code, _, err = run("pair", EXPORTS / "esr.csv", "--config", config, "--dry-run")
    assert code == 65 and err == (
        f"error: {EXPORTS / 'esr.csv'}, row 11, column 'Job Role': the value 'Specialty Doctor' is not listed in "
        '[levels.placeholder."Review Body Band"] in the config: add it there with the level it means\n')


# A council's iTrent ----------------------------------------------------------------------------------------------


def test_itrent_grade_6_is_never_read_as_the_civil_service_grade() -> None:
    code, _, err = run("pair", EXPORTS / "itrent.csv", "--dry-run")
    assert code == 65 and err.count("\n") == 1
    assert "rows 6 and 9, column 'Grade': grade 'Grade 6' could be a council's local grade or the civil service" in err


def test_itrent_with_its_own_ladder_names_from_forenames_and_surname() -> None:
    roster = load("itrent.csv", "itrent.toml")
    assert roster.columns == {"id": "Employee No", "first_name": "Forenames", "last_name": "Surname",
                              "email": "Email Address", "level": "Grade", "profession": "Job Title",
                              "organisation": "Directorate", "site": "Work Location", "active": "Participating?"}
    assert levels_by_id(roster) == {
        "004127": "custom:Grade 8", "004133": "custom:Grade 8", "004150": "custom:Grade 8",
        "004178": "custom:Grade 6", "004185": "custom:Grade 10", "004191": "custom:Grade 10",
        "004204": "custom:Grade 6", "004210": "custom:Grade 12", "004226": "custom:Grade 12"}
    assert [p.name for p in roster.people][:2] == ["Hannah Brierley", "Marcus Oyelaran"]
    assert [(left.id, left.row) for left in roster.left_out] == [("004162", 5)]


# Five employers -------------------------------------------------------------------------------------------------


def test_crosswalk_puts_every_employer_on_one_ladder() -> None:
    roster = load("crosswalk.csv", "crosswalk.toml")
    levels = levels_by_id(roster)
    assert set(levels.values()) == {"band:Band 5", "band:Band 6", "band:Band 7", "band:Band 8a"}
    # A bare "6" in the trust and the council's "10" mapped to Band 6: one level, so they can be paired.
    assert levels["NT0318"] == levels["NC1256"] == levels["GP0108"] == levels["JP2215"] == "band:Band 6"
    assert levels["NT0311"] == levels["NC1241"] == levels["GP0101"] == levels["JP2201"] == "band:Band 5"
    assert levels["JP2230"] == levels["GP0115"] == levels["NT0342"] == "band:Band 8a"  # Grade 7 beside EO, HEO
    assert levels["NC1270"] == "band:Band 7" and levels["RH0057"] == "band:Band 6"
    assert [(left.id, left.reason) for left in roster.left_out] == [
        ("NT0334", "opted out (column 'Withdrawn')"), ("RH0063", "opted out (column 'Withdrawn')")]
    assert roster.warnings == [
        '[levels.map."Northshire CCG"] in the config matches no organisation in the roster, so it is not used: the '
        "organisations in column 'Employer' are 'DWP Jobcentre Plus', 'Northshire County Council', 'Northshire GP "
        "Federation', 'Northshire NHS Foundation Trust' and 'Riverside Housing Association'"]


def test_crosswalk_pairs_across_employers_at_the_same_level(tmp_path: Path) -> None:
    code, out, err = run("pair", EXPORTS / "crosswalk.csv", "--config", EXPORTS / "crosswalk.toml", "--seed", "3",
                         "--format", "json", "--history", tmp_path / "h.sqlite")
    assert code == 0, err
    result = json.loads(out)
    roster = load("crosswalk.csv", "crosswalk.toml")
    level = {p.id: p.level for p in roster.people}
    paired = [member for group in result["groups"] for member in group["members"]]
    assert sorted(paired) == sorted(level) and "NT0334" not in paired and "RH0063" not in paired
    assert result["summary"]["ideal_pairs"] == result["summary"]["ideal_pairs_possible"] == 6


def test_a_map_with_no_organisation_column_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Staff ID,Grade,Profession\n1,Band 5,Nurse\n2,Band 5,GP\n", encoding="utf-8")
    roster = load_roster(path, levels=load_config(EXPORTS / "crosswalk.toml").levels)
    assert len(roster.warnings) == 4 and all(  # [levels.map."civil-service"] is a scale's
        warning.endswith("so it is not used: the roster has no organisation column (name it with "
                         "--organisation-column)") for warning in roster.warnings)


# Civil service ----------------------------------------------------------------------------------------------------


def test_civil_service_grade_6_and_7_beside_civil_service_grades() -> None:
    roster = load("civil-service.csv")
    assert levels_by_id(roster) == {
        "CS100214": "civil-service:EO", "CS100229": "civil-service:EO", "CS100233": "civil-service:HEO",
        "CS100247": "civil-service:HEO", "CS100268": "civil-service:SEO", "CS100271": "civil-service:G7",
        "CS100285": "civil-service:G7", "CS100290": "civil-service:G6", "CS100306": "civil-service:G6"}
    assert [left.id for left in roster.left_out] == ["CS100252"]
    assert roster.columns["organisation"] == "Department" and roster.columns["id"] == "Staff Number"


# Every export ------------------------------------------------------------------------------------------------------

EXPORT_FILES = [("esr.csv", "esr.toml"), ("itrent.csv", "itrent.toml"), ("crosswalk.csv", "crosswalk.toml"),
                ("civil-service.csv", None)]


def resorted(name: str, folder: Path) -> Path:
    """The same export sorted another way (by the last column, then reversed), as next month's download might be."""
    rows = list(csv.reader(io.StringIO((EXPORTS / name).read_text(encoding="utf-8"))))
    body = sorted(rows[1:], key=lambda row: (row[-1], row[2]), reverse=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *body])
    path = folder / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "config"), EXPORT_FILES, ids=[name for name, _ in EXPORT_FILES])
def test_ids_and_levels_survive_a_resorted_export(tmp_path: Path, name: str, config: str | None) -> None:
    before, after = load(name, config), load(name, config, resorted(name, tmp_path))
    assert {p.email or p.name: (p.id, p.level) for p in before.people} == {
        p.email or p.name: (p.id, p.level) for p in after.people}
    assert {left.id for left in before.left_out} == {left.id for left in after.left_out}


@pytest.mark.parametrize(("name", "config"), EXPORT_FILES, ids=[name for name, _ in EXPORT_FILES])
def test_check_accepts_each_export_and_says_which_column_became_what(name: str, config: str | None) -> None:
    result = check_roster(EXPORTS / name, load_config(EXPORTS / config if config else None))
    assert result.fit and result.errors == []
    columns = check_dict(result)["roster"]["columns"]
    assert columns["level"] and columns["profession"] and columns["id"] and columns["active"]


def test_no_pair_repeats_when_next_months_export_is_sorted_differently(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    first = run("pair", EXPORTS / "crosswalk.csv", "--config", EXPORTS / "crosswalk.toml", "--seed", "1",
                "--format", "json", "--history", history, "--round", "2027-01")
    shutil.copy(EXPORTS / "crosswalk.toml", tmp_path / "crosswalk.toml")
    second = run("pair", resorted("crosswalk.csv", tmp_path), "--config", tmp_path / "crosswalk.toml", "--seed", "1",
                 "--format", "json", "--history", history, "--round", "2027-02", "--max-level-gap", "2")
    assert first[0] == second[0] == 0, first[2] + second[2]

    def pairs(out: str) -> set[frozenset[str]]:
        return {frozenset((a, b)) for group in json.loads(out)["groups"]
                for a in group["members"] for b in group["members"] if a < b}

    assert pairs(first[1]) and not pairs(first[1]) & pairs(second[1])


def test_bad_config_is_one_line_exit_78_and_nothing_written(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[levels.placeholder."Review Body Band"]\n"Consultant" = "Band 8c"\n', encoding="utf-8")
    code, _, err = run("pair", EXPORTS / "esr.csv", "--config", config, "--out", tmp_path / "pairs.csv",
                       "--history", tmp_path / "h.sqlite")
    assert code == 78 and err.count("\n") == 1
    assert "levels.placeholder.'Review Body Band' must name the column that gives the level" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_a_placeholder_pointed_at_the_name_column_never_quotes_a_name(tmp_path: Path) -> None:
    config = tmp_path / "wrong.toml"
    config.write_text('[levels.placeholder."Review Body Band"]\ncolumn = "Employee Name"\n"Consultant" = "Band 8c"\n',
                      encoding="utf-8")
    code, out, err = run("check", EXPORTS / "esr.csv", "--config", config, "--format", "json")
    assert code == 65 and "Okafor" not in out + err and "Nwosu" not in out + err
    messages = [error["message"] for error in json.loads(out)["errors"]]
    assert any("rows 4, 8, 11 and 13: unknown grade (column 'Employee Name'): the value is not listed in "
               '[levels.placeholder."Review Body Band"]' in message for message in messages), messages
