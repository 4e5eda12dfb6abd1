"""Groups of 3 to 8 for one round: the bound, the checker, the solver against hand-worked and exhaustive answers."""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.matching.graph import Problem
from peermatch.matching.group_bound import even_pairs, level_bound, profile_bound, scattered_bound
from peermatch.matching.groups import form_groups, ideal_pairs, is_valid_grouping, plan_round
from peermatch.roster.config import Weights
from tests.factories import person
from tests.strategies import problems


def _indices(people: Sequence[object], groups: Sequence[Sequence[str]]) -> list[list[int]]:
    index = {p.id: i for i, p in enumerate(people)}  # type: ignore[attr-defined]
    return [[index[m] for m in g] for g in groups]


def test_even_pairs_by_hand() -> None:
    assert even_pairs(10, 2) == 20  # 5 + 5
    assert even_pairs(11, 2) == 25  # 6 + 5: 15 + 10
    assert even_pairs(4, 5) == 0  # nobody shares a group
    assert even_pairs(7, 3) == 5  # 3 + 2 + 2: 3 + 1 + 1
    assert even_pairs(0, 0) == 0


def test_level_bound_by_hand() -> None:
    # Ten people in two groups of five: 20 same-level pairs.  Four nurses must pair up at least twice (2 + 2),
    # three GPs and three social workers at least once each (2 + 1): 4 same-profession pairs, so 16 at most.
    assert level_bound([4, 3, 3], 2) == 16
    # One profession only: nothing ideal.  All different: every pair.
    assert level_bound([10], 2) == 0
    assert level_bound([1] * 10, 2) == 20
    assert profile_bound([4, 3, 3], [5, 5]) == 16
    assert profile_bound([4, 3, 3], [6, 4]) == 15 + 6 - 4
    # Seven people scattered in groups of at most four: 6 + 3 pairs, but only 21 - 3 - 1 across professions.
    assert scattered_bound([3, 2, 1, 1], 4) == 9
    assert scattered_bound([7], 4) == 0


def test_deal_reaches_the_bound_by_hand() -> None:
    people = [person(f"n{i}", profession="Nurse", organisation="A") for i in range(4)]
    people += [person(f"g{i}", profession="GP", organisation="B") for i in range(3)]
    people += [person(f"s{i}", profession="Social Worker", organisation="C") for i in range(3)]
    result = form_groups(people, 5, seed=1)
    assert result.bound == 16 and result.ideal_pairs == 16
    assert sorted(map(len, result.groups)) == [5, 5]
    for group in result.groups:
        professions = Counter(m[0] for m in group)
        assert professions["n"] == 2 and professions["g"] >= 1 and professions["s"] >= 1
    assert result.unmatched == {}
    assert result.stats.pairs == 20 and result.stats.pairs_same_level == 20


def test_remainder_grows_groups_or_sits_out_in_turn() -> None:
    people = [person(f"p{i}", profession=f"P{i}") for i in range(11)]
    grown = form_groups(people, 5, seed=2)
    assert sorted(map(len, grown.groups)) == [5, 6]
    assert grown.stats.larger_groups == 1 and grown.unmatched == {}
    left = form_groups(people, 5, odd="leave-out", seed=2)
    assert sorted(map(len, left.groups)) == [5, 5] and len(left.unmatched) == 1
    (out,) = left.unmatched
    assert "leave-out" in left.unmatched[out]
    # Whoever sat out before is not chosen again while others have not.
    again = form_groups(people, 5, odd="leave-out", seed=2, sat_out={out: 1})
    assert out not in again.unmatched and len(again.unmatched) == 1


def test_exclusions_never_share_a_group() -> None:
    people = [person(f"p{i}", profession=["Nurse", "GP", "Social Worker"][i % 3]) for i in range(12)]
    excluded = [("p0", "p3"), ("p0", "p6"), ("p0", "p9"), ("p1", "p4")]
    result = form_groups(people, 4, exclusions=excluded, seed=5)
    assert result.unmatched == {}
    for group in result.groups:
        for a, b in excluded:
            assert not (a in group and b in group)


