"""Who can partner whom: the linear count agrees with the pair-by-pair rule."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from peermatch.matching.graph import Problem
from peermatch.matching.partners import partner_counts
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
