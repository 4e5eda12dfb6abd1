"""Kinds of person in bulk: ``row_classes`` numbers equal rows as a loop over the people would, in one sort."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from peermatch.matching.graph import Problem, as_ends, row_classes
from peermatch.matching.solve import profession_counts
from peermatch.roster.config import Weights
from tests.factories import person


def numbered_by_a_loop(rows: np.ndarray) -> tuple[list[int], list[int]]:
    """The reference: a dictionary, as the people are met one by one."""
    index: dict[tuple[int, ...], int] = {}
    first: list[int] = []
    classes = []
    for at, row in enumerate(map(tuple, rows.tolist())):
        if row not in index:
            index[row] = len(index)
            first.append(at)
        classes.append(index[row])
    return classes, first


def test_a_worked_example() -> None:
    rows = np.array([[3, 1], [0, 0], [3, 1], [2, -5], [0, 0]])
    classes, first = row_classes(rows)
    assert classes.tolist() == [0, 1, 0, 2, 1]
    assert first.tolist() == [0, 1, 3]


def test_no_rows() -> None:
    classes, first = row_classes(np.zeros((0, 5), dtype=np.int64))
    assert classes.tolist() == [] and first.tolist() == []


@pytest.mark.parametrize("far", [
    3,  # a few possible rows: numbered by slot
    100_000,  # more possible rows than slots worth keeping: numbered by sorting
    2**40,  # more possible rows than a number holds: compared whole
])
def test_every_way_of_numbering_agrees_with_a_loop(far: int) -> None:
    rows = np.array([[far, 0, 1], [0, 2, 1], [far, 0, 1], [0, 0, 0], [0, 2, 1], [1, far, 0]], dtype=np.int64)
    classes, first = row_classes(rows)
    assert (classes.tolist(), first.tolist()) == numbered_by_a_loop(rows)
    assert classes.tolist() == [0, 1, 0, 2, 1, 3]


def test_values_too_far_apart_to_number_by_arithmetic() -> None:
    # Spans of 2**40 in two columns multiply past 2**62: the rows are compared whole instead.
    rows = np.array([[2**40, 0], [0, 2**40], [2**40, 0], [0, 0]], dtype=np.int64)
    classes, first = row_classes(rows)
    assert classes.tolist() == [0, 1, 0, 2]
    assert first.tolist() == [0, 1, 3]


@given(arrays(np.int64, st.tuples(st.integers(0, 60), st.integers(1, 5)),
              elements=st.one_of(st.integers(-3, 3), st.integers(-2**61, 2**61))))
def test_classes_are_numbered_as_a_loop_numbers_them(rows: np.ndarray) -> None:
    classes, first = row_classes(rows)
    expected_classes, expected_first = numbered_by_a_loop(rows)
    assert classes.tolist() == expected_classes
    assert first.tolist() == expected_first


def test_pairs_as_an_array() -> None:
    assert as_ends([(4, 1), (0, 7)]).tolist() == [[4, 1], [0, 7]]
    assert as_ends([]).shape == (0, 2)


def problem_of(scale: list[int], step: list[int], prof: list[int], absent: frozenset[int] = frozenset()) -> Problem:
    n = len(scale)
    return Problem(scale=scale, step=step, prof=prof, org=[-1] * n, site=[-1] * n, absent=absent)


def test_profession_counts_by_hand() -> None:
    # Band 5 (0, 5): two nurses and a social worker; Band 6 (0, 6): one nurse, who sits this round out.
    problem = problem_of([0, 0, 0, 0], [5, 5, 6, 5], [0, 0, 0, 1], absent=frozenset({2}))
    assert profession_counts(problem) == {(0, 5): {0: 2, 1: 1}}
    assert profession_counts(problem, np.array([True, False, True, True])) == {(0, 5): {0: 1, 1: 1}, (0, 6): {0: 1}}


def test_attributes_are_made_once_and_cannot_be_changed() -> None:
    problem = problem_of([0, 0, 1], [5, 6, 2], [0, 1, 2])
    attributes = problem.attributes()
    assert attributes.tolist() == [[0, 5, 0, -1, -1], [0, 6, 1, -1, -1], [1, 2, 2, -1, -1]]
    assert problem.attributes() is attributes
    assert problem.without(1).attributes() is attributes
    rounds_problem = problem.sitting_out({0, 2})
    assert rounds_problem.absent == {0, 2} and rounds_problem.attributes() is attributes
    with pytest.raises(ValueError, match="read-only"):
        attributes[0, 0] = 3


def test_grading_scales_are_ranked_by_name() -> None:
    # Codes follow the roster (civil service first), ranks the alphabet: "band" before "civil-service".
    people = [person("1", "EO"), person("2", "Band 5"), person("3", "HEO", "GP")]
    problem = Problem.from_people(people, Weights(), max_gap=1)
    assert problem.scale[0] != problem.scale[1]
    assert problem.scale_rank()[problem.scale].tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="from_people"):
        problem_of([0, 1], [5, 5], [0, 1]).scale_rank()
