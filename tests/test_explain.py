"""``peermatch explain``: hand-worked scores, rules and history, and the command's output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli.app import app
from peermatch.errors import UsageError
from peermatch.history.rounds import RecordedGroup
from peermatch.history.store import History
from peermatch.matching.explain import Setting, explain_pair, explain_person, history_meetings, pairing_check
from peermatch.matching.pairing import pair
from peermatch.roster.config import Config, HistorySettings, load_config
from peermatch.roster.reading import load_roster

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "integrated-care-roster.csv"
CONFIG = ROOT / "examples" / "peermatch.toml"

# Default weights: same level 100, 60 off per level apart, +60 other profession, +20 other organisation, +5 same site.
# Band 6 and Band 7 are one step apart, Band 8a two above Band 6; HEO is on the civil-service ladder.
SIX = """Staff ID,Name,Email,Organisation,Profession,Grade,Site
1,Ann,ann@nhs.example,NHS,Nurse,Band 6,North
2,Bea,bea@council.example,Council,Social Worker,Band 6,North
3,Cal,cal@nhs.example,NHS,Social Worker,Band 6,South
4,Dee,dee@nhs.example,NHS,Nurse,Band 7,North
5,Eve,eve@dwp.example,DWP,Work Coach,Band 8a,East
6,Fay,fay@nhs.example,NHS,GP,Band 6,North
7,Gus,gus@jcp.example,Jobcentre,Work Coach,HEO,East
"""

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def roster_path(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(SIX, encoding="utf-8")
    return path


def setting(path: Path, **extra: object) -> Setting:
    config = Config()
    return Setting(roster=load_roster(path, levels=config.levels), config=config, **extra)  # type: ignore[arg-type]


def test_one_persons_candidates_in_the_order_pair_prefers(roster_path: Path) -> None:
    explained = explain_person(setting(roster_path, exclusions={frozenset(("1", "6")): "exclusions.csv"}), "1")
    # 2: 100 + 60 + 20 + 5 = 185 (ideal); 3: 100 + 60 = 160 (ideal); 4: 100 - 60 + 5 = 45 (one level, same profession)
    assert [(c.person.id, c.score, c.ideal) for c in explained.candidates] == [
        ("2", 185, True), ("3", 160, True), ("4", 45, False)]
    assert (explained.eligible, explained.ideal) == (3, 2)
    assert explained.candidates[0].reasons == ("same level (Band 6)", "Nurse × Social Worker",
                                               "different organisations", "same site (North)")
    assert [(r.person.id, r.reasons) for r in explained.ruled_out] == [("6", ("excluded by exclusions.csv",))]
    assert explained.too_far == {"Band 8a": 1} and explained.not_comparable == 1


def test_top_limits_the_candidates_not_the_counts(roster_path: Path) -> None:
    explained = explain_person(setting(roster_path), "1", top=1)
    assert [c.person.id for c in explained.candidates] == ["2"] and explained.eligible == 4


def test_a_pair_every_rule_and_weight(roster_path: Path) -> None:
    explained = explain_pair(setting(roster_path), "1", "2")
    assert [(r.rule, r.points, r.blocks) for r in explained.rules] == [
        ("level", 100, False), ("profession", 60, False), ("organisation", 20, False), ("site", 5, False)]
    assert explained.score == 185 and explained.considered and explained.ideal
    assert explained.rules[1].text == "different professions (Nurse × Social Worker): +60 (different_profession)"


def test_too_far_apart_is_scored_but_never_paired(roster_path: Path) -> None:
    explained = explain_pair(setting(roster_path), "1", "5")
    level = explained.rules[0]
    assert level.blocks and level.points == -20  # 100 - 2 × 60
    assert "2 levels apart (Band 6 · Band 8a): same_level 100 − 2 × level_step 60 = -20" in level.text
    assert "the most levels apart allowed is 1 (--max-level-gap" in level.text
    assert explained.score == -20 + 60 + 20 and not explained.considered and not explained.ideal


def test_other_ladder_has_no_score(roster_path: Path) -> None:
    explained = explain_pair(setting(roster_path), "1", "7")
    assert explained.score is None and not explained.considered
    assert "different ladders" in explained.rules[0].text and "[levels.map]" in explained.rules[0].text
    # The words `pair` would show: a Band 6 and an HEO are not "same level", though their levels are no steps apart.
    assert explained.reasons[0] == "levels not comparable (Band 6 · HEO)"


def test_exclusion_and_history_block_and_say_where(roster_path: Path) -> None:
    meeting = history_meetings([{"round": "r1", "group": 1, "person_id": "1", "met": ""},
                                {"round": "r1", "group": 1, "person_id": "6", "met": ""}], ["r1"],
                               replacing="pair-today", within=None)
    explained = explain_pair(setting(roster_path, exclusions={frozenset(("1", "6")): "hr.csv"},
                                     met=frozenset(meeting), meetings=meeting), "6", "1")
    blocking = [(r.rule, r.text) for r in explained.rules if r.blocks]
    assert blocking == [("exclusion", "excluded by hr.csv: never paired"),
                        ("history", "met in round 'r1', so `pair` never puts them together again")]
    assert explained.score == 100 + 60 + 5 and not explained.considered


def test_which_meetings_count_follows_the_history_rules() -> None:
    rows = [{"round": label, "group": 1, "person_id": pid, "met": met}
            for label, met in (("old", ""), ("skipped", "no"), ("recent", "yes"), ("again", ""))
            for pid in ("a", "b")]
    rows.append({"round": "recent", "group": None, "person_id": "c", "met": "", "odd": "unmatched"})
    meetings = history_meetings(rows, ["old", "skipped", "recent", "again"], replacing="again", within=2)
    found = {m.round: (m.counts, m.met) for m in meetings[frozenset(("a", "b"))]}
    # "again" is being planned again; of the rest, the two most recent are "skipped" (reported not met) and "recent".
    assert found == {"old": (False, ""), "skipped": (False, "no"), "recent": (True, "yes"), "again": (False, "")}
    assert set(meetings) == {frozenset(("a", "b"))}
    assert "more than 2 rounds ago" in next(m.why for m in meetings[frozenset(("a", "b"))] if m.round == "old")


def test_unknown_or_left_out_ids_are_usage_errors_naming_the_id(tmp_path: Path, roster_path: Path) -> None:
    with pytest.raises(UsageError, match=r"there is no id '99' \(column 'Staff ID'\)"):
        explain_person(setting(roster_path), "99")
    with pytest.raises(UsageError, match="two different ids"):
        explain_pair(setting(roster_path), "1", " 1 ")
    opted = tmp_path / "opted.csv"
    opted.write_text("Staff ID,Profession,Grade,Opt out\nA1,Nurse,Band 6,\nA2,GP,Band 6,yes\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"row 3: id 'A2' takes no part in the pairing: opted out \(column 'Opt o"):
        explain_person(setting(opted), "a2")


def test_ids_match_ignoring_case_and_spaces(roster_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "letters.csv"
    path.write_text("Staff ID,Profession,Grade\nNT01,Nurse,Band 6\nNC02,GP,Band 6\n", encoding="utf-8")
    assert explain_pair(setting(path), " nt01", "NC02").score == 160


def test_pairing_check_says_who_pair_puts_together(roster_path: Path) -> None:
    here = setting(roster_path)
    check = pairing_check(here, ["1", "5"], seed=3)
    assert check.seed == 3 and not check.together
    assert "1" in check.groups["1"] and check.groups["5"] == ("4", "5")  # Band 8a is one step above Band 7
    check = pairing_check(here, ["5", "4"], seed=3)
    assert check.together and check.unmatched_reasons == {}
    alone = pairing_check(here, ["7"], seed=3)  # nobody else is on the civil-service ladder
    assert alone.groups == {"7": ()} and "within 1 level" in alone.unmatched_reasons["7"]


def test_explain_scores_and_words_match_what_pair_shows() -> None:
    config = load_config(CONFIG)
    roster = load_roster(ROSTER, levels=config.levels)
    here = Setting(roster=roster, config=config)
    result = pair(roster, config, seed=7)
    pairs = [g for g in result.groups if len(g.members) == 2]
    assert len(pairs) >= 25
    for group in pairs:
        explained = explain_pair(here, *group.members)
        assert (explained.score, explained.reasons, explained.considered) == (group.score, group.reasons, True)
        assert sum(rule.points or 0 for rule in explained.rules) == explained.score  # the parts add up


# The command ---------------------------------------------------------------------------------------------------


def test_explain_one_person_table(roster_path: Path) -> None:
    code, out, err = run("explain", roster_path, "1", "--top", "2")
    assert code == 0 and err.startswith("no config: ") and err.count("\n") == 1
    assert "Best candidates for Ann (1)" in out and "Bea (2)" in out and "Dee (4)" not in out
    assert "4 people may be paired with them" in out and "see them all with --top 4" in out
    assert "Band 8a: 1" in out and "not a promise" in out


def test_explain_two_people_table_with_the_pairing(roster_path: Path) -> None:
    code, out, _ = run("explain", roster_path, "1", "5", "--seed", "3")
    assert code == 0
    assert "level: 2 levels apart" in out and "`pair` never puts them together, because of the level rule" in out
    code, out, _ = run("explain", roster_path, "2", "3", "--seed", "3")
    assert code == 0 and "Score 120" in out and "only as a fallback" in out and "With seed 3" in out


def test_explain_json_shapes(roster_path: Path) -> None:
    code, out, _ = run("explain", roster_path, "1", "2", "--format", "json", "--seed", "1")
    data = json.loads(out)
    assert code == 0 and set(data) == {"people", "considered", "ideal", "score", "reasons", "rules", "pairing"}
    assert [p["id"] for p in data["people"]] == ["1", "2"] and data["score"] == 185
    assert set(data["pairing"]) == {"seed", "together", "groups", "unmatched_reasons"}
    assert "Ann" not in out and "@" not in out  # ids, not names or emails
    code, out, _ = run("explain", roster_path, "1", "-f", "json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"person", "max_level_gap", "eligible", "ideal", "candidates", "ruled_out",
                                       "too_far", "not_comparable", "pairing"}
    assert data["candidates"][0]["id"] == "2" and data["pairing"] is None


def test_explain_reads_the_history_as_pair_does(roster_path: Path, private_history: Path) -> None:
    with History.open(private_history, write=True) as store:
        store.record_round("r1", kind="pair", starts=None, groups=[RecordedGroup(("1", "2"), None, "", None)],
                           unmatched=[], profiles={"1": ("nurse", "nhs"), "2": ("social worker", "council")})
        store.commit()
    code, out, _ = run("explain", roster_path, "1", "2", "-f", "json")
    assert code == 0 and json.loads(out)["considered"] is False
    assert json.loads(out)["rules"][-1]["text"] == "met in round 'r1', so `pair` never puts them together again"
    code, out, _ = run("explain", roster_path, "1", "2", "-f", "json", "--round", "r1")  # replanning r1
    assert code == 0 and json.loads(out)["considered"] is True
    code, out, _ = run("explain", roster_path, "1", "-f", "json")
    assert [r["id"] for r in json.loads(out)["ruled_out"]] == ["2"]


def test_avoid_repeats_within_lets_old_partners_meet_again() -> None:
    meetings = history_meetings([{"round": "r1", "group": 1, "person_id": "a", "met": ""},
                                 {"round": "r1", "group": 1, "person_id": "b", "met": ""}], ["r1", "r2"],
                                replacing="r3", within=HistorySettings(avoid_repeats_within=1).avoid_repeats_within)
    assert [m.counts for m in meetings[frozenset(("a", "b"))]] == [False]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["99"], 2, "there is no id '99'"),
    (["1", "2", "3"], 2, "give one id, or two"),
    (["1", "1"], 2, "give two different ids"),
])
def test_explain_errors_are_one_line(roster_path: Path, args: list[str], code: int, message: str) -> None:
    exit_code, out, err = run("explain", roster_path, *args)
    assert exit_code == code and out == "" and message in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_explain_help_has_a_worked_example() -> None:
    code, out, _ = run("explain", "--help")
    words = " ".join(out.split())
    assert code == 0 and "peermatch explain examples/integrated-care-roster.csv NT0311 NT0402" in words
    assert "score 160" in words
