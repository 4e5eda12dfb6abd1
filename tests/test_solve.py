"""The solvers: worked examples a coordinator can check by hand, then properties."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from peermatch.matching.fast import _Classes, _repair, solve_fast
from peermatch.matching.graph import Problem
from peermatch.matching.solve import (
    Solution,
    ideal_pairs_at_level,
    ideal_pairs_possible,
    is_valid_pairing,
    score_upper_bound,
    solve,
    solve_exact,
)
from tests.strategies import problems

NURSE, SOCIAL_WORKER, GP, WORK_COACH = range(4)


def roster(*people: tuple[int, int, int, int]) -> Problem:
    """People as (level, profession, organisation, site) on one scale."""
    return Problem(
        scale=[0] * len(people),
        step=[p[0] for p in people],
        prof=[p[1] for p in people],
        org=[p[2] for p in people],
        site=[p[3] for p in people],
    )


def groups(problem: Problem, method: str, seed: int = 0, odd: str = "triad") -> set[frozenset[int]]:
    return {frozenset(g) for g in solve(problem, seed, method=method, odd=odd).groups}


BOTH = pytest.mark.parametrize("method", ["exact", "fast"])


@BOTH
def test_two_nurses_two_social_workers_meet_across_professions(method: str) -> None:
    problem = roster((6, NURSE, 0, 0), (6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0), (6, SOCIAL_WORKER, 1, 0))
    found = groups(problem, method)
    assert len(found) == 2
    assert all({problem.prof[i] for i in g} == {NURSE, SOCIAL_WORKER} for g in found)


@BOTH
def test_different_organisation_beats_same_organisation(method: str) -> None:
    # 0 and 2 share an organisation; pairing 0-3 and 1-2 crosses both organisations.
    problem = roster((6, NURSE, 0, -1), (6, GP, 1, -1), (6, SOCIAL_WORKER, 0, -1), (6, WORK_COACH, 1, -1))
    assert groups(problem, method) == {frozenset({0, 1}), frozenset({2, 3})} or \
        groups(problem, method) == {frozenset({0, 3}), frozenset({1, 2})}
    pairs = solve(problem, 0, method=method).groups
    assert all(problem.org[a] != problem.org[b] for a, b in pairs)


@BOTH
def test_adjacent_level_only_when_no_same_level_partner(method: str) -> None:
    # Band 6 nurse and social worker pair; the band 7 GP and band 7 work coach pair.
    problem = roster((6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0), (7, GP, 0, 0), (7, WORK_COACH, 1, 0))
    assert groups(problem, method) == {frozenset({0, 1}), frozenset({2, 3})}


@BOTH
def test_a_lone_level_pairs_one_level_apart(method: str) -> None:
    problem = roster((6, NURSE, 0, 0), (7, SOCIAL_WORKER, 1, 0))
    assert groups(problem, method) == {frozenset({0, 1})}


@BOTH
def test_two_levels_apart_is_never_paired_by_default(method: str) -> None:
    problem = roster((5, NURSE, 0, 0), (7, SOCIAL_WORKER, 1, 0))
    solution = solve(problem, 0, method=method)
    assert solution.groups == [] and sorted(solution.unmatched) == [0, 1]


@BOTH
def test_same_profession_only_when_nobody_else_is_left(method: str) -> None:
    # Three nurses and a social worker: one ideal pair, then the two nurses together.
    problem = roster((6, NURSE, 0, 0), (6, NURSE, 1, 0), (6, NURSE, 2, 0), (6, SOCIAL_WORKER, 0, 0))
    found = solve(problem, 0, method=method).groups
    assert len(found) == 2
    assert sum(problem.is_ideal(*g) for g in found) == 1


@BOTH
def test_majority_profession_bound_is_met(method: str) -> None:
    # Five nurses and two others at band 5: at most two ideal pairs (s - m = 2).
    people = [(5, NURSE, k % 3, 0) for k in range(5)] + [(5, GP, 0, 0), (5, WORK_COACH, 1, 0)]
    problem = roster(*people)
    assert ideal_pairs_possible(problem) == 2
    solution = solve(problem, 0, method=method, odd="leave-out")
    assert sum(problem.is_ideal(*g) for g in solution.groups) == 2
    assert len(solution.groups) == 3 and len(solution.unmatched) == 1


@BOTH
def test_odd_count_makes_one_group_of_three(method: str) -> None:
    problem = roster((6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0), (6, GP, 2, 0))
    solution = solve(problem, 0, method=method)
    assert [len(g) for g in solution.groups] == [3] and solution.unmatched == []


@BOTH
def test_odd_count_can_leave_one_out(method: str) -> None:
    problem = roster((6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0), (6, GP, 2, 0))
    solution = solve(problem, 0, method=method, odd="leave-out")
    assert len(solution.groups) == 1 and len(solution.unmatched) == 1


@BOTH
def test_excluded_pair_is_never_paired(method: str) -> None:
    problem = roster((6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0), (6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0))
    problem.forbidden = {0: {1, 3}, 1: {0}, 3: {0}}
    solution = solve(problem, 0, method=method, odd="leave-out")
    assert is_valid_pairing(problem, solution.groups)
    assert frozenset({0, 1}) not in {frozenset(g) for g in solution.groups}


def test_checker_rejects_bad_pairings() -> None:
    problem = roster((6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0), (8, GP, 2, 0))
    assert is_valid_pairing(problem, [(0, 1)])
    assert not is_valid_pairing(problem, [(0, 1), (1, 0)])  # someone twice
    assert not is_valid_pairing(problem, [(1, 2)])  # two levels apart
    assert not is_valid_pairing(problem, [(0,)])  # nobody to talk to
    problem.forbidden = {0: {1}, 1: {0}}
    assert not is_valid_pairing(problem, [(0, 1)])  # excluded


def test_the_ideal_pair_bound_by_hand() -> None:
    assert ideal_pairs_at_level([2, 2]) == 2  # two nurses, two social workers
    assert ideal_pairs_at_level([3, 2, 2]) == 3  # seven people: one is left over
    assert ideal_pairs_at_level([5, 1, 1]) == 2  # five nurses: only two have someone of another profession
    assert ideal_pairs_at_level([4]) == ideal_pairs_at_level([]) == 0


def test_upper_bound_is_tight_when_everyone_gets_their_best() -> None:
    problem = roster((6, NURSE, 0, 0), (6, SOCIAL_WORKER, 1, 0))
    assert score_upper_bound(problem) == problem.score(0, 1) == solve(problem, 0).pair_score


# Properties -----------------------------------------------------------------

def _everyone_once(problem: Problem, groups: list[tuple[int, ...]], unmatched: list[int]) -> None:
    seen = Counter(i for g in groups for i in g) + Counter(unmatched)
    assert sorted(seen) == list(range(problem.n))
    assert set(seen.values()) <= {1}


@given(problems(forbid=True), st.sampled_from(["exact", "fast"]), st.sampled_from(["triad", "leave-out"]))
def test_everyone_is_in_exactly_one_group_or_unmatched(problem: Problem, method: str, odd: str) -> None:
    solution = solve(problem, 3, method=method, odd=odd)
    _everyone_once(problem, solution.groups, solution.unmatched)
    assert is_valid_pairing(problem, solution.groups)  # so never an excluded pair


@given(problems(forbid=True), st.integers(0, 2**31 - 1))
def test_same_seed_same_groups(problem: Problem, seed: int) -> None:
    for method in ("exact", "fast"):
        assert solve(problem, seed, method=method) == solve(problem, seed, method=method)


@given(problems())
def test_ideal_pairs_meet_the_bound_without_exclusions(problem: Problem) -> None:
    bound = ideal_pairs_possible(problem)
    for pairs in (solve_exact(problem, 1), solve_fast(problem, 1)):
        assert sum(problem.is_ideal(a, b) for a, b in pairs) == bound


@given(problems(max_people=30, forbid=True))
def test_fast_is_exact_or_within_its_proven_gap(problem: Problem) -> None:
    exact = solve(problem, 5, method="exact", odd="leave-out")
    fast = solve(problem, 5, method="fast", odd="leave-out")
    assert is_valid_pairing(problem, fast.groups)

    def tiers(solution: Solution) -> tuple[int, int, int]:
        """What pair puts before the score: ideal pairs, people in a conversation, pairs across professions."""
        pairs = solution.groups
        return (sum(problem.is_ideal(a, b) for a, b in pairs), 2 * len(pairs),
                sum(problem.prof[a] != problem.prof[b] for a, b in pairs))

    # Fast gives up score only: never an ideal pair, a person paired or a pair across professions.
    assert tiers(fast) == tiers(exact)
    assert fast.pair_score == sum(problem.score(a, b) for a, b in fast.groups)
    # The exact score is the best there is, so the gap fast reports (score_bound - pair_score) covers what it gave up.
    assert fast.pair_score <= exact.pair_score <= fast.score_bound == exact.score_bound


# 29 people of one level and profession; the two who may not meet are in different classes.
@example(Problem(scale=[0] * 29, step=[0] * 29, prof=[0] * 29,
                 org=[0] * 18 + [-1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0], site=[0] * 20 + [1] * 4 + [0] * 5,
                 forbidden={24: {25}, 25: {24}}), 0)
@given(problems(max_people=30, forbid=True), st.integers(0, 2**16))
def test_repair_swaps_keep_every_seat_in_its_class(problem: Problem, seed: int) -> None:
    """Swaps only exchange interchangeable people, so the repair never changes a pair's score."""
    # Pairs as the solver would make them before it knows who may not meet.
    unrestricted = solve(dataclasses.replace(problem, forbidden={}), seed, method="fast", odd="leave-out")
    pairs = [(group[0], group[1]) for group in unrestricted.groups]
    classes = _Classes(problem, random.Random(seed))
    class_of = {i: c for c, members in enumerate(classes.members) for i in members}
    before = Counter((class_of[a], class_of[b]) for a, b in pairs)

    loose = _repair(problem, classes, pairs)

    assert all(problem.allowed(a, b) for a, b in pairs)
    after = Counter((class_of[a], class_of[b]) for a, b in [*pairs, *zip(loose[::2], loose[1::2], strict=True)])
    assert after == before


@given(problems(forbid=True), st.booleans())
def test_weights_of_many_pairs_equal_each_pairs_weight(problem: Problem, novelty: bool) -> None:
    if novelty and problem.n:  # in a programme: everyone has met the first person's profession and organisation
        problem = dataclasses.replace(problem, met_professions=[{problem.prof[0]}] * problem.n,
                                      met_organisations=[{problem.org[0]}] * problem.n)
    pairs = list(problem.edges())
    assert problem.weights_of(pairs) == [problem.weight(i, j) for i, j in pairs]
