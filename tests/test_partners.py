"""Who can partner whom: the linear count agrees with the pair-by-pair rule."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from peermatch.matching.graph import Problem
from peermatch.matching.partners import partner_counts
from peermatch.matching.solve import ideal_pairs_possible, pairs_possible, solve_exact
from peermatch.roster.config import Weights
from tests.factories import person


@given(st.lists(st.tuples(st.sampled_from(["Band 4", "Band 5", "Band 6", "Band 8a", "EO", "HEO"]),
                          st.sampled_from(["Nurse", "GP", "Social Worker"])), min_size=1, max_size=14),
       st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=20),
       st.sets(st.integers(0, 13), max_size=3), st.sampled_from([0, 1, 2]))
def test_counts_match_the_allowed_rule_pair_by_pair(people: list[tuple[str, str]], exclude: list[tuple[int, int]],
                                                   absent: set[int], gap: int) -> None:
    staff = [person(str(i), grade, profession) for i, (grade, profession) in enumerate(people)]
    # Repeated and reversed pairs on purpose: an exclusion and a past meeting may name the same pair.
    pairs = [(str(a), str(b)) for a, b in exclude + [(b, a) for a, b in exclude]]
    problem = Problem.from_people(staff, Weights(), gap, pairs)
    problem = dataclasses.replace(problem, absent=frozenset(a for a in absent if a < len(staff)))
    partners = partner_counts(problem)
    for i in range(problem.n):
        assert partners.possible[i] == sum(problem.allowed(i, j) for j in range(problem.n))
        in_reach = sum(1 for j in range(problem.n) if j != i and j not in problem.absent and i not in problem.absent
                       and (g := problem.gap(i, j)) is not None and g <= gap)
        assert partners.in_reach[i] == in_reach
        assert (partners.why_none(i) is None) == bool(partners.possible[i])


def test_a_lone_director_and_a_fully_excluded_nurse() -> None:
    staff = [person("D", "Band 9", "Director"), person("N1", "Band 5", "Nurse"), person("N2", "Band 5", "GP")]
    partners = partner_counts(Problem.from_people(staff, Weights(), 1, [("N1", "N2")]))
    assert [partners.why_none(i) for i in range(3)] == ["alone", "excluded", "excluded"]
    assert partners.in_reach == [0, 1, 1] and partners.possible == [0, 0, 0]


def test_someone_sitting_out_neither_counts_nor_blocks() -> None:
    staff = [person("A", "Band 5", "Nurse"), person("B", "Band 5", "GP"), person("C", "Band 5", "Pharmacist")]
    problem = dataclasses.replace(Problem.from_people(staff, Weights(), 0, [("A", "B")]), absent=frozenset({1}))
    partners = partner_counts(problem)
    assert partners.possible == [1, 0, 1] and partners.in_reach == [1, 0, 1]


@given(st.lists(st.tuples(st.sampled_from(["Band 4", "Band 5", "Band 6", "Band 8a"]),
                          st.sampled_from(["Nurse", "GP", "Social Worker"])), min_size=2, max_size=12),
       st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=12), st.sampled_from([0, 1, 2]))
def test_no_pairing_with_the_most_ideal_pairs_holds_more_pairs_than_the_bound(
        people: list[tuple[str, str]], exclude: list[tuple[int, int]], gap: int) -> None:
    staff = [person(str(i), grade, profession) for i, (grade, profession) in enumerate(people)]
    problem = Problem.from_people(staff, Weights(), gap, [(str(a), str(b)) for a, b in exclude])
    best = solve_exact(problem, 1)  # ideal pairs first, then as many pairs as can be
    if sum(problem.is_ideal(*p) for p in best) == ideal_pairs_possible(problem):
        assert len(best) <= pairs_possible(problem, partner_counts(problem))
    assert len(best) <= sum(1 for n in partner_counts(problem).possible if n) // 2


def test_pairs_possible_by_hand() -> None:
    # Band 5: three nurses and a GP hold one ideal pair, and two nurses are left to pair with each other.
    # Band 8a, alone: nobody within reach.
    staff = [person("1", "Band 5", "Nurse"), person("2", "Band 5", "Nurse"), person("3", "Band 5", "Nurse"),
             person("4", "Band 5", "GP"), person("5", "Band 6", "GP"), person("6", "Band 6", "Pharmacist"),
             person("7", "Band 6", "Nurse"), person("8", "Band 8a", "Nurse")]
    problem = Problem.from_people(staff, Weights(), 1)
    # Ideal: one at Band 5, one at Band 6; left over: two nurses at Band 5 and one at Band 6, one stretch: one pair.
    assert pairs_possible(problem, partner_counts(problem)) == 3
    problem = Problem.from_people(staff, Weights(), 0)
    # With levels kept apart, the two Band 5 nurses still pair; the Band 6 nurse is left over.
    assert pairs_possible(problem, partner_counts(problem)) == 3
