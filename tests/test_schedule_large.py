"""Schedules on the fast path (more than 120 people), every round held against exact matching of that round.

Rosters of many organisations and sites, where hardly anyone is interchangeable: the fast solver's swaps between
identical people cannot repair a repeated pair there, so these are the rosters that show whether a round is really
solved again given who has met.  The baseline for each round is the maximum-weight matching of the whole candidate
graph (rustworkx, the same blossom algorithm as networkx) given everyone the plan's earlier rounds paired.
"""

from __future__ import annotations

import random
from datetime import datetime

import pytest
import rustworkx as rx
from hypothesis import example, given, settings
from hypothesis import strategies as st

from peermatch.matching.graph import Problem
from peermatch.matching.partners import partner_counts
from peermatch.matching.schedule import Interval, plan_schedule
from peermatch.matching.solve import pairs_possible
from peermatch.models import Roster, Schedule
from peermatch.roster.config import Config
from tests.factories import person, roster_of

GRADES = ("Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a")
PROFESSIONS = ("Nurse", "Social Worker", "Work Coach", "Occupational Therapist", "Physiotherapist", "Pharmacist",
               "Paramedic", "GP", "Housing Officer", "Psychologist")


def many_organisations(size: int, organisations: int, seed: int) -> Roster:
    rng = random.Random(seed)
    return roster_of(*[person(f"P{k:04d}", rng.choices(GRADES, (10, 14, 20, 16, 10, 5))[0],
                              rng.choices(PROFESSIONS, (30, 10, 9, 7, 7, 6, 6, 5, 5, 4))[0],
                              f"Org {rng.randrange(organisations)}", f"Site {rng.randrange(organisations // 2)}",
                              row=k + 2) for k in range(size)])


def plan(roster: Roster, rounds: int, seed: int) -> Schedule:
    interval = Interval(2, "weeks")
    starts = [interval.after(datetime(2027, 1, 11, 9), k) for k in range(rounds)]
    return plan_schedule(roster, Config(), starts=starts, labels=[f"R-{k + 1}" for k in range(rounds)],
                         interval=interval, seed=seed)


def round_problems(roster: Roster, schedule: Schedule) -> list[Problem]:
    """Each round's problem as the planner met it: everyone the earlier rounds put together may not meet again."""
    config, met, problems = Config(), list[tuple[str, str]](), []
    for rnd in schedule.rounds:
        problems.append(Problem.from_people(roster.people, config.weights, config.rules.max_level_gap, met))
        met += [(a, b) for group in rnd.groups for a in group.members for b in group.members if a < b]
    return problems


def exact(problem: Problem) -> tuple[int, int]:
    """Ideal pairs and pairs of the maximum-weight matching of the whole candidate graph."""
    graph = rx.PyGraph()
    graph.add_nodes_from(range(problem.n))
    graph.add_edges_from([(i, j, problem.weight(i, j)) for i, j in problem.edges()])
    matched = rx.max_weight_matching(graph, weight_fn=lambda weight: weight)
    return sum(problem.is_ideal(i, j) for i, j in matched), len(matched)


@settings(max_examples=4, deadline=None)
@given(st.integers(150, 400), st.integers(15, 60), st.integers(2, 4), st.integers(0, 2**16))
@example(size=393, organisations=27, rounds=4, seed=0)  # a fairer odd one out once cost two groups of three
@example(size=400, organisations=43, rounds=4, seed=0)  # the leftovers need partners outside the ideal ones
def test_every_round_holds_as_many_ideal_pairs_as_exact_and_no_more_groups_of_three(
        size: int, organisations: int, rounds: int, seed: int) -> None:
    roster = many_organisations(size, organisations, seed)
    schedule = plan(roster, rounds, seed)
    for rnd, quality, problem in zip(schedule.rounds, schedule.summary["per_round"],
                                     round_problems(roster, schedule), strict=True):
        ideal, pairs = exact(problem)
        assert quality["ideal_pairs"] >= ideal
        assert quality["ideal_pairs"] <= quality["ideal_pairs_bound"]
        # Whoever exact matching leaves over, though someone may meet them, is a third member of a group at most.
        left_over = sum(1 for n in partner_counts(problem).possible if n) - 2 * pairs
        threes = sum(len(group.members) == 3 for group in rnd.groups)
        assert threes <= left_over and threes == quality["groups_of_three"]
        assert quality["pair_score"] <= quality["score_bound"]


@pytest.mark.parametrize("seed", [1, 2])
def test_groups_of_three_only_for_an_odd_count(seed: int) -> None:
    # 2,000 people from 80 organisations: by the third round, a repair by swapping identical people fails for
    # most repeated pairs, and used to make them groups of three.
    roster = many_organisations(2000, 80, seed)
    schedule = plan(roster, 3, seed)
    for rnd, quality, problem in zip(schedule.rounds, schedule.summary["per_round"],
                                     round_problems(roster, schedule), strict=True):
        partners = partner_counts(problem)
        # Once each level holds its ideal pairs, who is left over: one per stretch of ladder with an odd count.
        left_over = sum(1 for n in partners.possible if n) - 2 * pairs_possible(problem, partners)
        assert quality["ideal_pairs"] == quality["ideal_pairs_bound"] and quality["optimal"]
        assert sum(len(group.members) == 3 for group in rnd.groups) == left_over
        assert not rnd.unmatched
