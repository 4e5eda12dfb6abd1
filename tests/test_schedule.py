"""Planning several rounds: dates, no repeats, fair rotation, feasibility."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from peermatch.errors import Infeasible
from peermatch.matching.graph import Problem
from peermatch.matching.schedule import Interval, add_months, parse_every, parse_start, plan_schedule, round_label
from peermatch.matching.solve import solve
from peermatch.models import Roster, Schedule
from peermatch.roster.config import Config
from tests.factories import person, roster_of

PROFESSIONS = ["Nurse", "Social Worker", "GP", "Work Coach", "Housing Officer", "Pharmacist"]


def plan(roster: Roster, rounds: int, *, seed: int = 1, every: str = "2w", start: str = "2027-01-11",
         **kwargs: object) -> Schedule:
    first, has_time = parse_start(start)
    interval = parse_every(every, has_time)
    starts = [interval.after(first, k) for k in range(rounds)]
    labels = [round_label(None, k + 1, s, interval) for k, s in enumerate(starts)]
    return plan_schedule(roster, Config(), starts=starts, labels=labels, interval=interval, seed=seed,
                         **kwargs)  # type: ignore[arg-type]


def pairs_of(schedule: Schedule) -> list[frozenset[str]]:
    return [frozenset((a, b)) for r in schedule.rounds for g in r.groups
            for k, a in enumerate(g.members) for b in g.members[k + 1:]]


def team(size: int, grade: str = "Band 6") -> Roster:
    return roster_of(*[person(f"P{k:02d}", grade, PROFESSIONS[k % len(PROFESSIONS)], f"Org {k % 3}")
                       for k in range(size)])


@pytest.mark.parametrize(("text", "has_time", "unit", "amount"), [
    ("2w", False, "weeks", 2), ("10d", False, "days", 10), ("1m", False, "months", 1),
    ("20m", True, "minutes", 20), ("3mo", True, "months", 3), ("15min", False, "minutes", 15),
    ("2 weeks", False, "weeks", 2),
])
def test_every_understands_weeks_days_months_and_minutes(text: str, has_time: bool, unit: str, amount: int) -> None:
    assert parse_every(text, has_time) == Interval(amount, unit)


@pytest.mark.parametrize("text", ["", "0w", "2y", "w", "fortnightly"])
def test_every_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match="--every"):
        parse_every(text, False)


def test_start_defaults_to_nine_in_the_morning() -> None:
    assert parse_start("2027-01-11") == (datetime(2027, 1, 11, 9, 0), False)
    assert parse_start("2027-03-04 10:00") == (datetime(2027, 3, 4, 10, 0), True)
    with pytest.raises(ValueError, match="--start"):
        parse_start("next tuesday")


def test_monthly_rounds_keep_the_day_of_the_month() -> None:
    assert add_months(datetime(2027, 1, 31, 9), 1) == datetime(2027, 2, 28, 9)
    assert add_months(datetime(2027, 11, 15, 9), 3) == datetime(2028, 2, 15, 9)


def test_a_programme_of_rounds_every_two_weeks() -> None:
    schedule = plan(team(12), 4)
    assert [r.starts for r in schedule.rounds] == [datetime(2027, 1, 11, 9), datetime(2027, 1, 25, 9),
                                                   datetime(2027, 2, 8, 9), datetime(2027, 2, 22, 9)]
    assert [r.label for r in schedule.rounds] == ["2027-01-11", "2027-01-25", "2027-02-08", "2027-02-22"]
    assert all(g.table is None for r in schedule.rounds for g in r.groups)


def test_a_morning_event_has_table_numbers() -> None:
    schedule = plan(team(10), 3, start="2027-03-04 10:00", every="20m")
    assert [r.starts.strftime("%H:%M") for r in schedule.rounds] == ["10:00", "10:20", "10:40"]
    assert [g.table for g in schedule.rounds[0].groups] == [1, 2, 3, 4, 5]
    assert schedule.rounds[1].label == "2027-03-04T10:20"


def test_nobody_meets_the_same_person_twice() -> None:
    pairs = pairs_of(plan(team(12), 5))
    assert len(pairs) == len(set(pairs))


def test_history_pairs_are_never_repeated() -> None:
    roster = team(6)
    past = {frozenset(("P00", "P01")), frozenset(("P02", "P03"))}
    assert not past & set(pairs_of(plan(roster, 3, past=past)))


def test_people_meet_new_professions_first() -> None:
    # Six people, two of each of three professions: in two rounds everyone can meet both other professions.
    roster = roster_of(*[person(f"P{k}", "Band 6", ["Nurse", "GP", "Work Coach"][k % 3]) for k in range(6)])
    schedule = plan(roster, 2)
    assert set(schedule.professions_met.values()) == {2}


def test_the_odd_one_out_rotates_fairly() -> None:
    schedule = plan(team(7), 6, odd="leave-out")
    left_out = Counter(p for r in schedule.rounds for p in r.unmatched)
    assert all(n == 1 for n in left_out.values()) and len(left_out) == 6


def test_too_few_partners_for_the_rounds_is_reported_by_row_and_level_never_by_name() -> None:
    roster = roster_of(person("A", "Band 8a", "Nurse", name="Ann Lee"), person("B", "Band 8a", "GP"),
                       person("C", "Band 8a", "Work Coach"), person("D", "Band 5", "GP"),
                       person("E", "Band 5", "Nurse"))
    with pytest.raises(Infeasible) as caught:
        plan(roster, 3, strict=True)
    message = str(caught.value)
    # A gap of 2 still leaves Band 8a short; 3 reaches Band 5, and the three rounds planned with it say what it
    # changes: in the first, A, B and C meet at Band 8a (a pair and its third) and D meets E; after that each Band 8a
    # person has only D and E left, so both Band 5 staff meet one of them in rounds 2 and 3.
    assert "row 2 (id A, Band 8a, 2 possible)" in message and "--max-level-gap 3 leaves nobody short" in message
    assert "(this would pair 2 Band 5 staff with Band 8a staff in 2 of the 3 rounds)" in message
    assert "Ann" not in message
    assert caught.value.exit_code == 1


def test_the_suggested_gap_states_its_side_effect_for_each_round() -> None:
    # X, alone at Band 3, has nobody within one level; the three Band 5 staff have two partners each, short of three
    # rounds.  A gap of 2 gives everyone three.  Each round one Band 5 pair is ideal and the third Band 5 person
    # meets X (a round-robin of A, B and C), so one Band 3 person meets one Band 5 person every round.
    roster = roster_of(person("X", "Band 3", "Nurse", row=2), person("A", "Band 5", "GP", row=3),
                       person("B", "Band 5", "Work Coach", row=4), person("C", "Band 5", "Pharmacist", row=5))
    with pytest.raises(Infeasible) as caught:
        plan(roster, 3, strict=True)
    assert ("--max-level-gap 2 leaves nobody short (this would pair 1 Band 3 staff with Band 5 staff each round)"
            in str(caught.value))


def test_a_group_of_three_counts_each_meeting_further_apart() -> None:
    # With four Band 5 staff of four professions, X joins one of the two ideal pairs in round 1 and meets both of
    # its members; every later pair holds one of them, so X sits rounds 2 and 3 out.  One Band 3 person, two
    # meetings, one round of three.
    roster = roster_of(person("X", "Band 3", "Nurse", row=2), person("A", "Band 5", "GP", row=3),
                       person("B", "Band 5", "Work Coach", row=4), person("C", "Band 5", "Pharmacist", row=5),
                       person("D", "Band 5", "Physiotherapist", row=6))
    with pytest.raises(Infeasible) as caught:
        plan(roster, 3, strict=True)
    assert ("(this would pair 1 Band 3 staff with Band 5 staff in 1 of the 3 rounds; in all, 2 meetings further "
            "apart than today in 1 of the 3 rounds)") in str(caught.value)


def test_someone_short_of_partners_meets_each_once_in_pairs_and_sits_out_the_rest() -> None:
    # A, B and C have two possible partners each at Band 8a; D and E one each at Band 5.  Four rounds.
    roster = roster_of(person("A", "Band 8a", "Nurse", name="Ann Lee", row=2), person("B", "Band 8a", "GP", row=3),
                       person("C", "Band 8a", "Work Coach", row=4), person("D", "Band 5", "GP", row=5),
                       person("E", "Band 5", "Nurse", row=6))
    schedule = plan(roster, 4)
    pairs = pairs_of(schedule)
    assert sorted(map(sorted, pairs)) == [["A", "B"], ["A", "C"], ["B", "C"], ["D", "E"]]
    assert all(len(g.members) == 2 for r in schedule.rounds for g in r.groups)
    for rnd in schedule.rounds:
        assert set(rnd.unmatched_reasons) == set(rnd.unmatched)
    assert sum("D" in r.unmatched for r in schedule.rounds) == 3
    assert "sits this round out" in schedule.rounds[-1].unmatched_reasons["D"]
    [warning] = schedule.warnings
    assert "row 5 (id D, Band 5, 1 possible)" in warning and "sit out the other rounds" in warning
    assert "Ann" not in warning


# A team of one level, and as many rounds as everyone has partners for (at most 4): every example is feasible.
teams_and_rounds = st.integers(4, 14).flatmap(lambda size: st.tuples(st.just(size), st.integers(1, min(4, size - 1))))


@given(teams_and_rounds, st.integers(0, 2**16))
def test_every_round_places_everyone_once_and_nothing_repeats(team_and_rounds: tuple[int, int], seed: int) -> None:
    size, rounds = team_and_rounds
    roster = team(size)
    schedule = plan(roster, rounds, seed=seed)
    assert len(schedule.rounds) == rounds
    for rnd in schedule.rounds:
        placed = [m for g in rnd.groups for m in g.members] + rnd.unmatched
        assert sorted(placed) == sorted(p.id for p in roster.people)
    pairs = pairs_of(schedule)
    assert len(pairs) == len(set(pairs))
    assert plan(roster, rounds, seed=seed) == schedule  # same seed, same plan


BANDS = ["Band 5", "Band 6", "Band 7"]


def partners_within_reach(grades: list[str]) -> list[int]:
    """Per person, how many others are at most one band away (the default --max-level-gap)."""
    return [sum(abs(BANDS.index(other) - BANDS.index(grade)) <= 1 for other in grades) - 1 for grade in grades]


@given(st.lists(st.sampled_from(BANDS), min_size=2, max_size=10), st.integers(1, 4))
def test_a_programme_is_refused_exactly_when_someone_has_too_few_possible_partners(grades: list[str],
                                                                                   rounds: int) -> None:
    roster = roster_of(*[person(f"P{k:02d}", grade, PROFESSIONS[k % 4], row=k + 2) for k, grade in enumerate(grades)])
    short = [k + 2 for k, partners in enumerate(partners_within_reach(grades)) if partners < rounds]  # rows
    if not short:
        assert len(plan(roster, rounds, odd="leave-out").rounds) == rounds
        return
    with pytest.raises(Infeasible) as caught:
        plan(roster, rounds, strict=True)
    listed = re.findall(r"\brow (\d+) \(", str(caught.value))
    assert [int(row) for row in listed] == short[:10]


@st.composite
def programmes(draw: st.DrawFn) -> tuple[list[tuple[str, str]], int]:
    """People over three bands, and a number of rounds everyone has enough possible partners for."""
    people = draw(st.lists(st.tuples(st.sampled_from(BANDS), st.sampled_from(PROFESSIONS[:4])), min_size=4,
                           max_size=14))
    fewest = min(partners_within_reach([grade for grade, _ in people]))
    assume(fewest >= 1)
    return people, draw(st.integers(1, min(3, fewest)))


@given(programmes(), st.integers(0, 100))
def test_at_least_as_many_ideal_pairs_as_exact_round_by_round(programme: tuple[list[tuple[str, str]], int],
                                                               seed: int) -> None:
    people, rounds = programme
    roster = roster_of(*[person(f"P{k:02d}", grade, profession) for k, (grade, profession) in enumerate(people)])
    schedule = plan(roster, rounds, seed=seed)
    # The baseline: round after round, the exact optimum given everyone already met, with the same
    # tie-breaking seeds as the planner's first attempt.
    config = Config()
    rng = random.Random(f"{seed}:0")
    used: set[tuple[str, str]] = set()
    baseline = 0
    for _ in range(rounds):
        problem = Problem.from_people(roster.people, config.weights, config.rules.max_level_gap, used)
        for group in solve(problem, rng.randrange(2**31), method="exact").groups:
            baseline += problem.is_ideal(group[0], group[1])
            used |= {(roster.people[a].id, roster.people[b].id) for a in group for b in group if a != b}
    assert schedule.summary["ideal_pairs"] >= baseline
