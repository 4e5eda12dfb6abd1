"""One score formula (scoring.points), fed three ways for speed (people, coded people, arrays): they must agree."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from peermatch.matching.graph import Problem, pair_scores
from peermatch.matching.scoring import Scorer
from peermatch.roster.config import Weights
from tests.factories import person

GRADES = ["Band 5", "Band 6", "Band 7", "Band 8a", "HEO", "SEO"]
PROFESSIONS = ["Nurse", "Social Worker", "GP", "social  worker "]
ORGANISATIONS = ["", "NHS Trust", "Council", "council"]
SITES = ["", "Riverside", "Hilltop"]

people_lists = st.lists(st.tuples(st.sampled_from(GRADES), st.sampled_from(PROFESSIONS),
                                  st.sampled_from(ORGANISATIONS), st.sampled_from(SITES)), min_size=2, max_size=10)
weight_sets = st.builds(Weights, same_level=st.integers(0, 200), level_step=st.integers(0, 100),
                        different_profession=st.integers(0, 100), different_organisation=st.integers(0, 50),
                        same_site=st.integers(0, 20))


@given(people_lists, weight_sets)
def test_the_three_score_formulas_agree(rows: list[tuple[str, str, str, str]], weights: Weights) -> None:
    people = [person(f"P{k}", grade, profession, organisation, site) for k, (grade, profession, organisation, site)
              in enumerate(rows)]
    problem = Problem.from_people(people, weights, max_gap=3)
    scorer = Scorer(weights=weights, max_level_gap=3)
    attributes = problem.attributes()
    compared = 0
    for i, j in itertools.combinations(range(len(people)), 2):
        if problem.gap(i, j) is None:
            continue  # different grading scales are never scored
        expected = scorer.score(people[i], people[j])
        assert problem.score(i, j) == expected
        assert int(pair_scores(weights, attributes[i], attributes[j])) == expected
        compared += 1
    assert compared == sum(1 for a, b in itertools.combinations(people, 2) if a.level.gap(b.level) is not None)


def test_a_hand_worked_score() -> None:
    nurse = person("N1", "Band 6", "Nurse", "NHS Trust", "Riverside")
    social_worker = person("S1", "Band 7", "Social Worker", "Council", "Riverside")
    # 100 for the level, less 60 for one step apart, +60 across professions, +20 across organisations, +5 same site
    assert Scorer().score(nurse, social_worker) == 100 - 60 + 60 + 20 + 5
    assert np.array_equal(pair_scores(Weights(), np.array([0, 6, 0, 0, 0]), np.array([0, 7, 1, 1, 0])), 125)
