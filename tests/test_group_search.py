"""The tabu repair of one round in levels larger than LARGE_LEVEL: a narrow look, ranked by the whole value."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.matching.graph import Problem
from peermatch.matching.group_bound import level_bound
from peermatch.matching.group_search import LARGE_LEVEL, LARGE_WIDTH, RoundSearch
from peermatch.matching.groups import ideal_pairs


def _dealt(prof: list[int], size: int) -> list[list[int]]:
    """The striped deal of one level: sorted by profession and dealt round the groups, which reaches the bound."""
    order = sorted(range(len(prof)), key=lambda i: (prof[i], i))
    k = len(prof) // size
    return [order[g::k] for g in range(k)]


def _plant(groups: list[list[int]], prof: list[int], every: int) -> dict[int, set[int]]:
    """In every ``every``-th group, its first two members of different professions may not meet."""
    forbidden: dict[int, set[int]] = {}
    for members in groups[::every]:
        a = members[0]
        b = next((j for j in members if prof[j] != prof[a]), None)
        if b is None:
            continue
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)
    return forbidden


def _problem(prof: list[int], forbidden: dict[int, set[int]]) -> Problem:
    n = len(prof)
    return Problem(scale=[0] * n, step=[0] * n, prof=prof, org=[-1] * n, site=[-1] * n, forbidden=forbidden)


class _Watched(RoundSearch):
    """Records how many candidates each person's step looked at."""

    looked: list[int]

    def _candidates(self, x: int, rng: random.Random, width: int) -> list[int]:
        found = super()._candidates(x, rng, width)
        self.looked = [*getattr(self, "looked", []), len(found)]
        return found


def test_a_large_level_is_repaired_without_losing_an_ideal_pair() -> None:
    # 400 people of 5 professions in 80 groups of 5: every group holds one of each, which is the bound.  Swapping
    # one of a pair that may not meet with someone of another profession puts two of a kind in both groups;
    # only a swap with a colleague of the same profession keeps the bound.  A repair that ranked the steps
    # by conflicts alone would take one of the many others about four times in five.
    prof = [i % 5 for i in range(400)]
    groups = _dealt(prof, 5)
    bound = level_bound(Counter(prof).values(), len(groups))
    assert bound == 800 and all(sorted(prof[i] for i in g) == [0, 1, 2, 3, 4] for g in groups)
    for g in range(0, 80, 8):
        a, b = groups[g][0], groups[g][3]
        problem = _problem(prof, {a: {b}, b: {a}})
        search = _Watched(problem, groups, 6)
        assert search.conflicted() == {a, b} and search.is_large(a)
        assert search.repair(random.Random(g), steps=200) == 0
        assert search.conflicted() == set()
        assert sorted(map(len, search.groups)) == [5] * 80
        assert sorted(i for members in search.groups for i in members) == list(range(400))
        assert ideal_pairs(problem, search.groups) == bound
        assert search.looked and max(search.looked) == LARGE_WIDTH


def test_many_conflicts_at_once_and_the_same_seed_repairs_the_same_way() -> None:
    prof = [i % 8 for i in range(400)]
    groups = _dealt(prof, 5)
    problem = _problem(prof, _plant(groups, prof, 4))
    search = RoundSearch(problem, groups, 6)
    assert len(search.conflicted()) == 40
    assert search.repair(random.Random(3), steps=1_000) == 0
    assert search.conflicted() == set()
    assert ideal_pairs(problem, search.groups) == level_bound(Counter(prof).values(), len(groups))
    again = RoundSearch(problem, groups, 6)
    again.repair(random.Random(3), steps=1_000)
    assert again.groups == search.groups


def test_what_cannot_be_repaired_is_counted() -> None:
    # Someone who may meet only three people still meets one too many in the best group the search finds: the
    # conflict left is in a group that had none at the start.
    prof = [i % 8 for i in range(400)]
    groups = _dealt(prof, 5)
    assert groups[0][0] == 0
    there = groups[40]
    lonely = set(range(1, 400)) - set(there[:3])
    search = RoundSearch(_problem(prof, {0: lonely, **{j: {0} for j in lonely}}), groups, 6)
    assert search.conflicted() == set(groups[0])
    left = search.repair(random.Random(5), steps=200)
    assert left == len(search.conflicted()) == 2
    assert 0 in search.conflicted() and search.where[0] != 0


def test_a_level_at_the_limit_keeps_the_wide_look() -> None:
    prof = [i % 4 for i in range(LARGE_LEVEL)]
    groups = _dealt(prof, 5)
    a, b = groups[0][:2]
    search = _Watched(_problem(prof, {a: {b}, b: {a}}), groups, 6)
    assert not search.is_large(a)
    assert search.repair(random.Random(1), steps=200) == 0
    assert max(search.looked) == LARGE_LEVEL
    larger = [*prof, 0]
    assert RoundSearch(_problem(larger, {}), _dealt(larger, 5), 6).is_large(0)


@settings(max_examples=10, deadline=None)
@given(st.integers(LARGE_LEVEL + 1, 600), st.integers(3, 8), st.integers(2, 12), st.integers(2, 9),
       st.integers(0, 2**16))
def test_large_levels_repair_keeps_everyone_and_the_sizes(people: int, size: int, professions: int, every: int,
                                                          seed: int) -> None:
    rng = random.Random(seed)
    prof = [rng.randrange(professions) for _ in range(people)]
    if len(set(prof)) < 2:
        prof[0] = (prof[1] + 1) % professions
    groups = _dealt(prof, size)  # the remainder makes some groups N+1, as the deal does
    problem = _problem(prof, _plant(groups, prof, every))
    search = RoundSearch(problem, groups, size + 1)
    assert search.repair(rng, steps=200 + 20 * len(search.conflicted())) == 0
    assert search.conflicted() == set()
    assert sorted(map(len, search.groups)) == sorted(map(len, groups))
    assert sorted(i for g in search.groups for i in g) == list(range(people))
