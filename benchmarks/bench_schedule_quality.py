"""Benchmark the quality of every round of ``peermatch schedule`` beside round-by-round exact matching.

Not part of the test suite.  Rosters shaped like a real integrated care system, where hardly anyone is
interchangeable: many organisations and sites, professions spread across them, grades from Band 2 to Band 9.
For each round of the plan, the baseline is the exact maximum-weight matching of that same round (rustworkx on
the whole candidate graph, given who met in the plan's earlier rounds).  Target: every round holds at least as
many ideal pairs as the baseline, and no more groups of three.

    python benchmarks/bench_schedule_quality.py --out benchmarks/schedule-quality.md

Also measures what the fast solver's 2-opt phase adds to the score of one pairing (``--two-opt``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import rustworkx as rx

from peermatch.matching import fast
from peermatch.matching.graph import Problem
from peermatch.matching.partners import partner_counts
from peermatch.matching.schedule import Interval, plan_schedule
from peermatch.matching.solve import solve
from peermatch.models import Person, Roster
from peermatch.roster.config import Config
from peermatch.roster.levels import LevelScheme
from peermatch.text import fold

GRADES = ("Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a", "Band 8b", "Band 9")
GRADE_WEIGHTS = (6, 14, 16, 22, 18, 12, 6, 3, 1)
PROFESSIONS = ("Nurse", "Social Worker", "Work Coach", "Occupational Therapist", "Physiotherapist",
               "Mental Health Practitioner", "Housing Officer", "Pharmacist", "Paramedic", "GP",
               "Employment Adviser", "Social Prescribing Link Worker", "Dietitian", "Psychologist")
PROFESSION_WEIGHTS = (30, 10, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2)
CASES = ((250, 40, 25, 5), (400, 15, 10, 6))  # people, organisations, sites, rounds


def many_organisations(size: int, organisations: int, sites: int, seed: int) -> Roster:
    """A roster where few people share level, profession, organisation and site."""
    rng = random.Random(seed)
    scheme = LevelScheme()
    people = []
    for k in range(size):
        grade = rng.choices(GRADES, GRADE_WEIGHTS)[0]
        profession = rng.choices(PROFESSIONS, PROFESSION_WEIGHTS)[0]
        organisation, site = f"Org {rng.randrange(organisations)}", f"Site {rng.randrange(sites)}"
        people.append(Person(id=f"P{k:05d}", name="", email="", grade=grade, level=scheme.resolve(grade),
                             profession=profession, organisation=organisation, site=site, row=k + 2,
                             profession_key=fold(profession), organisation_key=fold(organisation),
                             site_key=fold(site)))
    return Roster(path=Path("roster.csv"), people=people)


def exact_round(problem: Problem) -> tuple[int, int]:
    """Ideal pairs and pairs of the exact maximum-weight matching of ``problem`` (the whole candidate graph)."""
    graph = rx.PyGraph()
    graph.add_nodes_from(range(problem.n))
    graph.add_edges_from([(i, j, problem.weight(i, j)) for i, j in problem.edges()])
    matched = rx.max_weight_matching(graph, weight_fn=lambda weight: weight)
    return sum(problem.is_ideal(i, j) for i, j in matched), len(matched)


def quality(size: int, organisations: int, sites: int, rounds: int, seed: int) -> list[str]:
    roster = many_organisations(size, organisations, sites, seed)
    config = Config()
    interval = Interval(2, "weeks")
    starts = [interval.after(datetime(2027, 1, 11, 9), k) for k in range(rounds)]
    began = time.perf_counter()
    plan = plan_schedule(roster, config, starts=starts, labels=[f"R-{k + 1}" for k in range(rounds)],
                         interval=interval, seed=seed)
    planning = time.perf_counter() - began
    index = {p.id: i for i, p in enumerate(roster.people)}
    met: list[tuple[str, str]] = []
    lines = []
    exact_time = []
    for rnd, quality_row in zip(plan.rounds, plan.summary["per_round"], strict=True):
        problem = Problem.from_people(roster.people, config.weights, config.rules.max_level_gap, met)
        began = time.perf_counter()
        ideal, pairs = exact_round(problem)
        exact_time.append(time.perf_counter() - began)
        # Whoever exact matching leaves without a partner, though someone is allowed to meet them, joins a pair.
        exact_threes = sum(1 for n in partner_counts(problem).possible if n) - 2 * pairs
        threes = sum(len(g.members) == 3 for g in rnd.groups)
        ours = quality_row["ideal_pairs"]
        verdict = "ok" if ours >= ideal and threes <= exact_threes else "WORSE"
        lines.append(f"| {size:,} ({organisations} orgs, {sites} sites) | {rnd.number} | {ours} | {ideal} | "
                     f"{quality_row['ideal_pairs_bound']} | {threes} | {exact_threes} | {len(rnd.unmatched)} | "
                     f"{quality_row['score_bound'] - quality_row['pair_score']} | {verdict} |")
        for group in rnd.groups:
            members = [index[m] for m in group.members]
            met += [(roster.people[a].id, roster.people[b].id) for a in members for b in members if a < b]
    lines.append(f"| {size:,} | all | {plan.summary['ideal_pairs']} | | | "
                 f"{plan.summary['groups_of_three']} | | | planned in {planning:.1f} s "
                 f"(exact per round: median {statistics.median(exact_time):.1f} s) | |")
    return lines


def two_opt_gain(size: int, seed: int) -> str:
    """The score one pairing gains from the 2-opt phase: the same solve with and without it."""
    roster = many_organisations(size, 8, 6, seed)
    config = Config()
    problem = Problem.from_people(roster.people, config.weights, config.rules.max_level_gap)
    with_it = solve(problem, seed, method="fast").pair_score
    keep = fast._two_opt
    fast._two_opt = lambda *args: None  # type: ignore[assignment]
    try:
        without = solve(problem, seed, method="fast").pair_score
    finally:
        fast._two_opt = keep
    bound = solve(problem, seed, method="fast").score_bound
    return (f"| {size:,} | {with_it:,} | {without:,} | {with_it - without:+,} | {bound:,} |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    lines = ["| Roster | Round | Ideal pairs | Exact round | Bound | Groups of three | Exact round | Unmatched "
             "| Score gap | |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for size, organisations, sites, rounds in CASES:
        print(f"schedule quality: {size:,} people, {rounds} rounds", file=sys.stderr)
        lines += quality(size, organisations, sites, rounds, args.seed)
    lines += ["", "| People (one pairing, fast) | Score with 2-opt | Without | 2-opt adds | Score bound |",
              "|---:|---:|---:|---:|---:|"]
    for size in (2_000, 20_000):
        lines.append(two_opt_gain(size, args.seed))
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