def test_a_level_too_small_joins_the_next_one() -> None:
    people = [person(f"b6-{i}", grade="Band 6", profession=f"P{i}") for i in range(8)]
    people += [person(f"b7-{i}", grade="Band 7", profession=f"P{i}") for i in range(2)]
    result = form_groups(people, 4, seed=3)
    assert result.unmatched == {}
    assert sorted(map(len, result.groups)) == [5, 5]
    assert result.stats.mixed_level_groups == 2
    # The two Band 6 groups hold 12 ideal pairs.  The bound lets the two Band 7 people share a group
    # (one more), which full groups of five cannot offer them.
    assert (result.ideal_pairs, result.bound) == (12, 13)
    apart = form_groups(people, 4, max_level_gap=0, seed=3)
    assert set(apart.unmatched) == {"b7-0", "b7-1"}
    assert all("within reach" in why for why in apart.unmatched.values())


def test_full_groups_leave_no_room() -> None:
    people = [person(f"b6-{i}", grade="Band 6", profession=f"P{i}") for i in range(12)]  # two groups of six
    people.append(person("b7", grade="Band 7", profession="P0"))
    result = form_groups(people, 5, seed=3)
    assert result.unmatched == {"b7": "every group within reach of their level already has 6 members"}


def test_same_seed_same_groups() -> None:
    rng = random.Random(4)
    people = [person(f"p{i}", grade=rng.choice(["Band 5", "Band 6"]), profession=rng.choice("ABCDE"),
                     organisation=rng.choice("XYZ")) for i in range(60)]
    excluded = [(f"p{rng.randrange(60)}", f"p{rng.randrange(60)}") for _ in range(10)]
    first = form_groups(people, 4, exclusions=excluded, seed=9)
    assert form_groups(people, 4, exclusions=excluded, seed=9) == first


def test_checker_rejects_what_it_should() -> None:
    problem = Problem(scale=[0] * 7, step=[0, 0, 0, 0, 0, 0, 2], prof=[0, 1, 2, 3, 4, 5, 6], org=[-1] * 7,
                      site=[-1] * 7, forbidden={0: {1}, 1: {0}})
    assert is_valid_grouping(problem, [[1, 2, 3]], 3)
    assert not is_valid_grouping(problem, [[0, 1, 2]], 3)  # excluded pair inside
    assert not is_valid_grouping(problem, [[2, 3]], 3)  # too small
    assert not is_valid_grouping(problem, [[1, 2, 3, 4, 5]], 3)  # above N+1
    assert is_valid_grouping(problem, [[1, 2, 3, 4]], 3)
    assert not is_valid_grouping(problem, [[1, 2, 3, 4]], 3, odd="leave-out")
    assert not is_valid_grouping(problem, [[2, 3, 4], [4, 5, 1]], 3)  # someone twice
    assert not is_valid_grouping(problem, [[2, 3, 6]], 3)  # two levels apart


@settings(max_examples=80)
@given(problems(max_people=40, forbid=True), st.integers(3, 8), st.sampled_from(["grow", "leave-out"]),
       st.integers(0, 2**16))
def test_properties_of_any_round(problem: Problem, size: int, odd: str, seed: int) -> None:
    plan = plan_round(problem, range(problem.n), size, odd, random.Random(seed), {})
    assert is_valid_grouping(problem, plan.groups, size, odd)
    placed = [i for g in plan.groups for i in g]
    assert sorted(placed + list(plan.unmatched)) == list(range(problem.n))
    assert ideal_pairs(problem, plan.groups) <= plan.bound


