"""Rounds of groups without repeats: the social golfer instances, rotation, history, and the rounds possible."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.errors import Infeasible
from peermatch.matching.graph import Problem
from peermatch.matching.group_rounds import golfer_search, plan_group_rounds, rounds_possible
from peermatch.matching.groups import is_valid_grouping
from peermatch.roster.config import Weights
from tests.factories import person


def _golfers(count: int) -> list:  # type: ignore[type-arg]
    return [person(f"g{i}", profession=f"P{i}") for i in range(count)]


def _pairs(groups: list[tuple[str, ...]]) -> list[tuple[str, str]]:
    return [pair for g in groups for pair in itertools.combinations(sorted(g), 2)]


@pytest.mark.parametrize(("count", "size", "rounds"), [(16, 4, 5), (20, 4, 5), (25, 5, 6), (36, 6, 3)])
def test_social_golfer_instances_without_a_repeat(count: int, size: int, rounds: int) -> None:
    schedule = plan_group_rounds(_golfers(count), size, rounds, seed=1)
    assert [len(r.unmatched) for r in schedule.rounds] == [0] * rounds
    met = Counter(pair for r in schedule.rounds for pair in _pairs(r.groups))
    assert max(met.values()) == 1
    # Everyone meets N-1 new people each round.
    assert len(met) == rounds * count * (size - 1) // 2
    for r in schedule.rounds:
        assert sorted(map(len, r.groups)) == [size] * (count // size)
        assert r.tables == list(range(1, len(r.groups) + 1))
        assert r.ideal_pairs == r.bound


def test_later_rounds_keep_every_profession_spread_as_the_first_does() -> None:
    # 300 people of one level, seven professions, four organisations and two sites.  The search in round one
    # swaps people for organisations and sites, which mixes the professions on each seat of its groups; later
    # rounds are rotations of round one's deal instead, whose seats each hold one profession, so every round
    # spreads every profession as evenly as the bound allows.
    rng = random.Random(1)
    people = [person(f"p{i}", grade="Band 6", profession=rng.choice("ABCDEFG"), organisation=rng.choice("WXYZ"),
                     site=rng.choice("ST")) for i in range(300)]
    schedule = plan_group_rounds(people, 5, 4, seed=1)
    assert [r.ideal_pairs for r in schedule.rounds] == [r.bound for r in schedule.rounds] == [600] * 4
    met = Counter(pair for r in schedule.rounds for pair in _pairs(r.groups))
    assert max(met.values()) == 1


def test_rounds_possible_by_level() -> None:
    people = [person(f"a{i}", grade="Band 5", profession=f"P{i}") for i in range(16)]
    people += [person(f"b{i}", grade="Band 6", profession=f"P{i}") for i in range(9)]
    assert rounds_possible(people, 4) == {"Band 5": 5, "Band 6": 2}


def test_strict_refuses_more_rounds_than_a_level_allows() -> None:
    people = [person(f"b{i}", grade="Band 6", profession=f"P{i}") for i in range(9)]
    with pytest.raises(Infeasible, match=r"Band 6: 2") as raised:
        plan_group_rounds(people, 4, 3, strict=True, max_level_gap=0)
    assert "b1" not in str(raised.value)


def test_beyond_the_rounds_possible_people_sit_out_rather_than_meet_again() -> None:
    people = [person(f"b{i}", grade="Band 6", profession=f"P{i}") for i in range(9)]
    schedule = plan_group_rounds(people, 4, 5, max_level_gap=0, seed=3)
    met = Counter(pair for r in schedule.rounds for pair in _pairs(r.groups))
    assert max(met.values()) == 1
    assert any(r.unmatched for r in schedule.rounds)
    placed = [set(itertools.chain.from_iterable(r.groups)) | set(r.unmatched) for r in schedule.rounds]
    assert all(len(p) == 9 for p in placed)


def test_history_and_exclusions_are_respected() -> None:
    people = [person(f"p{i}", profession=["Nurse", "GP", "Social Worker", "Pharmacist"][i % 4]) for i in range(24)]
    met = [("p0", "p1"), ("p0", "p2"), ("p4", "p5")]
    excluded = [("p3", "p6")]
    schedule = plan_group_rounds(people, 4, 4, met=met, exclusions=excluded, seed=2)
    seen = Counter(pair for r in schedule.rounds for pair in _pairs(r.groups))
    assert max(seen.values()) == 1
    for pair in [*met, *excluded]:
        assert tuple(sorted(pair)) not in seen


def test_larger_groups_have_the_sizes_the_remainder_needs() -> None:
    people = [person(f"p{i}", profession=["Nurse", "GP", "Social Worker"][i % 3]) for i in range(60)]
    schedule = plan_group_rounds(people, 7, 3, seed=4)  # 60 = 8 groups, 4 of them of eight
    assert all(sorted(map(len, r.groups)) == [7] * 4 + [8] * 4 for r in schedule.rounds)
    assert all(r.stats.larger_groups == 4 and r.ideal_pairs == r.bound for r in schedule.rounds)


def test_leave_out_rotates_who_sits_out() -> None:
    people = [person(f"p{i}", profession=f"P{i % 6}") for i in range(52)]  # ten groups of five, two left over
    schedule = plan_group_rounds(people, 5, 3, odd="leave-out", seed=5)
    out = [set(r.unmatched) for r in schedule.rounds]
    assert all(len(o) == 2 for o in out)
    assert not (out[0] & out[1]) and not (out[1] & out[2]) and not (out[0] & out[2])


def test_more_people_a_group_than_groups_cannot_meet_again() -> None:
    # Four groups of five: any new group of five holds two people from one old group, so a second round
    # without a repeat does not exist, although (s - 1) // (N - 1) = 4.  People sit out instead.
    people = [person(f"p{i}", profession=f"P{i}") for i in range(20)]
    schedule = plan_group_rounds(people, 5, 2, seed=1)
    assert not schedule.rounds[0].unmatched and schedule.rounds[1].unmatched
    met = Counter(pair for r in schedule.rounds for pair in _pairs(r.groups))
    assert max(met.values()) == 1


def test_same_seed_same_schedule() -> None:
    rng = random.Random(6)
    people = [person(f"p{i}", grade=rng.choice(["Band 5", "Band 6"]), profession=rng.choice("ABCDEF"),
                     organisation=rng.choice("XY")) for i in range(70)]
    assert plan_group_rounds(people, 4, 3, seed=8) == plan_group_rounds(people, 4, 3, seed=8)


@settings(max_examples=15)
@given(st.integers(8, 40), st.integers(3, 6), st.integers(2, 4), st.sampled_from(["grow", "leave-out"]),
       st.integers(0, 2**16))
def test_no_repeat_across_rounds(count: int, size: int, rounds: int, odd: str, seed: int) -> None:
    rng = random.Random(seed)
    people = [person(f"p{i}", grade=rng.choice(["Band 5", "Band 6", "Band 7"]), profession=rng.choice("ABCDE"))
              for i in range(count)]
    schedule = plan_group_rounds(people, size, rounds, odd=odd, seed=seed)
    problem = Problem.from_people(people, Weights(), 1)
    index = {p.id: i for i, p in enumerate(people)}
    met = Counter(pair for r in schedule.rounds for pair in _pairs(r.groups))
    assert not met or max(met.values()) == 1
    for r in schedule.rounds:
        assert is_valid_grouping(problem, [[index[m] for m in g] for g in r.groups], size, odd)
        assert sorted([*itertools.chain.from_iterable(r.groups), *r.unmatched]) == sorted(index)
        assert r.ideal_pairs <= r.bound


def test_golfer_search_removes_repeats_from_a_bad_start() -> None:
    problem = Problem(scale=[0] * 9, step=[0] * 9, prof=list(range(9)), org=[-1] * 9, site=[-1] * 9)
    rows = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    found = golfer_search(problem, [rows, [list(r) for r in rows]], random.Random(1), 2_000)
    assert found is not None
    met = Counter(p for groups in found for g in groups for p in itertools.combinations(sorted(g), 2))
    assert max(met.values()) == 1
