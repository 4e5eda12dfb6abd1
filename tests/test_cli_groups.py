"""``--group-size`` on pair, check and explain, as a coordinator and a cron job use them."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.matching.group_bound import level_bound

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MORNING = EXAMPLES / "cross-sector-morning.csv"
CARE = EXAMPLES / "integrated-care-roster.csv"
CARE_CONFIG = EXAMPLES / "peermatch.toml"

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "160"})
    return result.exit_code, result.stdout, result.stderr


def roster_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return {row["Staff ID"]: row for row in csv.DictReader(stream)}


def grouped(*extra: str | Path) -> dict:  # type: ignore[type-arg]
    code, out, err = run("pair", MORNING, "--group-size", "5", "--seed", "4", "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_tables_of_five_place_everyone_once_at_one_level_and_reach_the_bound() -> None:
    data = grouped("--dry-run")
    people = roster_rows(MORNING)
    members = [m for g in data["groups"] for m in g["members"]]
    assert sorted(members + data["unmatched"]) == sorted(people)
    assert all(len(g["members"]) == 5 for g in data["groups"])  # 55 people: eleven tables of five
    for group in data["groups"]:
        assert len({people[m]["Level"] for m in group["members"]}) == 1
        assert group["reasons"][0] == "group of five"
    summary = data["summary"]
    assert summary["group_size"] == 5 and summary["groups"] == 11
    ideal = sum(people[a]["Level"] == people[b]["Level"] and people[a]["Profession"] != people[b]["Profession"]
                for g in data["groups"] for a, b in combinations(g["members"], 2))
    assert summary["ideal_pairs"] == ideal
    # The bound, per level: Band 6 and Band 7 each fill their own tables.
    bound = 0
    for level in ("Band 6", "Band 7"):
        counts = Counter(p["Profession"] for p in people.values() if p["Level"] == level)
        bound += level_bound(counts.values(), sum(counts.values()) // 5)
    assert summary["ideal_pairs_possible"] == bound == ideal == 110
    assert summary["score_bound"] is None


def test_the_same_seed_gives_the_same_tables_byte_for_byte(tmp_path: Path) -> None:
    outputs = []
    for name in ("a.csv", "b.csv"):
        code, out, _ = run("pair", MORNING, "--group-size", "5", "--seed", "9", "--out", tmp_path / name,
                           "--dry-run", "--format", "json")
        assert code == 0
        outputs.append((out, (tmp_path / name).read_bytes()))
    assert outputs[0] == outputs[1]


def test_the_groups_csv_has_a_block_per_member(tmp_path: Path) -> None:
    target = tmp_path / "tables.csv"
    code, _, err = run("pair", CARE, "-c", CARE_CONFIG, "--group-size", "5", "--seed", "7", "--out", target,
                       "--dry-run")
    assert code == 0 and "wrote" in err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    header = list(rows[0])
    widest = max(int(row["size"]) for row in rows if row["group"])
    assert header[-1] == f"member_{widest}_level" and widest in (5, 6)
    assert {row["size"] for row in rows if row["group"]} <= {"5", "6"}


def test_group_size_two_is_todays_pairing_byte_for_byte(tmp_path: Path) -> None:
    plain = run("pair", CARE, "-c", CARE_CONFIG, "--seed", "7", "--dry-run", "--out", tmp_path / "a.csv")
    two = run("pair", CARE, "-c", CARE_CONFIG, "--seed", "7", "--dry-run", "--out", tmp_path / "b.csv",
              "--group-size", "2")
    assert plain[0] == two[0] == 0 and plain[1] == two[1]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    plain_json = run("pair", CARE, "-c", CARE_CONFIG, "--seed", "7", "--dry-run", "-f", "json")[1]
    assert plain_json == run("pair", CARE, "-c", CARE_CONFIG, "--seed", "7", "--dry-run", "-f", "json",
                             "--group-size", "2")[1]
    assert "group_size" not in json.loads(plain_json)["summary"]


def test_the_config_sets_the_size_and_the_option_overrides_it(tmp_path: Path) -> None:
    config = tmp_path / "tables.toml"
    config.write_text("[groups]\nsize = 5\n", encoding="utf-8")
    from_config = run("pair", MORNING, "-c", config, "--seed", "4", "-f", "json", "--dry-run")[1]
    assert json.loads(from_config) == grouped("--dry-run")
    overridden = json.loads(run("pair", MORNING, "-c", config, "--group-size", "2", "--seed", "4", "-f", "json",
                                "--dry-run")[1])
    assert "group_size" not in overridden["summary"] and overridden["summary"]["groups"] == 27


@pytest.mark.parametrize("size", ["1", "9", "0", "five"])
@pytest.mark.parametrize("command", ["pair", "check", "explain"])
def test_a_group_size_outside_two_to_eight_is_a_usage_error(command: str, size: str) -> None:
    args = [command, MORNING, *(["XS101"] if command == "explain" else []), "--group-size", size]
    code, out, err = run(*args)
    assert code == 2 and out == ""
    said = " ".join(err.replace("│", " ").split())  # the usage box wraps at the terminal's width
    expected = {"1": "greater than or equal to 2", "0": "greater than or equal to 2", "9": "less than or equal to 8",
                "five": "valid integer"}[size]
    assert "Invalid value for '--group-size': Input should be" in said and expected in said


@pytest.mark.parametrize(("size", "says"), [("1", "groups.size must be at least 2"),
                                            ("9", "groups.size must be at most 8"),
                                            ('"5"', "groups.size must be a whole number")])
def test_a_group_size_outside_two_to_eight_in_the_config_is_exit_78(tmp_path: Path, size: str, says: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(f"[groups]\nsize = {size}\n", encoding="utf-8")
    code, out, err = run("pair", MORNING, "-c", config, "--dry-run")
    assert code == 78 and out == ""
    line = " ".join(err.split())  # rich wraps long lines at the terminal's width
    assert f"{config}: {says}" in line


def test_leave_out_keeps_every_table_at_five_and_says_who_sat_out() -> None:
    code, out, err = run("pair", CARE, "-c", CARE_CONFIG, "--group-size", "5", "--odd", "leave-out", "--seed", "7",
                         "--dry-run", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    assert {len(g["members"]) for g in data["groups"]} == {5}
    assert 0 < len(data["unmatched"]) < 5 * 6  # at most four a level, six levels
    assert len([m for g in data["groups"] for m in g["members"]]) + len(data["unmatched"]) == 63


def test_the_history_counts_every_pair_at_a_table_as_met(tmp_path: Path) -> None:
    history = tmp_path / "morning.sqlite"
    first = grouped("--history", history, "--round", "first")
    second = grouped("--history", history, "--round", "second")
    met = {frozenset(pair) for g in first["groups"] for pair in combinations(g["members"], 2)}
    again = {frozenset(pair) for g in second["groups"] for pair in combinations(g["members"], 2)}
    assert len(met) == 11 * 10 and not met & again
    with sqlite3.connect(history) as connection:
        sizes = [n for (n,) in connection.execute("SELECT count(*) FROM members GROUP BY group_id")]
    assert len(sizes) == 22 and set(sizes) == {5}


def test_the_terminal_shows_tables_and_the_bound() -> None:
    code, out, _ = run("pair", MORNING, "--group-size", "5", "--seed", "4", "--dry-run")
    assert code == 0
    assert "11 groups of five" in out
    assert "110 of 110 possible (pairs within a group at the same level, in different professions)" in out
    assert "group of five" not in out  # the table shows people; reasons are for the CSV and JSON


def test_check_counts_tables_rounds_and_the_bound_per_level() -> None:
    code, out, err = run("check", MORNING, "--group-size", "5", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["group_size"] == 5
    levels = {level["level"]: level for level in data["levels"]}
    assert (levels["Band 6"]["groups"], levels["Band 6"]["rounds_possible"]) == (6, (30 - 1) // 4)
    assert (levels["Band 7"]["groups"], levels["Band 7"]["rounds_possible"]) == (5, (25 - 1) // 4)
    assert [levels[level]["ideal_pairs_possible"] for level in ("Band 6", "Band 7")] == [60, 50]
    assert data["ideal_pairs_possible"] == 110
    table = run("check", MORNING, "--group-size", "5")[1]
    assert "Rounds possible" in table and "Groups of 5" in table
    assert "at most 6 rounds without anyone meeting someone twice" in " ".join(table.split())
    assert "--group-size 5" in table  # the next command to run


def test_check_warns_when_a_profession_outnumbers_the_tables() -> None:
    code, out, _ = run("check", CARE, "-c", CARE_CONFIG, "--group-size", "5", "--format", "json")
    assert code == 0
    crowded = [w for w in json.loads(out)["warnings"] if w["kind"] == "one-profession-crowds-groups"]
    # Band 5 has 21 people, 11 of them nurses, and room for 4 tables of five.
    assert any("11 of the 21 people are of one profession (Nurse), more than its 4 groups of 5" in w["message"]
               for w in crowded)


def test_check_for_pairs_is_unchanged() -> None:
    assert run("check", CARE, "-c", CARE_CONFIG, "-f", "json")[1] == run(
        "check", CARE, "-c", CARE_CONFIG, "-f", "json", "--group-size", "2")[1]


def test_explain_says_who_would_share_a_table_and_why() -> None:
    data = grouped("--dry-run")
    table = next(g for g in data["groups"] if "XS101" in g["members"])
    code, out, err = run("explain", MORNING, "XS101", "--group-size", "5", "--seed", "4", "-f", "json")
    assert code == 0, err
    explained = json.loads(out)
    assert explained["group_size"] == 5
    assert explained["pairing"]["groups"]["XS101"] == table["members"]
    assert explained["pairing"]["group_reasons"]["XS101"] == table["reasons"]
    text = run("explain", MORNING, "XS101", "--group-size", "5", "--seed", "4")[1]
    flat = " ".join(text.split())
    assert "may share a group of 5 with them" in flat
    assert "With seed 4, `pair --group-size 5` puts" in flat and "group of five · same level" in flat


def test_explain_two_people_at_one_table() -> None:
    data = grouped("--dry-run")
    first, second = data["groups"][0]["members"][:2]
    code, out, _ = run("explain", MORNING, first, second, "--group-size", "5", "--seed", "4")
    assert code == 0
    flat = " ".join(out.split())
    assert "`pair --group-size 5` may put them in one group" in flat
    assert "With seed 4, `pair --group-size 5` puts them in one group." in flat


MORNING_START = ("--start", "2027-03-04 10:00", "--every", "20m")


def morning(tmp_path: Path, *extra: str | Path, rounds: int = 3) -> dict:  # type: ignore[type-arg]
    code, out, err = run("schedule", MORNING, "--group-size", "5", "--rounds", str(rounds), *MORNING_START,
                         "--seed", "4", "--format", "json", "--history", tmp_path / "morning.sqlite", *extra)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_a_morning_of_three_rotations_at_tables_of_five_never_repeats_a_pair(tmp_path: Path) -> None:
    data = morning(tmp_path, "--out", tmp_path / "morning.csv", "--ics", tmp_path / "morning.ics",
                   "--intros", tmp_path / "intros.csv")
    people = roster_rows(MORNING)
    seen: set[frozenset[str]] = set()
    for rnd in data["rounds"]:
        placed = [m for g in rnd["groups"] for m in g["members"]]
        assert sorted(placed + rnd["unmatched"]) == sorted(people)
        assert [g["table"] for g in rnd["groups"]] == list(range(1, len(rnd["groups"]) + 1))
        assert all(len(g["members"]) in (5, 6) for g in rnd["groups"])
        for group in rnd["groups"]:
            pairs = {frozenset(pair) for pair in combinations(group["members"], 2)}
            assert not pairs & seen
            seen |= pairs
    summary = data["summary"]
    assert summary["group_size"] == 5 and summary["conversations"] == 33
    ideal = sum(people[a]["Level"] == people[b]["Level"] and people[a]["Profession"] != people[b]["Profession"]
                for rnd in data["rounds"] for g in rnd["groups"] for a, b in combinations(g["members"], 2))
    assert summary["ideal_pairs"] == ideal <= summary["ideal_pairs_possible"] == 3 * 110
    assert ideal >= 0.95 * summary["ideal_pairs_possible"]
    with (tmp_path / "morning.csv").open(encoding="utf-8-sig", newline="") as sheet:
        rows = list(csv.DictReader(sheet))
    assert len(rows) == 3 * 55 and all(row["partner_names"].count("; ") == 3 for row in rows)
    assert (tmp_path / "morning.ics").read_text(encoding="utf-8").count("BEGIN:VEVENT") == 33
    with (tmp_path / "intros.csv").open(encoding="utf-8-sig", newline="") as sheet:
        intro = next(csv.DictReader(sheet))
    assert "You have been grouped" in intro["body"] and intro["to"].count("@") == 5
    assert "Table 1" in intro["body"] and "the others" in intro["body"]  # a prompt for a table


def test_a_second_morning_meets_only_new_people(tmp_path: Path) -> None:
    first = morning(tmp_path, rounds=2)
    code, out, err = run("schedule", MORNING, "--group-size", "5", "--rounds", "2", "--start", "2027-04-01 10:00",
                         "--every", "20m", "--seed", "4", "-f", "json", "--history", tmp_path / "morning.sqlite")
    assert code == 0, err
    met = {frozenset(p) for r in first["rounds"] for g in r["groups"] for p in combinations(g["members"], 2)}
    again = {frozenset(p) for r in json.loads(out)["rounds"] for g in r["groups"]
             for p in combinations(g["members"], 2)}
    assert again and not met & again


SMALL_EVENT = "Staff ID,Name,Profession,Organisation,Grade\n" + "".join(
    f"S{k:02d},Person {k},{profession},Org {k % 4},{grade}\n"
    for k, (grade, profession) in enumerate(
        [("Band 4", p) for p in ("Nurse", "Social Worker", "GP", "Work Coach", "Housing Officer")]
        + [("Band 6", p) for p in ("Nurse", "Social Worker", "GP", "Work Coach", "Housing Officer") * 5]))


def test_more_rounds_than_a_level_allows_is_said_before_planning(tmp_path: Path) -> None:
    roster = tmp_path / "event.csv"
    roster.write_text(SMALL_EVENT, encoding="utf-8")
    code, out, err = run("schedule", roster, "--group-size", "5", "--rounds", "2", *MORNING_START, "--dry-run",
                         "--seed", "1", "-f", "json")
    assert code == 0, err
    said = " ".join(err.split())
    # Band 4 has five people: one table, one round.  Band 6 has 25: five tables, up to six rounds.
    assert "level Band 4: groups of 5 allow 1 round before two people there would meet again" in said
    assert "--rounds 1" in said and "level Band 6" not in said
    data = json.loads(out)
    assert data["summary"]["rounds_possible"] == {"Band 4": 1, "Band 6": 6}
    second = data["rounds"][1]
    assert sorted(second["unmatched"]) == [f"S{k:02d}" for k in range(5)]  # Band 4 sits the second round out


def test_strict_refuses_more_rounds_than_a_level_allows_and_writes_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "event.csv"
    roster.write_text(SMALL_EVENT, encoding="utf-8")
    code, out, err = run("schedule", roster, "--group-size", "5", "--rounds", "2", *MORNING_START, "--strict",
                         "--seed", "1", "--out", tmp_path / "out.csv", "--history", tmp_path / "h.sqlite")
    assert code == 1 and out == ""
    said = " ".join(err.split())
    assert "with groups of 5, some levels cannot hold 2 rounds" in said and "Band 4: 1" in said
    assert not (tmp_path / "out.csv").exists()
    code, _, err = run("schedule", roster, "--group-size", "5", "--rounds", "1", *MORNING_START, "--strict",
                       "--seed", "1", "--dry-run")
    assert code == 0, err


def test_leave_out_rotates_who_sits_out(tmp_path: Path) -> None:
    # 30 people at Band 6 and 25 at Band 7 in groups of four: two and one sit out each round.
    code, out, err = run("schedule", MORNING, "--group-size", "4", "--odd", "leave-out", "--rounds", "3",
                         "--start", "2027-01-11", "--seed", "3", "-f", "json", "--history", tmp_path / "h.sqlite")
    assert code == 0, err
    rounds = json.loads(out)["rounds"]
    assert all(len(g["members"]) == 4 for r in rounds for g in r["groups"])
    out_of = [set(r["unmatched"]) for r in rounds]
    assert [len(sat) for sat in out_of] == [3, 3, 3]
    assert len(set().union(*out_of)) == 9  # nobody sits out twice while others never have


def test_a_schedule_of_pairs_is_unchanged_by_group_size_two(tmp_path: Path) -> None:
    outputs = []
    for extra in ((), ("--group-size", "2")):
        code, out, _ = run("schedule", CARE, "-c", CARE_CONFIG, "--rounds", "2", "--start", "2027-01-11",
                           "--seed", "7", "--dry-run", "-f", "json", "--out", tmp_path / f"{len(extra)}.csv", *extra)
        assert code == 0
        outputs.append((out, (tmp_path / f"{len(extra)}.csv").read_bytes()))
    assert outputs[0] == outputs[1]
    assert "group_size" not in json.loads(outputs[0][0])["summary"]