@settings(max_examples=40)
@given(problems(max_people=60, forbid=False), st.integers(3, 8), st.integers(0, 2**16))
def test_without_exclusions_each_level_that_fills_reaches_its_bound(problem: Problem, size: int, seed: int) -> None:
    problem.max_gap = 0
    plan = plan_round(problem, range(problem.n), size, "grow", random.Random(seed), {})
    levels: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(problem.n):
        levels[problem.scale[i], problem.step[i]].append(i)
    expected = 0
    for members in levels.values():
        k, r = divmod(len(members), size)
        counts = Counter(problem.prof[i] for i in members)
        if k and r > k:  # k groups of N+1; the rest, from the largest professions, cannot fill a group
            for _ in range(len(members) - k * (size + 1)):
                counts[max(counts, key=counts.__getitem__)] -= 1
        expected += level_bound(counts.values(), k)
    assert ideal_pairs(problem, plan.groups) == expected


def _best_by_search(problem: Problem, people: list[int], size: int, largest: int) -> tuple[int, int]:
    """Most people placed, then most ideal pairs, over every grouping of ``people``: the exhaustive answer."""
    if not people:
        return (0, 0)
    first, rest = people[0], people[1:]
    best = _best_by_search(problem, rest, size, largest)  # ``first`` in no group
    for many in range(size - 1, largest):
        for others in itertools.combinations(rest, many):
            group = (first, *others)
            if all(problem.allowed(i, j) for i, j in itertools.combinations(group, 2)):
                placed, ideal = _best_by_search(problem, [i for i in rest if i not in others], size, largest)
                best = max(best, (placed + len(group), ideal + ideal_pairs(problem, [group])))
    return best


@settings(max_examples=60)
@given(problems(max_people=9, forbid=True), st.integers(3, 4), st.sampled_from(["grow", "leave-out"]),
       st.integers(0, 2**16))
def test_equal_to_exhaustive_search_on_tiny_rosters(problem: Problem, size: int, odd: str, seed: int) -> None:
    problem.max_gap = 0  # levels apart, so each level is its own exhaustive search
    plan = plan_round(problem, range(problem.n), size, odd, random.Random(seed), {})
    levels: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(problem.n):
        levels[problem.scale[i], problem.step[i]].append(i)
    largest = size if odd == "leave-out" else size + 1
    best = [_best_by_search(problem, members, size, largest) for members in levels.values()]
    found = (sum(map(len, plan.groups)), ideal_pairs(problem, plan.groups))
    assert found == (sum(b[0] for b in best), sum(b[1] for b in best))


@pytest.mark.xfail(strict=True, reason="known limit: where forbidden pairs form a tight web in a tiny level, the "
                                        "search benches people an exhaustive search would seat")
def test_a_tight_web_of_forbidden_pairs_in_seven_people() -> None:
    # Found by the property above (PEERMATCH_HYPOTHESIS=thorough): {0, 3, 5} and {1, 4, 6} seat six of the seven,
    # but the search ends with one group of four, [1, 4, 5, 6].  Strict: once the search seats six, this fails, and
    # the example belongs in the property above instead.
    flat = [0] * 7
    problem = Problem(scale=flat[:], step=flat[:], prof=flat[:], org=flat[:], site=flat[:], weights=Weights(),
                      max_gap=0, forbidden={0: {4}, 4: {0, 3}, 1: {2, 3}, 2: {1, 3}, 3: {1, 2, 4}})
    plan = plan_round(problem, range(7), 3, "grow", random.Random(0), {})
    assert sum(map(len, plan.groups)) == _best_by_search(problem, list(range(7)), 3, 4)[0] == 6


@pytest.mark.parametrize("size", [2, 9])
def test_sizes_outside_three_to_eight_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match="3 to 8"):
        form_groups([person("a"), person("b")], size)


def test_weights_order_organisations_within_professions() -> None:
    people = [person(f"n{i}", profession="Nurse", organisation="AB"[i % 2]) for i in range(4)]
    people += [person(f"g{i}", profession="GP", organisation="AB"[i % 2]) for i in range(4)]
    result = form_groups(people, 4, seed=1, weights=Weights())
    assert result.ideal_pairs == result.bound == 8
    # Each group: two nurses and two GPs; the best split puts both organisations in each profession's pair.
    assert result.stats.pairs_cross_organisation == 8
